import { fakeTemplateSrv } from './testUtils/fakeTemplateSrv';
import { adHocToFilters, expandValue, formatCqlValue, queryModeOf } from './templating';

const srv = fakeTemplateSrv({ env: 'prod', apps: ['api', 'web'] });
const replace = srv.replace.bind(srv);

describe('formatCqlValue', () => {
  it('quotes text, doubles quotes, keeps numbers and lists multi-values', () => {
    expect(formatCqlValue("O'Brien'); DROP TABLE x; --")).toBe("'O''Brien''); DROP TABLE x; --'");
    expect(formatCqlValue('42')).toBe('42');
    expect(formatCqlValue('-1.5e3')).toBe('-1.5e3');
    expect(formatCqlValue('42 OR 1=1')).toBe("'42 OR 1=1'");
    expect(formatCqlValue(['a', "b'c", '7'])).toBe("'a', 'b''c', 7");
    expect(formatCqlValue([])).toBe("''");
    expect(formatCqlValue(undefined)).toBe("''");
  });
});

describe('expandValue', () => {
  it('expands a whole multi-value reference and interpolates embedded ones as text', () => {
    expect(expandValue('$apps', replace, {})).toEqual(['api', 'web']);
    expect(expandValue('${apps}', replace, {})).toEqual(['api', 'web']);
    expect(expandValue('app-$env', replace, {})).toEqual(['app-prod']);
    expect(expandValue('literal', replace, {})).toEqual(['literal']);
    expect(expandValue('$unknown', replace, {})).toEqual(['$unknown']);
  });
});

describe('adHocToFilters', () => {
  it('maps operators Cassandra supports on key columns', () => {
    expect(
      adHocToFilters([
        { key: 'a', operator: '>=', value: '3' },
        { key: 'b', operator: '=|', value: 'x', values: ['x'] },
        { key: 'c', operator: '!=', value: 'y' },
        { key: '', operator: '=', value: 'z' },
      ])
    ).toEqual([
      { column: 'a', op: '>=', values: ['3'] },
      { column: 'b', op: '=', values: ['x'] },
    ]);
  });
});

describe('queryModeOf', () => {
  it('defaults to the builder and recognises raw CQL', () => {
    expect(queryModeOf({ refId: 'A' })).toBe('builder');
    expect(queryModeOf({ refId: 'A', rawCql: 'SELECT 1' })).toBe('cql');
    expect(queryModeOf({ refId: 'A', queryType: 'builder', rawCql: 'SELECT 1' })).toBe('builder');
  });
});
