package seed

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

const seedTestKeyspace = "metric_data_seed_test"

func TestGenerateWritesTheModelIdempotently(t *testing.T) {
	c := cassandratest.Client(t)
	ctx := context.Background()
	for i := 0; i < 2; i++ { // creating the schema twice is harmless
		if err := CreateSchema(ctx, c, SchemaOptions{Keyspace: seedTestKeyspace}); err != nil {
			t.Fatal(err)
		}
	}
	end := time.Date(2026, 2, 1, 6, 0, 0, 0, time.UTC)
	opts := Options{Keyspace: seedTestKeyspace, Span: 30 * time.Minute, End: end, Environments: 2, Applications: 1, Metrics: 2, Seed: 9, BatchRows: 17, Concurrency: 8}
	st, err := Generate(ctx, c, opts)
	if err != nil {
		t.Fatal(err)
	}
	if st.Partitions != 16 || st.Rows != 16*360 {
		t.Fatalf("stats %+v, want 16 partitions of 360 rows", st)
	}
	before := readPartition(t, c, TimerWithInterval, "staging", "checkout", "db.query")
	// A second, overlapping load with a later end writes the same values where they overlap.
	opts.End = end.Add(10 * time.Minute)
	if _, err := Generate(ctx, c, opts); err != nil {
		t.Fatal(err)
	}
	after := readPartition(t, c, TimerWithInterval, "staging", "checkout", "db.query")
	if len(after) != 360+120 {
		t.Fatalf("%d rows after the second load, want 480", len(after))
	}
	for ts, r := range before {
		if after[ts] != r {
			t.Fatalf("row at %s changed on reload:\n%s\n%s", ts, r, after[ts])
		}
	}
	// What was stored is what the model computes.
	s := newSeries(9, TimerWithInterval, "staging", "checkout", "db.query")
	n := 0
	s.rows(end.Add(-30*time.Minute), end, 5*time.Second, func(r *row) {
		n++
		want := fmt.Sprintf("%d %d %s %v %v %v", r.count, r.prevCount, r.prevTS.Format(time.RFC3339Nano), r.p95, r.median, r.oneMinRate)
		if got := before[r.ts.Format(time.RFC3339Nano)]; got != want {
			t.Fatalf("stored row at %s is %q, want %q", r.ts, got, want)
		}
	})
	if n != 360 {
		t.Fatalf("model rows %d", n)
	}
}

func readPartition(t *testing.T, c *cassandra.Client, table, env, app, metric string) map[string]string {
	t.Helper()
	rows := c.Query(context.Background(), fmt.Sprintf("SELECT metric_timestamp, count, previous_count, previous_metric_timestamp, p95, median, one_min_rate, duration_unit, rate_unit FROM %s.%s WHERE environment = ? AND application = ? AND metric_name = ?", seedTestKeyspace, table),
		[]any{env, app, metric}, cassandra.QueryOptions{})
	out := map[string]string{}
	var ts, prevTS time.Time
	var count, prev int64
	var p95, median, m1 float32
	var du, ru string
	for rows.Next(&ts, &count, &prev, &prevTS, &p95, &median, &m1, &du, &ru) {
		if du != DurationUnit || ru != RateUnit {
			t.Fatalf("units %q %q", du, ru)
		}
		out[ts.UTC().Format(time.RFC3339Nano)] = fmt.Sprintf("%d %d %s %v %v %v", count, prev, prevTS.UTC().Format(time.RFC3339Nano), p95, median, m1)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCatalog(t *testing.T) {
	c := cassandratest.Client(t)
	ctx := context.Background()
	if err := CreateSchema(ctx, c, SchemaOptions{Keyspace: seedTestKeyspace}); err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 2, 1, 6, 0, 0, 0, time.UTC)
	if _, err := Generate(ctx, c, Options{Keyspace: seedTestKeyspace, Span: 30 * time.Minute, End: end, Environments: 2, Applications: 1, Metrics: 2, Seed: 9}); err != nil {
		t.Fatal(err)
	}
	// A table of another shape in the keyspace is not a metrics table.
	if err := c.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+seedTestKeyspace+".other (id int PRIMARY KEY, v text)"); err != nil {
		t.Fatal(err)
	}
	cat := Catalog{Client: c, Keyspace: seedTestKeyspace, Concurrency: 3}
	tables, err := cat.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tb := range tables {
		names = append(names, tb.Name)
	}
	if fmt.Sprint(names) != "[raw_counter raw_counter_with_interval raw_timer raw_timer_with_interval]" {
		t.Fatalf("tables %v", names)
	}
	var nf *schema.NotFoundError
	if _, err := cat.Table(ctx, "other"); !errors.As(err, &nf) {
		t.Fatalf("a table of another shape should be not found, got %v", err)
	}
	envs, err := cat.Environments(ctx)
	if err != nil || fmt.Sprint(envs) != "[prod staging]" {
		t.Fatalf("environments %v %v", envs, err)
	}
	apps, err := cat.Applications(ctx, "prod")
	if err != nil || fmt.Sprint(apps) != "[checkout]" {
		t.Fatalf("applications %v %v", apps, err)
	}
	if apps, _ := cat.Applications(ctx, "nowhere"); len(apps) != 0 {
		t.Fatalf("applications of an unknown environment: %v", apps)
	}
	ms, err := cat.Metrics(ctx, "prod", "checkout")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 8 {
		t.Fatalf("%d metrics, want 4 tables x 2", len(ms))
	}
	for _, m := range ms {
		// The latest report, not the oldest: the last 5 s slot before the end (the other test
		// may have loaded up to 10 minutes later).
		if m.LastTimestamp == nil || m.LastTimestamp.Before(end.Add(-5*time.Second)) {
			t.Fatalf("%+v: last timestamp %v", m, m.LastTimestamp)
		}
		if IsTimerTable(m.Table) != (m.DurationUnit != nil && *m.DurationUnit == DurationUnit && m.RateUnit != nil && *m.RateUnit == RateUnit) {
			t.Fatalf("%+v: units", m)
		}
	}
	if _, err := (Catalog{Client: c, Keyspace: "no_such_keyspace_here"}).Partitions(ctx); !errors.As(err, &nf) {
		t.Fatalf("missing keyspace: want NotFoundError, got %v", err)
	}
}
