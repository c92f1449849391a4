import { AdHocVariableFilter, ScopedVars } from '@grafana/data';

import { interpolateCql, isVariableReference, ReplaceFn } from './cqlTemplate';
import { CassandraQuery, ColumnInfo, FilterOp, QueryFilter } from './types';

export type { ReplaceFn };

/**
 * Interpolates one builder value. When the whole value is a single variable reference, a multi-value
 * selection becomes several values; otherwise the value is interpolated as text.
 */
export function expandValue(raw: string, replace: ReplaceFn, scopedVars: ScopedVars): string[] {
  let captured: string[] | undefined;
  let count = 0;
  const out = replace(raw, scopedVars, (value: unknown) => {
    const list = Array.isArray(value) ? value.map((v) => String(v)) : [String(value ?? '')];
    captured = list;
    count++;
    return list.join(',');
  });
  if (captured && count === 1 && isVariableReference(raw)) {
    return captured;
  }
  return [out];
}

export function expandValues(raws: string[] | undefined, replace: ReplaceFn, scopedVars: ScopedVars): string[] {
  const out: string[] = [];
  for (const raw of raws ?? []) {
    for (const v of expandValue(raw, replace, scopedVars)) {
      if (v !== '' && !out.includes(v)) {
        out.push(v);
      }
    }
  }
  return out;
}

const ADHOC_OPS: Record<string, FilterOp> = {
  '=': '=',
  '=|': 'IN',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};

/**
 * Turns dashboard ad hoc filters into builder filters. Operators Cassandra cannot evaluate on key
 * columns (`!=`, regex) are left out, as are keys that are not columns of a table whose columns are known.
 */
export function adHocToFilters(adhoc: AdHocVariableFilter[] | undefined, columns?: ColumnInfo[]): QueryFilter[] {
  const out: QueryFilter[] = [];
  for (const f of adhoc ?? []) {
    const op = ADHOC_OPS[f.operator];
    if (!op || !f.key) {
      continue;
    }
    if (columns && !columns.some((c) => c.name === f.key)) {
      continue;
    }
    const values = op === 'IN' ? (f.values?.length ? f.values : [f.value]) : [f.value];
    out.push({ column: f.key, op: op === 'IN' && values.length === 1 ? '=' : op, values: values.map(String) });
  }
  return out;
}

/** Builder queries may omit queryType; CQL-only queries are recognised by their raw text. */
export function queryModeOf(query: CassandraQuery): 'builder' | 'cql' {
  if (query.queryType === 'builder' || query.queryType === 'cql') {
    return query.queryType;
  }
  return query.rawCql && !query.table ? 'cql' : 'builder';
}

/** Whether a query has everything it needs to run; incomplete queries are skipped quietly. */
export function isRunnable(query: CassandraQuery, defaultKeyspace?: string): boolean {
  if (!query || query.hide) {
    return false;
  }
  if (queryModeOf(query) === 'cql') {
    return Boolean(query.rawCql && query.rawCql.trim());
  }
  return Boolean(
    (query.keyspace || defaultKeyspace) &&
    query.table &&
    query.timeColumn &&
    (query.valueColumns ?? []).some((v) => v && v.trim())
  );
}

export interface InterpolateOptions {
  replace: ReplaceFn;
  scopedVars: ScopedVars;
  adhocFilters?: AdHocVariableFilter[];
  defaultKeyspace?: string;
  /** Columns known for a table, used to keep ad hoc filters to tables that have the column. */
  columnsFor?: (keyspace: string, table: string) => ColumnInfo[] | undefined;
}

/** Resolves dashboard variables (and ad hoc filters) in a query before it goes to the server. */
export function interpolateQuery(query: CassandraQuery, opts: InterpolateOptions): CassandraQuery {
  const { replace, scopedVars } = opts;
  const text = (v: string | undefined) => (v === undefined ? undefined : replace(v, scopedVars));
  const mode = queryModeOf(query);
  const out: CassandraQuery = { ...query, queryType: mode };

  if (query.interval) {
    out.interval = text(query.interval);
  }
  if (query.alias) {
    out.alias = text(query.alias);
  }
  if (query.aggregations) {
    out.aggregations = expandValues(query.aggregations, replace, scopedVars);
  }

  if (mode === 'cql') {
    out.rawCql = interpolateCql(query.rawCql ?? '', replace, scopedVars);
    return out;
  }

  out.keyspace = text(query.keyspace) || opts.defaultKeyspace;
  out.table = text(query.table);
  out.timeColumn = text(query.timeColumn);
  out.valueColumns = expandValues(query.valueColumns, replace, scopedVars);
  out.seriesColumns = expandValues(query.seriesColumns, replace, scopedVars);

  const filters: QueryFilter[] = [];
  for (const f of query.filters ?? []) {
    const column = text(f.column);
    const values = expandValues(f.values, replace, scopedVars);
    if (!column || values.length === 0) {
      continue;
    }
    filters.push({ column, op: f.op === '=' && values.length > 1 ? 'IN' : f.op || '=', values });
  }
  if (opts.adhocFilters?.length && out.keyspace && out.table) {
    filters.push(...adHocToFilters(opts.adhocFilters, opts.columnsFor?.(out.keyspace, out.table)));
  }
  out.filters = filters;
  return out;
}
