package query

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

var updatePlans = flag.Bool("update", false, "rewrite the golden plan files in testdata/plans")

// goldenPlan is a plan as data, for the golden files: its ranges in order, each with its
// source and statements (bound values printed with their Go types).
type goldenPlan struct {
	Width          string        `json:"width,omitempty"`
	Pieces         int           `json:"pieces,omitempty"`
	Partitions     int           `json:"partitions,omitempty"`
	Columns        []string      `json:"columns,omitempty"`
	SeriesColumns  []string      `json:"seriesColumns,omitempty"`
	Measures       []Measure     `json:"measures,omitempty"`
	TimeKind       string        `json:"timeKind,omitempty"`
	Instant        string        `json:"instant,omitempty"`
	BucketColumn   string        `json:"bucketColumn,omitempty"`
	Ranges         []goldenRange `json:"ranges"`
	SampleCQL      string        `json:"sample,omitempty"`
	RawStatement   string        `json:"rawStatement,omitempty"`
	SinglePartiton bool          `json:"singlePartition,omitempty"`
	Rollup         *RollupRead   `json:"rollup,omitempty"`
}

type goldenRange struct {
	From       string            `json:"from"`
	To         string            `json:"to"`
	Source     Source            `json:"source"`
	Statements []goldenStatement `json:"statements,omitempty"`
}

type goldenStatement struct {
	CQL        string   `json:"cql"`
	Args       []string `json:"args"`
	Bucket     string   `json:"bucket,omitempty"`
	Partitions int      `json:"partitions,omitempty"`
}

func goldenOf(p *Plan) goldenPlan {
	g := goldenPlan{Pieces: p.Pieces, Partitions: p.Partitions, Columns: p.Columns, SeriesColumns: p.SeriesColumns, Measures: p.Measures,
		TimeKind: p.TimeKind, BucketColumn: p.BucketColumn, SampleCQL: p.Sample.CQL, SinglePartiton: p.SinglePartition, Rollup: p.Rollup}
	if p.Width > 0 {
		g.Width = p.Width.String()
	}
	switch {
	case p.InstantInGo:
		g.Instant = "latest kept while reading"
	case p.Instant:
		g.Instant = "latest asked of Cassandra"
	}
	for _, r := range p.Ranges {
		gr := goldenRange{From: r.From.UTC().Format(time.RFC3339Nano), To: r.To.UTC().Format(time.RFC3339Nano), Source: r.Source}
		for _, s := range r.Statements {
			gs := goldenStatement{CQL: s.CQL, Bucket: s.Bucket, Partitions: s.Partitions}
			for _, a := range s.Args {
				gs.Args = append(gs.Args, fmt.Sprintf("%T %v", a, a))
			}
			gr.Statements = append(gr.Statements, gs)
		}
		g.Ranges = append(g.Ranges, gr)
	}
	return g
}

// TestPlanGolden pins the plans of representative queries: the ranges and where each comes
// from, the statements with their bound values, and the shape the engine reads rows with.
// Run with -update to rewrite testdata/plans after a deliberate change, and read the diff.
func TestPlanGolden(t *testing.T) {
	from := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	to := from.Add(6 * time.Hour)
	byDay := &schema.Table{Keyspace: "ops", Name: "by_day", Columns: []schema.Column{
		pkCol("sensor", "text", 0), pkCol("day", "text", 1), ckCol("ts", "timestamp", 0, "asc"), regCol("v", "double")}}
	byUUID := &schema.Table{Keyspace: "ops", Name: "events", Columns: []schema.Column{
		pkCol("sensor", "text", 0), ckCol("id", "timeuuid", 0, "asc"), regCol("v", "double")}}
	builder := func(ks, table, timeCol string, values []string, filters ...Filter) *Query {
		return &Query{RefID: "A", QueryType: QueryTypeBuilder, Format: FormatTimeSeries, Interval: IntervalAuto, Fill: FillNull,
			Keyspace: ks, Table: table, TimeColumn: timeCol, ValueColumns: values, Filters: filters}
	}
	seedIN := with(seedQuery("p99", "interval_count"), func(q *Query) {
		q.Filters[2] = Filter{Column: "metric_name", Op: "IN", Values: []string{"a", "b"}}
	})
	tests := []struct {
		name  string
		table *schema.Table
		q     *Query
		opts  PlanOptions
	}{
		{"seed-table", seedCounter(), with(seedQuery("interval_count"), func(q *Query) { q.Table = "raw_counter_with_interval" }),
			PlanOptions{Width: time.Minute}},
		{"seed-fan-out", seedTimer(), seedIN, PlanOptions{Width: time.Minute}},
		{"bucketed", byDay, with(builder("ops", "by_day", "ts", []string{"v"}, Filter{Column: "sensor", Op: "IN", Values: []string{"a", "b"}}), func(q *Query) {
			q.BucketColumn, q.BucketGranularity, q.BucketFormat = "day", GranularityDay, "YYYY-MM-DD"
		}), PlanOptions{Width: 30 * time.Minute}},
		{"epoch", shapes(), with(builder("ops", "shapes", "t", []string{"v"}, Filter{Column: "sensor", Op: "=", Values: []string{"s1"}}), func(q *Query) {
			q.TimeUnit = UnitMillis
		}), PlanOptions{Width: 10 * time.Second}},
		{"timeuuid", byUUID, builder("ops", "events", "id", []string{"v"}, Filter{Column: "sensor", Op: "=", Values: []string{"s1"}}),
			PlanOptions{Width: time.Minute}},
		{"wide", seedTimer(), seedQuery("p99"), PlanOptions{Width: time.Minute, SplitStatements: 4}},
		{"refresh-from-cache", seedTimer(), seedQuery("p99"), PlanOptions{Width: time.Minute,
			Read: []TimeRange{{from, from.Add(time.Minute)}, {to.Add(-10 * time.Minute), to}}}},
		{"instant", latest(), with(latestQuery("Temp C"), func(q *Query) { q.Instant = true }), PlanOptions{}},
		{"table", seedTimer(), with(seedQuery("p99"), func(q *Query) { q.Format = FormatTable; q.Limit = 100 }), PlanOptions{}},
		// Rollups written up to 17:07: 1h rollups answer 13:00-17:00 at 1h bins, raw rows the
		// edges; a 5m query takes the 1m rollup (1h does not divide it) up to 17:05.
		{"rollup", seedTimer(), seedIN, PlanOptions{Width: time.Hour, Rollups: seedRollups(from, to.Add(-53*time.Minute))}},
		{"rollup-finer", seedTimer(), seedIN, PlanOptions{Width: 5 * time.Minute, SplitStatements: 8, Rollups: seedRollups(from, to.Add(-53*time.Minute))}},
		{"rollup-bucketed", byDay, with(builder("ops", "by_day", "ts", []string{"v"}, Filter{Column: "sensor", Op: "IN", Values: []string{"a", "b"}}), func(q *Query) {
			q.BucketColumn, q.BucketGranularity, q.BucketFormat = "day", GranularityDay, "YYYY-MM-DD"
		}), PlanOptions{Width: 30 * time.Minute, Rollups: []Rollup{{WidthMs: 60000, TimeColumn: "ts", ValueColumns: []string{"v"}, SeriesColumns: []string{"sensor"},
			From: from.Add(-24 * time.Hour), To: to.Add(-2 * time.Hour)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := BuildPlan(t.Context(), tt.q, tt.table, from, to, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.name, goldenOf(p))
		})
	}
	// Raw CQL is not cut into ranges by the planner: its plan is the one statement it runs,
	// macros expanded, with the keyspace written in.
	t.Run("raw-cql", func(t *testing.T) {
		q := &Query{RefID: "A", QueryType: QueryTypeCQL, Format: FormatTimeSeries, Binning: true,
			RawCQL: `SELECT metric_timestamp, p99 FROM raw_timer WHERE environment = 'prod' AND $__timeFilter(metric_timestamp)`}
		stmt, err := PrepareRawIn(q, from, to, time.Minute, Keyspaces{Default: "metric_data"})
		if err != nil {
			t.Fatal(err)
		}
		checkGolden(t, "raw-cql", goldenPlan{RawStatement: stmt, Ranges: []goldenRange{{From: from.Format(time.RFC3339Nano), To: to.Format(time.RFC3339Nano), Source: SourceRaw}}})
	})
}

// seedRollups are 1h and 1m rollups of the seed timer table's p99 and interval_count.
func seedRollups(from, to time.Time) []Rollup {
	keys := []string{"environment", "application", "metric_name"}
	vals := []string{"p99", "interval_count"}
	return []Rollup{
		{WidthMs: 3600000, TimeColumn: "metric_timestamp", ValueColumns: vals, SeriesColumns: keys, From: from.Add(-30 * 24 * time.Hour), To: to},
		{WidthMs: 60000, TimeColumn: "metric_timestamp", ValueColumns: vals, SeriesColumns: keys, From: from.Add(-30 * 24 * time.Hour), To: to},
	}
}

// Rollups answer only what merging whole rollup bins of the named partitions answers.
func TestRollupsOnlyWhereTheyAnswer(t *testing.T) {
	from := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	to := from.Add(6 * time.Hour)
	rollups := seedRollups(from, to)
	tests := []struct {
		name string
		q    *Query
		opts PlanOptions
		want bool
	}{
		{"seed query at 1h", seedQuery("p99"), PlanOptions{Width: time.Hour}, true},
		{"width not a multiple of 1m", seedQuery("p99"), PlanOptions{Width: 90 * time.Second}, false},
		{"measure not rolled up", seedQuery("p95"), PlanOptions{Width: time.Hour}, false},
		{"filter on a clustering column", with(seedQuery("p99"), func(q *Query) {
			q.Filters = append(q.Filters, Filter{Column: "p99", Op: ">", Values: []string{"1"}})
			q.AllowFiltering = true
		}), PlanOptions{Width: time.Hour}, false},
		{"instant", with(seedQuery("p99"), func(q *Query) { q.Instant = true }), PlanOptions{Width: time.Hour}, false},
		{"row limit", with(seedQuery("p99"), func(q *Query) { q.Limit = 10 }), PlanOptions{Width: time.Hour}, false},
		{"table format", with(seedQuery("p99"), func(q *Query) { q.Format = FormatTable }), PlanOptions{}, false},
		{"refresh of cached bins", seedQuery("p99"), PlanOptions{Width: time.Hour, Read: []TimeRange{{to.Add(-time.Hour), to}}}, false},
		{"no rollups", seedQuery("p99"), PlanOptions{Width: time.Hour}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name != "no rollups" {
				tt.opts.Rollups = rollups
			}
			p, err := BuildPlan(t.Context(), tt.q, seedTimer(), from, to, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Rollup != nil; got != tt.want {
				t.Fatalf("rollup used: %v, want %v (ranges %+v)", got, tt.want, p.Ranges)
			}
			rolled := slices.ContainsFunc(p.Ranges, func(r Range) bool { return r.Source == SourceRollup })
			if rolled != tt.want {
				t.Fatalf("a rollup range: %v, want %v", rolled, tt.want)
			}
		})
	}
}

func checkGolden(t *testing.T, name string, g goldenPlan) {
	t.Helper()
	got, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "plans", name+".json")
	if *updatePlans {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("plan differs from %s (-want +got):\n%s", path, diff)
	}
}
