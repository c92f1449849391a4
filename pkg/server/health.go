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
// configured keyspace must exist. 200 when healthy, 503 otherwise, for load balancers. When a
// token is set, a request without it learns only ok or error: versions, cluster names and
// the hosts in connection errors are for those who hold the token.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	status, out := s.checkHealth(r.Context())
	if !s.hasToken(r) {
		out = healthJSON{Status: out.Status}
	}
	writeJSON(w, status, out)
}

func (s *Server) checkHealth(ctx context.Context) (int, healthJSON) {
	ctx, cancel := context.WithTimeout(ctx, s.settings.QueryTimeout.Std()+2*s.settings.ConnectTimeout.Std())
	defer cancel()
	c, err := s.Client(ctx)
	if err != nil {
		return http.StatusServiceUnavailable, healthJSON{Status: "error", Error: err.Error()}
	}
	h, err := c.Health(ctx)
	if err != nil {
		return http.StatusServiceUnavailable, healthJSON{Status: "error", Error: err.Error()}
	}
	out := healthJSON{Status: "ok", ReleaseVersion: h.ReleaseVersion, ClusterName: h.ClusterName, DataCenter: h.DataCenter, Keyspace: h.Keyspace}
	if h.CheckedKeyspace && !h.KeyspaceExists {
		out.Status = "error"
		out.Error = fmt.Sprintf("connected to Cassandra %s (cluster %q), but keyspace %q does not exist: load the demo data (metrics-server demo-data) or set %s",
			h.ReleaseVersion, h.ClusterName, h.Keyspace, EnvKeyspace)
		return http.StatusServiceUnavailable, out
	}
	out.Message = fmt.Sprintf("Connected to Cassandra %s, cluster %q, data center %q", h.ReleaseVersion, h.ClusterName, h.DataCenter)
	if h.CheckedKeyspace {
		out.Message += fmt.Sprintf("; keyspace %q exists", h.Keyspace)
	}
	return http.StatusOK, out
}
