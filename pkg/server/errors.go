package server

import (
	"net/http"

	"github.com/metricsserver/cassandra-datasource/pkg/errs"
)

// fail answers a failure with the status of the one mapping (pkg/errs), which the plugin's
// queries and resource calls use too.
func fail(w http.ResponseWriter, err error) {
	writeError(w, errs.Status(err), err.Error())
}
