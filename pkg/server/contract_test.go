package server

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/seed"
)

// The contract tests write a few rows by hand into their own keyspace and compare each seed
// route's whole answer with the JSON the seed's clients expect, worked out from those rows.
const contractKeyspace = "metric_data_server_contract"

// contractT0 is a multiple of 20 s, 100 s and 30 s since the epoch (but not of 23 s).
var contractT0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var (
	contractOnce sync.Once
	contractErr  error
)

func contractSettings(t *testing.T) cassandra.Settings {
	t.Helper()
	s, err := cassandra.LoadSettings(cassandratest.JSONData(t, map[string]any{"keyspace": contractKeyspace}), nil)
	if err != nil {
		t.Fatal(err)
	}
	contractOnce.Do(func() { contractErr = writeContractData(s) })
	if contractErr != nil {
		t.Fatalf("writing the contract data: %v", contractErr)
	}
	return s
}

// contractCounts are http.requests' running totals, one report every 10 s from contractT0;
// each row's previous_count is the one before (90 for the first), so the interval counts are
// 10 4 6 2 8 10 1 9 10 5.
var contractCounts = []int64{100, 104, 110, 112, 120, 130, 131, 140, 150, 155}

func writeContractData(s cassandra.Settings) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := cassandra.Connect(ctx, s)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := seed.CreateSchema(ctx, c, seed.SchemaOptions{Keyspace: contractKeyspace}); err != nil {
		return err
	}
	for _, tbl := range []string{seed.Counter, seed.CounterWithInterval, seed.Timer, seed.TimerWithInterval} {
		if err := c.Exec(ctx, "TRUNCATE "+contractKeyspace+"."+tbl); err != nil {
			return err
		}
	}
	counter := func(tbl, env, app, metric string, at time.Time, count, prev int64) error {
		return c.Exec(ctx, "INSERT INTO "+contractKeyspace+"."+tbl+
			" (environment, application, metric_name, metric_timestamp, count, previous_count) VALUES (?, ?, ?, ?, ?, ?)",
			env, app, metric, at, count, prev)
	}
	prev := int64(90)
	for k, n := range contractCounts {
		if err := counter(seed.CounterWithInterval, "prod", "checkout", "http.requests", contractT0.Add(time.Duration(k)*10*time.Second), n, prev); err != nil {
			return err
		}
		prev = n
	}
	if err := counter(seed.CounterWithInterval, "prod", "search", "http.requests", contractT0, 1, 0); err != nil {
		return err
	}
	if err := counter(seed.Counter, "staging", "search", "cache.get", contractT0.Add(5*time.Second+250*time.Millisecond), 7, 3); err != nil {
		return err
	}
	// db.query: three timer reports, the middle one without p95.
	p95 := []*float32{ptr(float32(1.5)), nil, ptr(float32(3))}
	counts := []int64{5, 7, 12}
	for k := range p95 {
		prev := int64(0)
		if k > 0 {
			prev = counts[k-1]
		}
		if err := c.Exec(ctx, "INSERT INTO "+contractKeyspace+"."+seed.TimerWithInterval+
			" (environment, application, metric_name, metric_timestamp, count, previous_count, p95, duration_unit, rate_unit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			"prod", "checkout", "db.query", contractT0.Add(time.Duration(k)*10*time.Second), counts[k], prev, p95[k], "milliseconds", "events/second"); err != nil {
			return err
		}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

func TestSeedRoutesContract(t *testing.T) {
	ts := newTestServerWith(t, contractSettings(t), Options{Now: func() time.Time { return contractT0.Add(time.Hour) }})
	const base = "/api/v1/environments/prod/applications/checkout/metrics/"
	for _, tc := range []struct {
		name, path, want string
	}{
		{"all metrics", "/api/v1/metrics", `{"data": {"metrics": [
			{"environment": "prod", "application": "checkout", "table": "raw_counter_with_interval", "metric_name": "http.requests",
			 "last_timestamp": "2026-01-01T00:01:30Z", "duration_unit": null, "rate_unit": null},
			{"environment": "prod", "application": "checkout", "table": "raw_timer_with_interval", "metric_name": "db.query",
			 "last_timestamp": "2026-01-01T00:00:20Z", "duration_unit": "milliseconds", "rate_unit": "events/second"},
			{"environment": "prod", "application": "search", "table": "raw_counter_with_interval", "metric_name": "http.requests",
			 "last_timestamp": "2026-01-01T00:00:00Z", "duration_unit": null, "rate_unit": null},
			{"environment": "staging", "application": "search", "table": "raw_counter", "metric_name": "cache.get",
			 "last_timestamp": "2026-01-01T00:00:05.25Z", "duration_unit": null, "rate_unit": null}]}}`},
		{"environments", "/api/v1/environments/", `{"data": {"environments": ["prod", "staging"]}}`},
		{"environments without the slash", "/api/v1/environments", `{"data": {"environments": ["prod", "staging"]}}`},
		{"applications", "/api/v1/environments/prod/applications", `{"data": {"environment": "prod", "applications": ["checkout", "search"]}}`},
		{"applications of another environment", "/api/v1/environments/staging/applications/", `{"data": {"environment": "staging", "applications": ["search"]}}`},
		{"metrics of an application", "/api/v1/environments/prod/applications/checkout/metrics", `{"data": {"environment": "prod", "application": "checkout", "metrics": [
			{"table": "raw_counter_with_interval", "metric_name": "http.requests", "last_timestamp": "2026-01-01T00:01:30Z", "duration_unit": null, "rate_unit": null},
			{"table": "raw_timer_with_interval", "metric_name": "db.query", "last_timestamp": "2026-01-01T00:00:20Z", "duration_unit": "milliseconds", "rate_unit": "events/second"}]}}`},

		// 10 rows and size 10: the rows as stored, interval_count per row.
		{"data, window holding size rows", base + "raw_counter_with_interval/http.requests?columns=count,interval_count&size=10&start_timestamp=2026-01-01T00:00:00Z&end_timestamp=2026-01-01T00:01:40Z",
			`{"data": {"environment": "prod", "application": "checkout", "table": "raw_counter_with_interval", "metric": "http.requests",
			  "columns": ["metric_timestamp", "count", "interval_count"], "rows": [
				["2026-01-01T00:00:00Z", 100, 10], ["2026-01-01T00:00:10Z", 104, 4], ["2026-01-01T00:00:20Z", 110, 6],
				["2026-01-01T00:00:30Z", 112, 2], ["2026-01-01T00:00:40Z", 120, 8], ["2026-01-01T00:00:50Z", 130, 10],
				["2026-01-01T00:01:00Z", 131, 1], ["2026-01-01T00:01:10Z", 140, 9], ["2026-01-01T00:01:20Z", 150, 10],
				["2026-01-01T00:01:30Z", 155, 5]]}}`},
		// 10 rows and size 5 over 100 s: buckets of 20 s, count's max and interval_count's sum.
		{"data, resampled", base + "raw_counter_with_interval/http.requests?columns=interval_count,count&size=5&start_timestamp=2026-01-01T00:00:00Z&end_timestamp=2026-01-01T00:01:40Z",
			`{"data": {"environment": "prod", "application": "checkout", "table": "raw_counter_with_interval", "metric": "http.requests",
			  "columns": ["metric_timestamp", "interval_count", "count"], "rows": [
				["2026-01-01T00:00:00Z", 14, 104], ["2026-01-01T00:00:20Z", 8, 112], ["2026-01-01T00:00:40Z", 18, 130],
				["2026-01-01T00:01:00Z", 10, 140], ["2026-01-01T00:01:20Z", 15, 155]]}}`},
		// 9 rows in [00:00:05, 00:01:40) and size 4: floor(95 / 4) = 23 s buckets from the epoch;
		// T0 is 15 s past a multiple of 23 s, so the first bucket starts at 23:59:45 and holds
		// only the row at T0, which is outside the window: a null row.
		{"data, resampled, window not aligned", base + "raw_counter_with_interval/http.requests?columns=count,interval_count&size=4&start_timestamp=2026-01-01T00:00:05Z&end_timestamp=2026-01-01T00:01:40Z",
			`{"data": {"environment": "prod", "application": "checkout", "table": "raw_counter_with_interval", "metric": "http.requests",
			  "columns": ["metric_timestamp", "count", "interval_count"], "rows": [
				["2025-12-31T23:59:45Z", null, null], ["2026-01-01T00:00:08Z", 112, 12], ["2026-01-01T00:00:31Z", 130, 18],
				["2026-01-01T00:00:54Z", 140, 10], ["2026-01-01T00:01:17Z", 155, 15]]}}`},
		// Default size (1000) over the last hour: 3 rows, as stored, the missing p95 a null.
		{"data, timer, default size and window", base + "raw_timer_with_interval/db.query?columns=p95,interval_count",
			`{"data": {"environment": "prod", "application": "checkout", "table": "raw_timer_with_interval", "metric": "db.query",
			  "columns": ["metric_timestamp", "p95", "interval_count"], "rows": [
				["2026-01-01T00:00:00Z", 1.5, 5], ["2026-01-01T00:00:10Z", null, 2], ["2026-01-01T00:00:20Z", 3, 5]]}}`},
		// 3 rows and size 2 over 60 s: 30 s buckets; the second is empty and comes back as nulls.
		{"data, timer, empty bucket", base + "raw_timer_with_interval/db.query?columns=p95,interval_count&size=2&start_timestamp=2026-01-01T00:00:00Z&end_timestamp=2026-01-01T00:01:00Z",
			`{"data": {"environment": "prod", "application": "checkout", "table": "raw_timer_with_interval", "metric": "db.query",
			  "columns": ["metric_timestamp", "p95", "interval_count"], "rows": [
				["2026-01-01T00:00:00Z", 3, 12], ["2026-01-01T00:00:30Z", null, null]]}}`},
		// No rows in the window: no rows.
		{"data, empty window", base + "raw_timer_with_interval/db.query?columns=p95&start_timestamp=2026-01-01T01:00:00Z&end_timestamp=2026-01-01T02:00:00Z",
			`{"data": {"environment": "prod", "application": "checkout", "table": "raw_timer_with_interval", "metric": "db.query",
			  "columns": ["metric_timestamp", "p95"], "rows": []}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, ts.URL+tc.path)
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			var got, want any
			if err := json.Unmarshal(r.body, &got); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, r.body)
			}
			if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatalf("the golden answer is not JSON: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("answer (-want +got):\n%s", diff)
			}
		})
	}
}
