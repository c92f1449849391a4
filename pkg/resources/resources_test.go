package resources

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
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
	srv := httptest.NewServer(NewHandler(func(context.Context) (*cassandra.Client, error) { return c, nil }))
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
