package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Without a token, metrics-server answers only loopback clients, unless told to
// serve the network without one; with a token, whoever holds it. /metrics and /api/health stay
// open, but health's details are for the clients the API answers.
func TestUnauthenticatedClientsFromTheNetwork(t *testing.T) {
	const token = "access-token"
	validate := "/api/resources/validate?query=" + url.QueryEscape("SELECT p95 FROM ks.t") // answered without Cassandra
	local := []string{"127.0.0.1:5000", "127.9.8.7:5000", "[::1]:5000", "[::ffff:127.0.0.1]:5000"}
	remote := []string{"192.0.2.1:5000", "10.0.0.5:5000", "[2001:db8::1]:5000", "[::ffff:10.0.0.1]:5000", "[fe80::1%eth0]:5000", "not-an-address"}
	type request struct {
		remote string
		header map[string]string
	}
	var cases []struct {
		name string
		opts Options
		req  request
		want int
	}
	add := func(name string, opts Options, remotes []string, header map[string]string, want int) {
		for _, a := range remotes {
			cases = append(cases, struct {
				name string
				opts Options
				req  request
				want int
			}{name + " " + a, opts, request{a, header}, want})
		}
	}
	add("no token, local", Options{}, local, nil, http.StatusOK)
	add("no token, from the network", Options{}, remote, nil, http.StatusForbidden)
	add("no token, network allowed", Options{AllowUnauthenticatedRemote: true}, remote, nil, http.StatusOK)
	add("token, from the network", Options{Token: token}, remote, map[string]string{"Authorization": "Bearer " + token}, http.StatusOK)
	add("token, local without it", Options{Token: token}, local[:1], nil, http.StatusUnauthorized)
	add("token, network allowed, without it", Options{Token: token, AllowUnauthenticatedRemote: true}, remote[:1], nil, http.StatusUnauthorized)

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Logger = discardLogger()
			srv := New(offlineSettings(t), tc.opts)
			t.Cleanup(srv.Close)
			serve := func(method, path string) *httptest.ResponseRecorder {
				req := httptest.NewRequest(method, path, nil)
				req.RemoteAddr = tc.req.remote
				for k, v := range tc.req.header {
					req.Header.Set(k, v)
				}
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				return rec
			}
			rec := serve(http.MethodGet, validate)
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.want, rec.Body)
			}
			if tc.want == http.StatusForbidden {
				msg := errorOf(t, rec.Body.Bytes())
				for _, want := range []string{"loopback", EnvToken, "server.token", EnvAllowUnauthenticatedRemote, "server.allow_unauthenticated_remote"} {
					if !strings.Contains(msg, want) {
						t.Errorf("the 403 does not say %q: %s", want, msg)
					}
				}
				// Every API route, the seed's included, and before any Cassandra work.
				for _, p := range []struct{ method, path string }{
					{"GET", "/api/v1/metrics"}, {"GET", "/api/v1/environments/"}, {"POST", "/api/query"},
					{"GET", "/api/resources/keyspaces"}, {"GET", "/api/resources/variable?query=SELECT+x+FROM+ks.t"},
				} {
					if rec := serve(p.method, p.path); rec.Code != http.StatusForbidden {
						t.Errorf("%s %s: %d, want 403", p.method, p.path, rec.Code)
					}
				}
			}
			if rec := serve(http.MethodGet, "/metrics"); rec.Code != http.StatusOK {
				t.Errorf("/metrics: %d", rec.Code)
			}
			// Cassandra is unreachable: health is an error, with the reason only for clients
			// the API answers.
			var h map[string]any
			if err := json.Unmarshal(serve(http.MethodGet, "/api/health").Body.Bytes(), &h); err != nil {
				t.Fatal(err)
			}
			if detailed := h["error"] != nil; detailed != (tc.want == http.StatusOK) {
				t.Errorf("health details %v for a client answered %d: %v", detailed, tc.want, h)
			}
		})
	}
}

func errorOf(t *testing.T, body []byte) string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal(body, &m); err != nil || m["error"] == "" {
		t.Fatalf("want {\"error\": ...}, got %s", body)
	}
	return m["error"]
}

// Raw CQL reads any table the Cassandra user may read: metrics-server runs it only when told to,
// and otherwise refuses it, naming the setting, on /api/query and the variable route (path
// tricks included). Builder queries and the seed's routes are not affected.
func TestRawCQLIsOffUnlessEnabled(t *testing.T) {
	from, to := testEnd.Add(-time.Hour).UnixMilli(), testEnd.UnixMilli()
	builder := fmt.Sprintf(`{"refId": "A", "queryType": "builder", "keyspace": %q, "table": "raw_timer", "timeColumn": "metric_timestamp",
		"valueColumns": ["p95"], "filters": [{"column": "environment", "op": "=", "values": ["prod"]},
		{"column": "application", "op": "=", "values": ["search"]}, {"column": "metric_name", "op": "=", "values": ["db.query"]}]}`, testKeyspace)
	cql := fmt.Sprintf(`{"refId": "B", "format": "table", "rawCql": "SELECT metric_timestamp, p95 FROM %s.raw_timer WHERE environment = 'prod' AND application = 'search' AND metric_name = 'db.query' LIMIT 3"}`, testKeyspace)
	body := func(queries ...string) string {
		return fmt.Sprintf(`{"from": %d, "to": %d, "queries": [%s]}`, from, to, strings.Join(queries, ","))
	}
	variable := url.QueryEscape(fmt.Sprintf("SELECT DISTINCT environment, application, metric_name FROM %s.raw_timer", testKeyspace))
	requests := []struct {
		name, method, path, body string
	}{
		{"cql query beside a builder query", "POST", "/api/query", body(builder, cql)},
		{"cql query, queryType given", "POST", "/api/query", body(strings.Replace(cql, `"format"`, `"queryType": "cql", "format"`, 1))},
		{"variable GET", "GET", "/api/resources/variable?query=" + variable, ""},
		{"variable POST", "POST", "/api/resources/variable", fmt.Sprintf(`{"query": "SELECT DISTINCT environment, application, metric_name FROM %s.raw_timer"}`, testKeyspace)},
		{"variable, escaped path", "GET", "/api/resources/%76ariable?query=" + variable, ""},
	}

	off := newTestServer(t, Options{})
	on := newTestServer(t, Options{EnableRawCQL: true})
	for _, rq := range requests {
		t.Run(rq.name, func(t *testing.T) {
			r := do(t, rq.method, off.URL+rq.path, rq.body, nil)
			if r.status != http.StatusForbidden {
				t.Fatalf("raw CQL off: %d %.300s, want 403", r.status, r.body)
			}
			msg := r.errorText(t)
			for _, want := range []string{"raw CQL", "server.enable_raw_cql", EnvEnableRawCQL} {
				if !strings.Contains(msg, want) {
					t.Errorf("the 403 does not say %q: %s", want, msg)
				}
			}
			if r := do(t, rq.method, on.URL+rq.path, rq.body, nil); r.status != http.StatusOK || strings.Contains(string(r.body), `"error"`) {
				t.Errorf("raw CQL on: %d %.300s", r.status, r.body)
			}
		})
	}
	if r := do(t, "POST", off.URL+"/api/query", body(builder), nil); r.status != http.StatusOK || !strings.Contains(string(r.body), `"frames"`) {
		t.Errorf("a builder query with raw CQL off: %d %.300s", r.status, r.body)
	}
	if r := get(t, off.URL+"/api/v1/environments/"); r.status != http.StatusOK {
		t.Errorf("the seed's routes with raw CQL off: %d %s", r.status, r.body)
	}
	// A hidden raw CQL query is not run, so it is not refused.
	if r := do(t, "POST", off.URL+"/api/query", body(builder, strings.Replace(cql, `"format"`, `"hide": true, "format"`, 1)), nil); r.status != http.StatusOK {
		t.Errorf("a hidden cql query: %d %.300s", r.status, r.body)
	}
}
