package engine

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
	"github.com/metricsserver/cassandra-datasource/pkg/bincache"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
)

// The bin cache's keyspace: its own, because the test writes late rows while it runs.
const cacheKeyspace = "engine_cache_test"

var (
	cacheNow     = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) // the clock at the first query
	cacheMetrics = []string{"c1", "c2", "c3"}
)

// cacheRow is a timer row: p99 varies, and every 41st row has no p99.
func cacheRow(metric int, ts time.Time) []any {
	i := ts.UnixMilli() / 5000
	var p99 any
	if i%41 != 0 {
		p99 = float32(100 + 50*math.Sin(float64(i)/30) + float64(10*metric) + float64(i%7))
	}
	return []any{cacheMetrics[metric], ts, p99, float32(float64(i%13) + float64(metric)/3)}
}

const cacheInsert = `INSERT INTO engine_cache_test.raw_timer_with_interval (environment, application, metric_name, metric_timestamp, p99, mean) VALUES ('prod', 'api', ?, ?, ?, ?)`

// loadCacheRows writes every 5 s of [from, to) for each metric.
func loadCacheRows(t *testing.T, c *cassandra.Client, from, to time.Time) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for m := range cacheMetrics {
		var batch [][]any
		for ts := from; ts.Before(to); ts = ts.Add(5 * time.Second) {
			batch = append(batch, cacheRow(m, ts))
			if len(batch) == 100 {
				if err := c.ExecBatch(ctx, cacheInsert, batch); err != nil {
					t.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		if len(batch) > 0 {
			if err := c.ExecBatch(ctx, cacheInsert, batch); err != nil {
				t.Fatal(err)
			}
		}
	}
}

var cacheSchemaOnce sync.Once

func cacheClient(t *testing.T) *cassandra.Client {
	t.Helper()
	c := cassandratest.Client(t)
	ctx := context.Background()
	var err error
	cacheSchemaOnce.Do(func() {
		for _, s := range []string{
			`CREATE KEYSPACE IF NOT EXISTS engine_cache_test WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
			`DROP TABLE IF EXISTS engine_cache_test.raw_timer_with_interval`,
			`CREATE TABLE engine_cache_test.raw_timer_with_interval (
				environment text, application text, metric_name text, metric_timestamp timestamp,
				p99 float, mean float, PRIMARY KEY ((environment, application, metric_name), metric_timestamp))`,
		} {
			if err = c.Exec(ctx, s); err != nil {
				return
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// frameData is what a panel shows of the frames: names, labels and every value, without
// the meta (notices and executed CQL differ between a cold query and a refresh on purpose).
func frameData(t *testing.T, res backend.DataResponse) [][]any {
	t.Helper()
	if res.Error != nil {
		t.Fatalf("query failed: %v", res.Error)
	}
	var out [][]any
	for _, f := range res.Frames {
		row := []any{f.Name}
		for _, fld := range f.Fields {
			vals := make([]any, fld.Len())
			for i := range vals {
				v := fld.At(i)
				if p, ok := v.(*float64); ok {
					if p == nil {
						v = nil
					} else {
						v = *p
					}
				}
				vals[i] = v
			}
			row = append(row, fld.Name, fld.Labels.String(), vals)
		}
		out = append(out, row)
	}
	return out
}

var cacheNotice = regexp.MustCompile(`(\d+) bins from cache, (\d+) rows read`)

// cacheUse reads "N bins from cache, M rows read" from the response's notices.
func cacheUse(t *testing.T, res backend.DataResponse) (bins, rows int64) {
	t.Helper()
	for _, f := range res.Frames {
		if f.Meta == nil {
			continue
		}
		for _, n := range f.Meta.Notices {
			if m := cacheNotice.FindStringSubmatch(n.Text); m != nil {
				bins, _ = strconv.ParseInt(m[1], 10, 64)
				rows, _ = strconv.ParseInt(m[2], 10, 64)
				return bins, rows
			}
		}
	}
	t.Fatalf("no bin cache notice in %v", noticesOf(res.Frames))
	return 0, 0
}

func noticesOf(fs data.Frames) []string {
	var out []string
	for _, f := range fs {
		if f.Meta != nil {
			for _, n := range f.Meta.Notices {
				out = append(out, n.Text)
			}
		}
	}
	return out
}

// TestCacheRefreshEqualsColdQuery refreshes panels the way a dashboard does — the range
// moves with the clock, rows arrive, some of them late — and checks every refresh against a
// cold query of the same range on the real Cassandra: the same frames, fewer rows read.
func TestCacheRefreshEqualsColdQuery(t *testing.T) {
	c := cacheClient(t)
	start := cacheNow.Add(-3 * time.Hour)
	loadCacheRows(t, c, start, cacheNow)

	builder := func(interval string, aggs ...string) map[string]any {
		return map[string]any{
			"queryType": "builder", "keyspace": cacheKeyspace, "table": "raw_timer_with_interval",
			"timeColumn": "metric_timestamp", "valueColumns": []string{"p99", "mean"},
			"filters": []map[string]any{
				{"column": "environment", "op": "=", "values": []string{"prod"}},
				{"column": "application", "op": "=", "values": []string{"api"}},
				{"column": "metric_name", "op": "IN", "values": cacheMetrics},
			},
			"aggregations": aggs, "interval": interval, "fill": "null",
		}
	}
	raw := map[string]any{
		"queryType": "cql", "format": "time_series", "binning": true, "interval": "1m",
		"aggregations": []string{"avg", "p95", "max", "last"},
		"rawCql": `SELECT metric_name, metric_timestamp, p99, mean FROM engine_cache_test.raw_timer_with_interval
			WHERE environment = 'prod' AND application = 'api' AND metric_name IN ('c1', 'c2', 'c3') AND $__timeFilter(metric_timestamp)`,
	}
	panels := []struct {
		name string
		q    map[string]any
	}{
		{"builder, 1m, every aggregation", builder("1m", "avg", "min", "max", "sum", "count", "first", "last", "stddev", "p50", "p99")},
		{"builder, auto interval, seed defaults", builder("auto")},
		{"raw CQL with $__timeFilter", raw},
	}

	for _, p := range panels {
		t.Run(p.name, func(t *testing.T) {
			now := cacheNow
			cache := bincache.New(64 << 20)
			// Split reads too: each piece of a range ends on a bin edge, so nothing changes.
			warm := New(c, Options{Cache: cache, LateWindow: 5 * time.Minute, Now: func() time.Time { return now }, SplitWide: true})
			cold := New(c, Options{})
			window := 2 * time.Hour
			query := func(e *Engine) backend.DataResponse {
				return run(t, e, dataQuery("A", p.q, now.Add(-window), now, 200))
			}

			first := query(warm)
			if diff := cmp.Diff(frameData(t, query(cold)), frameData(t, first)); diff != "" {
				t.Fatalf("first query through the cache differs from a cold query (-cold +cached):\n%s", diff)
			}
			if bins, _ := cacheUse(t, first); bins != 0 {
				t.Fatalf("first query took %d bins from an empty cache", bins)
			}

			// Each step: the clock moves, new rows arrive up to the clock, and a row arrives late
			// inside the late-data window (2 min old, into a bin that is not closed yet).
			steps := []time.Duration{10 * time.Second, 20 * time.Second, 70 * time.Second, 3 * time.Minute, 10 * time.Second}
			for i, d := range steps {
				prev := now
				now = now.Add(d)
				loadCacheRows(t, c, prev, now)
				late := now.Add(-2*time.Minute + 2500*time.Millisecond) // between two 5 s rows
				ctx := context.Background()
				if err := c.Exec(ctx, cacheInsert, cacheMetrics[i%3], late, float32(1000+i), float32(-1)); err != nil {
					t.Fatal(err)
				}

				warmRes := query(warm)
				coldRes := query(cold)
				if diff := cmp.Diff(frameData(t, coldRes), frameData(t, warmRes)); diff != "" {
					t.Fatalf("step %d (range moved %v to %s): refresh differs from a cold query (-cold +refresh):\n%s", i, d, now.Format(time.TimeOnly), diff)
				}
				bins, rowsRead := cacheUse(t, warmRes)
				coldRows := totalRows(t, coldRes)
				if bins == 0 || rowsRead*10 > coldRows {
					t.Errorf("step %d: %d bins from cache and %d rows read, against %d rows for a cold query: want most bins from the cache",
						i, bins, rowsRead, coldRows)
				}
			}
			if st := cache.Stats(); st.Hits != int64(len(steps)) || st.Misses != 1 || st.Bytes <= 0 || st.Bytes > st.MaxBytes {
				t.Errorf("cache stats %+v: want %d hits, 1 miss, bytes within the bound", st, len(steps))
			}
		})
	}
}

// totalRows reads the rows of a query that did not use the cache from its notice.
func totalRows(t *testing.T, res backend.DataResponse) int64 {
	t.Helper()
	re := regexp.MustCompile(`(\d+) rows read`)
	for _, n := range noticesOf(res.Frames) {
		if m := re.FindStringSubmatch(n); m != nil {
			v, _ := strconv.ParseInt(m[1], 10, 64)
			return v
		}
	}
	t.Fatalf("no rows read notice in %v", noticesOf(res.Frames))
	return 0
}

// TestCacheRefreshKeepsSeriesWithOnlyNulls: a series whose only rows inside the cached bins
// have no value at all (p99 and mean null) is shown by a cold query, with null values; a
// refresh that takes those bins from the cache must show it too, and drop it once its rows
// have left the window.
func TestCacheRefreshKeepsSeriesWithOnlyNulls(t *testing.T) {
	c := cacheClient(t)
	ctx := context.Background()
	now := cacheNow.Add(30 * 24 * time.Hour) // away from the other tests' rows
	insert := `INSERT INTO engine_cache_test.raw_timer_with_interval (environment, application, metric_name, metric_timestamp, p99, mean) VALUES ('nulls', 'api', ?, ?, ?, ?)`
	var vals, nulls [][]any
	for ts := now.Add(-3 * time.Hour); ts.Before(now.Add(10 * time.Minute)); ts = ts.Add(10 * time.Second) {
		vals = append(vals, []any{"with_values", ts, float32(ts.Unix() % 97), float32(ts.Unix() % 13)})
		// Rows only in the older part of the window, every measured column null.
		if ts.After(now.Add(-100*time.Minute)) && ts.Before(now.Add(-80*time.Minute)) {
			nulls = append(nulls, []any{"only_nulls", ts, nil, nil})
		}
	}
	for _, batch := range [][][]any{vals, nulls} {
		for len(batch) > 0 {
			n := min(len(batch), 100)
			if err := c.ExecBatch(ctx, insert, batch[:n]); err != nil {
				t.Fatal(err)
			}
			batch = batch[n:]
		}
	}
	builder := map[string]any{
		"queryType": "builder", "keyspace": cacheKeyspace, "table": "raw_timer_with_interval",
		"timeColumn": "metric_timestamp", "valueColumns": []string{"p99", "mean"},
		"filters": []map[string]any{
			{"column": "environment", "op": "=", "values": []string{"nulls"}},
			{"column": "application", "op": "=", "values": []string{"api"}},
			{"column": "metric_name", "op": "IN", "values": []string{"with_values", "only_nulls"}},
		},
		"aggregations": []string{"avg", "max", "p95"}, "interval": "1m", "fill": "null",
	}
	raw := map[string]any{
		"queryType": "cql", "format": "time_series", "binning": true, "interval": "1m",
		"aggregations": []string{"avg", "last"},
		"rawCql": `SELECT metric_name, metric_timestamp, p99, mean FROM engine_cache_test.raw_timer_with_interval
			WHERE environment = 'nulls' AND application = 'api' AND metric_name IN ('with_values', 'only_nulls') AND $__timeFilter(metric_timestamp)`,
	}
	for _, p := range []struct {
		name string
		q    map[string]any
	}{{"builder", builder}, {"raw CQL", raw}} {
		t.Run(p.name, func(t *testing.T) {
			clock := now
			warm := New(c, Options{Cache: bincache.New(16 << 20), LateWindow: time.Minute, Now: func() time.Time { return clock }, SplitWide: true})
			cold := New(c, Options{})
			// Each step moves the window on; in the last the null rows have left it.
			for i, d := range []time.Duration{0, 10 * time.Second, 70 * time.Second, 40 * time.Minute} {
				clock = clock.Add(d)
				from, to := clock.Add(-2*time.Hour), clock
				coldRes := run(t, cold, dataQuery("A", p.q, from, to, 200))
				warmRes := run(t, warm, dataQuery("A", p.q, from, to, 200))
				coldFrames := frameData(t, coldRes)
				if diff := cmp.Diff(coldFrames, frameData(t, warmRes)); diff != "" {
					t.Fatalf("step %d: refresh differs from a cold query (-cold +refresh):\n%s", i, diff)
				}
				wantNulls := i < 3
				if got := strings.Contains(fmt.Sprint(coldFrames), "only_nulls"); got != wantNulls {
					t.Fatalf("step %d: cold query shows the series of nulls: %v, want %v", i, got, wantNulls)
				}
				if bins, _ := cacheUse(t, warmRes); (bins > 0) != (i > 0) {
					t.Errorf("step %d: %d bins from the cache", i, bins)
				}
			}
		})
	}
}

// TestCacheOptOut: cache false in the query reads the whole range every time, and the cache
// is neither read nor written.
func TestCacheOptOut(t *testing.T) {
	c := cacheClient(t)
	loadCacheRows(t, c, cacheNow.Add(-3*time.Hour), cacheNow)
	cache := bincache.New(64 << 20)
	now := cacheNow
	e := New(c, Options{Cache: cache, Now: func() time.Time { return now }})
	q := map[string]any{
		"queryType": "builder", "keyspace": cacheKeyspace, "table": "raw_timer_with_interval",
		"timeColumn": "metric_timestamp", "valueColumns": []string{"p99"}, "interval": "1m", "cache": false,
		"filters": []map[string]any{
			{"column": "environment", "op": "=", "values": []string{"prod"}},
			{"column": "application", "op": "=", "values": []string{"api"}},
			{"column": "metric_name", "op": "=", "values": []string{"c1"}},
		},
	}
	for i := 0; i < 2; i++ {
		res := run(t, e, dataQuery("A", q, now.Add(-time.Hour), now, 100))
		want := totalRows(t, run(t, New(c, Options{}), dataQuery("A", q, now.Add(-time.Hour), now, 100)))
		if rows := totalRows(t, res); rows != want || rows < 700 {
			t.Errorf("query %d read %d rows, want the hour's %d", i, rows, want)
		}
		for _, n := range noticesOf(res.Frames) {
			if cacheNotice.MatchString(n) {
				t.Errorf("query %d with cache false has a cache notice: %q", i, n)
			}
		}
		now = now.Add(10 * time.Second)
	}
	if st := cache.Stats(); st.Entries != 0 || st.Hits+st.Misses != 0 {
		t.Errorf("cache false used the cache: %+v", st)
	}
}

// TestRawTimeColumn lists which raw CQL can be read by parts of its range.
func TestRawTimeColumn(t *testing.T) {
	tests := []struct {
		cql  string
		col  string
		want bool
	}{
		{`SELECT ts, v FROM t WHERE k = 1 AND $__timeFilter(ts)`, "ts", true},
		{`SELECT "Time", v FROM t WHERE k = 1 AND $__timeFilter("Time")`, "Time", true},
		{`SELECT TS, v FROM t WHERE k = 1 AND $__timeFilter(TS) AND v > $__interval_ms`, "ts", true},
		{`SELECT ts, v FROM t WHERE k = 1 AND ts >= $__timeFrom AND ts < $__timeTo`, "", false},
		{`SELECT ts, v FROM t WHERE k = 1 AND $__timeFilter(ts) LIMIT 10`, "", false},
		{`SELECT ts, max(v) FROM t WHERE k = 1 AND $__timeFilter(ts) GROUP BY k`, "", false},
		{`SELECT ts, count(*) FROM t WHERE k = 1 AND $__timeFilter(ts)`, "", false},
		{`SELECT ts, v FROM t WHERE $__timeFilter(ts) AND $__timeFilter(ts)`, "", false},
		{`SELECT ts, v FROM t WHERE k = '$__timeFrom' AND $__timeFilter(ts)`, "ts", true}, // a string, not a macro
		{`SELECT ts, v FROM t WHERE k = 1`, "", false},
		{`SELECT ts, v FROM t WHERE k = 1 AND $__timeFilter_ms(ts)`, "ts", true},
		{`SELECT id, v FROM t WHERE k = 1 AND $__timeuuidFilter(id)`, "id", true},
		{`SELECT ts, v FROM t WHERE k = 1 AND ts < $__timeTo_ms AND $__timeFilter_ms(ts)`, "", false},
	}
	for _, tt := range tests {
		col, ok := rawTimeColumn(tt.cql)
		if col != tt.col || ok != tt.want {
			t.Errorf("rawTimeColumn(%s) = %q, %v; want %q, %v", tt.cql, col, ok, tt.col, tt.want)
		}
	}
}

func ExampleNewCache() {
	s, _ := cassandra.LoadSettings([]byte(`{"hosts": ["127.0.0.1"], "binCacheMiB": 64}`), nil)
	fmt.Println(NewCache(s).Stats().MaxBytes >> 20)
	s.DisableBinCache = true
	fmt.Println(NewCache(s) == nil)
	// Output:
	// 64
	// true
}
