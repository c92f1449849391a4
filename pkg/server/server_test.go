package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
	"github.com/metricsserver/cassandra-datasource/pkg/engine"
)

func TestQueryRouteAnswersLikeTheEngine(t *testing.T) {
	ts := newTestServer(t, Options{EnableRawCQL: true})
	from, to := testEnd.Add(-90*time.Minute).UnixMilli(), testEnd.Add(-10*time.Minute).UnixMilli()
	body := fmt.Sprintf(`{
		"from": %d, "to": "%d", "maxDataPoints": 40,
		"queries": [
			{"refId": "A", "queryType": "builder", "keyspace": %q, "table": "raw_timer_with_interval",
			 "timeColumn": "metric_timestamp", "valueColumns": ["p95", "interval_count"],
			 "filters": [{"column": "environment", "op": "=", "values": ["prod"]},
			             {"column": "application", "op": "IN", "values": ["checkout", "search"]},
			             {"column": "metric_name", "op": "=", "values": ["db.query"]}],
			 "seriesColumns": ["application"], "alias": "{{application}} {{measure}}"},
			{"refId": "B", "queryType": "cql", "format": "table",
			 "rawCql": "SELECT metric_timestamp, count FROM %s.raw_counter_with_interval WHERE environment = 'staging' AND application = 'search' AND metric_name = 'http.requests' AND $__timeFilter(metric_timestamp) LIMIT 5"},
			{"refId": "C", "queryType": "builder", "keyspace": %q, "table": "raw_gauge",
			 "timeColumn": "metric_timestamp", "valueColumns": ["value"]}
		]}`, from, to, testKeyspace, testKeyspace, testKeyspace)
	r := do(t, http.MethodPost, ts.URL+"/api/query", body, map[string]string{"Content-Type": "application/json"})
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}

	// The same request straight to the engine, as the plugin's QueryData would run it.
	req, err := BuildQueryRequest([]byte(body), testEnd)
	if err != nil {
		t.Fatal(err)
	}
	c := cassandratest.Client(t)
	opts := engine.OptionsFrom(testSettings(t))
	opts.Cache = engine.NewCache(testSettings(t)) // a cache of its own: a miss, as the server's first query
	want, err := json.Marshal(engine.New(c, opts).QueryData(context.Background(), req))
	if err != nil {
		t.Fatal(err)
	}
	var gotJSON, wantJSON any
	if err := json.Unmarshal(r.body, &gotJSON); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &wantJSON); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantJSON, gotJSON); diff != "" {
		t.Fatalf("/api/query differs from engine.QueryData (-engine +server):\n%s", diff)
	}

	// And the answer has Grafana's shape: frames for A and B, an error for C only.
	var res struct {
		Results map[string]struct {
			Frames []json.RawMessage `json:"frames"`
			Error  string            `json:"error"`
			Status int               `json:"status"`
		} `json:"results"`
	}
	if err := json.Unmarshal(r.body, &res); err != nil {
		t.Fatal(err)
	}
	if a := res.Results["A"]; a.Error != "" || len(a.Frames) != 4 {
		t.Fatalf("A: want four series frames (2 applications x 2 measures), got %d frames, error %q", len(a.Frames), a.Error)
	}
	if b := res.Results["B"]; b.Error != "" || len(b.Frames) != 1 {
		t.Fatalf("B: %+v", b)
	}
	if c := res.Results["C"]; !strings.Contains(c.Error, "raw_gauge") || c.Status != 404 {
		t.Fatalf("C: want a 404 error naming the table, got %+v", c)
	}
}

func TestQueryRouteBadRequests(t *testing.T) {
	ts := newTestServer(t, Options{})
	for name, tc := range map[string]struct {
		body   string
		status int
		want   string
	}{
		"not JSON":         {`{"queries": [`, 400, "must be JSON"},
		"no queries":       {`{"queries": []}`, 400, "empty"},
		"bad time":         {`{"queries": [{}], "from": "soon"}`, 400, `"from"`},
		"body over 1 MiB":  {`{"queries": [{"rawCql": "` + strings.Repeat("x", MaxBodyBytes) + `"}]}`, 413, "larger than"},
		"duplicate refIds": {`{"queries": [{"refId": "A"}, {"refId": "A"}]}`, 400, "twice"},
	} {
		t.Run(name, func(t *testing.T) {
			r := do(t, http.MethodPost, ts.URL+"/api/query", tc.body, nil)
			if r.status != tc.status || !strings.Contains(r.errorText(t), tc.want) {
				t.Fatalf("want %d mentioning %q, got %d %s", tc.status, tc.want, r.status, r.body)
			}
		})
	}
	r := get(t, ts.URL+"/api/query")
	if r.status != http.StatusMethodNotAllowed {
		t.Fatalf("GET /api/query: %d", r.status)
	}
	r.errorText(t)
	r = get(t, ts.URL+"/api/v2/nothing")
	if r.status != http.StatusNotFound {
		t.Fatalf("unknown route: %d", r.status)
	}
	r.errorText(t)
}

func TestTokenAuth(t *testing.T) {
	const token = "s3cret-token"
	ts := newTestServer(t, Options{Token: token, EnableRawCQL: true})
	protected := []struct{ method, path, body string }{
		{"GET", "/api/v1/metrics", ""},
		{"GET", "/api/v1/environments/", ""},
		{"GET", "/api/v1/environments/prod/applications", ""},
		{"GET", "/api/v1/environments/prod/applications/search/metrics", ""},
		{"GET", "/api/v1/environments/prod/applications/search/metrics/raw_timer/db.query?columns=p95", ""},
		{"POST", "/api/query", `{"queries": [{"refId": "A", "queryType": "cql", "rawCql": "SELECT release_version FROM system.local", "format": "table"}]}`},
		{"GET", "/api/resources/keyspaces", ""},
	}
	for _, p := range protected {
		for name, hdr := range map[string]map[string]string{
			"no header":    nil,
			"wrong token":  {"Authorization": "Bearer s3cret-tokem"},
			"prefix":       {"Authorization": "Bearer s3cret"},
			"basic scheme": {"Authorization": "Basic " + token},
			"bare token":   {"Authorization": token},
		} {
			r := do(t, p.method, ts.URL+p.path, p.body, hdr)
			if r.status != http.StatusUnauthorized || !strings.Contains(r.errorText(t), "bearer token") {
				t.Fatalf("%s %s with %s: want 401, got %d %s", p.method, p.path, name, r.status, r.body)
			}
			if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("401 without WWW-Authenticate: %v", r.header)
			}
		}
		r := do(t, p.method, ts.URL+p.path, p.body, map[string]string{"Authorization": "bearer " + token})
		if r.status != http.StatusOK {
			t.Fatalf("%s %s with the token: %d %s", p.method, p.path, r.status, r.body)
		}
	}
	for _, open := range []string{"/metrics", "/api/health"} {
		if r := get(t, ts.URL+open); r.status != http.StatusOK {
			t.Fatalf("%s must stay open without a token: %d %s", open, r.status, r.body)
		}
	}
	if strings.Contains(ts.log.String(), token) {
		t.Fatal("the token reached the access log")
	}
}

func TestHealth(t *testing.T) {
	ts := newTestServer(t, Options{})
	r := get(t, ts.URL+"/api/health")
	m := r.json(t)
	if r.status != http.StatusOK || m["status"] != "ok" || !strings.HasPrefix(fmt.Sprint(m["release_version"]), "5.") ||
		!strings.Contains(fmt.Sprint(m["message"]), testKeyspace) {
		t.Fatalf("%d %s", r.status, r.body)
	}

	s := testSettings(t)
	s.Keyspace = "no_such_keyspace_here"
	r = get(t, newTestServerWith(t, s, Options{}).URL+"/api/health")
	if m := r.json(t); r.status != http.StatusServiceUnavailable || m["status"] != "error" || !strings.Contains(fmt.Sprint(m["error"]), "no_such_keyspace_here") {
		t.Fatalf("missing keyspace: %d %s", r.status, r.body)
	}

	s = testSettings(t)
	s.Hosts, s.Port = []string{"127.0.0.1"}, 1 // nothing listens there
	r = get(t, newTestServerWith(t, s, Options{}).URL+"/api/health")
	if m := r.json(t); r.status != http.StatusServiceUnavailable || m["status"] != "error" {
		t.Fatalf("unreachable Cassandra: %d %s", r.status, r.body)
	}
	// Other routes say Cassandra is unreachable rather than failing obscurely.
	r = get(t, newTestServerWith(t, s, Options{}).URL+"/api/v1/environments/")
	if r.status != http.StatusBadGateway && r.status != http.StatusGatewayTimeout {
		t.Fatalf("unreachable Cassandra on a data route: %d %s", r.status, r.body)
	}
	r.errorText(t)
}

func TestResourceRoutes(t *testing.T) {
	ts := newTestServer(t, Options{})
	r := get(t, ts.URL+"/api/resources/tables?keyspace="+testKeyspace)
	var tables []string
	if err := json.Unmarshal(r.body, &tables); err != nil || r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if diff := cmp.Diff([]string{"raw_counter", "raw_counter_with_interval", "raw_timer", "raw_timer_with_interval"}, tables); diff != "" {
		t.Fatalf("tables (-want +got):\n%s", diff)
	}
	r = get(t, ts.URL+"/api/resources/measures?keyspace="+testKeyspace+"&table=raw_counter")
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"interval_count"`) {
		t.Fatalf("measures: %d %s", r.status, r.body)
	}
	r = get(t, ts.URL+"/api/resources/values?keyspace="+testKeyspace+"&table=raw_counter&column=environment")
	if r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != `["prod","staging"]` {
		t.Fatalf("values: %d %s", r.status, r.body)
	}
	r = get(t, ts.URL+"/api/resources/columns?keyspace="+testKeyspace+"&table=nope")
	if r.status != http.StatusNotFound {
		t.Fatalf("unknown table: %d %s", r.status, r.body)
	}
}

func TestPrometheusMetrics(t *testing.T) {
	ts := newTestServer(t, Options{})
	get(t, ts.URL+"/api/v1/environments/")
	get(t, ts.URL+"/api/v1/environments/prod/applications/search/metrics/raw_timer/db.query?columns=p95")
	get(t, ts.URL+"/api/v1/environments/prod/applications/search/metrics/raw_timer/db.query?size=0&columns=p95")
	r := get(t, ts.URL+"/metrics")
	if r.status != http.StatusOK {
		t.Fatalf("%d", r.status)
	}
	text := string(r.body)
	for _, want := range []string{
		`metrics_server_http_requests_total{code="200",method="GET",route="/api/v1/environments"} 1`,
		`metrics_server_http_requests_total{code="400",method="GET",route="/api/v1/environments/{env}/applications/{app}/metrics/{table}/{metric}"} 1`,
		`metrics_server_http_request_duration_seconds_count{method="GET",route="/api/v1/environments"} 1`,
		// The data request holds more than size rows: a raw read, then the resampling.
		`metrics_server_queries_total{status="ok"} 2`,
		"metrics_server_cassandra_request_duration_seconds_count ",
		"metrics_server_cassandra_request_errors_total 0",
		"metrics_server_queries_in_progress 0",
		// The resampling is a binned query: it looked in the bin cache, found nothing, kept its bins.
		`metrics_server_bin_cache_queries_total{result="miss"} 1`,
		`metrics_server_bin_cache_queries_total{result="hit"} 0`,
		"metrics_server_bin_cache_max_bytes 2.68435456e+08",
		"metrics_server_bin_cache_entries 1",
		"go_goroutines ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(text, "metrics_server_cassandra_rows_read_total 0\n") || !strings.Contains(text, "metrics_server_cassandra_rows_read_total ") {
		t.Error("rows read should be counted")
	}
}

func TestAccessLog(t *testing.T) {
	ts := newTestServer(t, Options{})
	do(t, http.MethodGet, ts.URL+"/api/v1/environments/?password=hunter2", "", map[string]string{"Authorization": "Bearer abc123"})
	line := strings.TrimSpace(ts.log.String())
	var entry map[string]any
	if err := json.Unmarshal([]byte(line), &entry); err != nil {
		t.Fatalf("want one JSON log line, got %q", line)
	}
	for k, want := range map[string]any{"msg": "request", "method": "GET", "path": "/api/v1/environments/", "status": float64(200)} {
		if entry[k] != want {
			t.Errorf("log %s = %v, want %v", k, entry[k], want)
		}
	}
	if _, ok := entry["duration_ms"]; !ok {
		t.Error("no duration in the log line")
	}
	if strings.Contains(line, "hunter2") || strings.Contains(line, "abc123") {
		t.Fatalf("the log line leaks the query string or a header: %s", line)
	}
}

func TestRequestDeadlineCancelsCassandra(t *testing.T) {
	ts := newTestServer(t, Options{RequestTimeout: time.Millisecond})
	if _, err := ts.Client(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := get(t, ts.URL+"/api/v1/metrics")
	if r.status != http.StatusGatewayTimeout {
		t.Fatalf("want 504 once the request's time is up, got %d %s", r.status, r.body)
	}
	r.errorText(t)
}

func TestServeShutsDownGracefully(t *testing.T) {
	s := New(testSettings(t), Options{Logger: discardLogger()})
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, "127.0.0.1", 0, func(a string) { addrc <- a }) }()
	addr := <-addrc
	if r := get(t, "http://"+addr+"/api/health"); r.status != http.StatusOK {
		t.Fatalf("health: %d %s", r.status, r.body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(ShutdownGrace + 5*time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	if _, err := s.Client(context.Background()); err == nil {
		t.Fatal("the session should be closed after shutdown")
	}
}
