import { DataSourceInstanceSettings, PluginType } from '@grafana/data';

import { DataSource } from '../datasource';
import { CassandraOptions, CassandraQuery, ColumnInfo, MeasureInfo } from '../types';

export const seedColumns: ColumnInfo[] = [
  { name: 'environment', type: 'text', kind: 'partition_key', position: 0 },
  { name: 'application', type: 'text', kind: 'partition_key', position: 1 },
  { name: 'metric_name', type: 'text', kind: 'partition_key', position: 2 },
  { name: 'metric_timestamp', type: 'timestamp', kind: 'clustering', position: 0, clusteringOrder: 'ASC' },
  { name: 'count', type: 'bigint', kind: 'regular', position: -1 },
  { name: 'previous_count', type: 'bigint', kind: 'regular', position: -1 },
  { name: 'previous_metric_timestamp', type: 'timestamp', kind: 'regular', position: -1 },
];

export const seedMeasures: MeasureInfo[] = [
  { name: 'count', type: 'bigint', derived: false, defaultAggregation: 'max' },
  { name: 'previous_count', type: 'bigint', derived: false, defaultAggregation: 'max' },
  { name: 'interval_count', type: 'bigint', derived: true, defaultAggregation: 'sum' },
];

export function instanceSettings(
  jsonData: Partial<CassandraOptions> = {}
): DataSourceInstanceSettings<CassandraOptions> {
  return {
    uid: 'cassandra',
    type: 'metricsserver-cassandra-datasource',
    name: 'Cassandra Metrics',
    access: 'proxy',
    readOnly: false,
    jsonData: { hosts: ['127.0.0.1'], ...jsonData },
    meta: {
      id: 'metricsserver-cassandra-datasource',
      name: 'Cassandra Metrics',
      type: PluginType.datasource,
      module: '',
      baseUrl: '',
      info: {
        author: { name: 'Cassandra Metrics' },
        description: '',
        links: [],
        logos: { small: '', large: '' },
        screenshots: [],
        updated: '',
        version: '',
      },
    },
  };
}

type Params = Record<string, unknown> | undefined;
export type ResourceHandler = (path: string, params: Params) => unknown;

/** Answers the resource routes the way the backend does, for the seed's metric_data keyspace. */
export const seedResources: ResourceHandler = (path, params) => {
  switch (path) {
    case 'keyspaces':
      return ['metric_data', 'system'];
    case 'tables':
      return params?.keyspace === 'metric_data' ? ['raw_counter_with_interval', 'raw_timer_with_interval'] : ['local'];
    case 'columns':
      return seedColumns;
    case 'measures':
      return seedMeasures;
    case 'rollups':
      return { rollups: [], disabled: false };
    case 'values':
      return params?.column === 'environment' ? ['prod', 'staging'] : ['api', 'web'];
    case 'variable':
      return [
        { text: 'api', value: 'api' },
        { text: 'web', value: 'web' },
      ];
    case 'preview':
      return seedPreview(params as { query: CassandraQuery });
    case 'validate':
      return { valid: true, problems: [] };
    default:
      throw { status: 404, data: { message: `no resource ${path}` } };
  }
};

/**
 * A stand-in for the backend's preview of a builder query (the real one is tested in
 * pkg/resources): one statement naming the posted table and its first filter's values.
 */
function seedPreview({ query }: { query: CassandraQuery }) {
  const f = query.filters?.[0];
  const where = f ? ` WHERE "${f.column}" IN (${f.values.map((v) => `'${v}'`).join(', ')})` : '';
  const executed = `SELECT * FROM "${query.keyspace}"."${query.table}"${f ? ` WHERE "${f.column}" IN ?` : ''}`;
  return {
    cql: `SELECT * FROM "${query.keyspace}"."${query.table}"${where}`,
    executed,
    statements: [{ cql: executed, values: [] }],
    statementCount: 1,
    partitionCount: 1,
    statementPartitions: 1,
    measures: (query.valueColumns ?? []).map((name) => ({
      name,
      derived: false,
      aggregations: ['max'],
      columns: [name],
    })),
    keyspace: query.keyspace,
    table: query.table,
  };
}

/** A real DataSource whose resource calls are answered locally (and recorded). */
export function mockDataSource(jsonData?: Partial<CassandraOptions>, handler: ResourceHandler = seedResources) {
  const ds = new DataSource(instanceSettings(jsonData));
  const getResource = jest.fn(async (path: string, params?: Params) => handler(path, params));
  ds.getResource = getResource as unknown as DataSource['getResource'];
  const postResource = jest.fn(async (path: string, data?: Params) => handler(path, data));
  ds.postResource = postResource as unknown as DataSource['postResource'];
  return { ds, getResource, postResource };
}
