package cassandra

import (
	"context"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// Writes exist for the demo data generator (metrics-server demo-data) and for tests that
// create their own tables. The query path never writes: the engine only runs SELECTs vetted by
// pkg/query through Query.

// Exec runs one statement that returns no rows, such as CREATE TABLE or INSERT, with bound
// values. The statement is marked idempotent so the driver may retry it: callers pass only
// statements that are safe to repeat (IF NOT EXISTS DDL, INSERTs of fixed values).
func (c *Client) Exec(ctx context.Context, cql string, args ...any) error {
	err := c.session.Query(cql, args...).Idempotent(true).ExecContext(ctx)
	return classifyQueryError(ctx, err)
}

// ExecBatch runs one statement once per row of values as a single UNLOGGED batch. Every row
// must write the same partition: a single-partition unlogged batch is applied as one mutation,
// which is the cheapest way to write many rows, while a batch spanning partitions would load
// its coordinator for nothing.
func (c *Client) ExecBatch(ctx context.Context, cql string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	b := c.session.Batch(gocql.UnloggedBatch)
	for _, args := range rows {
		// Same values, same partition: safe for the driver to retry.
		b.Entries = append(b.Entries, gocql.BatchEntry{Stmt: cql, Args: args, Idempotent: true})
	}
	return classifyQueryError(ctx, b.ExecContext(ctx))
}
