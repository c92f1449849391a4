import { ColumnInfo, MeasureInfo, VariableValue } from './types';

/** The part of the data source the resource helpers need; tests pass a stub. */
export interface ResourceClient {
  getResource<T = unknown>(path: string, params?: Record<string, string | number | undefined>): Promise<T>;
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

const TIME_TYPES = ['timestamp', 'date', 'timeuuid'];

export function isTimeType(type: string): boolean {
  return TIME_TYPES.includes(type.toLowerCase());
}

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
