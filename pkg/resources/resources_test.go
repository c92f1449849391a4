package resources

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/errs"
)

func testServer(t *testing.T) *httptest.Server {
	c := cassandratest.Client(t)
	ctx := context.Background()
	for _, s := range []string{
		`CREATE KEYSPACE IF NOT EXISTS resources_test WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
		`CREATE TABLE IF NOT EXISTS resources_test.raw_counter (environment text, application text, metric_name text,
			metric_timestamp timestamp, count bigint, previous_metric_timestamp timestamp, previous_count bigint,
			PRIMARY KEY ((environment, application, metric_name), metric_timestamp))`,
	} {
		if err := c.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []string{"a.count", "b.count"} {
		for _, env := range []string{"prod", "dev"} {
			if err := c.Exec(ctx, `INSERT INTO resources_test.raw_counter (environment, application, metric_name, metric_timestamp, count, previous_count) VALUES (?, 'api', ?, ?, 10, 5)`,
				env, m, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
				t.Fatal(err)
			}
		}
	}
	srv := httptest.NewServer(NewHandler(func(context.Context) (*cassandra.Client, error) { return c, nil }, Options{}))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestResourceRoutes(t *testing.T) {
	srv := testServer(t)
	tests := []struct {
		path       string
		wantStatus int
		want       any    // decoded JSON to compare, or nil
		wantIn     string // substring of the body
	}{
		{path: "/tables?keyspace=resources_test", wantStatus: 200, want: []any{"raw_counter"}},
		{path: "/columns?keyspace=resources_test&table=raw_counter", wantStatus: 200, want: []any{
			map[string]any{"name": "environment", "type": "text", "kind": "partition_key", "position": 0.0, "clusteringOrder": "none"},
			map[string]any{"name": "application", "type": "text", "kind": "partition_key", "position": 1.0, "clusteringOrder": "none"},
			map[string]any{"name": "metric_name", "type": "text", "kind": "partition_key", "position": 2.0, "clusteringOrder": "none"},
			map[string]any{"name": "metric_timestamp", "type": "timestamp", "kind": "clustering", "position": 0.0, "clusteringOrder": "asc"},
			map[string]any{"name": "count", "type": "bigint", "kind": "regular", "position": -1.0, "clusteringOrder": "none"},
			map[string]any{"name": "previous_count", "type": "bigint", "kind": "regular", "position": -1.0, "clusteringOrder": "none"},
			map[string]any{"name": "previous_metric_timestamp", "type": "timestamp", "kind": "regular", "position": -1.0, "clusteringOrder": "none"},
		}},
		{path: "/measures?keyspace=resources_test&table=raw_counter", wantStatus: 200, want: []any{
			map[string]any{"name": "count", "type": "bigint", "derived": false, "defaultAggregation": "max"},
			map[string]any{"name": "previous_count", "type": "bigint", "derived": false, "defaultAggregation": "max"},
			map[string]any{"name": "interval_count", "type": "bigint", "derived": true, "defaultAggregation": "sum"},
		}},
		{path: "/values?keyspace=resources_test&table=raw_counter&column=environment", wantStatus: 200, want: []any{"dev", "prod"}},
		{path: "/values?keyspace=resources_test&table=raw_counter&column=metric_name&limit=1", wantStatus: 200, wantIn: ".count"},
		{path: "/variable?query=" + strings.ReplaceAll("SELECT+metric_name,+environment+FROM+resources_test.raw_counter", " ", "+"), wantStatus: 200, wantIn: `"value":"a.count"`},
		{path: "/keyspaces", wantStatus: 200, wantIn: `"resources_test"`},
		// Bad input: a clear message and the right status.
		{path: "/tables", wantStatus: 400, wantIn: `parameter \"keyspace\" is required`},
		{path: "/tables?keyspace=nope_ks", wantStatus: 404, wantIn: `keyspace \"nope_ks\" does not exist`},
		{path: "/columns?keyspace=resources_test&table=nope", wantStatus: 404, wantIn: `table \"nope\" does not exist`},
		{path: "/values?keyspace=resources_test&table=raw_counter&column=count", wantStatus: 400, wantIn: "not a partition key column"},
		{path: "/values?keyspace=resources_test&table=raw_counter&column=zzz", wantStatus: 404, wantIn: `column \"zzz\" does not exist`},
		{path: "/values?keyspace=resources_test&table=raw_counter&column=environment&limit=0", wantStatus: 400, wantIn: "whole number from 1"},
		{path: "/variable?query=DROP+TABLE+resources_test.raw_counter", wantStatus: 400, wantIn: "SELECT"},
		{path: "/variable", wantStatus: 400, wantIn: `parameter \"query\" is required`},
		{path: "/nothing", wantStatus: 404, wantIn: "no resource"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			status, body := get(t, srv.URL+tt.path)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", status, tt.wantStatus, body)
			}
			if tt.want != nil {
				var got any
				if err := json.Unmarshal([]byte(body), &got); err != nil {
					t.Fatalf("body is not JSON: %s", body)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("body (-want +got):\n%s", diff)
				}
			}
			if !strings.Contains(body, tt.wantIn) {
				t.Errorf("body %s does not contain %s", body, tt.wantIn)
			}
		})
	}
	// The table is still there after the refused DROP.
	if status, _ := get(t, srv.URL+"/columns?keyspace=resources_test&table=raw_counter"); status != 200 {
		t.Fatalf("table gone after a refused DROP: %d", status)
	}
}

func do(t *testing.T, method, url, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// A known resource asked with a method it does not answer is a 405 that says which methods
// it does answer; an unknown resource stays a 404 whatever the method.
func TestResourceMethods(t *testing.T) {
	srv := httptest.NewServer(NewHandler(func(context.Context) (*cassandra.Client, error) {
		return nil, errors.New("no Cassandra in this test")
	}, Options{}))
	t.Cleanup(srv.Close)
	for _, tt := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodDelete, "/keyspaces", 405, "GET, HEAD"},
		{http.MethodPost, "/tables", 405, "GET, HEAD"},
		{http.MethodPut, "/variable", 405, "GET, HEAD, POST"},
		{http.MethodDelete, "/values", 405, "GET, HEAD"},
		{http.MethodDelete, "/nothing", 404, ""},
		{http.MethodGet, "/nothing", 404, ""},
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp, body := do(t, tt.method, srv.URL+tt.path, "")
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if got := resp.Header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow %q, want %q", got, tt.allow)
			}
			var e map[string]string
			if err := json.Unmarshal([]byte(body), &e); err != nil || e["error"] == "" {
				t.Errorf("want {\"error\": ...}, got %s", body)
			}
		})
	}
}

func TestVariableBody(t *testing.T) {
	srv := testServer(t)
	// The rows sit at 2026-01-01T00:00:00Z; the body's from/to decide whether
	// $__timeFilter keeps them.
	q := `SELECT metric_name FROM resources_test.raw_counter WHERE environment = 'prod' AND application = 'api' AND metric_name = 'a.count' AND $__timeFilter(metric_timestamp)`
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	body := func(from, to int64) string {
		b, _ := json.Marshal(map[string]any{"query": q, "from": from, "to": to})
		return string(b)
	}
	for _, tt := range []struct {
		name     string
		from, to int64
		want     []VariableValue
	}{
		{"range holding the row", at - 1000, at + 1000, []VariableValue{{Text: "a.count", Value: "a.count"}}},
		{"range before the row", at - 2000, at - 1000, []VariableValue{}},
		{"range starting after the row", at + 1, at + 1000, []VariableValue{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := do(t, http.MethodPost, srv.URL+"/variable", body(tt.from, tt.to))
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, b)
			}
			var got []VariableValue
			if err := json.Unmarshal([]byte(b), &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
		})
	}

	// A range that ends before it starts is the caller's mistake.
	resp, b := do(t, http.MethodPost, srv.URL+"/variable", body(at+1000, at-1000))
	if resp.StatusCode != 400 || !strings.Contains(b, "before it starts") {
		t.Fatalf("reversed range: %d %s", resp.StatusCode, b)
	}

	// A body over the bound is 413, not a JSON error.
	big := `{"query": "SELECT metric_name FROM resources_test.raw_counter WHERE metric_name = '` + strings.Repeat("x", MaxVariableBody) + `'"}`
	resp, b = do(t, http.MethodPost, srv.URL+"/variable", big)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(b, "larger than") {
		t.Fatalf("oversized body: %d %.200s", resp.StatusCode, b)
	}
}

// Rows that repeat one value still count against the row bound.
func TestVariableRowBound(t *testing.T) {
	testServer(t) // the table and its 4 rows, all of application 'api'
	c := cassandratest.Client(t)
	stmt := `SELECT application FROM resources_test.raw_counter`
	vals, err := variableValues(context.Background(), c, stmt, 10, 4)
	if err != nil {
		t.Fatalf("4 rows within a bound of 4: %v", err)
	}
	if diff := cmp.Diff([]VariableValue{{Text: "api", Value: "api"}}, vals); diff != "" {
		t.Fatalf("values (-want +got):\n%s", diff)
	}
	_, err = variableValues(context.Background(), c, stmt, 10, 3)
	var tm *TooManyRowsError
	if !errors.As(err, &tm) || tm.Rows != 3 || tm.Values != 1 {
		t.Fatalf("want TooManyRowsError after 3 rows with 1 value, got %v", err)
	}
	if errs.Status(err) != http.StatusBadRequest || !strings.Contains(err.Error(), "SELECT DISTINCT") {
		t.Fatalf("status %d, message %q: want 400 saying what to change", errs.Status(err), err)
	}
}

// Options.Timeout bounds a call even when the connector would wait forever.
func TestResourceTimeout(t *testing.T) {
	connect := func(ctx context.Context) (*cassandra.Client, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	srv := httptest.NewServer(NewHandler(connect, Options{Timeout: 50 * time.Millisecond}))
	t.Cleanup(srv.Close)
	resp, body := do(t, http.MethodGet, srv.URL+"/keyspaces", "")
	if resp.StatusCode != http.StatusGatewayTimeout || !strings.Contains(body, "deadline") {
		t.Fatalf("status %d, want 504: %s", resp.StatusCode, body)
	}
}
