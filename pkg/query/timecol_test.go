package query

import (
	"context"
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// shapes is a table with one time column of every kind, so each can be chosen as the time
// column of the same query.
func shapes() *schema.Table {
	return &schema.Table{Keyspace: "ops", Name: "shapes", Columns: []schema.Column{
		{Name: "sensor", Type: "text", Kind: schema.PartitionKey, Position: 0},
		{Name: "t", Type: "bigint", Kind: schema.Clustering, Position: 0, ClusteringOrder: "asc"},
		{Name: "d", Type: "date", Kind: schema.Regular, Position: -1},
		{Name: "id", Type: "timeuuid", Kind: schema.Regular, Position: -1},
		{Name: "i", Type: "int", Kind: schema.Regular, Position: -1},
		{Name: "vi", Type: "varint", Kind: schema.Regular, Position: -1},
		{Name: "v", Type: "double", Kind: schema.Regular, Position: -1},
	}}
}

func TestTimeColumnKinds(t *testing.T) {
	from := time.Date(2026, 3, 1, 10, 0, 0, 500_000_000, time.UTC) // half a second past
	to := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)              // a midnight
	tests := []struct {
		name, column, unit string
		wantWhere          string
		wantArgs           []any
		wantKind           string
	}{
		{"epoch seconds round both ends up", "t", "s", `"t" >= ? AND "t" < ?`, []any{from.Unix() + 1, to.Unix()}, TimeKindEpoch},
		{"epoch milliseconds", "t", "ms", `"t" >= ? AND "t" < ?`, []any{from.UnixMilli(), to.UnixMilli()}, TimeKindEpoch},
		{"epoch microseconds", "t", "us", `"t" >= ? AND "t" < ?`, []any{from.UnixMicro(), to.UnixMicro()}, TimeKindEpoch},
		{"epoch nanoseconds", "t", "ns", `"t" >= ? AND "t" < ?`, []any{from.UnixNano(), to.UnixNano()}, TimeKindEpoch},
		{"int seconds bind int32", "i", "s", `"i" >= ? AND "i" < ?`, []any{int32(from.Unix() + 1), int32(to.Unix())}, TimeKindEpoch},
		{"varint milliseconds bind big.Int", "vi", "ms", `"vi" >= ? AND "vi" < ?`, []any{big.NewInt(from.UnixMilli()), big.NewInt(to.UnixMilli())}, TimeKindEpoch},
		{"timeuuid bounds by minTimeuuid", "id", "", `"id" >= minTimeuuid(?) AND "id" < minTimeuuid(?)`, []any{from, to}, TimeKindTimeUUID},
		// A date stands for its midnight: 2026-03-01 is before from, 2026-03-02 is the range's end.
		{"date bounds round up to midnights", "d", "", `"d" >= ? AND "d" < ?`, []any{time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), to}, TimeKindDate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &Query{QueryType: QueryTypeBuilder, Format: FormatTimeSeries, Interval: IntervalAuto, Fill: FillNull,
				Keyspace: "ops", Table: "shapes", TimeColumn: tt.column, TimeUnit: tt.unit, ValueColumns: []string{"v"},
				Filters: []Filter{{Column: "sensor", Op: "=", Values: []string{"a"}}}, AllowFiltering: true}
			p, err := BuildPlan(context.Background(), q, shapes(), from, to, PlanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := `SELECT "` + tt.column + `", "v" FROM "ops"."shapes" WHERE "sensor" = ? AND ` + tt.wantWhere + ` ALLOW FILTERING`
			if tt.column == "t" {
				want = `SELECT "t", "v" FROM "ops"."shapes" WHERE "sensor" = ? AND ` + tt.wantWhere + ` ALLOW FILTERING`
			}
			if diff := cmp.Diff(want, p.Statements[0].CQL); diff != "" {
				t.Errorf("CQL (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(append([]any{"a"}, tt.wantArgs...), p.Statements[0].Args, cmpValues); diff != "" {
				t.Errorf("args (-want +got):\n%s", diff)
			}
			if p.TimeKind != tt.wantKind || p.TimeUnit != tt.unit {
				t.Errorf("kind %q unit %q, want %q %q", p.TimeKind, p.TimeUnit, tt.wantKind, tt.unit)
			}
		})
	}
}

func TestTimeColumnErrors(t *testing.T) {
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	base := func(col, unit string) *Query {
		return &Query{QueryType: QueryTypeBuilder, Format: FormatTimeSeries, Interval: IntervalAuto, Fill: FillNull,
			Keyspace: "ops", Table: "shapes", TimeColumn: col, TimeUnit: unit, ValueColumns: []string{"v"},
			Filters: []Filter{{Column: "sensor", Op: "=", Values: []string{"a"}}}, AllowFiltering: true}
	}
	tests := []struct {
		name     string
		q        *Query
		from, to time.Time
		want     string
	}{
		{"unknown unit", base("t", "minutes"), from, from.Add(time.Hour), `timeUnit: "minutes" is not an epoch unit; use one of s, ms, us, ns`},
		{"epoch column without unit", base("t", ""), from, from.Add(time.Hour), `timeUnit: "t" is a bigint column: choose the epoch unit it holds (s, ms, us, ns)`},
		{"int seconds past 2038", base("i", "s"), time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2040, 1, 2, 0, 0, 0, 0, time.UTC),
			`timeRange: 2040-01-01T00:00:00Z is outside what an int column holds in seconds of epoch time; narrow the time range`},
		{"int milliseconds", base("i", "ms"), from, from.Add(time.Hour),
			`timeRange: 2026-03-01T00:00:00Z is outside what an int column holds in milliseconds of epoch time; narrow the time range`},
		{"bigint nanoseconds past 2262", base("t", "ns"), time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2300, 1, 2, 0, 0, 0, 0, time.UTC),
			`timeRange: 2300-01-01T00:00:00Z is outside what a bigint column holds in nanoseconds of epoch time; narrow the time range`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			q.TimeUnit = normalizeUnit(q.TimeUnit)
			_, err := BuildPlan(context.Background(), q, shapes(), tt.from, tt.to, PlanOptions{})
			if err == nil {
				t.Fatal("no error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseNormalizesTimeUnit(t *testing.T) {
	for in, want := range map[string]string{"µs": "us", "MS": "ms", " s ": "s", "nanoseconds": "ns", "": ""} {
		q, err := Parse([]byte(`{"table":"x","timeUnit":"` + in + `"}`))
		if err != nil {
			t.Fatal(err)
		}
		if q.TimeUnit != want {
			t.Errorf("timeUnit %q parsed as %q, want %q", in, q.TimeUnit, want)
		}
	}
}

func TestEpochToMillisRoundsDown(t *testing.T) {
	tests := []struct {
		v    int64
		unit string
		want int64
		ok   bool
	}{
		{1_700_000_000, UnitSeconds, 1_700_000_000_000, true},
		{-1, UnitSeconds, -1000, true},
		{1_999, UnitMicros, 1, true},
		{-1, UnitMicros, -1, true}, // before 1970 rounds down too
		{-1_000_001, UnitNanos, -2, true},
		{math.MaxInt64, UnitSeconds, 0, false},
		{math.MaxInt64, UnitNanos, math.MaxInt64 / 1_000_000, true},
	}
	for _, tt := range tests {
		got, ok := EpochToMillis(tt.v, tt.unit)
		if got != tt.want || ok != tt.ok {
			t.Errorf("EpochToMillis(%d, %s) = %d, %v; want %d, %v", tt.v, tt.unit, got, ok, tt.want, tt.ok)
		}
	}
}
