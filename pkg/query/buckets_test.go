package query

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

func TestBucketFormats(t *testing.T) {
	at := time.Date(2027, 1, 2, 7, 30, 0, 0, time.UTC) // Saturday of ISO week 2026-W53
	tests := []struct{ format, gran, want, wantErr string }{
		{"YYYY-MM-DD", GranularityDay, "2027-01-02", ""},
		{"YYYYMMDDHH", GranularityHour, "2027010207", ""},
		{"YYYY-'W'WW", GranularityWeek, "2026-W53", ""}, // the ISO year, not the calendar year
		{"YYYY/MM", GranularityMonth, "2027/01", ""},
		{"'day='YYYY-MM-DD", GranularityDay, "day=2027-01-02", ""},
		{"YYYY-MM", GranularityDay, "", "day buckets need YYYY, MM, DD in the format (DD tells them apart), e.g. YYYY-MM-DD or YYYYMMDD"},
		{"YYYY-MM-DD HH", GranularityDay, "", "HH is finer than or does not match day buckets; remove it, e.g. YYYY-MM-DD or YYYYMMDD"},
		{"YYYY-'W", GranularityWeek, "", "the quote at position 6 is not closed; put literal text between single quotes, e.g. YYYY-'W'WW"},
	}
	for _, tt := range tests {
		f, err := parseBucketFormat(tt.format, tt.gran)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("%s (%s): error %v, want %q", tt.format, tt.gran, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.format, err)
			continue
		}
		if got := f.format(BucketStart(at, tt.gran)); got != tt.want {
			t.Errorf("%s of %s = %q, want %q", tt.format, at, got, tt.want)
		}
	}
}

// TestCountBucketsMatchesTheList checks the arithmetic count against walking the buckets.
func TestCountBucketsMatchesTheList(t *testing.T) {
	from := time.Date(2026, 1, 30, 22, 15, 0, 0, time.UTC)
	for _, gran := range granularities {
		for _, span := range []time.Duration{time.Minute, time.Hour, 25 * time.Hour, 9 * 24 * time.Hour, 70 * 24 * time.Hour} {
			to := from.Add(span)
			n := 0
			for b := BucketStart(from, gran); b.Before(to); b = nextBucket(b, gran) {
				n++
			}
			if got := CountBuckets(from, to, gran); got != int64(n) {
				t.Errorf("%s over %s: CountBuckets %d, listed %d", gran, span, got, n)
			}
		}
	}
	// A range of millennia is counted, not listed.
	if got := CountBuckets(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), GranularityHour); got < 87_000_000 {
		t.Errorf("hours in 9998 years: %d", got)
	}
}

func TestBucketPlan(t *testing.T) {
	tbl := &schema.Table{Keyspace: "ops", Name: "by_day", Columns: []schema.Column{
		{Name: "sensor", Type: "text", Kind: schema.PartitionKey, Position: 0},
		{Name: "day", Type: "int", Kind: schema.PartitionKey, Position: 1},
		{Name: "ts", Type: "timestamp", Kind: schema.Clustering, Position: 0, ClusteringOrder: "asc"},
		{Name: "v", Type: "double", Kind: schema.Regular, Position: -1},
	}}
	q := &Query{QueryType: QueryTypeBuilder, Format: FormatTimeSeries, Interval: IntervalAuto, Fill: FillNull,
		Keyspace: "ops", Table: "by_day", TimeColumn: "ts", ValueColumns: []string{"v"},
		Filters:      []Filter{{Column: "sensor", Op: "IN", Values: []string{"a", "b"}}},
		BucketColumn: "day", BucketGranularity: GranularityDay, BucketFormat: "YYYYMMDD"}
	from := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	to := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	p, err := BuildPlan(context.Background(), q, tbl, from, to, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got [][]any
	var labels []string
	for _, s := range p.Statements {
		got = append(got, s.Args[:2])
		labels = append(labels, s.Bucket)
		if !strings.Contains(s.CQL, `"sensor" = ? AND "day" = ? AND "ts" >= ?`) {
			t.Errorf("statement %s", s.CQL)
		}
	}
	want := [][]any{{"a", int32(20261130)}, {"a", int32(20261201)}, {"a", int32(20261202)}, {"b", int32(20261130)}, {"b", int32(20261201)}, {"b", int32(20261202)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("partition values (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"20261130", "20261201", "20261202", "20261130", "20261201", "20261202"}, labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"sensor"}, p.SeriesColumns); diff != "" {
		t.Errorf("series columns: the bucket column names no series (-want +got):\n%s", diff)
	}
	if p.Buckets != 3 || p.BucketArg != 1 {
		t.Errorf("Buckets %d BucketArg %d", p.Buckets, p.BucketArg)
	}

	for _, tt := range []struct {
		name string
		edit func(q *Query)
		want string
	}{
		{"format needed", func(q *Query) { q.BucketFormat = "" }, `bucketFormat: "day" is an int column: enter the format of its values, e.g. YYYY-MM-DD or YYYYMMDD`},
		{"digits only", func(q *Query) { q.BucketFormat = "YYYY-MM-DD" }, `bucketFormat: "day" is an int column, but the format gives "2026-11-30", which is not a whole number; use digits only, e.g. YYYYMMDD`},
		{"no filter on the bucket column", func(q *Query) { q.Filters = append(q.Filters, Filter{Column: "day", Op: "=", Values: []string{"1"}}) },
			`filters[1].column: "day" is the bucket column: its values come from the time range; remove this filter`},
		{"other key needed", func(q *Query) { q.Filters = nil },
			`filters: a bucketed table is read one partition per bucket: add = or IN filters on the other partition key columns (missing: sensor)`},
		{"not a key column", func(q *Query) { q.BucketColumn = "v" }, `bucketColumn: "v" is not a partition key column; the bucket column is the part of the partition key that holds the time bucket, such as day in PRIMARY KEY ((sensor_id, day), ts)`},
		{"granularity needed", func(q *Query) { q.BucketGranularity = "" }, `bucketGranularity: choose how much time one "day" bucket holds: hour, day, week, month`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q2 := *q
			q2.Filters = append([]Filter(nil), q.Filters...)
			tt.edit(&q2)
			_, err := BuildPlan(context.Background(), &q2, tbl, from, to, PlanOptions{})
			if err == nil || err.Error() != tt.want {
				t.Errorf("error %v\nwant %s", err, tt.want)
			}
		})
	}
	_, err = BuildPlan(t.Context(), q, tbl, from, from.Add(400*24*time.Hour), PlanOptions{MaxBucketStatements: 100})
	if want := "timeRange: the time range touches 401 day buckets; with 2 partition key value combinations that is 802 statements, more than the limit of 100 (maxBucketStatements in the data source settings): narrow the time range or the filters, or raise the limit"; err == nil || err.Error() != want {
		t.Errorf("over the limit: %v", err)
	}
}
