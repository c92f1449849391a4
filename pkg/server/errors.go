package server

import (
	"net/http"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/metricsserver/cassandra-datasource/pkg/resources"
)

func fail(w http.ResponseWriter, err error) {
	writeError(w, resources.ErrorStatus(err), err.Error())
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
