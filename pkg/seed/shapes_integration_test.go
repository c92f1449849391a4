package seed

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/engine"
)

const shapesTestKeyspace = "metric_data_shapes_test"

// TestGenerateShapes loads the day-bucketed and epoch-ms tables across a midnight and checks
// them against the model and against each other through builder queries.
func TestGenerateShapes(t *testing.T) {
	c := cassandratest.Client(t)
	ctx := context.Background()
	if err := CreateSchema(ctx, c, SchemaOptions{Keyspace: shapesTestKeyspace}); err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 2, 1, 3, 0, 0, 0, time.UTC)
	opts := Options{Keyspace: shapesTestKeyspace, Span: 6 * time.Hour, End: end, Environments: 1, Applications: 1, Metrics: 2, Seed: 5}
	st, err := GenerateShapes(ctx, c, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Both tables get every report the model gives for the 2 series (a restarted application
	// misses a few minutes).
	var modelRows int64
	for _, m := range MetricNames(2) {
		newSeries(5, TimerWithInterval, "prod", "checkout", m).rows(end.Add(-6*time.Hour), end, ShapeStep, func(*row) { modelRows++ })
	}
	if modelRows < 2*300 || st.Rows != 2*modelRows {
		t.Fatalf("wrote %d rows, want twice the model's %d", st.Rows, modelRows)
	}

	// Every row sits in the partition of its own UTC day, with the model's values.
	s := newSeries(5, TimerWithInterval, "prod", "checkout", "http.requests")
	want := map[string]string{}
	s.rows(end.Add(-6*time.Hour), end, ShapeStep, func(r *row) {
		want[r.ts.Format(time.RFC3339Nano)] = fmt.Sprintf("%s %v %d", r.ts.UTC().Format("2006-01-02"), r.p99, r.count)
	})
	got := map[string]string{}
	for _, day := range []string{"2026-01-31", "2026-02-01"} {
		rows := c.Query(ctx, `SELECT metric_timestamp, day, p99, count FROM `+shapesTestKeyspace+`.timer_by_day WHERE environment = 'prod' AND application = 'checkout' AND metric_name = 'http.requests' AND day = ?`,
			[]any{day}, cassandra.QueryOptions{})
		var ts, d time.Time
		var p99 float32
		var count int64
		for rows.Next(&ts, &d, &p99, &count) {
			got[ts.UTC().Format(time.RFC3339Nano)] = fmt.Sprintf("%s %v %d", d.Format("2006-01-02"), p99, count)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("timer_by_day rows (-model +stored):\n%s", diff)
	}

	// The builder reads both shapes to the same bins: day buckets, and epoch milliseconds.
	e := engine.New(c, engine.Options{})
	run := func(q map[string]any) map[string][]any {
		b, _ := json.Marshal(q)
		res := e.Run(ctx, backend.DataQuery{RefID: "A", JSON: b, MaxDataPoints: 100, Interval: time.Minute,
			TimeRange: backend.TimeRange{From: end.Add(-5 * time.Hour), To: end}})
		if res.Error != nil {
			t.Fatalf("%v: %v", q["table"], res.Error)
		}
		out := map[string][]any{}
		for _, f := range res.Frames {
			var vals []any
			for i := 0; i < f.Fields[1].Len(); i++ {
				vals = append(vals, f.Fields[0].At(i), f.Fields[1].At(i))
			}
			out[f.Fields[1].Labels["metric_name"]] = vals
		}
		return out
	}
	base := func(table, timeColumn string) map[string]any {
		return map[string]any{"queryType": "builder", "keyspace": shapesTestKeyspace, "table": table, "timeColumn": timeColumn,
			"valueColumns": []string{"p99"}, "aggregations": []string{"max"}, "interval": "15m", "seriesColumns": []string{"metric_name"},
			"filters": []map[string]any{{"column": "environment", "op": "=", "values": []string{"prod"}},
				{"column": "application", "op": "=", "values": []string{"checkout"}},
				{"column": "metric_name", "op": "IN", "values": []string{"http.requests", "db.query"}}}}
	}
	bucketed := base(TimerByDay, "metric_timestamp")
	bucketed["bucketColumn"], bucketed["bucketGranularity"] = "day", "day"
	epoch := base(TimerEpochMs, "ts_ms")
	epoch["timeUnit"] = "ms"
	a, b := run(bucketed), run(epoch)
	if len(a) != 2 || len(a["db.query"]) != 2*20 {
		t.Fatalf("bucketed query: %d series, db.query has %d values; want 2 series of 20 bins", len(a), len(a["db.query"])/2)
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("day buckets and epoch ms differ (-bucketed +epoch):\n%s", diff)
	}
}
