import { DataSourceJsonData } from '@grafana/data';
import { DataQuery } from '@grafana/schema';

import {
  AGGREGATIONS,
  BUCKET_GRANULARITIES,
  CONSISTENCY_LEVELS,
  FILL_MODES,
  FILTER_OPS,
  QUERY_DEFAULTS,
  QUERY_FORMATS,
  SETTINGS_DEFAULTS,
  TIME_UNITS,
} from './vocabulary.generated';
import type { Aggregation, FillMode, TimeKind } from './vocabulary';

// The vocabulary is the backend's (pkg/vocab writes vocabulary.generated.ts); these names are the
// ones the editors have always imported from here.
export {
  AGGREGATIONS,
  BUCKET_GRANULARITIES,
  CONSISTENCY_LEVELS,
  FILL_MODES,
  FILTER_OPS,
  SETTINGS_DEFAULTS,
  TIME_UNITS,
};

export type { Aggregation, FillMode, TimeKind };

export type QueryMode = 'builder' | 'cql';
export type FilterOp = (typeof FILTER_OPS)[number];
export type QueryFormat = (typeof QUERY_FORMATS)[number];

export type TimeUnit = (typeof TIME_UNITS)[number];
export type BucketGranularity = (typeof BUCKET_GRANULARITIES)[number];

export interface QueryFilter {
  column: string;
  op: FilterOp;
  values: string[];
}

/**
 * The query JSON sent to the backend. Both modes' fields live in the same object so that switching
 * between Builder and CQL loses nothing.
 */
export interface CassandraQuery extends DataQuery {
  queryType?: QueryMode;

  // Builder
  keyspace?: string;
  table?: string;
  timeColumn?: string;
  /** Epoch unit of an int, bigint or varint time column; empty for timestamp, date and timeuuid. */
  timeUnit?: TimeUnit;
  /** Partition key column that buckets time (e.g. `day` in PRIMARY KEY ((sensor, day), ts)). */
  bucketColumn?: string;
  bucketGranularity?: BucketGranularity;
  /** Format of a text or int bucket column's values, e.g. YYYY-MM-DD or YYYYMMDDHH. */
  bucketFormat?: string;
  valueColumns?: string[];
  filters?: QueryFilter[];
  seriesColumns?: string[];
  /** Empty means each measure's default aggregation. */
  aggregations?: string[];
  /** 'auto' or a duration such as '30s'. */
  interval?: string;
  fill?: FillMode;
  fillValue?: number;
  limit?: number;
  allowFiltering?: boolean;
  instant?: boolean;
  /** Display name template, e.g. `{{environment}}/{{metric_name}} {{measure}} {{aggregation}}`. */
  alias?: string;
  /** false reads a binned query's whole range on every refresh; absent means the bin cache is used. */
  cache?: boolean;
  /** false makes a builder query read raw rows even where rollups hold its range; absent means rollups are used. */
  rollups?: boolean;

  // CQL
  rawCql?: string;
  format?: QueryFormat;
  binning?: boolean;
}

export const DEFAULT_QUERY: Partial<CassandraQuery> = {
  queryType: QUERY_DEFAULTS.queryType,
  valueColumns: [],
  filters: [],
  seriesColumns: [],
  aggregations: [],
  interval: QUERY_DEFAULTS.interval,
  fill: QUERY_DEFAULTS.fill,
  format: QUERY_DEFAULTS.format,
};

/**
 * Query of a dashboard variable: one CQL SELECT whose first column gives the values. The editor
 * saves `{rawCql}`; dashboards may also hold `{query}` (the shape most data sources and
 * provisioning files use) or, from old dashboards, a plain string. All three are read.
 */
export interface CassandraVariableQuery extends DataQuery {
  rawCql?: string;
  /** Read for saved dashboards; the editor saves `rawCql`. */
  query?: string;
}

/** A variable query in any saved shape. */
export type SavedVariableQuery = CassandraVariableQuery | string | undefined | null;

export type ConsistencyLevel = (typeof CONSISTENCY_LEVELS)[number];

export interface TlsOptions {
  enabled?: boolean;
  skipVerify?: boolean;
  serverName?: string;
  caCert?: string;
  clientCert?: string;
}

/** Options stored in the data source's jsonData (visible to the browser). */
export interface CassandraOptions extends DataSourceJsonData {
  hosts?: string[];
  port?: number;
  keyspace?: string;
  /** The only keyspaces queries and the editor read; empty: every one but Cassandra's system keyspaces. */
  allowedKeyspaces?: string[];
  username?: string;
  consistency?: ConsistencyLevel;
  localDatacenter?: string;
  /** Duration string, e.g. '5s'. */
  connectTimeout?: string;
  /** Duration string, e.g. '30s'. */
  queryTimeout?: string;
  pageSize?: number;
  maxRows?: number;
  maxConcurrency?: number;
  /** Memory one binned query may hold in bins and results, in MiB. */
  maxQueryMemoryMiB?: number;
  /** Memory every binned query of the process may hold at once, in MiB. */
  maxProcessMemoryMiB?: number;
  /** Statements a builder query over a time-bucketed table may run. */
  maxBucketStatements?: number;
  /** Partitions one builder query may name with its partition key filters. */
  maxPartitions?: number;
  /** Memory of the data source's cache of closed bins, in MiB. */
  binCacheMiB?: number;
  disableBinCache?: boolean;
  /** Read each partition of a binned query with one statement instead of bin-aligned pieces. */
  disableWideSplit?: boolean;
  /** Duration string, e.g. '5m': how long after their time rows may still arrive. */
  lateDataWindow?: string;
  /** Keyspace of metrics-server's rollups (pre-aggregated bins), which long ranges read where they exist. */
  rollupKeyspace?: string;
  /** Always read raw rows, never rollups. */
  disableRollups?: boolean;
  /** Connect through Grafana's secure socks proxy (private data source connect). */
  enableSecureSocksProxy?: boolean;
  tls?: TlsOptions;
}

/** Secrets: written by the browser, never read back. */
export interface CassandraSecureJsonData {
  password?: string;
  tlsClientKey?: string;
}

export type ColumnKind = 'partition_key' | 'clustering' | 'regular' | 'static';

/** A column as described by the `columns` resource. */
export interface ColumnInfo {
  name: string;
  type: string;
  kind: ColumnKind;
  position: number;
  clusteringOrder?: string;
  /** Kind of index on the column itself: 'sai', 'secondary', 'sasi' or 'custom'. */
  index?: string;
  indexName?: string;
}

/** A numeric column or a derived measure, as described by the `measures` resource. */
export interface MeasureInfo {
  name: string;
  type: string;
  derived: boolean;
  defaultAggregation: string;
}

/**
 * What the rollup keyspace holds of a table at one width (the `rollups` resource): every series'
 * bins of `valueColumns` from `from` up to `to` (RFC 3339 times, `to` exclusive).
 */
export interface RollupInfo {
  widthMs: number;
  timeColumn: string;
  valueColumns: string[];
  /** The partition key columns a rollup series is keyed by (a bucket column left out). */
  seriesColumns: string[];
  from: string;
  to: string;
}

/** The `rollups` resource's answer: coarsest width first; `disabled` when the data source reads no rollups. */
export interface RollupsInfo {
  rollups: RollupInfo[];
  disabled: boolean;
}

export interface VariableValue {
  text: string;
  value: string;
}
