package engine

import "github.com/metricsserver/cassandra-datasource/pkg/query"

// keyspaces is what this engine's user queries may read, and where raw CQL finds a table
// named without its keyspace.
func (e *Engine) keyspaces() query.Keyspaces {
	return query.Keyspaces{Default: e.opts.DefaultKeyspace, Allowed: e.opts.AllowedKeyspaces}
}

// checkKeyspace refuses a builder query of a keyspace the data source does not allow. Raw CQL
// is checked where it is prepared (query.PrepareRawIn), from the table its text names.
func (e *Engine) checkKeyspace(q *query.Query) error {
	if q.QueryType != query.QueryTypeBuilder {
		return nil
	}
	return e.keyspaces().Check(q.Keyspace)
}
