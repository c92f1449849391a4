import { CassandraQuery, ColumnInfo, MeasureInfo, QueryFilter } from '../types';

export interface PreviewContext {
  /** Keyspace used when the query names none (the data source's default). */
  defaultKeyspace?: string;
  /** Known measures of the table: marks derived ones and gives default aggregations. */
  measures?: MeasureInfo[];
  /** Known columns of the table: numeric columns get unquoted literals. */
  columns?: ColumnInfo[];
}

const NUMERIC_TYPES = ['int', 'bigint', 'smallint', 'tinyint', 'varint', 'float', 'double', 'decimal', 'counter'];
const VARIABLE_REF = /^(\$\w+|\$\{[^}]+\}|\[\[[^\]]+\]\])$/;

/** Quotes a CQL identifier so that case and reserved words survive: `"name"`, with `"` doubled. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A CQL string literal: `'value'`, with `'` doubled. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function isVariableReference(value: string): boolean {
  return VARIABLE_REF.test(value.trim());
}

function literal(value: string, column?: ColumnInfo): string {
  if (isVariableReference(value)) {
    // Expanded by the dashboard before the query runs; one value or a list.
    return value.trim();
  }
  if (column && NUMERIC_TYPES.includes(column.type.toLowerCase()) && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value)) {
    return value;
  }
  return quoteLiteral(value);
}

function filterClause(filter: QueryFilter, columns?: ColumnInfo[]): string | undefined {
  const values = (filter.values ?? []).filter((v) => v !== '');
  if (!filter.column || values.length === 0) {
    return undefined;
  }
  const column = columns?.find((c) => c.name === filter.column);
  const id = quoteIdentifier(filter.column);
  const rendered = values.map((v) => literal(v, column));
  if (filter.op === 'IN' || (filter.op === '=' && values.length > 1)) {
    return `${id} IN (${rendered.join(', ')})`;
  }
  return `${id} ${filter.op || '='} ${rendered[0]}`;
}

function describeAggregations(query: CassandraQuery, measures: string[], known?: MeasureInfo[]): string {
  const chosen = query.aggregations ?? [];
  const parts: string[] = [];
  for (const m of measures) {
    const aggs = chosen.length > 0 ? chosen : [known?.find((k) => k.name === m)?.defaultAggregation ?? 'default'];
    for (const a of aggs) {
      parts.push(`${a}(${m})`);
    }
  }
  return parts.join(', ');
}

/**
 * The CQL the builder asks for, as a reader would write it: quoted identifiers, literal values and
 * `:from`/`:to` for the dashboard's time range. The server binds values as parameters and may push
 * binning down to Cassandra, so this shows intent rather than the exact statement; trailing comments
 * describe what happens after the rows are read.
 */
// The derived measures the backend knows (pkg/query) and the columns each is computed from.
const DERIVED_INPUTS: Record<string, string[]> = { interval_count: ['count', 'previous_count'] };
const DERIVED_FORMULA: Record<string, string> = { interval_count: 'count - previous_count' };

export function buildCqlPreview(query: CassandraQuery, context: PreviewContext = {}): string {
  if (!query.table) {
    return '';
  }
  const keyspace = query.keyspace || context.defaultKeyspace;
  const from = keyspace ? `${quoteIdentifier(keyspace)}.${quoteIdentifier(query.table)}` : quoteIdentifier(query.table);

  const valueColumns = query.valueColumns ?? [];
  const derived = valueColumns.filter((v) => context.measures?.find((m) => m.name === v)?.derived);
  const stored = valueColumns.filter((v) => !derived.includes(v));

  // A derived measure is computed from stored columns, which the server selects in its place
  // (interval_count = count - previous_count).
  const inputs = derived.flatMap((d) => DERIVED_INPUTS[d] ?? []);
  const selected: string[] = [];
  for (const name of [...(query.seriesColumns ?? []), query.timeColumn, ...stored, ...inputs]) {
    if (name && !selected.includes(name)) {
      selected.push(name);
    }
  }

  const lines: string[] = [];
  lines.push(`SELECT ${selected.length > 0 ? selected.map(quoteIdentifier).join(', ') : '*'}`);
  lines.push(`FROM ${from}`);

  const where = (query.filters ?? [])
    .map((f) => filterClause(f, context.columns))
    .filter((c): c is string => Boolean(c));
  if (query.timeColumn) {
    const t = quoteIdentifier(query.timeColumn);
    where.push(`${t} >= :from AND ${t} < :to`);
  }
  where.forEach((clause, i) => lines.push(`${i === 0 ? 'WHERE' : '  AND'} ${clause}`));

  if (query.limit !== undefined && query.limit !== null && query.limit > 0) {
    lines.push(`LIMIT ${Math.floor(query.limit)}`);
  }
  if (query.allowFiltering) {
    lines.push('ALLOW FILTERING');
  }

  if (derived.length > 0) {
    lines.push(
      `-- derived by the server: ${derived.map((d) => (DERIVED_FORMULA[d] ? `${d} = ${DERIVED_FORMULA[d]}` : d)).join(', ')}`
    );
  }
  if (valueColumns.length > 0) {
    if (query.instant) {
      lines.push(`-- instant: latest ${describeAggregations(query, valueColumns, context.measures)} per series`);
    } else {
      const interval = !query.interval || query.interval === 'auto' ? 'auto' : query.interval;
      const fill = query.fill === 'value' ? `value ${query.fillValue ?? 0}` : (query.fill ?? 'null');
      lines.push(`-- bins: ${interval}, fill ${fill}`);
      lines.push(`-- per bin: ${describeAggregations(query, valueColumns, context.measures)}`);
    }
  }
  return lines.join('\n');
}
