package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// errorStatus maps a failure to an HTTP status: unknown names 404, bad input 400, Cassandra
// too slow 504, Cassandra unreachable or refusing 502 (the server is its gateway), anything
// else 500.
func errorStatus(err error) int {
	var nf *schema.NotFoundError
	var qe *query.Error
	var se *cassandra.SettingsError
	var ce *cassandra.Error
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &mb):
		return http.StatusRequestEntityTooLarge
	case errors.As(err, &nf):
		return http.StatusNotFound
	case errors.As(err, &qe):
		return http.StatusBadRequest
	case errors.As(err, &se):
		return http.StatusInternalServerError
	case errors.As(err, &ce):
		switch ce.Kind {
		case cassandra.KindTimeout, cassandra.KindCanceled:
			return http.StatusGatewayTimeout
		case cassandra.KindKeyspaceMissing:
			return http.StatusNotFound
		case cassandra.KindQuery:
			return http.StatusBadGateway
		}
		return http.StatusBadGateway
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

func fail(w http.ResponseWriter, err error) {
	writeError(w, errorStatus(err), err.Error())
}

// responseStatus maps a per-query error of the engine to an HTTP status for routes that run
// exactly one query.
func responseStatus(dr backend.DataResponse) int {
	if s := int(dr.Status); s >= 400 && s < 600 {
		return s
	}
	if dr.ErrorSource == backend.ErrorSourceDownstream {
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}
