package engine

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/metricsserver/cassandra-datasource/pkg/bincache"
)

// mondayOf is the Monday (UTC) of t's ISO week, computed here without the planner's code.
func mondayOf(t time.Time) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	for d.Weekday() != time.Monday {
		d = d.AddDate(0, 0, -1)
	}
	return d
}

func bucketNoticesOf(res backend.DataResponse) string {
	var out []string
	for _, f := range res.Frames {
		if f.Meta != nil {
			for _, n := range f.Meta.Notices {
				out = append(out, n.Text)
			}
		}
	}
	return strings.Join(out, "\n")
}

// TestBucketedTablesBinLikeTheReference writes readings into tables bucketed by hour, day,
// week and month, with date, text and int bucket columns, and checks a builder query's bins
// against the raw readings.
func TestBucketedTablesBinLikeTheReference(t *testing.T) {
	c := tsClient(t)
	e := New(c, Options{MaxConcurrency: 3})
	start := time.Date(2026, 2, 23, 0, 0, 0, 0, time.UTC) // a Monday
	for _, tt := range []struct {
		name, typ, gran, format string
		bucket                  func(t time.Time) any // the value a writer would store
		span, step              time.Duration
		from, to                time.Duration // query range, from start
		interval                string
	}{
		{"hour_text", "text", "hour", "YYYY-MM-DD HH", func(t time.Time) any { return t.Format("2006-01-02 15") },
			30 * time.Hour, 2*time.Minute + 7*time.Second, 3*time.Hour + 20*time.Minute, 20*time.Hour + 10*time.Minute, "30m"},
		{"hour_bigint", "bigint", "hour", "YYYYMMDDHH", func(t time.Time) any { n, _ := strconv.ParseInt(t.Format("2006010215"), 10, 64); return n },
			30 * time.Hour, 2*time.Minute + 7*time.Second, 3*time.Hour + 20*time.Minute, 20*time.Hour + 10*time.Minute, "30m"},
		{"day_date", "date", "day", "", func(t time.Time) any { return t.Truncate(24 * time.Hour) },
			6 * 24 * time.Hour, 9*time.Minute + 11*time.Second, 30 * time.Hour, 4*24*time.Hour + 5*time.Hour, "1h"},
		{"day_text", "text", "day", "YYYY-MM-DD", func(t time.Time) any { return t.Format("2006-01-02") },
			6 * 24 * time.Hour, 9*time.Minute + 11*time.Second, 30 * time.Hour, 4*24*time.Hour + 5*time.Hour, "1h"},
		{"day_int", "int", "day", "YYYYMMDD", func(t time.Time) any { n, _ := strconv.Atoi(t.Format("20060102")); return int32(n) },
			6 * 24 * time.Hour, 9*time.Minute + 11*time.Second, 30 * time.Hour, 4*24*time.Hour + 5*time.Hour, "1h"},
		{"week_date", "date", "week", "", mondayOfAny,
			5 * 7 * 24 * time.Hour, 97 * time.Minute, 3*24*time.Hour + 7*time.Hour, 26 * 24 * time.Hour, "1d"},
		{"week_text_iso", "text", "week", "YYYY-'W'WW", func(t time.Time) any { y, w := t.ISOWeek(); return fmt.Sprintf("%04d-W%02d", y, w) },
			5 * 7 * 24 * time.Hour, 97 * time.Minute, 3*24*time.Hour + 7*time.Hour, 26 * 24 * time.Hour, "1d"},
		{"month_text", "text", "month", "YYYY-MM", func(t time.Time) any { return t.Format("2006-01") },
			120 * 24 * time.Hour, 5*time.Hour + 3*time.Minute, 10 * 24 * time.Hour, 85 * 24 * time.Hour, "1d"},
		{"month_int", "int", "month", "YYYYMM", func(t time.Time) any { n, _ := strconv.Atoi(t.Format("200601")); return int32(n) },
			120 * 24 * time.Hour, 5*time.Hour + 3*time.Minute, 10 * 24 * time.Hour, 85 * 24 * time.Hour, "1d"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rows := tsRows(start, int(tt.span/tt.step), tt.step, time.Millisecond)
			table := "bk_" + tt.name
			writeRows(t, c, table,
				fmt.Sprintf(`CREATE TABLE %s.%s (sensor text, bucket %s, t timestamp, v double, PRIMARY KEY ((sensor, bucket), t))`, tsKeyspace, table, tt.typ),
				fmt.Sprintf(`INSERT INTO %s.%s (sensor, bucket, t, v) VALUES (?, ?, ?, ?)`, tsKeyspace, table),
				rows, func(_ int, r tsRow) []any { return []any{r.sensor, tt.bucket(r.t), r.t, r.v} })
			from, to := start.Add(tt.from), start.Add(tt.to)
			q := map[string]any{
				"queryType": "builder", "keyspace": tsKeyspace, "table": table, "timeColumn": "t", "valueColumns": []string{"v"},
				"filters":      []map[string]any{{"column": "sensor", "op": "IN", "values": tsSensors}},
				"bucketColumn": "bucket", "bucketGranularity": tt.gran, "bucketFormat": tt.format,
				"aggregations": []string{"sum", "count", "max"}, "interval": tt.interval, "fill": "none",
			}
			res := run(t, e, dataQuery("A", q, from, to, 2000))
			want := refBins(rows, from, to, mustInterval(t, tt.interval))
			if diff := cmp.Diff(want, engineBins(t, res)); diff != "" {
				t.Errorf("bins differ from the reference (-want +got):\n%s", diff)
			}
			if n := bucketNoticesOf(res); !strings.Contains(n, " "+tt.gran+" buckets of \"bucket\"") || !strings.Contains(n, "at most 3 at once") {
				t.Errorf("notices do not report the buckets read:\n%s", n)
			}
		})
	}
}

func mondayOfAny(t time.Time) any { return mondayOf(t) }

// TestDayBucketsEqualOnePartition stores the same readings in a day-bucketed table and in a
// table with one partition per sensor, and asks both for 3 days: the bins must be the same.
// One sensor has no readings on one day, which the notice reports as an empty bucket.
func TestDayBucketsEqualOnePartition(t *testing.T) {
	c := tsClient(t)
	e := New(c, Options{})
	start := time.Date(2026, 5, 10, 0, 0, 0, 0, time.UTC)
	gap := time.Date(2026, 5, 12, 0, 0, 0, 0, time.UTC)
	var rows []tsRow
	for _, r := range tsRows(start, 700, 10*time.Minute+3*time.Second, time.Millisecond) {
		if r.sensor == "s2" && !r.t.Before(gap) && r.t.Before(gap.Add(24*time.Hour)) {
			continue
		}
		rows = append(rows, r)
	}
	writeRows(t, c, "eq_by_day",
		`CREATE TABLE `+tsKeyspace+`.eq_by_day (sensor text, day date, t timestamp, v double, PRIMARY KEY ((sensor, day), t))`,
		`INSERT INTO `+tsKeyspace+`.eq_by_day (sensor, day, t, v) VALUES (?, ?, ?, ?)`,
		rows, func(_ int, r tsRow) []any { return []any{r.sensor, r.t.Truncate(24 * time.Hour), r.t, r.v} })
	writeRows(t, c, "eq_single",
		`CREATE TABLE `+tsKeyspace+`.eq_single (sensor text, t timestamp, v double, PRIMARY KEY (sensor, t))`,
		`INSERT INTO `+tsKeyspace+`.eq_single (sensor, t, v) VALUES (?, ?, ?)`,
		rows, func(_ int, r tsRow) []any { return []any{r.sensor, r.t, r.v} })

	from, to := start.Add(24*time.Hour), start.Add(4*24*time.Hour) // 3 whole days
	query := func(table string, bucketed bool) map[string]any {
		q := map[string]any{
			"queryType": "builder", "keyspace": tsKeyspace, "table": table, "timeColumn": "t", "valueColumns": []string{"v"},
			"filters":      []map[string]any{{"column": "sensor", "op": "IN", "values": tsSensors}},
			"aggregations": []string{"sum", "count", "max"}, "interval": "30m", "fill": "none",
		}
		if bucketed {
			q["bucketColumn"], q["bucketGranularity"] = "day", "day"
		}
		return q
	}
	bucketed := run(t, e, dataQuery("A", query("eq_by_day", true), from, to, 2000))
	single := run(t, e, dataQuery("B", query("eq_single", false), from, to, 2000))
	if diff := cmp.Diff(engineBins(t, single), engineBins(t, bucketed)); diff != "" {
		t.Errorf("bucketed bins differ from one partition's (-single +bucketed):\n%s", diff)
	}
	if diff := cmp.Diff(refBins(rows, from, to, 30*time.Minute), engineBins(t, bucketed)); diff != "" {
		t.Errorf("bins differ from the reference (-want +got):\n%s", diff)
	}
	wantNotice := `Read 3 day buckets of "day" with 6 statements, at most 6 at once; 1 found no rows, in buckets 2026-05-12.`
	if n := bucketNoticesOf(bucketed); !strings.Contains(n, wantNotice) {
		t.Errorf("notices:\n%s\nwant one to read %q", n, wantNotice)
	}

	// The table format reads the same buckets and gives their rows in time order.
	tq := query("eq_by_day", true)
	tq["format"] = "table"
	res := run(t, e, dataQuery("C", tq, from, to, 2000))
	if res.Error != nil {
		t.Fatal(res.Error)
	}
	var times []time.Time
	for _, f := range res.Frames[0].Fields {
		if f.Name == "t" {
			for i := 0; i < f.Len(); i++ {
				switch v := f.At(i).(type) {
				case time.Time:
					times = append(times, v)
				case *time.Time:
					times = append(times, *v)
				}
			}
		}
	}
	if len(times) != refCount(rows, from, to) {
		t.Errorf("table has %d rows, the range holds %d", len(times), refCount(rows, from, to))
	}
	for i := 1; i < len(times); i++ {
		if times[i].Before(times[i-1]) {
			t.Fatalf("table rows out of time order at row %d: %s after %s", i, times[i], times[i-1])
		}
	}

	// More statements than the limit: refused before any is sent, with the count.
	small := New(c, Options{MaxBucketStatements: 5})
	res = run(t, small, dataQuery("D", query("eq_by_day", true), from, to, 2000))
	want := `the time range touches 3 day buckets; with 2 partition key value combinations that is 6 statements, more than the limit of 5 (maxBucketStatements in the data source settings)`
	if res.Error == nil || !strings.Contains(res.Error.Error(), want) || res.ErrorSource != backend.ErrorSourceDownstream {
		t.Errorf("over the limit: error %v (source %q), want it to say %q", res.Error, res.ErrorSource, want)
	}
}

// TestBucketNoticeAfterPartialRead: a refresh that takes most bins from the bin cache, alone
// or with the range read by pieces, runs only the statements of the range it reads. The
// bucket notice counts those and says the other bins came from the cache; it must not call
// the plan's other statements "not read: the scan stopped early". The bins are a cold
// query's.
func TestBucketNoticeAfterPartialRead(t *testing.T) {
	c := tsClient(t)
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	rows := tsRows(start, 600, 10*time.Minute+3*time.Second, time.Millisecond)
	writeRows(t, c, "cache_by_day",
		`CREATE TABLE `+tsKeyspace+`.cache_by_day (sensor text, day date, t timestamp, v double, PRIMARY KEY ((sensor, day), t))`,
		`INSERT INTO `+tsKeyspace+`.cache_by_day (sensor, day, t, v) VALUES (?, ?, ?, ?)`,
		rows, func(_ int, r tsRow) []any { return []any{r.sensor, r.t.Truncate(24 * time.Hour), r.t, r.v} })
	q := map[string]any{
		"queryType": "builder", "keyspace": tsKeyspace, "table": "cache_by_day", "timeColumn": "t", "valueColumns": []string{"v"},
		"filters":      []map[string]any{{"column": "sensor", "op": "IN", "values": tsSensors}},
		"bucketColumn": "day", "bucketGranularity": "day",
		"aggregations": []string{"sum", "count", "max"}, "interval": "1m", "fill": "none",
	}
	executed := func(res backend.DataResponse) string {
		for _, f := range res.Frames {
			if f.Meta != nil && f.Meta.ExecutedQueryString != "" {
				return f.Meta.ExecutedQueryString
			}
		}
		return ""
	}
	for _, tt := range []struct {
		name  string
		split bool
		// The refresh reads the last 2h05m, inside one day: one statement per sensor, or per
		// sensor and piece.
		wantRefresh string
	}{
		{"refresh", false, `Read 1 day buckets of "day" with 2 statements, at most 2 at once; the other bins from the bin cache`},
		{"refresh read by pieces", true, `Read 1 day buckets of "day" with 4 statements, at most 4 at once; the other bins from the bin cache`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clock := start.Add(3*24*time.Hour + 12*time.Hour)
			warm := New(c, Options{Cache: bincache.New(16 << 20), LateWindow: 5 * time.Minute, Now: func() time.Time { return clock },
				SplitWide: tt.split, MaxConcurrency: 16})
			cold := New(c, Options{})
			for step, d := range []time.Duration{0, 2 * time.Hour, 0} {
				clock = clock.Add(d)
				from, to := clock.Add(-3*24*time.Hour), clock
				res := run(t, warm, dataQuery("A", q, from, to, 200))
				if diff := cmp.Diff(engineBins(t, run(t, cold, dataQuery("A", q, from, to, 200))), engineBins(t, res)); diff != "" {
					t.Fatalf("step %d: bins differ from a cold query (-cold +refresh):\n%s", step, diff)
				}
				n := bucketNoticesOf(res)
				if strings.Contains(n, "not read") {
					t.Errorf("step %d: the notice says statements were not read:\n%s", step, n)
				}
				switch step {
				case 0: // the whole window: 4 days, 2 sensors
					if !strings.Contains(n, `Read 4 day buckets of "day"`) || strings.Contains(n, "bin cache") {
						t.Errorf("first query, notices:\n%s\nwant 4 day buckets read and no bins from the cache", n)
					}
				case 1:
					if !strings.Contains(n, tt.wantRefresh) {
						t.Errorf("refresh, notices:\n%s\nwant one to read %q", n, tt.wantRefresh)
					}
					if tt.split && !strings.Contains(executed(res), "read in 2 pieces, 4 statements") {
						t.Errorf("the refresh was not read by pieces; executed:\n%s", executed(res))
					}
				}
			}
		})
	}
}
