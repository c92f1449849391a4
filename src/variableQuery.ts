import { CassandraVariableQuery, SavedVariableQuery } from './types';

/** The CQL of a variable query in any saved shape: `{rawCql}`, `{query}` or a plain string. */
export function variableCql(query: SavedVariableQuery): string {
  if (typeof query === 'string') {
    return query;
  }
  return query?.rawCql || query?.query || '';
}

/** The shape the variable editor saves: `{refId, rawCql}`, whatever shape it was opened with. */
export function canonicalVariableQuery(
  query: SavedVariableQuery,
  refId = 'CassandraVariableQuery'
): CassandraVariableQuery {
  const rawCql = variableCql(query);
  if (typeof query === 'string' || !query) {
    return { refId, rawCql };
  }
  const { query: _legacy, ...rest } = query;
  return { ...rest, refId: query.refId ?? refId, rawCql };
}
