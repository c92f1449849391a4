import { fakeTemplateSrv } from './testUtils/fakeTemplateSrv';
import { adHocToFilters, expandValue, queryModeOf } from './templating';

const srv = fakeTemplateSrv({ env: 'prod', apps: ['api', 'web'] });
const replace = srv.replace.bind(srv);

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
