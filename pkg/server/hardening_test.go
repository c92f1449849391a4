package server

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
)

// offlineSettings are settings for a server whose tests never reach Cassandra.
func offlineSettings(t *testing.T) cassandra.Settings {
	t.Helper()
	s, err := cassandra.LoadSettings([]byte(`{"hosts": ["127.0.0.1"], "port": 1}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Clients choose the method; each one must not become a new metric series.
func TestMethodLabelBounded(t *testing.T) {
	srv := New(offlineSettings(t), Options{Logger: discardLogger()})
	t.Cleanup(srv.Close)
	scrape := func() string {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("/metrics: %d", rec.Code)
		}
		return rec.Body.String()
	}
	series := func(body string) int {
		n := 0
		for line := range strings.SplitSeq(body, "\n") {
			if strings.HasPrefix(line, "metrics_server_http_requests_total{") {
				n++
			}
		}
		return n
	}
	rng := rand.New(rand.NewPCG(1, 2))
	paths := []string{"/api/v1/metrics", "/api/query", "/nowhere", "/api/resources/keyspaces", "/api/health"}
	var methods []string
	for i := 0; i < 3000; i++ {
		b := make([]byte, 10)
		for j := range b {
			b[j] = byte('A' + rng.IntN(26))
		}
		m := string(b)
		methods = append(methods, m)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(m, paths[i%len(paths)], nil))
		if rec.Code != http.StatusMethodNotAllowed && rec.Code != http.StatusNotFound {
			t.Fatalf("%s %s: %d %s", m, paths[i%len(paths)], rec.Code, rec.Body)
		}
	}
	body := scrape()
	// One series per route pattern and status at most, whatever the methods were.
	if n := series(body); n > 2*len(paths) {
		t.Fatalf("%d request series after 3000 random methods, want at most %d", n, 2*len(paths))
	}
	for _, m := range methods[:50] {
		if strings.Contains(body, m) {
			t.Fatalf("method %s is a label value in /metrics", m)
		}
	}
	if !strings.Contains(body, `method="other"`) {
		t.Fatal(`want the random methods counted under method="other"`)
	}
	t.Logf("/metrics is %d bytes with %d request series after 3000 random methods", len(body), series(body))

	// The standard methods keep their own value.
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"} {
		if got := methodLabel(m); got != m {
			t.Errorf("methodLabel(%s) = %s", m, got)
		}
	}
	if got := methodLabel("get"); got != "other" {
		t.Errorf(`methodLabel("get") = %s: methods are case-sensitive`, got)
	}
}

// A route that exists answers another method with 405 and the methods it takes; the resource
// routes behind the server too.
func TestMethodNotAllowed(t *testing.T) {
	ts := newTestServerWith(t, offlineSettings(t), Options{EnableRawCQL: true}) // the variable route answers
	for _, tc := range []struct {
		method, path, allow string
	}{
		{http.MethodDelete, "/api/v1/metrics", "GET"},
		{http.MethodPut, "/api/v1/environments/prod/applications", "GET"},
		{http.MethodDelete, "/api/v1/environments/prod/applications/checkout/metrics/raw_timer/http.requests", "GET"},
		{http.MethodGet, "/api/query", "POST"},
		{http.MethodDelete, "/api/resources/keyspaces", "GET, HEAD"},
		{http.MethodDelete, "/api/resources/variable", "GET, HEAD, POST"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			r := do(t, tc.method, ts.URL+tc.path, "", nil)
			if r.status != http.StatusMethodNotAllowed {
				t.Fatalf("status %d, want 405: %s", r.status, r.body)
			}
			if got := r.header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
			r.errorText(t)
		})
	}
	if r := do(t, http.MethodDelete, ts.URL+"/api/resources/nothing", "", nil); r.status != http.StatusNotFound {
		t.Fatalf("unknown resource: %d %s", r.status, r.body)
	}
}

func TestVariableBodyTooLarge(t *testing.T) {
	ts := newTestServerWith(t, offlineSettings(t), Options{EnableRawCQL: true})
	body := `{"query": "SELECT x FROM ks.t WHERE a = '` + strings.Repeat("x", MaxBodyBytes) + `'"}`
	r := do(t, http.MethodPost, ts.URL+"/api/resources/variable", body, map[string]string{"Content-Type": "application/json"})
	if r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.errorText(t), "larger than") {
		t.Fatalf("status %d, want 413: %.200s", r.status, r.body)
	}
}

// With a token set, the open health route says ok or error and nothing else to a caller
// without the token.
func TestHealthWithToken(t *testing.T) {
	const token = "health-token"
	auth := map[string]string{"Authorization": "Bearer " + token}
	ts := newTestServer(t, Options{Token: token})

	r := do(t, http.MethodGet, ts.URL+"/api/health", "", nil)
	if r.status != http.StatusOK || string(r.body) != `{"status":"ok"}`+"\n" {
		t.Fatalf("without the token: %d %s", r.status, r.body)
	}
	r = do(t, http.MethodGet, ts.URL+"/api/health", "", map[string]string{"Authorization": "Bearer wrong"})
	if r.status != http.StatusOK || string(r.body) != `{"status":"ok"}`+"\n" {
		t.Fatalf("with a wrong token: %d %s", r.status, r.body)
	}
	r = do(t, http.MethodGet, ts.URL+"/api/health", "", auth)
	if m := r.json(t); r.status != http.StatusOK || m["status"] != "ok" || m["release_version"] == nil || m["cluster_name"] == nil {
		t.Fatalf("with the token: %d %s", r.status, r.body)
	}

	s := testSettings(t)
	s.Hosts, s.Port = []string{"127.0.0.1"}, 1 // nothing listens there
	down := newTestServerWith(t, s, Options{Token: token})
	r = do(t, http.MethodGet, down.URL+"/api/health", "", nil)
	if r.status != http.StatusServiceUnavailable || string(r.body) != `{"status":"error"}`+"\n" {
		t.Fatalf("unreachable, without the token: %d %s", r.status, r.body)
	}
	r = do(t, http.MethodGet, down.URL+"/api/health", "", auth)
	if m := r.json(t); r.status != http.StatusServiceUnavailable || !strings.Contains(fmt.Sprint(m["error"]), "127.0.0.1") {
		t.Fatalf("unreachable, with the token: want the reason, got %d %s", r.status, r.body)
	}

	// Without a token configured, health tells everything as before.
	open := newTestServer(t, Options{})
	if m := get(t, open.URL+"/api/health").json(t); m["cluster_name"] == nil {
		t.Fatalf("no token configured: want the details, got %v", m)
	}
}

func TestParseColumns(t *testing.T) {
	names := func(n int, distinct bool) string {
		parts := make([]string, n)
		for i := range parts {
			if distinct {
				parts[i] = fmt.Sprintf("c%d", i)
			} else {
				parts[i] = []string{"p95", " count ", "p95", ""}[i%4]
			}
		}
		return strings.Join(parts, ",")
	}
	for _, tc := range []struct {
		name    string
		in      string
		want    []string
		wantErr string
	}{
		{"order kept, duplicates and blanks dropped", "p95, count,,p95 ,interval_count", []string{"p95", "count", "interval_count"}, ""},
		{"80k repeated names", names(80000, false), []string{"p95", "count"}, ""},
		{"exactly the bound", names(MaxColumns, true), strings.Split(names(MaxColumns, true), ","), ""},
		{"one over the bound", names(MaxColumns+1, true), nil, fmt.Sprintf("at most %d", MaxColumns)},
		{"20k distinct names", names(20000, true), nil, fmt.Sprintf("at most %d", MaxColumns)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseColumns(context.Background(), tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("columns (-want +got):\n%s", diff)
			}
		})
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := parseColumns(ctx, names(80000, false)); !errors.Is(err, context.Canceled) {
		t.Fatalf("ended request: want context.Canceled, got %v", err)
	}
}

func TestDataRouteTooManyColumns(t *testing.T) {
	ts := newTestServerWith(t, offlineSettings(t), Options{})
	parts := make([]string, 20000)
	for i := range parts {
		parts[i] = fmt.Sprintf("c%d", i)
	}
	r := get(t, dataURL(ts.URL, "raw_timer", url.Values{"columns": {strings.Join(parts, ",")}}))
	if r.status != http.StatusBadRequest || !strings.Contains(r.errorText(t), "at most") {
		t.Fatalf("20k columns: want 400, got %d %.300s", r.status, r.body)
	}
}

func BenchmarkParseColumns(b *testing.B) {
	for _, n := range []int{20000, 80000} {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = []string{"p95", "count", "p99", "interval_count"}[i%4] // repeats: all n are read
		}
		in := strings.Join(parts, ",")
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if _, err := parseColumns(context.Background(), in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
