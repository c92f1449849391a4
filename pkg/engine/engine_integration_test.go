package engine

import (
	"context"
	"encoding/json"
	"flag"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"
)

var updateGolden = flag.Bool("update", false, "rewrite golden files")

func dataQuery(refID string, q map[string]any, from, to time.Time, maxDataPoints int64) backend.DataQuery {
	b, _ := json.Marshal(q)
	return backend.DataQuery{RefID: refID, JSON: b, TimeRange: backend.TimeRange{From: from, To: to}, MaxDataPoints: maxDataPoints, Interval: time.Second}
}

func run(t *testing.T, e *Engine, q backend.DataQuery) backend.DataResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return e.Run(ctx, q)
}

func seedBuilder(extra map[string]any) map[string]any {
	q := map[string]any{
		"queryType": "builder", "keyspace": fixtureKeyspace, "table": "raw_timer_with_interval",
		"timeColumn": "metric_timestamp", "valueColumns": []string{"p99", "interval_count"},
		"filters": []map[string]any{
			{"column": "environment", "op": "=", "values": []string{"prod"}},
			{"column": "application", "op": "=", "values": []string{"api"}},
			{"column": "metric_name", "op": "IN", "values": fixtureMetrics},
		},
		"interval": "auto",
	}
	for k, v := range extra {
		q[k] = v
	}
	return q
}

type refBin struct {
	maxP99   *float64
	sumCount *float64
}

// reference bins the fixture rows independently: 15s is what the design's nice steps give
// for 2h at 500 points (14.4s rounded up).
func reference(metric string, width time.Duration) (times []time.Time, p99 []*float64, ic []*float64) {
	w := width.Milliseconds()
	start := (fixtureStart.UnixMilli() / w) * w
	n := int((fixtureEnd.UnixMilli()-1-start)/w + 1)
	bins := make([]refBin, n)
	for _, r := range fixtureRows() {
		ms := r.ts.UnixMilli()
		if r.metric != metric || ms < fixtureStart.UnixMilli() || ms >= fixtureEnd.UnixMilli() {
			continue
		}
		b := &bins[(ms-start)/w]
		if r.p99 != nil {
			v := float64(*r.p99)
			if b.maxP99 == nil || v > *b.maxP99 {
				b.maxP99 = &v
			}
		}
		d := float64(r.count - r.prev)
		if b.sumCount == nil {
			b.sumCount = new(float64)
		}
		*b.sumCount += d
	}
	for i, b := range bins {
		times = append(times, time.UnixMilli(start+int64(i)*w).UTC())
		p99 = append(p99, b.maxP99)
		ic = append(ic, b.sumCount)
	}
	return times, p99, ic
}

func TestBuilderSeedTableMatchesReference(t *testing.T) {
	e := New(fixtureClient(t), Options{MaxConcurrency: 4})
	res := run(t, e, dataQuery("A", seedBuilder(nil), fixtureStart, fixtureEnd, 500))
	if res.Error != nil {
		t.Fatalf("query failed: %v", res.Error)
	}
	frames := joinSeries(res.Frames) // a frame per series and measure
	if len(frames) != len(fixtureMetrics) {
		t.Fatalf("got %d series, want one per metric (%d)", len(frames), len(fixtureMetrics))
	}
	for i, m := range fixtureMetrics {
		f := frames[i]
		if f.Meta == nil || f.Meta.Type != data.FrameTypeTimeSeriesMulti || !strings.Contains(f.Meta.ExecutedQueryString, `"metric_timestamp" >= ?`) {
			t.Errorf("frame %d meta = %+v", i, f.Meta)
		}
		if f.Rows() > 500 {
			t.Errorf("frame %d has %d points, more than maxDataPoints", i, f.Rows())
		}
		times, p99, ic := reference(m, 15*time.Second)
		got := map[string]any{"time": fieldTimes(f.Fields[0]), "p99": f.Fields[1].At, "labels": f.Fields[1].Labels}
		_ = got
		if diff := cmp.Diff(times, fieldTimes(f.Fields[0])); diff != "" {
			t.Fatalf("%s times (-want +got):\n%s", m, diff)
		}
		for _, ft := range []struct {
			name string
			want []*float64
			idx  int
		}{{"p99", p99, 1}, {"interval_count", ic, 2}} {
			fld := f.Fields[ft.idx]
			if fld.Name != ft.name || fld.Labels["metric_name"] != m {
				t.Errorf("field %d = %q %v, want %q with metric_name=%s", ft.idx, fld.Name, fld.Labels, ft.name, m)
			}
			if diff := cmp.Diff(ft.want, fieldFloats(fld), cmpopts.EquateApprox(0, 1e-9)); diff != "" {
				t.Errorf("%s %s (-want +got):\n%s", m, ft.name, diff)
			}
		}
		for _, at := range times {
			if at.UnixMilli()%15000 != 0 {
				t.Fatalf("bin %v is not epoch-aligned", at)
			}
		}
	}
}

func TestRawCQLWithMacrosEqualsBuilder(t *testing.T) {
	e := New(fixtureClient(t), Options{MaxConcurrency: 4})
	aggs := []string{"max", "sum", "p99"}
	builder := run(t, e, dataQuery("A", seedBuilder(map[string]any{"aggregations": aggs}), fixtureStart, fixtureEnd, 500))
	raw := run(t, e, dataQuery("B", map[string]any{
		"queryType": "cql", "format": "time_series", "aggregations": aggs, "interval": "auto",
		"rawCql": `SELECT metric_name, metric_timestamp, p99, count - previous_count AS interval_count
			FROM engine_test.raw_timer_with_interval
			WHERE environment = 'prod' AND application = 'api' AND metric_name IN ('m1', 'm2', 'm3')
			AND $__timeFilter(metric_timestamp) -- $__timeFrom in a comment stays`,
	}, fixtureStart, fixtureEnd, 500))
	if builder.Error != nil || raw.Error != nil {
		t.Fatalf("errors: builder %v, raw %v", builder.Error, raw.Error)
	}
	if !strings.Contains(raw.Frames[0].Meta.ExecutedQueryString, "metric_timestamp >= 1767225600000 AND metric_timestamp < 1767232800000") {
		t.Errorf("macro not expanded: %s", raw.Frames[0].Meta.ExecutedQueryString)
	}
	// The executed CQL and notices differ by design; the data and frame types must not.
	for _, fs := range []data.Frames{builder.Frames, raw.Frames} {
		for _, f := range fs {
			f.Meta.ExecutedQueryString, f.Meta.Notices = "", nil
		}
	}
	if diff := cmp.Diff(builder.Frames, raw.Frames, data.FrameTestCompareOptions()...); diff != "" {
		t.Errorf("raw CQL frames differ from builder frames (-builder +raw):\n%s", diff)
	}
}

func TestRawInsertRefusedTableUnchanged(t *testing.T) {
	c := fixtureClient(t)
	e := New(c, Options{})
	count := func() int64 {
		var n int64
		rows := c.Query(context.Background(), `SELECT count(*) FROM engine_test.raw_timer_with_interval WHERE environment = 'prod' AND application = 'api' AND metric_name = 'm1'`, nil, cassandraOpts())
		rows.Next(&n)
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	for _, stmt := range []string{
		`INSERT INTO engine_test.raw_timer_with_interval (environment, application, metric_name, metric_timestamp, count) VALUES ('prod', 'api', 'm1', '2026-01-01T00:00:01Z', 1)`,
		`SELECT * FROM engine_test.raw_timer_with_interval; DELETE FROM engine_test.raw_timer_with_interval WHERE environment = 'prod' AND application = 'api' AND metric_name = 'm1'`,
		`/* SELECT */ TRUNCATE engine_test.raw_timer_with_interval`,
	} {
		res := run(t, e, dataQuery("A", map[string]any{"queryType": "cql", "format": "table", "rawCql": stmt}, fixtureStart, fixtureEnd, 100))
		if res.Error == nil || res.ErrorSource != backend.ErrorSourceDownstream {
			t.Errorf("%q: want a downstream error, got %v (%v)", stmt, res.Error, res.ErrorSource)
		}
	}
	if after := count(); after != before {
		t.Fatalf("row count changed from %d to %d", before, after)
	}
}

func TestGoldenFrames(t *testing.T) {
	e := New(fixtureClient(t), Options{MaxRows: 3})
	w0, w1 := fixtureStart, fixtureStart.Add(2*time.Minute)
	tests := []struct {
		name string
		q    map[string]any
	}{
		{"builder_seed_time_series", seedBuilder(map[string]any{"interval": "30s", "alias": "{{metric_name}} {{measure}}"})},
		{"builder_seed_instant", seedBuilder(map[string]any{"instant": true})},
		// One partition: rows of several partitions arrive in whatever order the parallel reads end.
		{"builder_seed_table", seedBuilder(map[string]any{"format": "table", "limit": 3, "filters": []map[string]any{
			{"column": "environment", "op": "=", "values": []string{"prod"}},
			{"column": "application", "op": "=", "values": []string{"api"}},
			{"column": "metric_name", "op": "=", "values": []string{"m2"}},
		}})},
		{"builder_composite_key_fanout", map[string]any{
			"queryType": "builder", "keyspace": fixtureKeyspace, "table": "samples", "timeColumn": "ts",
			"valueColumns": []string{"value", "hits"}, "aggregations": []string{"sum", "count"}, "interval": "1m", "fill": "zero",
			"filters": []map[string]any{
				{"column": "tenant", "op": "=", "values": []string{"acme"}},
				{"column": "day", "op": "IN", "values": []string{"2026-01-01", "2026-01-02"}},
			},
		}},
		{"cql_table_all_types", map[string]any{"queryType": "cql", "format": "table",
			"rawCql": `SELECT * FROM engine_test.samples WHERE tenant = 'acme' AND day = '2026-01-01'`}},
		{"cql_time_series_unbinned", map[string]any{"queryType": "cql", "format": "time_series", "binning": false,
			"rawCql": `SELECT region, ts, value FROM engine_test.samples WHERE tenant = 'acme' AND day = '2026-01-01' AND ts >= $__timeFrom AND ts < $__timeTo`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, e, dataQuery("A", tt.q, w0, w1, 100))
			if res.Error != nil {
				t.Fatalf("query failed: %v", res.Error)
			}
			experimental.CheckGoldenJSONResponse(t, "testdata", tt.name, &res, *updateGolden)
		})
	}
}

func TestCanceledContextStopsQuery(t *testing.T) {
	e := New(fixtureClient(t), Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := e.Run(ctx, dataQuery("A", seedBuilder(nil), fixtureStart, fixtureEnd, 500))
	if res.Error == nil {
		t.Fatal("want an error for a canceled request")
	}
}

func fieldTimes(f *data.Field) []time.Time {
	out := make([]time.Time, f.Len())
	for i := range out {
		out[i] = f.At(i).(time.Time)
	}
	return out
}

func fieldFloats(f *data.Field) []*float64 {
	out := make([]*float64, f.Len())
	for i := range out {
		if v := f.At(i).(*float64); v != nil && !math.IsNaN(*v) {
			x := *v
			out[i] = &x
		}
	}
	return out
}

// TestDataplaneShapes checks the frames against the dataplane contract alert rules rely on:
// one time field first, sorted ascending without nulls, numeric value fields carrying the
// series labels; exactly one value field in a multi frame.
func TestDataplaneShapes(t *testing.T) {
	e := New(fixtureClient(t), Options{})
	for _, tt := range []struct {
		name      string
		q         map[string]any
		wantType  data.FrameType
		numValues int
	}{
		{"one value per series is multi", seedBuilder(map[string]any{"valueColumns": []string{"p99"}}), data.FrameTypeTimeSeriesMulti, 1},
		{"several values per series is multi too", seedBuilder(map[string]any{"aggregations": []string{"avg", "p95"}}), data.FrameTypeTimeSeriesMulti, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, e, dataQuery("A", tt.q, fixtureStart, fixtureEnd, 200))
			if res.Error != nil {
				t.Fatal(res.Error)
			}
			seen := map[string]bool{}
			for _, f := range res.Frames {
				if f.Meta.Type != tt.wantType || len(f.Fields) != 1+tt.numValues {
					t.Fatalf("frame %q: type %s with %d fields, want %s with %d", f.Name, f.Meta.Type, len(f.Fields), tt.wantType, 1+tt.numValues)
				}
				if f.Fields[0].Type() != data.FieldTypeTime {
					t.Fatalf("first field is %s, want time", f.Fields[0].Type())
				}
				times := fieldTimes(f.Fields[0])
				for i := 1; i < len(times); i++ {
					if !times[i].After(times[i-1]) {
						t.Fatalf("times not strictly ascending at %d", i)
					}
				}
				for _, v := range f.Fields[1:] {
					if !v.Type().Numeric() || v.Labels["metric_name"] == "" {
						t.Fatalf("value field %q: type %s labels %v", v.Name, v.Type(), v.Labels)
					}
					key := v.Name + v.Labels.String()
					if seen[key] {
						t.Fatalf("duplicate series %s", key)
					}
					seen[key] = true
				}
			}
		})
	}
}

func TestTableTruncatesAtMaxRows(t *testing.T) {
	e := New(fixtureClient(t), Options{MaxRows: 2})
	res := run(t, e, dataQuery("A", map[string]any{"queryType": "cql", "format": "table",
		"rawCql": `SELECT ts, region, value FROM engine_test.samples WHERE tenant = 'acme' AND day = '2026-01-01'`}, fixtureStart, fixtureEnd, 100))
	if res.Error != nil {
		t.Fatal(res.Error)
	}
	f := res.Frames[0]
	if f.Rows() != 2 {
		t.Fatalf("got %d rows, want 2 (max rows)", f.Rows())
	}
	if len(f.Meta.Notices) != 1 || f.Meta.Notices[0].Severity != data.NoticeSeverityWarning || !strings.Contains(f.Meta.Notices[0].Text, "Truncated to the first 2 rows") {
		t.Fatalf("notices = %+v, want one truncation warning", f.Meta.Notices)
	}
}

func TestBuilderFallsBackToDefaultKeyspace(t *testing.T) {
	q := seedBuilder(map[string]any{"keyspace": ""})
	res := run(t, New(fixtureClient(t), Options{DefaultKeyspace: fixtureKeyspace}), dataQuery("A", q, fixtureStart, fixtureEnd, 100))
	if res.Error != nil || len(joinSeries(res.Frames)) != len(fixtureMetrics) {
		t.Fatalf("with a default keyspace: error %v, %d frames", res.Error, len(res.Frames))
	}
	res = run(t, New(fixtureClient(t), Options{}), dataQuery("A", q, fixtureStart, fixtureEnd, 100))
	if res.Error == nil || !strings.Contains(res.Error.Error(), "keyspace") {
		t.Fatalf("without one: want an error naming the keyspace, got %v", res.Error)
	}
}

// TestQueryVariantsRunOnCassandra sends the CQL of each builder feature to the real Cassandra:
// generated statements must be ones Cassandra accepts, with the rows the feature implies.
func TestQueryVariantsRunOnCassandra(t *testing.T) {
	e := New(fixtureClient(t), Options{MaxConcurrency: 2})
	w0, w1 := fixtureStart, fixtureStart.Add(2*time.Minute)
	samples := func(extra map[string]any) map[string]any {
		q := map[string]any{"queryType": "builder", "keyspace": fixtureKeyspace, "table": "samples", "timeColumn": "ts",
			"valueColumns": []string{"value"}, "aggregations": []string{"sum"}, "interval": "1m",
			"filters": []map[string]any{
				{"column": "tenant", "op": "=", "values": []string{"acme"}},
				{"column": "day", "op": "=", "values": []string{"2026-01-01"}},
			}}
		for k, v := range extra {
			q[k] = v
		}
		return q
	}
	withFilter := func(f map[string]any) map[string]any {
		q := samples(nil)
		q["filters"] = append(q["filters"].([]map[string]any), f)
		return q
	}
	tests := []struct {
		name string
		q    map[string]any
		// total of the sums over all frames and bins
		wantSum float64
	}{
		{"one partition, all regions", samples(nil), 1.5 + 2.5 + 3.5},
		{"IN on a clustering column after the time column needs filtering", withFilter(map[string]any{"column": "region", "op": "IN", "values": []string{"eu"}}), -1},
		{"regular column filter with allow filtering", func() map[string]any {
			q := withFilter(map[string]any{"column": "hits", "op": ">=", "values": []string{"20"}})
			q["allowFiltering"] = true
			return q
		}(), 2.5 + 3.5},
		{"limit stops early", samples(map[string]any{"limit": 2}), 3.5 + 2.5},
		{"instant keeps the latest row", samples(map[string]any{"instant": true}), 3.5},
		{"series by a clustering column", samples(map[string]any{"seriesColumns": []string{"region"}}), 1.5 + 2.5 + 3.5},
		{"fan-out over two days", samples(map[string]any{"filters": []map[string]any{
			{"column": "tenant", "op": "=", "values": []string{"acme"}},
			{"column": "day", "op": "IN", "values": []string{"2026-01-01", "2026-01-02"}},
		}}), 1.5 + 2.5 + 3.5 + 4.5},
		{"raw CQL grouped by Cassandra with $__interval", map[string]any{"queryType": "cql", "format": "time_series", "interval": "1m",
			"rawCql":       "SELECT floor(ts, $__interval) AS t, sum(value) AS value FROM engine_test.samples WHERE tenant = 'acme' AND day = '2026-01-01' AND $__timeFilter(ts) GROUP BY tenant, day, ts",
			"aggregations": []string{"sum"}}, 1.5 + 2.5 + 3.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, e, dataQuery("A", tt.q, w0, w1, 100))
			if tt.wantSum < 0 {
				if res.Error == nil || !strings.Contains(res.Error.Error(), "llow filtering") {
					t.Fatalf("want an error that points to Allow filtering, got %v", res.Error)
				}
				return
			}
			if res.Error != nil {
				t.Fatalf("query failed: %v (%s)", res.Error, executed(res))
			}
			sum := 0.0
			for _, f := range res.Frames {
				for _, fld := range f.Fields[1:] {
					for i := 0; i < fld.Len(); i++ {
						if v, ok := fld.ConcreteAt(i); ok {
							sum += v.(float64)
						}
					}
				}
			}
			if math.Abs(sum-tt.wantSum) > 1e-9 {
				t.Fatalf("sum of values = %v, want %v (%s)", sum, tt.wantSum, executed(res))
			}
		})
	}
}

func executed(res backend.DataResponse) string {
	if len(res.Frames) > 0 && res.Frames[0].Meta != nil {
		return res.Frames[0].Meta.ExecutedQueryString
	}
	return ""
}

// Annotation queries are raw CQL in table format whose columns are named for Grafana:
// time (and timeEnd) as time fields, title/text and tags as text.
func TestAnnotationShapedQuery(t *testing.T) {
	e := New(fixtureClient(t), Options{})
	res := run(t, e, dataQuery("A", map[string]any{"queryType": "cql", "format": "table",
		"rawCql": `SELECT ts AS time, ts AS "timeEnd", note AS title, label AS text, tags FROM engine_test.samples WHERE tenant = 'acme' AND day = '2026-01-01' AND $__timeFilter(ts) AND region = 'eu' ALLOW FILTERING`,
	}, fixtureStart, fixtureEnd, 100))
	if res.Error != nil {
		t.Fatal(res.Error)
	}
	f := res.Frames[0]
	var got []string
	for _, fld := range f.Fields {
		got = append(got, fld.Name+":"+fld.Type().ItemTypeString())
	}
	want := []string{"time:*time.Time", "timeEnd:*time.Time", "title:*string", "text:*string", "tags:*json.RawMessage"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("fields (-want +got):\n%s", diff)
	}
	if f.Rows() != 2 {
		t.Fatalf("got %d annotations, want 2", f.Rows())
	}
}

// A dashboard variable's filter and an ad hoc filter on the same column both hold: the query
// reads the values they have in common, and with none in common it answers no data with the
// reason, not an error, and sends nothing to Cassandra.
func TestFiltersOnOneColumnIntersectOnCassandra(t *testing.T) {
	e := New(fixtureClient(t), Options{})
	q := seedBuilder(map[string]any{"interval": "1m"})
	filters := q["filters"].([]map[string]any)
	both := append(append([]map[string]any{}, filters...), map[string]any{"column": "metric_name", "op": "=", "values": []string{fixtureMetrics[1]}})
	q["filters"] = both
	res := run(t, e, dataQuery("A", q, fixtureStart, fixtureEnd, 100))
	if res.Error != nil {
		t.Fatalf("query failed: %v", res.Error)
	}
	// One partition is read (the other metrics fall away), and it has data.
	if len(joinSeries(res.Frames)) != 1 || res.Frames[0].Rows() == 0 || strings.Contains(res.Frames[0].Meta.ExecutedQueryString, "more statements") {
		t.Fatalf("want one series from one statement: %v %s", res.Frames, res.Frames[0].Meta.ExecutedQueryString)
	}

	q["filters"] = append(both, map[string]any{"column": "application", "op": "=", "values": []string{"no-such-app"}})
	res = run(t, e, dataQuery("A", q, fixtureStart, fixtureEnd, 100))
	if res.Error != nil {
		t.Fatalf("no value in common: want no data, got error %v", res.Error)
	}
	if len(res.Frames) != 1 || res.Frames[0].Rows() != 0 || len(res.Frames[0].Meta.Notices) != 1 ||
		!strings.Contains(res.Frames[0].Meta.Notices[0].Text, `The filters on "application" have no value in common`) {
		t.Fatalf("want one empty frame with the reason: %+v", res.Frames)
	}
	if s := res.Frames[0].Meta.ExecutedQueryString; strings.Contains(s, "SELECT") {
		t.Errorf("a statement was sent: %s", s)
	}
}
