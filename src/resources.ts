import { CassandraQuery, ColumnInfo, MeasureInfo, RollupInfo, RollupsInfo, VariableValue } from './types';
import { isTimeType } from './vocabulary';

/** The part of the data source the resource helpers need; tests pass a stub. */
export interface ResourceClient {
  getResource<T = unknown>(path: string, params?: Record<string, string | number | undefined>): Promise<T>;
}

/** Resource calls with a JSON body (DataSourceWithBackend.postResource). */
export interface PostResourceClient {
  postResource<T = unknown>(path: string, data?: unknown): Promise<T>;
}

/** A time range in epoch milliseconds, and the interval macros expand to. */
export interface EditorRange {
  from?: number;
  to?: number;
  intervalMs?: number;
}

/** One problem the backend found in raw CQL, at lines and columns from 1 (end exclusive). */
export interface CqlProblem {
  message: string;
  offset: number;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** The validate route's answer: the statement that would run, or what is wrong and where. */
export interface CqlValidation {
  valid: boolean;
  statement?: string;
  problems: CqlProblem[];
}

/** Checks raw CQL with the backend's lexer, read-only guard and macros (no Cassandra involved). */
export async function validateCql(
  client: PostResourceClient,
  cql: string,
  range: EditorRange = {}
): Promise<CqlValidation> {
  const v = await client.postResource<CqlValidation>('validate', { query: cql, ...range });
  return { valid: Boolean(v?.valid), statement: v?.statement, problems: Array.isArray(v?.problems) ? v.problems : [] };
}

/** A measure of a builder query and what is computed per bin, as the engine plans it. */
export interface PreviewMeasure {
  name: string;
  derived: boolean;
  aggregations: string[];
  columns: string[];
  formula?: string;
}

/** The preview route's answer: the CQL the engine runs for a builder query. */
export interface BuilderPreview {
  /** Why the engine would refuse the query; nothing else is set then. */
  error?: string;
  /** First statement with its bound values written in as CQL literals. */
  cql: string;
  /** First statement as sent, with ? markers (the executedQueryString of a run). */
  executed: string;
  statements: Array<{ cql: string; values: string[] }>;
  statementCount: number;
  /** Partitions the statements name in all (0 for a scan), and the most one statement names. */
  partitionCount: number;
  statementPartitions: number;
  measures?: PreviewMeasure[];
  instant?: boolean;
  keyspace: string;
  table: string;
}

/** Asks the backend's own builder for the CQL of a builder query (variables already interpolated). */
export function previewBuilder(
  client: PostResourceClient,
  query: CassandraQuery,
  range: EditorRange = {}
): Promise<BuilderPreview> {
  return client.postResource<BuilderPreview>('preview', { query, ...range });
}

// Last column list seen per table, so ad hoc filters can be checked against a table without a request.
const columnCache = new WeakMap<ResourceClient, Map<string, ColumnInfo[]>>();

const tableKey = (keyspace: string, table: string) => `${keyspace}\u0000${table}`;

export function getKeyspaces(client: ResourceClient): Promise<string[]> {
  return client.getResource<string[]>('keyspaces').then(asArray);
}

export function getTables(client: ResourceClient, keyspace: string): Promise<string[]> {
  return client.getResource<string[]>('tables', { keyspace }).then(asArray);
}

export async function getColumns(client: ResourceClient, keyspace: string, table: string): Promise<ColumnInfo[]> {
  const columns = asArray(await client.getResource<ColumnInfo[]>('columns', { keyspace, table }));
  let perClient = columnCache.get(client);
  if (!perClient) {
    perClient = new Map();
    columnCache.set(client, perClient);
  }
  perClient.set(tableKey(keyspace, table), columns);
  return columns;
}

/** Columns fetched earlier for this table, or undefined when it has not been looked at yet. */
export function getCachedColumns(client: ResourceClient, keyspace: string, table: string): ColumnInfo[] | undefined {
  return columnCache.get(client)?.get(tableKey(keyspace, table));
}

export function getMeasures(client: ResourceClient, keyspace: string, table: string): Promise<MeasureInfo[]> {
  return client.getResource<MeasureInfo[]>('measures', { keyspace, table }).then(asArray);
}

/** What metrics-server's rollups hold of a table, coarsest width first (none when rollups are off). */
export async function getRollups(client: ResourceClient, keyspace: string, table: string): Promise<RollupsInfo> {
  const answer = await client.getResource<Partial<RollupsInfo> | null>('rollups', { keyspace, table });
  const rollups = asArray(answer?.rollups).map((r): RollupInfo => ({
    ...r,
    valueColumns: asArray(r.valueColumns),
    seriesColumns: asArray(r.seriesColumns),
  }));
  return { rollups, disabled: Boolean(answer?.disabled) };
}

/** Distinct values of a partition key column. */
export function getColumnValues(
  client: ResourceClient,
  keyspace: string,
  table: string,
  column: string,
  limit = 1000
): Promise<string[]> {
  return client.getResource<string[]>('values', { keyspace, table, column, limit }).then(asArray);
}

/** Runs a variable query; `from`/`to` (epoch ms) let the server expand time macros. */
export function getVariableValues(
  client: ResourceClient,
  query: string,
  range?: { from: number; to: number }
): Promise<VariableValue[]> {
  return client
    .getResource<VariableValue[]>('variable', { query, from: range?.from, to: range?.to })
    .then(asArray)
    .then((values) =>
      values.map((v) => ({ text: String(v.text ?? v.value ?? ''), value: String(v.value ?? v.text ?? '') }))
    );
}

/** Partition key columns first, then clustering columns, each in key order. */
export function sortByKey(columns: ColumnInfo[]): ColumnInfo[] {
  const rank: Record<string, number> = { partition_key: 0, clustering: 1, static: 2, regular: 3 };
  return [...columns].sort(
    (a, b) => rank[a.kind] - rank[b.kind] || a.position - b.position || a.name.localeCompare(b.name)
  );
}

export function partitionKeyColumns(columns: ColumnInfo[]): ColumnInfo[] {
  return sortByKey(columns).filter((c) => c.kind === 'partition_key');
}

// Which types hold time is the backend's classifier (vocabulary.ts over vocabulary.generated.ts).
export { isTimeType };

/** The column a new query should use as time: the first timestamp-like clustering column. */
export function defaultTimeColumn(columns: ColumnInfo[]): string | undefined {
  const clustering = sortByKey(columns).filter((c) => c.kind === 'clustering');
  return (
    clustering.find((c) => c.type.toLowerCase() === 'timestamp')?.name ??
    clustering.find((c) => isTimeType(c.type))?.name
  );
}

/** A readable message from a failed resource call (HTTP 400 `{"error"}` or `{"message"}`). */
export function resourceErrorMessage(err: unknown): string {
  if (typeof err === 'string') {
    return err;
  }
  if (err && typeof err === 'object') {
    const e = err as { data?: { error?: unknown; message?: unknown }; message?: unknown; statusText?: unknown };
    const fromData = e.data?.error ?? e.data?.message;
    if (typeof fromData === 'string' && fromData) {
      return fromData;
    }
    if (typeof e.message === 'string' && e.message) {
      return e.message;
    }
    if (typeof e.statusText === 'string' && e.statusText) {
      return e.statusText;
    }
  }
  return 'Request failed';
}

function asArray<T>(value: T[] | null | undefined): T[] {
  return Array.isArray(value) ? value : [];
}
