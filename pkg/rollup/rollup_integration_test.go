package rollup_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/engine"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
	"github.com/metricsserver/cassandra-datasource/pkg/rollup"
	"github.com/metricsserver/cassandra-datasource/pkg/seed"
)

const (
	sourceKeyspace = "rollup_it"
	rollupKeyspace = "rollup_it_rollups"
)

// end is where the test's data stops; the writer's clock stands 10 minutes later.
// It is 2am, so the 8 hours cross a day (the day-bucketed table has two buckets).
var end = time.Date(2026, 2, 10, 2, 0, 0, 0, time.UTC)

// setup loads 8 hours of the seed's timers (two applications, two metrics: four series) and an
// empty rollup keyspace.
func setup(t *testing.T) *cassandra.Client {
	t.Helper()
	c := cassandratest.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for _, ks := range []string{sourceKeyspace, rollupKeyspace} {
		if err := c.Exec(ctx, "DROP KEYSPACE IF EXISTS "+ks); err != nil {
			t.Fatal(err)
		}
	}
	if err := seed.CreateSchema(ctx, c, seed.SchemaOptions{Keyspace: sourceKeyspace}); err != nil {
		t.Fatal(err)
	}
	opts := seed.Options{Keyspace: sourceKeyspace, Span: 8 * time.Hour, End: end, Step: 10 * time.Second,
		Environments: 1, Applications: 2, Metrics: 2, Seed: 3, Tables: []string{seed.TimerWithInterval}}
	if _, err := seed.Generate(ctx, c, opts); err != nil {
		t.Fatal(err)
	}
	// The same timers once a minute in a day-bucketed table and an epoch-milliseconds table.
	if _, err := seed.GenerateShapes(ctx, c, opts); err != nil {
		t.Fatal(err)
	}
	if err := rollup.CreateSchema(ctx, c, rollupKeyspace, 1); err != nil {
		t.Fatal(err)
	}
	return c
}

func writerConfig(shard rollup.Shard) rollup.Config {
	return rollup.Config{
		Keyspace: rollupKeyspace, Widths: []time.Duration{time.Minute, time.Hour}, Backfill: 7 * time.Hour, Reroll: 30 * time.Minute,
		Parallel: 2, Shard: shard,
		Sources: []rollup.SourceConfig{{Table: sourceKeyspace + "." + seed.TimerWithInterval, TimeColumn: "metric_timestamp",
			ValueColumns: []string{"p99", "mean", "interval_count"}}},
	}
}

func pass(t *testing.T, c *cassandra.Client, cfg rollup.Config, now time.Time) *rollup.Writer {
	t.Helper()
	if err := cfg.Check(); err != nil {
		t.Fatal(err)
	}
	w := rollup.NewWriter(cfg, engine.New(c, engine.Options{}), c)
	w.Now = func() time.Time { return now }
	if err := w.Pass(t.Context()); err != nil {
		t.Fatal(err)
	}
	return w
}

// allAggs asks every aggregation of each measure.
var allAggs = []string{"avg", "min", "max", "sum", "count", "first", "last", "stddev", "p50", "p99"}

func builder(interval string, aggs []string, rollups bool, filters ...query.Filter) *query.Query {
	q := &query.Query{RefID: "A", QueryType: query.QueryTypeBuilder, Format: query.FormatTimeSeries, Interval: interval, Fill: query.FillNull,
		Keyspace: sourceKeyspace, Table: seed.TimerWithInterval, TimeColumn: "metric_timestamp",
		ValueColumns: []string{"p99", "mean", "interval_count"}, Aggregations: aggs, Filters: filters}
	if !rollups {
		off := false
		q.Rollups = &off
	}
	return q
}

var seriesFilters = []query.Filter{
	{Column: "environment", Op: "=", Values: []string{"prod"}},
	{Column: "application", Op: "IN", Values: []string{"checkout", "search"}},
	{Column: "metric_name", Op: "IN", Values: []string{"http.requests", "db.query"}},
}

// answer runs q with rollups read from the rollup keyspace and returns the frames and notices.
func answer(t *testing.T, e *engine.Engine, q *query.Query, from, to time.Time) (data.Frames, string) {
	t.Helper()
	frames, err := e.RunQuery(t.Context(), engine.Request{Query: q, From: from, To: to, MaxDataPoints: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, f := range frames {
		if f.Meta != nil {
			for _, n := range f.Meta.Notices {
				notes = append(notes, n.Text)
			}
			break
		}
	}
	return frames, strings.Join(notes, " | ")
}

// values flattens frames into name -> values, for comparing answers.
func values(frames data.Frames) map[string][]*float64 {
	out := map[string][]*float64{}
	for _, f := range frames {
		if len(f.Fields) < 2 {
			continue
		}
		v := f.Fields[1]
		key := f.Name + " " + v.Name + " " + v.Labels.String()
		for i := range v.Len() {
			x, _ := v.ConcreteAt(i)
			if fv, ok := x.(float64); ok {
				out[key] = append(out[key], &fv)
			} else {
				out[key] = append(out[key], nil)
			}
		}
		for i := range f.Fields[0].Len() {
			tm := f.Fields[0].At(i).(time.Time)
			ms := float64(tm.UnixMilli())
			out[key+" time"] = append(out[key+" time"], &ms)
		}
	}
	return out
}

// Rollups answer every aggregation as raw rows do: the same series and bin times, count, min,
// max, first and last exactly, sums, means and standard deviations to 1e-9 relative, and
// percentiles as the merged sketch gives them (within the sketch's 1% relative error of the
// raw answer's own sketch; merged sketches hold the same buckets, so they are equal here).
func TestRollupsEqualRawRows(t *testing.T) {
	c := setup(t)
	now := end.Add(10 * time.Minute)
	pass(t, c, writerConfig(rollup.Shard{I: 0, N: 1}), now)
	reader := rollup.NewReader(rollupKeyspace, c, nil)
	e := engine.New(c, engine.Options{Rollups: reader})
	for _, tt := range []struct {
		name     string
		from, to time.Time
		interval string
		aggs     []string
		wantFrom string
	}{
		{"1h bins over 6h, from 1h rollups", end.Add(-6 * time.Hour), end, "1h", allAggs, " rollups, "},
		{"5m bins over 3h from 1m rollups, window cut inside bins", end.Add(-3*time.Hour - 150*time.Second), end.Add(-77 * time.Second), "5m", allAggs, " rollups, "},
		{"default aggregations, series by application only", end.Add(-5 * time.Hour), end, "10m", nil, " rollups, "},
		{"half the range not rolled up yet (the tail after the checkpoint)", end.Add(-2 * time.Hour), end.Add(2 * time.Hour), "1m", allAggs, " rollups, "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := builder(tt.interval, tt.aggs, true, seriesFilters...)
			if tt.aggs == nil {
				q.SeriesColumns = []string{"application"}
			}
			raw := *q
			off := false
			raw.Rollups = &off
			got, notes := answer(t, e, q, tt.from, tt.to)
			want, rawNotes := answer(t, e, &raw, tt.from, tt.to)
			if !strings.Contains(notes, tt.wantFrom) {
				t.Fatalf("notices %q do not say rollups were read", notes)
			}
			if strings.Contains(rawNotes, " rollups, ") {
				t.Fatalf("rollups: false read rollups: %q", rawNotes)
			}
			t.Logf("rollups: %s\nraw: %s", notes, rawNotes)
			gv, wv := values(got), values(want)
			if len(wv) == 0 {
				t.Fatal("the raw answer is empty: the test shows nothing")
			}
			if diff := cmp.Diff(wv, gv, cmpopts.EquateApprox(1e-9, 0)); diff != "" {
				t.Fatalf("rollups differ from raw rows (-raw +rollups):\n%s", diff)
			}
			for k, w := range wv {
				if strings.Contains(k, "stddev") || strings.Contains(k, "avg") || strings.Contains(k, "sum") || strings.Contains(k, "mean") && !strings.Contains(k, "max") {
					continue
				}
				if diff := cmp.Diff(w, gv[k]); diff != "" && (strings.Contains(k, "count") || strings.Contains(k, "min") || strings.Contains(k, "max") || strings.Contains(k, "first") || strings.Contains(k, "last")) {
					t.Errorf("%s not exact (-raw +rollups):\n%s", k, diff)
				}
			}
		})
	}
}

// Other table shapes: a day-bucketed table (a series spans its buckets) and an epoch
// milliseconds time column, rolled up and read as the builder reads them.
func TestRollupsEqualRawRowsOtherShapes(t *testing.T) {
	c := setup(t)
	cfg := writerConfig(rollup.Shard{I: 0, N: 1})
	cfg.Sources = []rollup.SourceConfig{
		{Table: sourceKeyspace + "." + seed.TimerByDay, TimeColumn: "metric_timestamp", ValueColumns: []string{"p99", "count"},
			BucketColumn: "day", BucketGranularity: "day"},
		{Table: sourceKeyspace + "." + seed.TimerEpochMs, TimeColumn: "ts_ms", TimeUnit: "ms", ValueColumns: []string{"p99", "count"}},
	}
	pass(t, c, cfg, end.Add(10*time.Minute))
	e := engine.New(c, engine.Options{Rollups: rollup.NewReader(rollupKeyspace, c, nil)})
	for _, src := range cfg.Sources {
		t.Run(src.Table, func(t *testing.T) {
			q := builder("30m", allAggs, true, seriesFilters...)
			q.Table = strings.TrimPrefix(src.Table, sourceKeyspace+".")
			q.TimeColumn, q.TimeUnit, q.ValueColumns = src.TimeColumn, src.TimeUnit, src.ValueColumns
			q.BucketColumn, q.BucketGranularity = src.BucketColumn, src.BucketGranularity
			raw := *q
			off := false
			raw.Rollups = &off
			from := end.Add(-7*time.Hour - 20*time.Minute)
			got, notes := answer(t, e, q, from, end)
			want, _ := answer(t, e, &raw, from, end)
			if !strings.Contains(notes, " rollups, ") {
				t.Fatalf("notices %q do not say rollups were read", notes)
			}
			wv := values(want)
			if len(wv) == 0 {
				t.Fatal("the raw answer is empty: the test shows nothing")
			}
			if diff := cmp.Diff(wv, values(got), cmpopts.EquateApprox(1e-9, 0)); diff != "" {
				t.Fatalf("rollups differ from raw rows (-raw +rollups):\n%s", diff)
			}
		})
	}
}

// A rollup bin this version cannot decode (written by another version) is skipped: the query
// reads raw rows and says so.
func TestUnreadableRollupFallsBackToRawRows(t *testing.T) {
	c := setup(t)
	pass(t, c, writerConfig(rollup.Shard{I: 0, N: 1}), end.Add(10*time.Minute))
	start := end.Add(-3 * time.Hour).UnixMilli()
	if err := c.Exec(t.Context(), "INSERT INTO "+rollupKeyspace+".bins (source, series, value_column, width_ms, period, bin_start, state) VALUES (?, ?, ?, ?, ?, ?, ?)",
		sourceKeyspace+"."+seed.TimerWithInterval, rollup.SeriesKey([]string{"prod", "checkout", "http.requests"}), "p99", int64(3600000),
		rollup.Period(start, 3600000), start, []byte{99, 1}); err != nil {
		t.Fatal(err)
	}
	e := engine.New(c, engine.Options{Rollups: rollup.NewReader(rollupKeyspace, c, nil)})
	q := builder("1h", []string{"max"}, true, seriesFilters...)
	got, notes := answer(t, e, q, end.Add(-6*time.Hour), end)
	if !strings.Contains(notes, "Rollups of "+sourceKeyspace+"."+seed.TimerWithInterval+" skipped") || !strings.Contains(notes, "version 99") {
		t.Fatalf("notices %q do not say the rollups were skipped", notes)
	}
	raw := *q
	off := false
	raw.Rollups = &off
	want, _ := answer(t, e, &raw, end.Add(-6*time.Hour), end)
	if diff := cmp.Diff(values(want), values(got)); diff != "" {
		t.Fatalf("the fallback differs from raw rows (-raw +got):\n%s", diff)
	}
}

// Rows read from rollups are few: a 6h query at 1h reads no raw row; with the writer 2 hours
// behind, the last 2 hours come from raw rows and the answer is still the raw one.
func TestRollupsReadFewRowsAndHalfRolledRanges(t *testing.T) {
	c := setup(t)
	w := pass(t, c, writerConfig(rollup.Shard{I: 0, N: 1}), end.Add(-2*time.Hour+5*time.Minute))
	// The writer's metrics: both widths 5 minutes behind (the late-data window), rows read.
	reg := prometheus.NewRegistry()
	reg.MustRegister(w)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	metrics := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			for _, l := range m.GetLabel() {
				key += " " + l.GetValue()
			}
			metrics[key] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	src := sourceKeyspace + "." + seed.TimerWithInterval
	if metrics["metrics_rollup_lag_seconds "+src+" 1m"] != 300 || metrics["metrics_rollup_lag_seconds "+src+" 1h"] != 300 || metrics["metrics_rollup_rows_read_total"] < 4*6*360/2 {
		t.Fatalf("writer metrics: %v", metrics)
	}
	e := engine.New(c, engine.Options{Rollups: rollup.NewReader(rollupKeyspace, c, nil)})
	q := builder("1h", []string{"max", "p50", "count"}, true, seriesFilters...)
	got, notes := answer(t, e, q, end.Add(-6*time.Hour), end)
	raw := *q
	off := false
	raw.Rollups = &off
	// The last 2 hours are read raw: as many rows as a raw query of them reads.
	_, tailNotes := answer(t, e, &raw, end.Add(-2*time.Hour), end)
	tail := regexp.MustCompile(`(\d+) rows read`).FindStringSubmatch(tailNotes)
	if tail == nil || tail[1] == "0" {
		t.Fatalf("no rows in the last 2 hours: %q", tailNotes)
	}
	if want := "48 bins from 1h rollups, " + tail[1] + " rows raw"; !strings.Contains(notes, want) {
		t.Fatalf("notices: %q, want %q (4 series x 4 hours x 3 measures from rollups, the last 2 hours raw)", notes, want)
	}
	want, _ := answer(t, e, &raw, end.Add(-6*time.Hour), end)
	if diff := cmp.Diff(values(want), values(got), cmpopts.EquateApprox(1e-9, 0)); diff != "" {
		t.Fatalf("half rolled up differs from raw rows (-raw +rollups):\n%s", diff)
	}

	pass(t, c, writerConfig(rollup.Shard{I: 0, N: 1}), end.Add(10*time.Minute))
	// The reader keeps checkpoints for 30 s: a new reader sees the pass at once.
	e = engine.New(c, engine.Options{Rollups: rollup.NewReader(rollupKeyspace, c, nil)})
	_, notes = answer(t, e, builder("1h", []string{"max"}, true, seriesFilters...), end.Add(-6*time.Hour), end)
	if !strings.Contains(notes, "72 bins from 1h rollups, 0 rows raw") {
		t.Fatalf("notices: %q, want 72 bins (4 series x 6 hours x 3 measures) from rollups and no raw row", notes)
	}
}

// A rerun writes the same rows; a pass after late rows (inside the reroll window) counts
// them; two shards cover every series exactly once.
func TestWriterIdempotentLateRowsAndShards(t *testing.T) {
	c := setup(t)
	now := end.Add(10 * time.Minute)
	pass(t, c, writerConfig(rollup.Shard{I: 0, N: 1}), now)
	snapshot := func() map[string]string { return rollupRows(t, c) }
	first := snapshot()
	if len(first) < 4*3*60*6 {
		t.Fatalf("only %d rollup rows after a pass over 7 hours of 4 series and 3 columns", len(first))
	}
	pass(t, c, writerConfig(rollup.Shard{I: 0, N: 1}), now)
	if diff := cmp.Diff(first, snapshot()); diff != "" {
		t.Fatalf("a second pass changed the rollup rows:\n%.2000s", diff)
	}

	// A late row 20 minutes back (inside the 30-minute reroll window), far above the rest.
	late := end.Add(-20*time.Minute + 3*time.Second)
	if err := c.Exec(t.Context(), "INSERT INTO "+sourceKeyspace+"."+seed.TimerWithInterval+
		" (environment, application, metric_name, metric_timestamp, p99) VALUES ('prod', 'checkout', 'http.requests', ?, 1e9)", late); err != nil {
		t.Fatal(err)
	}
	pass(t, c, writerConfig(rollup.Shard{I: 0, N: 1}), now.Add(time.Minute))
	e := engine.New(c, engine.Options{Rollups: rollup.NewReader(rollupKeyspace, c, nil)})
	q := builder("1h", []string{"max"}, true, seriesFilters...)
	q.ValueColumns = []string{"p99"}
	frames, notes := answer(t, e, q, end.Add(-3*time.Hour), end)
	if !strings.Contains(notes, " rollups, ") {
		t.Fatalf("not from rollups: %q", notes)
	}
	found := false
	for _, f := range frames {
		if f.Fields[1].Labels["application"] == "checkout" && f.Fields[1].Labels["metric_name"] == "http.requests" {
			for i := range f.Fields[1].Len() {
				if v, ok := f.Fields[1].ConcreteAt(i); ok && v.(float64) == 1e9 {
					found = true
				}
			}
		}
	}
	if !found {
		t.Fatal("the late row is not in the rolled-up max")
	}

	// Two shards: each series once.
	total := int64(0)
	for i := range 2 {
		w := pass(t, c, writerConfig(rollup.Shard{I: i, N: 2}), now)
		total += w.Stats().Series.Load()
	}
	if total != 4 {
		t.Fatalf("shards 0/2 and 1/2 rolled up %d series in all, want each of the 4 once", total)
	}
}

// rollupRows is every stored rollup bin, by series, column, width and start.
func rollupRows(t *testing.T, c *cassandra.Client) map[string]string {
	t.Helper()
	rows := c.Query(t.Context(), "SELECT series, value_column, width_ms, bin_start, state FROM "+rollupKeyspace+".bins", nil, cassandra.QueryOptions{})
	out := map[string]string{}
	var series, col string
	var w, start int64
	var blob []byte
	for rows.Next(&series, &col, &w, &start, &blob) {
		out[fmt.Sprint(series, col, w, start)] = fmt.Sprintf("%x", blob)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

// killingCluster cancels the pass after some batches, as a kill would stop it.
type killingCluster struct {
	*cassandra.Client
	left   atomic.Int64 // batches written before the stop (the writer writes from several goroutines)
	cancel context.CancelFunc
}

func (k *killingCluster) ExecBatch(ctx context.Context, cql string, rows [][]any) error {
	if k.left.Add(-1) < 0 {
		k.cancel()
		return context.Canceled
	}
	return k.Client.ExecBatch(ctx, cql, rows)
}

// A writer stopped in the middle of a backfill and started again ends with the same rows as
// one that was never stopped.
func TestWriterKilledMidBackfillResumes(t *testing.T) {
	c := setup(t)
	now := end.Add(10 * time.Minute)
	snapshot := func() map[string]string { return rollupRows(t, c) }
	pass(t, c, writerConfig(rollup.Shard{I: 0, N: 1}), now)
	clean := snapshot()

	if err := c.Exec(t.Context(), "DROP KEYSPACE "+rollupKeyspace); err != nil {
		t.Fatal(err)
	}
	if err := rollup.CreateSchema(t.Context(), c, rollupKeyspace, 1); err != nil {
		t.Fatal(err)
	}
	cfg := writerConfig(rollup.Shard{I: 0, N: 1})
	if err := cfg.Check(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	killer := &killingCluster{Client: c, cancel: cancel}
	killer.left.Store(7)
	w := rollup.NewWriter(cfg, engine.New(c, engine.Options{}), killer)
	w.Now = func() time.Time { return now }
	if err := w.Pass(ctx); err == nil {
		t.Fatal("the stopped pass reported no error")
	}
	if n := len(snapshot()); n == 0 || n >= len(clean) {
		t.Fatalf("the stopped pass wrote %d of %d rows: it did not stop in the middle", n, len(clean))
	}
	pass(t, c, cfg, now)
	if diff := cmp.Diff(clean, snapshot()); diff != "" {
		t.Fatalf("after a restart the rows differ from an uninterrupted pass:\n%.2000s", diff)
	}
}
