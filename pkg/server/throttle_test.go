package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
)

func TestThrottleLetsThreadsRequestsQueryAtOnce(t *testing.T) {
	s := New(cassandra.Settings{}, Options{Threads: 1, Logger: discardLogger()})
	release := make(chan struct{})
	entered := make(chan struct{}, 2)
	h := s.throttle(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
	}))

	first := make(chan int)
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		first <- rec.Code
	}()
	<-entered

	// The second request waits for the only slot, and gives up when its client goes away.
	ctx, cancel := context.WithCancel(context.Background())
	second := make(chan *httptest.ResponseRecorder)
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil).WithContext(ctx))
		second <- rec
	}()
	// A hang guard, not a speed limit: the loop ends as soon as the request queues.
	deadline := time.Now().Add(2 * time.Minute)
	for gaugeValue(t, s.metrics.waiting) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the second request never queued")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := gaugeValue(t, s.metrics.busy); got != 1 {
		t.Fatalf("busy = %v, want 1", got)
	}
	select {
	case <-entered:
		t.Fatal("a second request ran while the only slot was taken")
	default:
	}
	cancel()
	rec := <-second
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("abandoned waiting request: %d", rec.Code)
	}
	close(release)
	if code := <-first; code != http.StatusOK {
		t.Fatalf("first request: %d", code)
	}
	if gaugeValue(t, s.metrics.busy) != 0 || gaugeValue(t, s.metrics.waiting) != 0 {
		t.Fatal("gauges should return to 0")
	}
	// The slot is free again.
	go func() { <-entered }()
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("after release: %d", rec.Code)
	}
}

func gaugeValue(t *testing.T, g prometheus.Gauge) float64 {
	t.Helper()
	var m dto.Metric
	if err := g.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetGauge().GetValue()
}
