package query

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
	"gopkg.in/inf.v0"
)

// seedQuery is a builder query on the seed timer table for one metric.
func seedQuery(values ...string) *Query {
	return &Query{
		RefID: "A", QueryType: QueryTypeBuilder, Format: FormatTimeSeries, Interval: IntervalAuto, Fill: FillNull,
		Keyspace: "metric_data", Table: "raw_timer_with_interval", TimeColumn: "metric_timestamp",
		ValueColumns: values,
		Filters: []Filter{
			{Column: "environment", Op: "=", Values: []string{"prod"}},
			{Column: "application", Op: "=", Values: []string{"api"}},
			{Column: "metric_name", Op: "=", Values: []string{"requests"}},
		},
	}
}

func samplesQuery(values ...string) *Query {
	return &Query{
		RefID: "A", QueryType: QueryTypeBuilder, Format: FormatTimeSeries, Interval: IntervalAuto, Fill: FillNull,
		Keyspace: "ops", Table: "samples", TimeColumn: "ts",
		ValueColumns: values,
		Filters: []Filter{
			{Column: "tenant", Op: "=", Values: []string{"acme"}},
			{Column: "day", Op: "=", Values: []string{"2024-01-02"}},
		},
	}
}

func latestQuery(values ...string) *Query {
	return &Query{
		RefID: "A", QueryType: QueryTypeBuilder, Format: FormatTimeSeries, Interval: IntervalAuto, Fill: FillNull,
		Keyspace: "ops", Table: "latest", TimeColumn: "ts",
		ValueColumns: values,
		Filters:      []Filter{{Column: "sensor", Op: "=", Values: []string{"7"}}},
	}
}

func with(q *Query, f func(q *Query)) *Query { f(q); return q }

const (
	seedSelectP99 = `SELECT "metric_timestamp", "p99" FROM "metric_data"."raw_timer_with_interval" WHERE `
	seedWhere     = `"environment" = ? AND "application" = ? AND "metric_name" = ? AND "metric_timestamp" >= ? AND "metric_timestamp" < ?`
)

func TestBuildPlan(t *testing.T) {
	const inStatement = `SELECT "metric_name", "metric_timestamp", "p99" FROM "metric_data"."raw_timer_with_interval" WHERE "environment" = ? AND "application" = ? AND "metric_name" IN ? AND "metric_timestamp" >= ? AND "metric_timestamp" < ?`
	tests := []struct {
		name  string
		table *schema.Table
		q     *Query
		want  *Plan
	}{
		{
			name:  "seed table, partition fixed, default aggregation",
			table: seedTimer(),
			q:     seedQuery("p99"),
			want: &Plan{
				Statements: []Statement{{
					CQL:  seedSelectP99 + seedWhere,
					Args: []any{"prod", "api", "requests", t0, t1},
				}},
				Table:           "metric_data.raw_timer_with_interval",
				Columns:         []string{"metric_timestamp", "p99"},
				TimeColumn:      "metric_timestamp",
				TimeKind:        "timestamp",
				ValueColumns:    []string{"p99"},
				Measures:        []Measure{{Name: "p99", Aggregations: []string{"max"}, Columns: []string{"p99"}}},
				SinglePartition: true, TimeFirstClustering: true,
			},
		},
		{
			name:  "filters in any order give conditions in key order; user aggregations apply to every measure",
			table: seedTimer(),
			q: with(seedQuery("mean", "p99", "mean"), func(q *Query) {
				q.Filters = []Filter{q.Filters[2], q.Filters[0], q.Filters[1]}
				q.Aggregations = []string{"avg", "p95"}
				q.SeriesColumns = []string{"metric_name"}
			}),
			want: &Plan{
				Statements: []Statement{{
					CQL:  `SELECT "metric_name", "metric_timestamp", "mean", "p99" FROM "metric_data"."raw_timer_with_interval" WHERE ` + seedWhere,
					Args: []any{"prod", "api", "requests", t0, t1},
				}},
				Table:         "metric_data.raw_timer_with_interval",
				Columns:       []string{"metric_name", "metric_timestamp", "mean", "p99"},
				TimeColumn:    "metric_timestamp",
				TimeKind:      "timestamp",
				ValueColumns:  []string{"mean", "p99"},
				SeriesColumns: []string{"metric_name"},
				Measures: []Measure{
					{Name: "mean", Aggregations: []string{"avg", "p95"}, Columns: []string{"mean"}},
					{Name: "p99", Aggregations: []string{"avg", "p95"}, Columns: []string{"p99"}},
				},
				SinglePartition: true, TimeFirstClustering: true,
			},
		},
		{
			name:  "IN on partition key columns fans out to one statement per partition",
			table: seedTimer(),
			q: with(seedQuery("p99"), func(q *Query) {
				q.Filters[1] = Filter{Column: "application", Op: "IN", Values: []string{"api", "web"}}
				q.Filters[2] = Filter{Column: "metric_name", Op: "IN", Values: []string{"a", "b", "a"}}
				q.SeriesColumns = []string{"application", "metric_name"}
			}),
			want: &Plan{
				Statements: []Statement{
					{CQL: `SELECT "application", "metric_name", "metric_timestamp", "p99" FROM "metric_data"."raw_timer_with_interval" WHERE ` + seedWhere, Args: []any{"prod", "api", "a", t0, t1}},
					{CQL: `SELECT "application", "metric_name", "metric_timestamp", "p99" FROM "metric_data"."raw_timer_with_interval" WHERE ` + seedWhere, Args: []any{"prod", "api", "b", t0, t1}},
					{CQL: `SELECT "application", "metric_name", "metric_timestamp", "p99" FROM "metric_data"."raw_timer_with_interval" WHERE ` + seedWhere, Args: []any{"prod", "web", "a", t0, t1}},
					{CQL: `SELECT "application", "metric_name", "metric_timestamp", "p99" FROM "metric_data"."raw_timer_with_interval" WHERE ` + seedWhere, Args: []any{"prod", "web", "b", t0, t1}},
				},
				Table:           "metric_data.raw_timer_with_interval",
				Columns:         []string{"application", "metric_name", "metric_timestamp", "p99"},
				TimeColumn:      "metric_timestamp",
				TimeKind:        "timestamp",
				ValueColumns:    []string{"p99"},
				SeriesColumns:   []string{"application", "metric_name"},
				Measures:        []Measure{{Name: "p99", Aggregations: []string{"max"}, Columns: []string{"p99"}}},
				SinglePartition: true, FanOut: true, TimeFirstClustering: true,
			},
		},
		{
			name:  "IN with one value is =",
			table: seedTimer(),
			q: with(seedQuery("p99"), func(q *Query) {
				q.Filters[2] = Filter{Column: "metric_name", Op: "IN", Values: []string{"requests", "requests"}}
			}),
			want: &Plan{
				Statements:      []Statement{{CQL: seedSelectP99 + seedWhere, Args: []any{"prod", "api", "requests", t0, t1}}},
				Table:           "metric_data.raw_timer_with_interval",
				Columns:         []string{"metric_timestamp", "p99"},
				TimeColumn:      "metric_timestamp",
				TimeKind:        "timestamp",
				ValueColumns:    []string{"p99"},
				Measures:        []Measure{{Name: "p99", Aggregations: []string{"max"}, Columns: []string{"p99"}}},
				SinglePartition: true, TimeFirstClustering: true,
			},
		},
		{
			name:  "composite partition key with IN on a clustering column before the time column",
			table: samples(),
			q: with(samplesQuery("value", "hits"), func(q *Query) {
				q.Filters = append(q.Filters, Filter{Column: "region", Op: "IN", Values: []string{"eu", "us"}})
				q.SeriesColumns = []string{"region"}
			}),
			want: &Plan{
				Statements: []Statement{{
					CQL:  `SELECT "region", "ts", "value", "hits" FROM "ops"."samples" WHERE "tenant" = ? AND "day" = ? AND "region" IN ? AND "ts" >= ? AND "ts" < ?`,
					Args: []any{"acme", "2024-01-02", []any{"eu", "us"}, t0, t1},
				}},
				Table:         "ops.samples",
				Columns:       []string{"region", "ts", "value", "hits"},
				TimeColumn:    "ts",
				TimeKind:      "timestamp",
				ValueColumns:  []string{"value", "hits"},
				SeriesColumns: []string{"region"},
				Measures: []Measure{
					{Name: "value", Aggregations: []string{"avg"}, Columns: []string{"value"}},
					{Name: "hits", Aggregations: []string{"avg"}, Columns: []string{"hits"}},
				},
				SinglePartition: true, TimeDescending: true,
			},
		},
		{
			name:  "composite partition key fan-out converts values to the key types",
			table: samples(),
			q: with(samplesQuery("value"), func(q *Query) {
				q.Filters[1] = Filter{Column: "day", Op: "IN", Values: []string{"2024-01-01", "2024-01-02"}}
				q.Filters = append(q.Filters, Filter{Column: "region", Op: "=", Values: []string{"eu"}})
			}),
			want: &Plan{
				Statements: []Statement{
					{CQL: `SELECT "day", "ts", "value" FROM "ops"."samples" WHERE "tenant" = ? AND "day" = ? AND "region" = ? AND "ts" >= ? AND "ts" < ?`, Args: []any{"acme", "2024-01-01", "eu", t0, t1}},
					{CQL: `SELECT "day", "ts", "value" FROM "ops"."samples" WHERE "tenant" = ? AND "day" = ? AND "region" = ? AND "ts" >= ? AND "ts" < ?`, Args: []any{"acme", "2024-01-02", "eu", t0, t1}},
				},
				Table:           "ops.samples",
				Columns:         []string{"day", "ts", "value"},
				TimeColumn:      "ts",
				TimeKind:        "timestamp",
				ValueColumns:    []string{"value"},
				SeriesColumns:   []string{"day"},
				Measures:        []Measure{{Name: "value", Aggregations: []string{"avg"}, Columns: []string{"value"}}},
				SinglePartition: true, FanOut: true, TimeDescending: true,
			},
		},
		{
			name:  "allow filtering: partition key not fixed, regular column filtered",
			table: seedTimer(),
			q: with(seedQuery("p99"), func(q *Query) {
				q.Filters = []Filter{
					{Column: "metric_name", Op: "=", Values: []string{"requests"}},
					{Column: "rate_unit", Op: "=", Values: []string{"second"}},
					{Column: "count", Op: ">", Values: []string{"10"}},
				}
				q.AllowFiltering = true
				q.SeriesColumns = []string{"environment", "application"}
			}),
			want: &Plan{
				Statements: []Statement{{
					CQL:  `SELECT "environment", "application", "metric_timestamp", "p99" FROM "metric_data"."raw_timer_with_interval" WHERE "metric_name" = ? AND "metric_timestamp" >= ? AND "metric_timestamp" < ? AND "count" > ? AND "rate_unit" = ? ALLOW FILTERING`,
					Args: []any{"requests", t0, t1, int64(10), "second"},
				}},
				Table:               "metric_data.raw_timer_with_interval",
				Columns:             []string{"environment", "application", "metric_timestamp", "p99"},
				TimeColumn:          "metric_timestamp",
				TimeKind:            "timestamp",
				ValueColumns:        []string{"p99"},
				SeriesColumns:       []string{"environment", "application"},
				Measures:            []Measure{{Name: "p99", Aggregations: []string{"max"}, Columns: []string{"p99"}}},
				TimeFirstClustering: true, AllowFiltering: true,
			},
		},
		{
			name:  "limit is bound",
			table: seedTimer(),
			q:     with(seedQuery("p99"), func(q *Query) { q.Limit = 500 }),
			want: &Plan{
				Statements:      []Statement{{CQL: seedSelectP99 + seedWhere + ` LIMIT ?`, Args: []any{"prod", "api", "requests", t0, t1, int32(500)}}},
				Table:           "metric_data.raw_timer_with_interval",
				Columns:         []string{"metric_timestamp", "p99"},
				TimeColumn:      "metric_timestamp",
				TimeKind:        "timestamp",
				ValueColumns:    []string{"p99"},
				Measures:        []Measure{{Name: "p99", Aggregations: []string{"max"}, Columns: []string{"p99"}}},
				SinglePartition: true, TimeFirstClustering: true, Limit: 500,
			},
		},
		{
			name:  "derived interval_count selects count and previous_count",
			table: seedCounter(),
			q: with(seedQuery("interval_count", "count"), func(q *Query) {
				q.Table = "raw_counter_with_interval"
			}),
			want: &Plan{
				Statements: []Statement{{
					CQL:  `SELECT "metric_timestamp", "count", "previous_count" FROM "metric_data"."raw_counter_with_interval" WHERE ` + seedWhere,
					Args: []any{"prod", "api", "requests", t0, t1},
				}},
				Table:        "metric_data.raw_counter_with_interval",
				Columns:      []string{"metric_timestamp", "count", "previous_count"},
				TimeColumn:   "metric_timestamp",
				TimeKind:     "timestamp",
				ValueColumns: []string{"count", "previous_count"},
				Measures: []Measure{
					{Name: "interval_count", Derived: true, Aggregations: []string{"sum"}, Columns: []string{"count", "previous_count"}},
					{Name: "count", Aggregations: []string{"max"}, Columns: []string{"count"}},
				},
				SinglePartition: true, TimeFirstClustering: true,
			},
		},
		{
			name:  "instant on an ascending table asks for the newest row of the partition",
			table: seedTimer(),
			q:     with(seedQuery("p99"), func(q *Query) { q.Instant = true; q.Limit = 10 }),
			want: &Plan{
				Statements:      []Statement{{CQL: seedSelectP99 + seedWhere + ` ORDER BY "metric_timestamp" DESC LIMIT ?`, Args: []any{"prod", "api", "requests", t0, t1, int32(1)}}},
				Table:           "metric_data.raw_timer_with_interval",
				Columns:         []string{"metric_timestamp", "p99"},
				TimeColumn:      "metric_timestamp",
				TimeKind:        "timestamp",
				ValueColumns:    []string{"p99"},
				Measures:        []Measure{{Name: "p99", Aggregations: []string{"max"}, Columns: []string{"p99"}}},
				SinglePartition: true, TimeFirstClustering: true, Limit: 10, Instant: true,
			},
		},
		{
			name:  "instant with fan-out orders each partition's statement",
			table: seedTimer(),
			q: with(seedQuery("p99"), func(q *Query) {
				q.Instant = true
				q.Filters[2] = Filter{Column: "metric_name", Op: "IN", Values: []string{"a", "b"}}
				q.SeriesColumns = []string{"metric_name"}
			}),
			want: &Plan{
				Statements: []Statement{
					{CQL: `SELECT "metric_name", "metric_timestamp", "p99" FROM "metric_data"."raw_timer_with_interval" WHERE ` + seedWhere + ` ORDER BY "metric_timestamp" DESC LIMIT ?`, Args: []any{"prod", "api", "a", t0, t1, int32(1)}},
					{CQL: `SELECT "metric_name", "metric_timestamp", "p99" FROM "metric_data"."raw_timer_with_interval" WHERE ` + seedWhere + ` ORDER BY "metric_timestamp" DESC LIMIT ?`, Args: []any{"prod", "api", "b", t0, t1, int32(1)}},
				},
				Table:           "metric_data.raw_timer_with_interval",
				Columns:         []string{"metric_name", "metric_timestamp", "p99"},
				TimeColumn:      "metric_timestamp",
				TimeKind:        "timestamp",
				ValueColumns:    []string{"p99"},
				SeriesColumns:   []string{"metric_name"},
				Measures:        []Measure{{Name: "p99", Aggregations: []string{"max"}, Columns: []string{"p99"}}},
				SinglePartition: true, FanOut: true, TimeFirstClustering: true, Instant: true,
			},
		},
		{
			name:  "instant on a descending table needs no ORDER BY",
			table: latest(),
			q:     with(latestQuery("Temp C"), func(q *Query) { q.Instant = true }),
			want: &Plan{
				Statements:      []Statement{{CQL: `SELECT "ts", "Temp C" FROM "ops"."latest" WHERE "sensor" = ? AND "ts" >= ? AND "ts" < ? LIMIT ?`, Args: []any{int32(7), t0, t1, int32(1)}}},
				Table:           "ops.latest",
				Columns:         []string{"ts", "Temp C"},
				TimeColumn:      "ts",
				TimeKind:        "timestamp",
				ValueColumns:    []string{"Temp C"},
				Measures:        []Measure{{Name: "Temp C", Aggregations: []string{"avg"}, Columns: []string{"Temp C"}}},
				SinglePartition: true, TimeFirstClustering: true, TimeDescending: true, Instant: true,
			},
		},
		{
			name:  "instant on a descending table across partitions uses PER PARTITION LIMIT",
			table: latest(),
			q: with(latestQuery("Temp C"), func(q *Query) {
				q.Instant = true
				q.Filters = []Filter{{Column: "site", Op: "=", Values: []string{"north"}}}
				q.AllowFiltering = true
				q.SeriesColumns = []string{"sensor"}
			}),
			want: &Plan{
				Statements:          []Statement{{CQL: `SELECT "sensor", "ts", "Temp C" FROM "ops"."latest" WHERE "ts" >= ? AND "ts" < ? AND "site" = ? PER PARTITION LIMIT ? ALLOW FILTERING`, Args: []any{t0, t1, "north", int32(1)}}},
				Table:               "ops.latest",
				Columns:             []string{"sensor", "ts", "Temp C"},
				TimeColumn:          "ts",
				TimeKind:            "timestamp",
				ValueColumns:        []string{"Temp C"},
				SeriesColumns:       []string{"sensor"},
				Measures:            []Measure{{Name: "Temp C", Aggregations: []string{"avg"}, Columns: []string{"Temp C"}}},
				TimeFirstClustering: true, TimeDescending: true, AllowFiltering: true, Instant: true,
			},
		},
		{
			name:  "instant by a series column outside the partition key is kept in Go",
			table: latest(),
			q: with(latestQuery("Temp C"), func(q *Query) {
				q.Instant = true
				q.SeriesColumns = []string{"probe"}
			}),
			want: &Plan{
				Statements:      []Statement{{CQL: `SELECT "probe", "ts", "Temp C" FROM "ops"."latest" WHERE "sensor" = ? AND "ts" >= ? AND "ts" < ?`, Args: []any{int32(7), t0, t1}}},
				Table:           "ops.latest",
				Columns:         []string{"probe", "ts", "Temp C"},
				TimeColumn:      "ts",
				TimeKind:        "timestamp",
				ValueColumns:    []string{"Temp C"},
				SeriesColumns:   []string{"probe"},
				Measures:        []Measure{{Name: "Temp C", Aggregations: []string{"avg"}, Columns: []string{"Temp C"}}},
				SinglePartition: true, TimeFirstClustering: true, TimeDescending: true, Instant: true, InstantInGo: true,
			},
		},
		{
			name:  "instant when the time column is not first in the clustering key is kept in Go",
			table: samples(),
			q: with(samplesQuery("value"), func(q *Query) {
				q.Instant = true
				q.Limit = 1000
				q.AllowFiltering = true
			}),
			want: &Plan{
				Statements:      []Statement{{CQL: `SELECT "ts", "value" FROM "ops"."samples" WHERE "tenant" = ? AND "day" = ? AND "ts" >= ? AND "ts" < ? LIMIT ? ALLOW FILTERING`, Args: []any{"acme", "2024-01-02", t0, t1, int32(1000)}}},
				Table:           "ops.samples",
				Columns:         []string{"ts", "value"},
				TimeColumn:      "ts",
				TimeKind:        "timestamp",
				ValueColumns:    []string{"value"},
				Measures:        []Measure{{Name: "value", Aggregations: []string{"avg"}, Columns: []string{"value"}}},
				SinglePartition: true, TimeDescending: true, AllowFiltering: true, Limit: 1000, Instant: true, InstantInGo: true,
			},
		},
		{
			name:  "instant on an ascending table with IN past the fan-out bound is kept in Go",
			table: seedTimer(),
			q: with(seedQuery("p99"), func(q *Query) {
				q.Instant = true
				q.Filters[2] = Filter{Column: "metric_name", Op: "IN", Values: names(MaxFanOut + 1)}
			}),
			want: &Plan{
				// IN statements of at most MaxStatementPartitions partitions each.
				Statements: []Statement{
					{CQL: inStatement, Args: []any{"prod", "api", anys(names(MaxFanOut + 1)[:100]), t0, t1}},
					{CQL: inStatement, Args: []any{"prod", "api", anys(names(MaxFanOut + 1)[100:200]), t0, t1}},
					{CQL: inStatement, Args: []any{"prod", "api", anys(names(MaxFanOut + 1)[200:]), t0, t1}},
				},
				Table:               "metric_data.raw_timer_with_interval",
				Columns:             []string{"metric_name", "metric_timestamp", "p99"},
				TimeColumn:          "metric_timestamp",
				TimeKind:            "timestamp",
				ValueColumns:        []string{"p99"},
				SeriesColumns:       []string{"metric_name"},
				Measures:            []Measure{{Name: "p99", Aggregations: []string{"max"}, Columns: []string{"p99"}}},
				TimeFirstClustering: true, Instant: true, InstantInGo: true,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := BuildPlan(context.Background(), tt.q, tt.table, t0, t1, PlanOptions{})
			if err != nil {
				t.Fatalf("BuildPlan: %v", err)
			}
			// Partition counts, the sample statement and the ranges have their own tests.
			ignoreCounts := cmpopts.IgnoreFields(Plan{}, "Partitions", "Sample", "Ranges")
			ignoreStatementCounts := cmpopts.IgnoreFields(Statement{}, "Partitions")
			if diff := cmp.Diff(tt.want, got, cmpValues, ignoreCounts, ignoreStatementCounts); diff != "" {
				t.Errorf("plan mismatch (-want +got):\n%s", diff)
			}
			for _, s := range got.Statements {
				if n := strings.Count(s.CQL, "?"); n != len(s.Args) {
					t.Errorf("%d markers but %d args in %s", n, len(s.Args), s.CQL)
				}
				if err := CheckReadOnly(s.CQL); err != nil {
					t.Errorf("generated CQL fails the guard: %v", err)
				}
			}
		})
	}
}

func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("m%03d", i)
	}
	return out
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func TestBuildPlanFanOutBound(t *testing.T) {
	// 16 x 16 = 256 partitions still fan out; 16 x 17 does not.
	q := with(seedQuery("p99"), func(q *Query) {
		q.Filters[1] = Filter{Column: "application", Op: "IN", Values: names(16)}
		q.Filters[2] = Filter{Column: "metric_name", Op: "IN", Values: names(16)}
	})
	p, err := BuildPlan(context.Background(), q, seedTimer(), t0, t1, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Statements) != 256 || !p.FanOut || !p.SinglePartition {
		t.Errorf("got %d statements, FanOut %v, SinglePartition %v; want 256 single-partition statements", len(p.Statements), p.FanOut, p.SinglePartition)
	}
	// 16 x 17 = 272 partitions: IN statements, each naming at most MaxStatementPartitions
	// (application 5 x metric_name 17 = 85, and the last one 1 x 17).
	q.Filters[2].Values = names(17)
	p, err = BuildPlan(context.Background(), q, seedTimer(), t0, t1, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := `SELECT "application", "metric_name", "metric_timestamp", "p99" FROM "metric_data"."raw_timer_with_interval" WHERE "environment" = ? AND "application" IN ? AND "metric_name" IN ? AND "metric_timestamp" >= ? AND "metric_timestamp" < ?`
	if len(p.Statements) != 4 || p.FanOut || p.SinglePartition || p.Partitions != 272 {
		t.Fatalf("got %d statements naming %d partitions (FanOut %v, SinglePartition %v); want 4 IN statements naming 272", len(p.Statements), p.Partitions, p.FanOut, p.SinglePartition)
	}
	// A group of one application value is written with =.
	wantEq := strings.Replace(want, `"application" IN ?`, `"application" = ?`, 1)
	var gotSizes []int
	for i, s := range p.Statements {
		if w := map[bool]string{true: wantEq, false: want}[i == 3]; s.CQL != w {
			t.Errorf("statement %d: %q, want %q", i, s.CQL, w)
		}
		gotSizes = append(gotSizes, s.Partitions)
	}
	if diff := cmp.Diff([]int{85, 85, 85, 17}, gotSizes); diff != "" {
		t.Errorf("partitions per statement (-want +got):\n%s", diff)
	}
}

func TestBuildPlanErrors(t *testing.T) {
	tests := []struct {
		name  string
		table *schema.Table
		q     *Query
		want  string
	}{
		{"unknown value column", seedTimer(), seedQuery("p100"),
			`valueColumns: column "p100" does not exist in metric_data.raw_timer_with_interval`},
		{"unknown time column", seedTimer(), with(seedQuery("p99"), func(q *Query) { q.TimeColumn = "ts" }),
			`timeColumn: column "ts" does not exist in metric_data.raw_timer_with_interval`},
		{"unknown series column", seedTimer(), with(seedQuery("p99"), func(q *Query) { q.SeriesColumns = []string{"host"} }),
			`seriesColumns: column "host" does not exist in metric_data.raw_timer_with_interval`},
		{"unknown filter column", seedTimer(), with(seedQuery("p99"), func(q *Query) {
			q.Filters = append(q.Filters, Filter{Column: "Environment", Op: "=", Values: []string{"x"}})
		}), `filters[3].column: column "Environment" does not exist in metric_data.raw_timer_with_interval`},
		{"interval_count on a table without counters", samples(), samplesQuery("interval_count"),
			`valueColumns: column "interval_count" does not exist in ops.samples (interval_count needs bigint columns count and previous_count)`},
		{"text value column", seedTimer(), seedQuery("rate_unit"),
			`valueColumns: "rate_unit" is a text column; choose a numeric column`},
		{"time column not a timestamp", seedTimer(), with(seedQuery("p99"), func(q *Query) { q.TimeColumn = "count" }),
			`timeUnit: "count" is a bigint column: choose the epoch unit it holds (s, ms, us, ns)`},
		{"time column of no time type", seedTimer(), with(seedQuery("p99"), func(q *Query) { q.TimeColumn = "rate_unit" }),
			`timeColumn: "rate_unit" is a text column; choose the table's time column (a timestamp, date or timeuuid column, or an int, bigint or varint column holding epoch time)`},
		{"epoch unit on a timestamp column", seedTimer(), with(seedQuery("p99"), func(q *Query) { q.TimeUnit = "ms" }),
			`timeUnit: "metric_timestamp" is a timestamp column and holds its own time; clear the epoch unit (ms)`},
		{"time column not clustering", seedTimer(), with(seedQuery("p99"), func(q *Query) { q.TimeColumn = "previous_metric_timestamp" }),
			`timeColumn: "previous_metric_timestamp" is not a clustering column, so restricting it to the time range makes Cassandra filter every row; choose the table's time clustering column or tick "Allow filtering"`},
		{"time column as series", seedTimer(), with(seedQuery("p99"), func(q *Query) { q.SeriesColumns = []string{"metric_timestamp"} }),
			`seriesColumns: "metric_timestamp" is the time column; choose label columns such as the partition key`},
		{"filter on the time column", seedTimer(), with(seedQuery("p99"), func(q *Query) {
			q.Filters = append(q.Filters, Filter{Column: "metric_timestamp", Op: ">", Values: []string{"0"}})
		}), `filters[3].column: "metric_timestamp" is the time column, already limited to the dashboard's time range; remove this filter`},
		{"missing partition key filter", seedTimer(), with(seedQuery("p99"), func(q *Query) { q.Filters = q.Filters[2:] }),
			`filters: add = or IN filters on every partition key column (missing: environment, application) so Cassandra reads only those partitions, or tick "Allow filtering" to scan the whole table`},
		{"missing date column of the partition key: the bucket settings, not Allow filtering", samples(), with(samplesQuery("value"), func(q *Query) { q.Filters = q.Filters[:1] }),
			`filters: "day" looks like the time bucket of a bucketed table (the partition key holds it): set the time bucket settings (bucket column "day", its granularity and, for text or numbers, its format) so the query reads one partition per bucket of the time range; otherwise add = or IN filters on every partition key column (missing: day)`},
		{"missing text bucket column of the partition key", &schema.Table{Keyspace: "ops", Name: "b", Columns: []schema.Column{
			pkCol("sensor", "text", 0), pkCol("ts_bucket", "text", 1), ckCol("ts", "timestamp", 0, "asc"), regCol("value", "double")}},
			&Query{RefID: "A", QueryType: QueryTypeBuilder, Format: FormatTimeSeries, Interval: IntervalAuto, Fill: FillNull, Keyspace: "ops", Table: "b", TimeColumn: "ts",
				ValueColumns: []string{"value"}, Filters: []Filter{{Column: "sensor", Op: "=", Values: []string{"a"}}}},
			`filters: "ts_bucket" looks like the time bucket of a bucketed table (the partition key holds it): set the time bucket settings (bucket column "ts_bucket", its granularity and, for text or numbers, its format) so the query reads one partition per bucket of the time range; otherwise add = or IN filters on every partition key column (missing: ts_bucket)`},
		{"missing text partition key column named like no bucket", &schema.Table{Keyspace: "ops", Name: "r", Columns: []schema.Column{
			pkCol("sensor", "text", 0), pkCol("region", "text", 1), ckCol("ts", "timestamp", 0, "asc"), regCol("value", "double")}},
			&Query{RefID: "A", QueryType: QueryTypeBuilder, Format: FormatTimeSeries, Interval: IntervalAuto, Fill: FillNull, Keyspace: "ops", Table: "r", TimeColumn: "ts",
				ValueColumns: []string{"value"}, Filters: []Filter{{Column: "sensor", Op: "=", Values: []string{"a"}}}},
			`filters: add = or IN filters on every partition key column (missing: region) so Cassandra reads only those partitions, or tick "Allow filtering" to scan the whole table`},
		{"range on a partition key column", seedTimer(), with(seedQuery("p99"), func(q *Query) { q.Filters[0].Op = ">=" }),
			`filters[0].op: "environment" is a partition key column: it takes = or IN only; change the operator or tick "Allow filtering"`},
		{"regular column filter", seedTimer(), with(seedQuery("p99"), func(q *Query) {
			q.Filters = append(q.Filters, Filter{Column: "rate_unit", Op: "=", Values: []string{"second"}})
		}), `filters[3].column: "rate_unit" is not in the primary key and has no index, so filtering on it makes Cassandra read and filter every row in range; remove the filter, index the column (CREATE INDEX ... USING 'sai') or tick "Allow filtering"`},
		{"time column after an unrestricted clustering column", samples(), samplesQuery("value"),
			`timeColumn: to restrict "ts" to the time range, the clustering columns before it need = or IN filters ("region" has none); add them or tick "Allow filtering"`},
		{"clustering column after the time range", latest(), with(latestQuery("Temp C"), func(q *Query) {
			q.Filters = append(q.Filters, Filter{Column: "probe", Op: "=", Values: []string{"2"}})
		}), `filters[1].column: filtering on "probe" makes Cassandra filter rows, because the clustering column "ts" before it is not fixed with = or IN; remove the filter or tick "Allow filtering"`},
		{"two filters on one column with no value in common", seedTimer(), with(seedQuery("p99"), func(q *Query) {
			q.Filters = append(q.Filters, Filter{Column: "environment", Op: "=", Values: []string{"dev"}})
		}), `filters[3].values: the filters on "environment" have no value in common, so the query selects no rows`},
		{"= after a range on one column", seedTimer(), with(seedQuery("p99"), func(q *Query) {
			q.AllowFiltering = true
			q.Filters = append(q.Filters, Filter{Column: "count", Op: ">", Values: []string{"0"}}, Filter{Column: "count", Op: "=", Values: []string{"5"}})
		}), `filters[4].column: "count" is already filtered with a range; remove one of the filters`},
		{"bigint value", seedTimer(), with(seedQuery("p99"), func(q *Query) {
			q.Filters = append(q.Filters, Filter{Column: "count", Op: ">", Values: []string{"abc"}})
		}), `filters[3].values: filter on "count": "abc" is not a bigint`},
		{"int out of range", latest(), with(latestQuery("Temp C"), func(q *Query) { q.Filters[0].Values = []string{"3000000000"} }),
			`filters[0].values: filter on "sensor": "3000000000" is not an int (out of range)`},
		{"date value", samples(), with(samplesQuery("value"), func(q *Query) { q.Filters[1].Values = []string{"02/01/2024"} }),
			`filters[1].values: filter on "day": "02/01/2024" is not a date (use YYYY-MM-DD)`},
		{"collection filter", samples(), with(samplesQuery("value"), func(q *Query) {
			q.Filters = append(q.Filters, Filter{Column: "tags", Op: "=", Values: []string{"x"}})
		}), `filters[2].values: filter on "tags": filtering on set<text> columns is not supported`},
		{"invalid query", seedTimer(), with(seedQuery(), func(q *Query) {}),
			`valueColumns: choose at least one value column`},
		{"raw query", seedTimer(), &Query{QueryType: QueryTypeCQL, RawCQL: "SELECT 1"},
			`queryType: only builder queries are planned; raw CQL goes through PrepareRaw`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := BuildPlan(context.Background(), tt.q, tt.table, t0, t1, PlanOptions{})
			if err == nil {
				t.Fatalf("BuildPlan succeeded; want error %q", tt.want)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			var qe *Error
			if !errors.As(err, &qe) {
				t.Errorf("error is %T, want *query.Error", err)
			}
		})
	}
}

func TestBuildPlanNotFoundUnwraps(t *testing.T) {
	_, err := BuildPlan(context.Background(), seedQuery("p100"), seedTimer(), t0, t1, PlanOptions{})
	var nf *schema.NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("error %v does not unwrap to *schema.NotFoundError", err)
	}
	want := &schema.NotFoundError{What: "column", Name: "p100", In: "metric_data.raw_timer_with_interval"}
	if diff := cmp.Diff(want, nf); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestBuildPlanEmptyRange(t *testing.T) {
	_, err := BuildPlan(context.Background(), seedQuery("p99"), seedTimer(), t1, t0, PlanOptions{})
	if err == nil || err.Error() != "timeRange: the time range is empty: its end must be after its start" {
		t.Errorf("got %v", err)
	}
}

func TestBuildPlanFilterValueTypes(t *testing.T) {
	q := with(samplesQuery("value"), func(q *Query) {
		q.AllowFiltering = true
		q.Filters = append(q.Filters,
			Filter{Column: "addr", Op: "=", Values: []string{"10.0.0.1"}},
			Filter{Column: "big", Op: "IN", Values: []string{"123456789012345678901234567890", "7", "07"}},
			Filter{Column: "flag", Op: "=", Values: []string{"TRUE"}},
			Filter{Column: "hits", Op: ">=", Values: []string{"5"}},
			Filter{Column: "hits", Op: "<", Values: []string{"50"}},
			Filter{Column: "id", Op: "=", Values: []string{"123E4567-E89B-12D3-A456-426614174000"}},
			Filter{Column: "price", Op: "<=", Values: []string{"12.50"}},
			Filter{Column: "value", Op: ">", Values: []string{"0.5"}},
		)
	})
	p, err := BuildPlan(context.Background(), q, samples(), t0, t1, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	huge, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	want := Statement{
		CQL: `SELECT "ts", "value" FROM "ops"."samples" WHERE "tenant" = ? AND "day" = ? AND "ts" >= ? AND "ts" < ? AND "addr" = ? AND "big" IN ? AND "flag" = ? AND "hits" >= ? AND "hits" < ? AND "id" = ? AND "price" <= ? AND "value" > ? ALLOW FILTERING`,
		Args: []any{"acme", "2024-01-02", t0, t1, "10.0.0.1", []any{huge, big.NewInt(7)}, true, int32(5), int32(50),
			"123e4567-e89b-12d3-a456-426614174000", inf.NewDec(1250, 2), float64(0.5)},
		Partitions: 1,
	}
	if diff := cmp.Diff([]Statement{want}, p.Statements, cmpValues); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestMeasureEval(t *testing.T) {
	ic := Measure{Name: IntervalCount, Derived: true, Columns: []string{"count", "previous_count"}}
	if got := ic.Eval([]float64{130, 100}); got != 30 {
		t.Errorf("interval_count = %v, want 30", got)
	}
	plain := Measure{Name: "p99", Columns: []string{"p99"}}
	if got := plain.Eval([]float64{4.5}); got != 4.5 {
		t.Errorf("p99 = %v, want 4.5", got)
	}
}

func TestBuildPlanBounds(t *testing.T) {
	tooMany := with(seedQuery("p99"), func(q *Query) {
		q.Filters[2] = Filter{Column: "metric_name", Op: "IN", Values: names(MaxFilterValues + 1)}
	})
	want := `filters[2].values: the filter on "metric_name" has 1001 values; at most 1000 can be used: narrow the selection (for a variable, pick fewer options than All)`
	if _, err := BuildPlan(context.Background(), tooMany, seedTimer(), t0, t1, PlanOptions{}); err == nil || err.Error() != want {
		t.Errorf("over the value bound: error = %v, want %q", err, want)
	}
	atBound := with(seedQuery("p99"), func(q *Query) {
		q.Filters[2] = Filter{Column: "metric_name", Op: "IN", Values: names(MaxFilterValues)}
	})
	p, err := BuildPlan(context.Background(), atBound, seedTimer(), t0, t1, PlanOptions{})
	if err != nil {
		t.Fatalf("at the bound: %v", err)
	}
	// Every value is read, MaxStatementPartitions to a statement.
	seen := map[any]bool{}
	for _, s := range p.Statements {
		vals := s.Args[2].([]any)
		if len(vals) > MaxStatementPartitions {
			t.Errorf("one IN holds %d values, more than %d", len(vals), MaxStatementPartitions)
		}
		for _, v := range vals {
			seen[v] = true
		}
	}
	if len(seen) != MaxFilterValues || p.Partitions != MaxFilterValues {
		t.Errorf("statements read %d distinct values, count %d partitions; want %d", len(seen), p.Partitions, MaxFilterValues)
	}

	manyFilters := with(seedQuery("p99"), func(q *Query) {
		for len(q.Filters) <= MaxFilters {
			q.Filters = append(q.Filters, Filter{Column: "count", Op: ">", Values: []string{"1"}})
		}
	})
	want = "filters: 101 filters; at most 100 can be used: keep one filter per column"
	if _, err := BuildPlan(context.Background(), manyFilters, seedTimer(), t0, t1, PlanOptions{}); err == nil || err.Error() != want {
		t.Errorf("over the filter bound: error = %v, want %q", err, want)
	}
}

func TestBuildPlanContextCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	q := with(seedQuery("p99"), func(q *Query) {
		q.Filters[2] = Filter{Column: "metric_name", Op: "IN", Values: names(MaxFilterValues)}
	})
	if _, err := BuildPlan(ctx, q, seedTimer(), t0, t1, PlanOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}

// Values that Cassandra sees as the same are one value; values it tells apart stay apart.
// Filters on one column all hold, as a dashboard variable's filter and an ad hoc filter do:
// the query reads the values they have in common, or nothing.
func TestFiltersOnOneColumnIntersect(t *testing.T) {
	q := with(seedQuery("p99"), func(q *Query) {
		q.Filters[2] = Filter{Column: "metric_name", Op: "IN", Values: []string{"requests", "errors", "latency"}}
		q.Filters = append(q.Filters,
			Filter{Column: "metric_name", Op: "IN", Values: []string{"latency", "requests", "other"}},
			Filter{Column: "environment", Op: "=", Values: []string{"prod"}})
	})
	p, err := BuildPlan(context.Background(), q, seedTimer(), t0, t1, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got [][]any
	for _, s := range p.Statements {
		got = append(got, s.Args[:3])
	}
	// In the first filter's order, one statement per partition.
	want := [][]any{{"prod", "api", "requests"}, {"prod", "api", "latency"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("partitions read (-want +got):\n%s", diff)
	}

	q.Filters = append(q.Filters, Filter{Column: "metric_name", Op: "=", Values: []string{"errors"}})
	_, err = BuildPlan(context.Background(), q, seedTimer(), t0, t1, PlanOptions{})
	if !errors.Is(err, ErrNothingToRead) {
		t.Fatalf("no value in common: got %v, want ErrNothingToRead", err)
	}
}

func TestFilterValuesDistinct(t *testing.T) {
	tests := []struct {
		typ    string
		values []string
		want   []any
	}{
		{"text", []string{"a", "b", "a", "A"}, []any{"a", "b", "A"}},
		{"bigint", []string{"7", "07", " 7", "8"}, []any{int64(7), int64(8)}},
		{"varint", []string{"7", "007", "-7"}, []any{big.NewInt(7), big.NewInt(-7)}},
		{"decimal", []string{"1.5", "1.5", "1.50", "15e-1"}, []any{inf.NewDec(15, 1), inf.NewDec(150, 2)}},
		{"double", []string{"0.5", "5e-1", "-0", "0"}, []any{0.5, math.Copysign(0, -1), 0.0}},
		{"timestamp", []string{"1700000000000", "2023-11-14T22:13:20Z", "2023-11-14T23:13:20+01:00", "1700000000001"},
			[]any{time.UnixMilli(1700000000000).UTC(), time.UnixMilli(1700000000001).UTC()}},
		{"blob", []string{"0xcafe", "0xCAFE", "0xca"}, []any{[]byte{0xca, 0xfe}, []byte{0xca}}},
		{"uuid", []string{"123E4567-E89B-12D3-A456-426614174000", "123e4567-e89b-12d3-a456-426614174000"}, []any{"123e4567-e89b-12d3-a456-426614174000"}},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			table := &schema.Table{Keyspace: "ks", Name: "t", Columns: []schema.Column{
				pkCol("k", tt.typ, 0), ckCol("ts", "timestamp", 0, "asc"), regCol("v", "double"),
			}}
			q := &Query{QueryType: QueryTypeBuilder, Format: FormatTimeSeries, Interval: IntervalAuto, Fill: FillNull,
				Keyspace: "ks", Table: "t", TimeColumn: "ts", ValueColumns: []string{"v"}, AllowFiltering: true,
				Filters: []Filter{{Column: "k", Op: "IN", Values: tt.values}}}
			restr, err := collectFilters(context.Background(), q, table, table.Columns[1], nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, restr["k"].eq, cmpValues, cmp.Comparer(func(a, b float64) bool {
				return math.Float64bits(a) == math.Float64bits(b)
			})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// The sample statement is the first statement without the time bound, reading one time.
func TestBuildPlanSample(t *testing.T) {
	q := with(seedQuery("p99"), func(q *Query) {
		q.Filters[2] = Filter{Column: "metric_name", Op: "IN", Values: []string{"a", "b"}}
	})
	p, err := BuildPlan(context.Background(), q, seedTimer(), t0, t1, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := Statement{
		CQL:  `SELECT "metric_timestamp" FROM "metric_data"."raw_timer_with_interval" WHERE "environment" = ? AND "application" = ? AND "metric_name" = ? LIMIT 1`,
		Args: []any{"prod", "api", "a"},
	}
	if diff := cmp.Diff(want, p.Sample); diff != "" {
		t.Errorf("sample (-want +got):\n%s", diff)
	}
}
