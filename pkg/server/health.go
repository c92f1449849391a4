package server

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// DefaultHealthTTL is how long one health check answers /api/health, as Grafana caches its own
// database check: load balancer probes and unauthenticated callers cost Cassandra at most one
// check (two requests) per TTL, however often they call.
const DefaultHealthTTL = 5 * time.Second

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
// configured keyspace must exist. 200 when healthy, 503 otherwise, for load balancers. A
// request the API would not answer (no token, or from the network while only local clients
// are) learns only ok or error: versions, cluster names and the hosts in connection errors are
// for the API's clients.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	status, out := s.healthCache.get(r.Context())
	if !s.authorized(r) {
		out = healthJSON{Status: out.Status}
	}
	writeJSON(w, status, out)
}

// healthCache shares one health check between all calls within its TTL, and one check in
// flight between the calls that arrive while it runs.
type healthCache struct {
	ttl   time.Duration // 0 or less: every call checks
	now   func() time.Time
	check func(context.Context) (int, healthJSON)

	mu      sync.Mutex
	at      time.Time     // when the kept result was checked; zero when there is none
	status  int           // the kept result
	out     healthJSON    //
	running chan struct{} // closed when the check in flight ends; nil when none runs
}

// get answers the kept result while it is fresh, else waits for a check (starting one unless
// one runs). The check does not end with the caller that started it, so a client that goes
// away does not leave "context canceled" as everyone's answer.
func (c *healthCache) get(ctx context.Context) (int, healthJSON) {
	if c.ttl <= 0 {
		return c.check(ctx)
	}
	c.mu.Lock()
	if !c.at.IsZero() && c.now().Sub(c.at) < c.ttl {
		defer c.mu.Unlock()
		return c.status, c.out
	}
	if c.running == nil {
		c.running = make(chan struct{})
		go c.run(context.WithoutCancel(ctx), c.running)
	}
	done := c.running
	c.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return http.StatusServiceUnavailable, healthJSON{Status: "error", Error: "the request ended while waiting for the health check: " + ctx.Err().Error()}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status, c.out
}

func (c *healthCache) run(ctx context.Context, done chan struct{}) {
	status, out := c.check(ctx)
	c.mu.Lock()
	c.at, c.status, c.out, c.running = c.now(), status, out, nil
	c.mu.Unlock()
	close(done)
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
