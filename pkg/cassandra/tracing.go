package cassandra

import (
	"context"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/grafana/grafana-plugin-sdk-go/backend/tracing"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Span attributes shared by the plugin's spans. The CQL is the statement text only: bound
// values (ObservedQuery.Values, the statement's args) never become attributes.
const (
	AttrSystem    = attribute.Key("db.system.name")
	AttrQueryText = attribute.Key("db.query.text")
	AttrNamespace = attribute.Key("db.namespace")
	AttrRows      = attribute.Key("cassandra.rows")
)

// pageTracer records each request the session sends (one page of a query) as a span under
// the request's context, with the CQL, the node and the rows in the page, then hands the
// request to next, the caller's observer, if any.
type pageTracer struct{ next gocql.QueryObserver }

func (p pageTracer) ObserveQuery(ctx context.Context, q gocql.ObservedQuery) {
	if ctx == nil {
		ctx = context.Background()
	}
	attrs := []attribute.KeyValue{AttrSystem.String("cassandra"), AttrQueryText.String(q.Statement),
		AttrRows.Int(q.Rows), attribute.Int("cassandra.attempt", q.Attempt)}
	if q.Keyspace != "" {
		attrs = append(attrs, AttrNamespace.String(q.Keyspace))
	}
	if q.Host != nil {
		attrs = append(attrs, attribute.String("server.address", q.Host.ConnectAddress().String()), attribute.Int("server.port", q.Host.Port()))
	}
	_, span := tracing.DefaultTracer().Start(ctx, "cassandra.page", trace.WithTimestamp(q.Start),
		trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	if q.Err != nil {
		// The status only: the error's text is kept out of events, where a driver message
		// could in principle quote a value.
		span.SetStatus(codes.Error, "Cassandra request failed")
	}
	span.End(trace.WithTimestamp(q.End))
	if p.next != nil {
		p.next.ObserveQuery(ctx, q)
	}
}
