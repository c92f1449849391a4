package server

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// cassandraRequests is how many requests the server's session has sent to Cassandra, from
// the session's own observer (every page of every query).
func cassandraRequests(t *testing.T, s *Server) uint64 {
	t.Helper()
	var m dto.Metric
	if err := s.metrics.cqlLatency.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetHistogram().GetSampleCount()
}

// /api/health is open to everyone, and each check costs Cassandra two requests: the calls of
// a few seconds share one check, however many there are and however they overlap.
func TestHealthIsCached(t *testing.T) {
	var mu sync.Mutex
	now := testEnd
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	ts := newTestServer(t, Options{Now: clock})
	if _, err := ts.Client(context.Background()); err != nil {
		t.Fatal(err) // connected first, so the count below is the checks' own
	}
	start := cassandraRequests(t, ts.Server)
	if r := get(t, ts.URL+"/api/health"); r.status != http.StatusOK {
		t.Fatalf("health: %d %s", r.status, r.body)
	}
	perCheck := cassandraRequests(t, ts.Server) - start
	if perCheck == 0 {
		t.Fatal("a health check made no Cassandra request that the session's observer saw: the count below would prove nothing")
	}

	calls := func(n int) {
		t.Helper()
		var wg sync.WaitGroup
		codes := make(chan int, n)
		for range n {
			wg.Go(func() {
				res, err := http.Get(ts.URL + "/api/health")
				if err != nil {
					codes <- 0
					return
				}
				_ = res.Body.Close()
				codes <- res.StatusCode
			})
		}
		wg.Wait()
		close(codes)
		for c := range codes {
			if c != http.StatusOK {
				t.Fatalf("a health call answered %d", c)
			}
		}
	}
	calls(200)
	if got := cassandraRequests(t, ts.Server) - start; got != perCheck {
		t.Fatalf("201 health calls within the cache's time made %d Cassandra requests, want %d (one check)", got, perCheck)
	}

	// Later, the next calls check again: once, however many arrive together.
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	calls(50)
	if got := cassandraRequests(t, ts.Server) - start; got != 2*perCheck {
		t.Fatalf("after the cache's time, 50 concurrent calls: %d Cassandra requests in all, want %d (two checks)", got, 2*perCheck)
	}
	t.Logf("251 health calls, %d Cassandra requests (%d per check)", 2*perCheck, perCheck)
}

// A caller that goes away while the shared check runs gets its own error; the check goes on
// and its result answers the next caller. A negative TTL checks on every call.
func TestHealthCacheSharing(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	checks := 0
	c := &healthCache{ttl: time.Hour, now: time.Now, check: func(ctx context.Context) (int, healthJSON) {
		mu.Lock()
		checks++
		mu.Unlock()
		<-release
		if ctx.Err() != nil {
			return http.StatusServiceUnavailable, healthJSON{Status: "error", Error: ctx.Err().Error()}
		}
		return http.StatusOK, healthJSON{Status: "ok"}
	}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if code, out := c.get(ctx); code != http.StatusServiceUnavailable || out.Status != "error" {
		t.Fatalf("a caller that went away: %d %+v", code, out)
	}
	close(release)
	for range 3 {
		if code, out := c.get(context.Background()); code != http.StatusOK || out.Status != "ok" {
			t.Fatalf("after the check: %d %+v, want the check's own ok", code, out)
		}
	}
	if checks != 1 {
		t.Fatalf("%d checks, want 1", checks)
	}

	c.ttl, checks = -1, 0
	for range 3 {
		c.get(context.Background())
	}
	if checks != 3 {
		t.Fatalf("no cache: %d checks for 3 calls", checks)
	}
}
