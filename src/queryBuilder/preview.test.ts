import { CassandraQuery, ColumnInfo, MeasureInfo } from '../types';
import { buildCqlPreview, isVariableReference, quoteIdentifier, quoteLiteral } from './preview';

const columns: ColumnInfo[] = [
  { name: 'environment', type: 'text', kind: 'partition_key', position: 0 },
  { name: 'application', type: 'text', kind: 'partition_key', position: 1 },
  { name: 'metric_name', type: 'text', kind: 'partition_key', position: 2 },
  { name: 'metric_timestamp', type: 'timestamp', kind: 'clustering', position: 0, clusteringOrder: 'ASC' },
  { name: 'count', type: 'bigint', kind: 'regular', position: -1 },
  { name: 'bucket', type: 'int', kind: 'clustering', position: 1 },
];

const measures: MeasureInfo[] = [
  { name: 'count', type: 'bigint', derived: false, defaultAggregation: 'max' },
  { name: 'previous_count', type: 'bigint', derived: false, defaultAggregation: 'max' },
  { name: 'interval_count', type: 'bigint', derived: true, defaultAggregation: 'sum' },
];

const base: CassandraQuery = {
  refId: 'A',
  queryType: 'builder',
  keyspace: 'metric_data',
  table: 'raw_counter_with_interval',
  timeColumn: 'metric_timestamp',
  valueColumns: ['count'],
  seriesColumns: ['environment', 'application', 'metric_name'],
  filters: [],
  aggregations: [],
  interval: 'auto',
  fill: 'null',
};

describe('quoting', () => {
  it('doubles quotes inside identifiers and literals', () => {
    expect(quoteIdentifier('weird"name')).toBe('"weird""name"');
    expect(quoteIdentifier('Count')).toBe('"Count"');
    expect(quoteLiteral("O'Brien')")).toBe("'O''Brien'')'");
  });

  it('recognises whole variable references only', () => {
    expect(isVariableReference('$env')).toBe(true);
    expect(isVariableReference('${env:csv}')).toBe(true);
    expect(isVariableReference('[[env]]')).toBe(true);
    expect(isVariableReference('prod-$env')).toBe(false);
    expect(isVariableReference('US$')).toBe(false);
  });
});

describe('buildCqlPreview', () => {
  it('is empty until a table is chosen', () => {
    expect(buildCqlPreview({ refId: 'A' })).toBe('');
  });

  it('renders a seed-table query with filters, time range and binning notes', () => {
    const cql = buildCqlPreview(
      {
        ...base,
        valueColumns: ['count', 'interval_count'],
        filters: [
          { column: 'environment', op: '=', values: ['prod'] },
          { column: 'application', op: 'IN', values: ['api', "o'neil"] },
          { column: 'metric_name', op: '=', values: ['$metric'] },
        ],
        limit: 500,
      },
      { columns, measures }
    );
    expect(cql).toBe(
      [
        'SELECT "environment", "application", "metric_name", "metric_timestamp", "count", "previous_count"',
        'FROM "metric_data"."raw_counter_with_interval"',
        `WHERE "environment" = 'prod'`,
        `  AND "application" IN ('api', 'o''neil')`,
        '  AND "metric_name" = $metric',
        '  AND "metric_timestamp" >= :from AND "metric_timestamp" < :to',
        'LIMIT 500',
        '-- derived by the server: interval_count = count - previous_count',
        '-- bins: auto, fill null',
        '-- per bin: max(count), sum(interval_count)',
      ].join('\n')
    );
  });

  it('turns = with several values into IN and keeps numbers bare for numeric columns', () => {
    const cql = buildCqlPreview(
      {
        ...base,
        filters: [
          { column: 'environment', op: '=', values: ['a', 'b'] },
          { column: 'bucket', op: '>=', values: ['3'] },
          { column: 'metric_name', op: '=', values: [] },
        ],
      },
      { columns }
    );
    expect(cql).toContain(`WHERE "environment" IN ('a', 'b')`);
    expect(cql).toContain('  AND "bucket" >= 3');
    expect(cql).not.toContain('metric_name" =');
  });

  it('uses the default keyspace, chosen aggregations, fill value and ALLOW FILTERING', () => {
    const cql = buildCqlPreview(
      {
        ...base,
        keyspace: '',
        aggregations: ['avg', 'p99'],
        interval: '1m',
        fill: 'value',
        fillValue: 0,
        allowFiltering: true,
      },
      { defaultKeyspace: 'ks' }
    );
    expect(cql).toContain('FROM "ks"."raw_counter_with_interval"');
    expect(cql).toContain('ALLOW FILTERING');
    expect(cql).toContain('-- bins: 1m, fill value 0');
    expect(cql).toContain('-- per bin: avg(count), p99(count)');
  });

  it('describes instant queries', () => {
    const cql = buildCqlPreview({ ...base, instant: true }, { measures });
    expect(cql).toContain('-- instant: latest max(count) per series');
    expect(cql).not.toContain('-- bins');
  });

  it('selects * when no columns are chosen yet', () => {
    expect(buildCqlPreview({ refId: 'A', table: 't' })).toBe('SELECT *\nFROM "t"');
  });
});
