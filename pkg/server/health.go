package server

import (
	"context"
	"fmt"
	"net/http"
)

type healthJSON struct {
	Status         string `json:"status"`
	Message        string `json:"message,omitempty"`
	Error          string `json:"error,omitempty"`
	ReleaseVersion string `json:"release_version,omitempty"`
	ClusterName    string `json:"cluster_name,omitempty"`
	DataCenter     string `json:"data_center,omitempty"`
	Keyspace       string `json:"keyspace,omitempty"`
}

// health is the plugin's health check over HTTP: a real query to Cassandra, and the
// configured keyspace must exist. 200 when healthy, 503 otherwise, for load balancers.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), s.settings.QueryTimeout.Std()+2*s.settings.ConnectTimeout.Std())
	defer cancel()
	c, err := s.Client(ctx)
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, healthJSON{Status: "error", Error: err.Error()})
		return
	}
	h, err := c.Health(ctx)
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, healthJSON{Status: "error", Error: err.Error()})
		return
	}
	out := healthJSON{Status: "ok", ReleaseVersion: h.ReleaseVersion, ClusterName: h.ClusterName, DataCenter: h.DataCenter, Keyspace: h.Keyspace}
	msg := fmt.Sprintf("Connected to Cassandra %s, cluster %q, data center %q", h.ReleaseVersion, h.ClusterName, h.DataCenter)
	if h.CheckedKeyspace && !h.KeyspaceExists {
		out.Status = "error"
		out.Error = fmt.Sprintf("connected to Cassandra %s (cluster %q), but keyspace %q does not exist: load the demo data (metrics-server demo-data) or set %s",
			h.ReleaseVersion, h.ClusterName, h.Keyspace, EnvKeyspace)
		writeJSON(w, http.StatusServiceUnavailable, out)
		return
	}
	if h.CheckedKeyspace {
		msg += fmt.Sprintf("; keyspace %q exists", h.Keyspace)
	}
	out.Message = msg
	writeJSON(w, http.StatusOK, out)
}
