// Package errs is the one mapping from an error to what its caller is told: the HTTP status of
// a resource call or a metrics-server route, and the status and error source of a query's
// answer in Grafana (QueryData). The engine, the resources, the plugin and metrics-server all
// ask Of, Status or Response here, so one failure gets one status wherever it happens.
//
// The rules, per kind (see the table in errs_test.go):
//   - Cassandra's failures are downstream errors. Reaching it (unreachable, TLS, credentials
//     refused, a role without permission) or reading from it failing is 502 Bad Gateway: the
//     plugin and metrics-server are the caller's gateway to Cassandra. An authentication failure
//     there is not the HTTP client's 401: the credentials are the data source's, not the
//     client's, and Grafana's front end treats a 401 as its own session having ended, as a
//     metrics-server client treats it as its bearer token being wrong.
//   - Cassandra refusing the statement itself (syntax, an invalid request, a guardrail) is the
//     query's fault: 400, downstream, with Cassandra's reason.
//   - Bad input (a query, a parameter, a data source setting) is 400 with a message saying what
//     to change; an unknown keyspace, table or column is 404. Both downstream: Grafana counts
//     them against the user's input, not the plugin.
//   - Too slow (Cassandra's timeouts, the query or request deadline, a caller gone away) is 504.
//   - Our own bugs (anything not classified) are 500, plugin errors.
package errs

import (
	"context"
	"errors"
	"net/http"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// Kind is what went wrong, as far as the caller's answer goes.
type Kind int

const (
	// Internal is a bug here: 500, plugin error.
	Internal Kind = iota
	// BadInput is a query, parameter or setting to correct: 400.
	BadInput
	// NotFound is an unknown keyspace, table or column: 404.
	NotFound
	// BodyTooLarge is a request body over its bound: 413.
	BodyTooLarge
	// AnswerTooLarge is an answer that would pass its bound (ask for less): 422.
	AnswerTooLarge
	// Busy is a shared budget in use by others (the same request may succeed later): 429.
	Busy
	// Unavailable is a server that cannot take the request now (shutting down, no query slot
	// before the request ended): 503.
	Unavailable
	// Upstream is Cassandra unreachable, refusing the connection or its credentials, or failing
	// a read: 502.
	Upstream
	// Timeout is Cassandra or a deadline too slow, or the caller gone: 504.
	Timeout
)

// rule is a kind's answer.
type rule struct {
	name   string
	status int
	source backend.ErrorSource
}

var rules = map[Kind]rule{
	Internal:       {"internal", http.StatusInternalServerError, backend.ErrorSourcePlugin},
	BadInput:       {"bad input", http.StatusBadRequest, backend.ErrorSourceDownstream},
	NotFound:       {"not found", http.StatusNotFound, backend.ErrorSourceDownstream},
	BodyTooLarge:   {"body too large", http.StatusRequestEntityTooLarge, backend.ErrorSourceDownstream},
	AnswerTooLarge: {"answer too large", http.StatusUnprocessableEntity, backend.ErrorSourceDownstream},
	Busy:           {"busy", http.StatusTooManyRequests, backend.ErrorSourceDownstream},
	Unavailable:    {"unavailable", http.StatusServiceUnavailable, backend.ErrorSourcePlugin},
	Upstream:       {"upstream", http.StatusBadGateway, backend.ErrorSourceDownstream},
	Timeout:        {"timeout", http.StatusGatewayTimeout, backend.ErrorSourceDownstream},
}

func (k Kind) String() string { return rules[k].name }

// Status is the kind's HTTP status.
func (k Kind) Status() int { return rules[k].status }

// Source is the kind's error source in a Grafana answer.
func (k Kind) Source() backend.ErrorSource { return rules[k].source }

// Classified is an error that knows its kind (errors of the packages above this one: the
// engine's, the resources', metrics-server's).
type Classified interface {
	error
	ErrorKind() Kind
}

// Error is an error given a kind by the code that made or met it.
type Error struct {
	Kind Kind
	Err  error
}

func (e *Error) Error() string   { return e.Err.Error() }
func (e *Error) Unwrap() error   { return e.Err }
func (e *Error) ErrorKind() Kind { return e.Kind }

// Wrap gives err a kind; its message is unchanged. Wrap of nil is nil.
func Wrap(k Kind, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: k, Err: err}
}

// New is an error of kind k with the message msg.
func New(k Kind, msg string) error { return &Error{Kind: k, Err: errors.New(msg)} }

// Of classifies a (non-nil) error; anything it does not know is Internal.
func Of(err error) Kind {
	var c Classified
	var mb *http.MaxBytesError
	var nf *schema.NotFoundError
	var qe *query.Error
	var se *cassandra.SettingsError
	var ce *cassandra.Error
	switch {
	case err == nil:
		return Internal
	case errors.As(err, &c):
		return c.ErrorKind()
	case errors.As(err, &mb):
		return BodyTooLarge
	case errors.As(err, &nf):
		return NotFound
	case errors.As(err, &qe), errors.As(err, &se):
		return BadInput
	case errors.As(err, &ce):
		return cassandraKind(ce)
	case errors.Is(err, cassandra.ErrClosed):
		return Unavailable
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return Timeout
	}
	return Internal
}

// cassandraKind is the kind of a failure talking to Cassandra.
func cassandraKind(ce *cassandra.Error) Kind {
	switch ce.Kind {
	case cassandra.KindTimeout, cassandra.KindCanceled:
		return Timeout
	case cassandra.KindKeyspaceMissing:
		return NotFound
	case cassandra.KindNoHosts:
		return BadInput // no host configured: a setting to correct
	case cassandra.KindQuery:
		if refusedStatement(ce) {
			return BadInput
		}
		return Upstream
	case cassandra.KindOther:
		return Internal
	}
	return Upstream // KindUnreachable, KindAuth, KindTLS
}

// refusedStatement tells Cassandra refusing the statement as written (every node would), which
// the query's author changes, from Cassandra failing to answer it (unavailable replicas,
// overload, a read failure), which they cannot.
func refusedStatement(ce *cassandra.Error) bool {
	if ce.Guardrail != "" {
		return true
	}
	var re gocql.RequestError
	if !errors.As(ce.Err, &re) {
		return false
	}
	switch re.Code() {
	case gocql.ErrCodeSyntax, gocql.ErrCodeInvalid, gocql.ErrCodeFunctionFailure, gocql.ErrCodeConfig, gocql.ErrCodeAlreadyExists:
		return true
	}
	return false
}

// Status is err's HTTP status.
func Status(err error) int { return Of(err).Status() }

// Response is err as one query's answer in Grafana: its status, source and message.
func Response(err error) backend.DataResponse {
	k := Of(err)
	return backend.ErrDataResponseWithSource(backend.Status(k.Status()), k.Source(), err.Error())
}

// ResponseStatus is the HTTP status of a query's failed answer, for routes that answer exactly
// one query: the status Response gave it, or by its source when it has none.
func ResponseStatus(dr backend.DataResponse) int {
	if s := int(dr.Status); s >= 400 && s < 600 {
		return s
	}
	if dr.ErrorSource == backend.ErrorSourceDownstream {
		return Upstream.Status()
	}
	return Internal.Status()
}
