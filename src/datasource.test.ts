import { dateTime, FieldType, ScopedVars } from '@grafana/data';
import { lastValueFrom } from 'rxjs';

import { mockDataSource, seedResources } from './testUtils/mockDataSource';
import { installTemplateSrv } from './testUtils/fakeTemplateSrv';
import { CassandraOptions, CassandraQuery } from './types';

function makeDataSource(jsonData?: Partial<CassandraOptions>) {
  return mockDataSource(jsonData, (path, params) => {
    if (path === 'variable') {
      return [
        { text: 'api', value: 'api' },
        { text: 'Web front end', value: 'web' },
      ];
    }
    return seedResources(path, params);
  });
}

const builder: CassandraQuery = {
  refId: 'A',
  queryType: 'builder',
  keyspace: 'metric_data',
  table: 'raw_counter_with_interval',
  timeColumn: 'metric_timestamp',
  valueColumns: ['count'],
  seriesColumns: ['environment'],
  filters: [],
  aggregations: [],
  interval: 'auto',
  fill: 'null',
};

const INJECTION = "O'Brien'); DROP TABLE x; --";

describe('applyTemplateVariables', () => {
  beforeEach(() => {
    installTemplateSrv({
      env: 'prod',
      envs: ['prod', 'staging'],
      who: INJECTION,
      many: ["it's", 'plain'],
      limit: '100',
      table: 'raw_timer',
      measures: ['p99', 'mean'],
    });
  });

  it('quotes and escapes text in raw CQL so a value cannot end the literal', () => {
    const { ds } = makeDataSource();
    const out = ds.applyTemplateVariables(
      { refId: 'A', queryType: 'cql', rawCql: 'SELECT * FROM t WHERE name = $who' },
      {}
    );
    expect(out.rawCql).toBe("SELECT * FROM t WHERE name = 'O''Brien''); DROP TABLE x; --'");
  });

  it('turns multi-value variables into CQL lists and leaves numbers bare', () => {
    const { ds } = makeDataSource();
    const out = ds.applyTemplateVariables(
      { refId: 'A', queryType: 'cql', rawCql: 'SELECT * FROM t WHERE e IN ($envs) AND x IN (${many}) LIMIT $limit' },
      {}
    );
    expect(out.rawCql).toBe("SELECT * FROM t WHERE e IN ('prod', 'staging') AND x IN ('it''s', 'plain') LIMIT 100");
  });

  it('honours an explicit format and scoped variables', () => {
    const { ds } = makeDataSource();
    const scoped: ScopedVars = { env: { text: 'dev', value: 'dev' } };
    const out = ds.applyTemplateVariables(
      { refId: 'A', queryType: 'cql', rawCql: 'SELECT * FROM ${table:raw} WHERE e = $env' },
      scoped
    );
    expect(out.rawCql).toBe("SELECT * FROM raw_timer WHERE e = 'dev'");
  });

  it('expands multi-value variables in builder filters into several values (IN)', () => {
    const { ds } = makeDataSource();
    const out = ds.applyTemplateVariables(
      {
        ...builder,
        filters: [
          { column: 'environment', op: '=', values: ['$envs'] },
          { column: 'application', op: '=', values: ['$who'] },
          { column: 'metric_name', op: '=', values: [] },
        ],
      },
      {}
    );
    expect(out.filters).toEqual([
      { column: 'environment', op: 'IN', values: ['prod', 'staging'] },
      // Builder values are sent as bound parameters, so they travel unquoted.
      { column: 'application', op: '=', values: [INJECTION] },
    ]);
  });

  it('interpolates table, value columns and alias in builder queries', () => {
    const { ds } = makeDataSource();
    const out = ds.applyTemplateVariables(
      { ...builder, table: '$table', valueColumns: ['$measures', 'count'], alias: '$env {{measure}}' },
      {}
    );
    expect(out.table).toBe('raw_timer');
    expect(out.valueColumns).toEqual(['p99', 'mean', 'count']);
    expect(out.alias).toBe('prod {{measure}}');
    expect(out.queryType).toBe('builder');
  });

  it('fills in the default keyspace', () => {
    const { ds } = makeDataSource({ keyspace: 'metric_data' });
    expect(ds.applyTemplateVariables({ ...builder, keyspace: undefined }, {}).keyspace).toBe('metric_data');
  });

  it('adds ad hoc filters to builder queries and skips unsupported operators', () => {
    const { ds } = makeDataSource();
    const out = ds.applyTemplateVariables(builder, {}, [
      { key: 'environment', operator: '=', value: 'prod' },
      { key: 'application', operator: '=|', value: 'api', values: ['api', 'web'] },
      { key: 'metric_name', operator: '=~', value: 'req.*' },
    ]);
    expect(out.filters).toEqual([
      { column: 'environment', op: '=', values: ['prod'] },
      { column: 'application', op: 'IN', values: ['api', 'web'] },
    ]);
  });

  it('leaves out ad hoc filters on columns the table does not have, once its columns are known', async () => {
    const { ds } = makeDataSource();
    await ds.getTagKeys({ filters: [], queries: [builder] });
    const out = ds.applyTemplateVariables(builder, {}, [
      { key: 'environment', operator: '=', value: 'prod' },
      { key: 'region', operator: '=', value: 'eu' },
    ]);
    expect(out.filters).toEqual([{ column: 'environment', op: '=', values: ['prod'] }]);
  });

  it('does not apply ad hoc filters to raw CQL', () => {
    const { ds } = makeDataSource();
    const q: CassandraQuery = { refId: 'A', queryType: 'cql', rawCql: 'SELECT 1' };
    const out = ds.applyTemplateVariables(q, {}, [{ key: 'environment', operator: '=', value: 'prod' }]);
    expect(out.rawCql).toBe('SELECT 1');
    expect(out.filters).toBeUndefined();
  });
});

describe('filterQuery', () => {
  beforeEach(() => installTemplateSrv());

  it('keeps complete queries', () => {
    const { ds } = makeDataSource();
    expect(ds.filterQuery(builder)).toBe(true);
    expect(ds.filterQuery({ refId: 'B', queryType: 'cql', rawCql: 'SELECT * FROM t' })).toBe(true);
  });

  it.each<[string, CassandraQuery]>([
    ['hidden', { ...builder, hide: true }],
    ['no keyspace', { ...builder, keyspace: '' }],
    ['no table', { ...builder, table: undefined }],
    ['no time column', { ...builder, timeColumn: '' }],
    ['no value columns', { ...builder, valueColumns: [] }],
    ['empty CQL', { refId: 'A', queryType: 'cql', rawCql: '   ' }],
    ['CQL mode without CQL', { ...builder, queryType: 'cql' }],
    ['a new query', { refId: 'A' }],
  ])('drops a query with %s without throwing', (_, q) => {
    const { ds } = makeDataSource();
    expect(ds.filterQuery(q)).toBe(false);
  });

  it('accepts a builder query without keyspace when the data source has a default', () => {
    const { ds } = makeDataSource({ keyspace: 'metric_data' });
    expect(ds.filterQuery({ ...builder, keyspace: undefined })).toBe(true);
  });
});

describe('variables, metricFindQuery and ad hoc filters', () => {
  beforeEach(() => installTemplateSrv({ env: 'prod' }));

  it('runs variable queries through the variable resource with time range and interpolated CQL', async () => {
    const { ds, getResource } = makeDataSource();
    const range = { from: dateTime(1000), to: dateTime(2000), raw: { from: 'now-1h', to: 'now' } };
    const values = await ds.metricFindQuery({ refId: 'v', rawCql: 'SELECT app FROM apps WHERE env = $env' }, { range });
    expect(getResource).toHaveBeenCalledWith('variable', {
      query: "SELECT app FROM apps WHERE env = 'prod'",
      from: 1000,
      to: 2000,
    });
    expect(values).toEqual([
      { text: 'api', value: 'api' },
      { text: 'Web front end', value: 'web' },
    ]);
  });

  // Dashboards hold variable queries in three shapes; provisioning files mostly use {query}.
  it.each([
    ['a plain string', 'SELECT app FROM apps WHERE env = $env'],
    ['{query}', { refId: 'v', query: 'SELECT app FROM apps WHERE env = $env' }],
    ['{rawCql}', { refId: 'v', rawCql: 'SELECT app FROM apps WHERE env = $env' }],
  ])('runs variable queries saved as %s, through metricFindQuery and the variable support', async (_, saved) => {
    const { ds, getResource } = makeDataSource();
    expect(await ds.metricFindQuery(saved)).toHaveLength(2);
    const variables = ds.variables as unknown as {
      query: (r: unknown) => import('rxjs').Observable<{ data: Array<import('@grafana/data').DataFrame> }>;
    };
    const response = await lastValueFrom(variables.query({ targets: [saved], scopedVars: {} }));
    expect(response.data[0].length).toBe(2);
    expect(getResource).toHaveBeenCalledTimes(2);
    for (const call of getResource.mock.calls) {
      expect(call).toEqual([
        'variable',
        { query: "SELECT app FROM apps WHERE env = 'prod'", from: undefined, to: undefined },
      ]);
    }
  });

  it('does not call the backend for an empty variable query', async () => {
    const { ds, getResource } = makeDataSource();
    expect(await ds.metricFindQuery('  ')).toEqual([]);
    expect(getResource).not.toHaveBeenCalled();
  });

  it('answers custom variable support requests with text and value fields', async () => {
    const { ds } = makeDataSource();
    const variables = ds.variables as unknown as {
      query: (r: unknown) => import('rxjs').Observable<{ data: Array<import('@grafana/data').DataFrame> }>;
    };
    const response = await lastValueFrom(
      variables.query({ targets: [{ refId: 'v', rawCql: 'SELECT app FROM apps' }], scopedVars: {} })
    );
    const frame = response.data[0];
    expect(frame.fields.map((f) => [f.name, f.type, f.values])).toEqual([
      ['text', FieldType.string, ['api', 'Web front end']],
      ['value', FieldType.string, ['api', 'web']],
    ]);
  });

  it('offers the partition key columns of the first builder query as ad hoc keys', async () => {
    const { ds, getResource } = makeDataSource();
    const keys = await ds.getTagKeys({
      filters: [],
      queries: [{ refId: 'A', queryType: 'cql', rawCql: 'SELECT 1' }, builder],
    });
    expect(getResource).toHaveBeenCalledWith('columns', {
      keyspace: 'metric_data',
      table: 'raw_counter_with_interval',
    });
    expect(keys.map((k) => k.text)).toEqual(['environment', 'application', 'metric_name']);
  });

  it('has no ad hoc keys without a builder query', async () => {
    const { ds, getResource } = makeDataSource();
    expect(await ds.getTagKeys({ filters: [], queries: [] })).toEqual([]);
    expect(getResource).not.toHaveBeenCalled();
  });

  it('offers partition key values as ad hoc values', async () => {
    const { ds, getResource } = makeDataSource();
    const values = await ds.getTagValues({ key: 'environment', filters: [], queries: [builder] });
    expect(getResource).toHaveBeenCalledWith('values', {
      keyspace: 'metric_data',
      table: 'raw_counter_with_interval',
      column: 'environment',
      limit: 1000,
    });
    expect(values.map((v) => v.text)).toEqual(['prod', 'staging']);
  });

  it('uses the same query editor for annotations, defaulting to a CQL table', () => {
    const { ds } = makeDataSource();
    expect(ds.annotations.QueryEditor).toBeUndefined();
    expect(ds.annotations.getDefaultQuery?.()).toEqual({ queryType: 'cql', format: 'table' });
  });

  it('starts new queries in builder mode on the default keyspace', () => {
    const { ds } = makeDataSource({ keyspace: 'metric_data' });
    expect(ds.getDefaultQuery('panel-editor' as never)).toMatchObject({
      queryType: 'builder',
      keyspace: 'metric_data',
      interval: 'auto',
      fill: 'null',
    });
  });
});
