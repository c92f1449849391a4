package errs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// requestError is a Cassandra error frame as the driver returns it.
type requestError struct {
	code int
	msg  string
}

func (e requestError) Code() int       { return e.code }
func (e requestError) Message() string { return e.msg }
func (e requestError) Error() string   { return e.msg }

type classified struct{ k Kind }

func (c classified) Error() string   { return "classified" }
func (c classified) ErrorKind() Kind { return c.k }

func cassErr(k cassandra.Kind, err error) error {
	return &cassandra.Error{Kind: k, Msg: "cassandra", Err: err}
}

// The status table: every kind of error the packages return, the status a resource call or a
// metrics-server route answers and the source of a Grafana query's error.
func TestMapping(t *testing.T) {
	for _, tt := range []struct {
		name   string
		err    error
		kind   Kind
		status int
		source backend.ErrorSource
	}{
		// Bad input: what the user or the data source's admin changes.
		{"query error", &query.Error{Field: "interval", Msg: "is not a duration"}, BadInput, 400, backend.ErrorSourceDownstream},
		{"keyspace refused", fmt.Errorf("checking: %w", &query.Error{Msg: "keyspace system_auth is never read"}), BadInput, 400, backend.ErrorSourceDownstream},
		{"settings error", &cassandra.SettingsError{Field: "port", Msg: "must be 1-65535"}, BadInput, 400, backend.ErrorSourceDownstream},
		{"no hosts", cassErr(cassandra.KindNoHosts, nil), BadInput, 400, backend.ErrorSourceDownstream},
		{"wrapped as bad input", Wrap(BadInput, errors.New("column count is not a partition key column")), BadInput, 400, backend.ErrorSourceDownstream},
		{"error that knows its kind", fmt.Errorf("x: %w", classified{BadInput}), BadInput, 400, backend.ErrorSourceDownstream},
		// Cassandra refusing the statement as written.
		{"syntax error", cassErr(cassandra.KindQuery, requestError{gocql.ErrCodeSyntax, "line 1:7 no viable alternative"}), BadInput, 400, backend.ErrorSourceDownstream},
		{"invalid request", cassErr(cassandra.KindQuery, requestError{gocql.ErrCodeInvalid, "Undefined column name nope"}), BadInput, 400, backend.ErrorSourceDownstream},
		{"function failure", cassErr(cassandra.KindQuery, requestError{gocql.ErrCodeFunctionFailure, "failed"}), BadInput, 400, backend.ErrorSourceDownstream},
		{"guardrail", &cassandra.Error{Kind: cassandra.KindQuery, Guardrail: "partition_keys_in_select", Msg: "guardrail"}, BadInput, 400, backend.ErrorSourceDownstream},
		// Unknown names.
		{"table not found", &schema.NotFoundError{What: "table", Name: "raw_gauge", In: "metric_data"}, NotFound, 404, backend.ErrorSourceDownstream},
		{"column not found in a query error", &query.Error{Field: "valueColumns", Msg: "no column", Err: &schema.NotFoundError{What: "column", Name: "p42"}}, NotFound, 404, backend.ErrorSourceDownstream},
		{"keyspace missing", cassErr(cassandra.KindKeyspaceMissing, nil), NotFound, 404, backend.ErrorSourceDownstream},
		// Bounds.
		{"body too large", fmt.Errorf("reading: %w", &http.MaxBytesError{Limit: 1 << 20}), BodyTooLarge, 413, backend.ErrorSourceDownstream},
		{"answer too large", classified{AnswerTooLarge}, AnswerTooLarge, 422, backend.ErrorSourceDownstream},
		{"memory budget busy", Wrap(Busy, errors.New("the process memory budget is in use")), Busy, 429, backend.ErrorSourceDownstream},
		{"shutting down", New(Unavailable, "the server is shutting down"), Unavailable, 503, backend.ErrorSourcePlugin},
		{"session closed", cassandra.ErrClosed, Unavailable, 503, backend.ErrorSourcePlugin},
		// Cassandra failing: the gateway's upstream, whatever the HTTP client sent.
		{"unreachable", cassErr(cassandra.KindUnreachable, errors.New("connection refused")), Upstream, 502, backend.ErrorSourceDownstream},
		{"authentication failed", cassErr(cassandra.KindAuth, requestError{gocql.ErrCodeCredentials, "Provided username and/or password are incorrect"}), Upstream, 502, backend.ErrorSourceDownstream},
		{"permission denied", cassErr(cassandra.KindAuth, requestError{gocql.ErrCodeUnauthorized, "User reader has no SELECT permission"}), Upstream, 502, backend.ErrorSourceDownstream},
		{"tls", cassErr(cassandra.KindTLS, errors.New("x509: certificate signed by unknown authority")), Upstream, 502, backend.ErrorSourceDownstream},
		{"replicas unavailable", cassErr(cassandra.KindQuery, requestError{gocql.ErrCodeUnavailable, "Cannot achieve consistency level"}), Upstream, 502, backend.ErrorSourceDownstream},
		{"read failure", cassErr(cassandra.KindQuery, requestError{gocql.ErrCodeReadFailure, "Operation failed"}), Upstream, 502, backend.ErrorSourceDownstream},
		{"reading failed", cassErr(cassandra.KindQuery, errors.New("connection closed")), Upstream, 502, backend.ErrorSourceDownstream},
		// Too slow, or the caller gone.
		{"cassandra timeout", cassErr(cassandra.KindTimeout, requestError{gocql.ErrCodeReadTimeout, "Operation timed out"}), Timeout, 504, backend.ErrorSourceDownstream},
		{"canceled while querying", cassErr(cassandra.KindCanceled, context.Canceled), Timeout, 504, backend.ErrorSourceDownstream},
		{"deadline", fmt.Errorf("waiting: %w", context.DeadlineExceeded), Timeout, 504, backend.ErrorSourceDownstream},
		{"canceled", context.Canceled, Timeout, 504, backend.ErrorSourceDownstream},
		// Bugs here.
		{"unclassified", errors.New("merge partial bins: mismatched widths"), Internal, 500, backend.ErrorSourcePlugin},
		{"connecting panicked", cassErr(cassandra.KindOther, errors.New("panic: nil map")), Internal, 500, backend.ErrorSourcePlugin},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Of(tt.err); got != tt.kind {
				t.Errorf("Of = %v, want %v", got, tt.kind)
			}
			if got := Status(tt.err); got != tt.status {
				t.Errorf("Status = %d, want %d", got, tt.status)
			}
			r := Response(tt.err)
			if int(r.Status) != tt.status || r.ErrorSource != tt.source || r.Error == nil || r.Error.Error() != tt.err.Error() {
				t.Errorf("Response = status %d, source %q, error %v; want %d, %q, %q", r.Status, r.ErrorSource, r.Error, tt.status, tt.source, tt.err)
			}
			if got := ResponseStatus(r); got != tt.status {
				t.Errorf("ResponseStatus = %d, want %d", got, tt.status)
			}
		})
	}
}

// Every kind has its own rule.
func TestEveryKindHasARule(t *testing.T) {
	for k := Internal; k <= Timeout; k++ {
		r, ok := rules[k]
		if !ok || r.name == "" || r.status < 400 || r.status > 599 || r.source == "" {
			t.Errorf("kind %d: rule %+v", k, r)
		}
	}
	if len(rules) != int(Timeout)+1 {
		t.Errorf("%d rules for %d kinds", len(rules), Timeout+1)
	}
}

func TestResponseStatusWithoutStatus(t *testing.T) {
	if got := ResponseStatus(backend.DataResponse{Error: errors.New("x"), ErrorSource: backend.ErrorSourceDownstream}); got != 502 {
		t.Errorf("downstream without a status: %d, want 502", got)
	}
	if got := ResponseStatus(backend.DataResponse{Error: errors.New("x")}); got != 500 {
		t.Errorf("no status, no source: %d, want 500", got)
	}
	if Wrap(BadInput, nil) != nil {
		t.Error("Wrap(nil) is not nil")
	}
}
