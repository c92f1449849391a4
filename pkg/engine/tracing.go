package engine

import (
	"context"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/tracing"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
)

// Spans: cassandra.query for one panel query, cassandra.statement for each statement it runs
// (the driver's cassandra.page spans hang below it). The CQL is an attribute; its bound values
// never are.

// startQuerySpan opens the span of one panel query.
func startQuerySpan(ctx context.Context, dq backend.DataQuery) (context.Context, trace.Span) {
	return tracing.DefaultTracer().Start(ctx, "cassandra.query", trace.WithAttributes(attribute.String("grafana.ref_id", dq.RefID)))
}

// describeQuerySpan adds what the parsed query reads.
func describeQuerySpan(span trace.Span, q *query.Query) {
	attrs := []attribute.KeyValue{attribute.String("cassandra.query_type", string(q.QueryType))}
	if q.QueryType != query.QueryTypeCQL {
		attrs = append(attrs, cassandra.AttrNamespace.String(q.Keyspace), attribute.String("db.collection.name", q.Table))
	}
	span.SetAttributes(attrs...)
}

// endQuerySpan closes the span with the query's outcome.
func endQuerySpan(span trace.Span, res backend.DataResponse) {
	span.SetAttributes(attribute.Int("grafana.frames", len(res.Frames)))
	if res.Error != nil {
		span.SetStatus(codes.Error, res.Error.Error())
	}
	span.End()
}

// tracedQuery wraps a statement runner so that each statement is a span from its first
// request to Close, with the CQL and the rows read.
func tracedQuery(run func(ctx context.Context, cql string, args []any, opts cassandra.QueryOptions) rows) func(ctx context.Context, cql string, args []any, opts cassandra.QueryOptions) rows {
	return func(ctx context.Context, cql string, args []any, opts cassandra.QueryOptions) rows {
		ctx, span := tracing.DefaultTracer().Start(ctx, "cassandra.statement", trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(cassandra.AttrSystem.String("cassandra"), cassandra.AttrQueryText.String(cql),
				attribute.Int("cassandra.bound_values", len(args))))
		return &tracedRows{rows: run(ctx, cql, args, opts), span: span}
	}
}

// tracedRows counts the rows read and ends the statement's span on Close.
type tracedRows struct {
	rows
	span trace.Span
	n    int64
}

func (t *tracedRows) Next(dest ...any) bool {
	if t.rows.Next(dest...) {
		t.n++
		return true
	}
	return false
}

func (t *tracedRows) Close() error {
	err := t.rows.Close()
	t.span.SetAttributes(cassandra.AttrRows.Int64(t.n))
	if err != nil {
		// The message is the one the panel shows: Cassandra's reason, never a value or secret.
		t.span.SetStatus(codes.Error, err.Error())
	}
	t.span.End()
	return err
}
