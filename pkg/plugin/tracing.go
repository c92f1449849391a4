package plugin

import (
	"context"
	"net/http"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/tracing"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// traceResource runs a resource call in a cassandra.resource span named by its path and
// method; the query string (keyspace, filter values) stays out of the span.
func traceResource(ctx context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender,
	next func(context.Context, *backend.CallResourceRequest, backend.CallResourceResponseSender) error) error {
	ctx, span := tracing.DefaultTracer().Start(ctx, "cassandra.resource", trace.WithAttributes(
		attribute.String("cassandra.resource", req.Path), attribute.String("http.request.method", req.Method)))
	defer span.End()
	err := next(ctx, req, backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error {
		span.SetAttributes(attribute.Int("http.response.status_code", r.Status))
		if r.Status >= http.StatusBadRequest {
			span.SetStatus(codes.Error, http.StatusText(r.Status))
		}
		return sender.Send(r)
	}))
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
	}
	return err
}
