package server

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/seed"
)

func TestCatalogRoutes(t *testing.T) {
	ts := newTestServer(t, Options{})
	for _, path := range []string{"/api/v1/environments/", "/api/v1/environments"} {
		r := get(t, ts.URL+path)
		if r.status != http.StatusOK || string(r.body) != `{"data":{"environments":["prod","staging"]}}`+"\n" {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
	}
	r := get(t, ts.URL+"/api/v1/environments/prod/applications")
	if r.status != http.StatusOK || string(r.body) != `{"data":{"environment":"prod","applications":["checkout","search"]}}`+"\n" {
		t.Fatalf("applications: %d %s", r.status, r.body)
	}
	r = get(t, ts.URL+"/api/v1/environments/nowhere/applications")
	if r.status != http.StatusNotFound || !strings.Contains(r.errorText(t), `"nowhere"`) {
		t.Fatalf("unknown environment: %d %s", r.status, r.body)
	}

	var appList struct {
		Data struct {
			Environment string          `json:"environment"`
			Application string          `json:"application"`
			Metrics     []appMetricJSON `json:"metrics"`
		} `json:"data"`
	}
	r = get(t, ts.URL+"/api/v1/environments/prod/applications/search/metrics")
	if r.status != http.StatusOK {
		t.Fatalf("metrics of an application: %d %s", r.status, r.body)
	}
	if err := json.Unmarshal(r.body, &appList); err != nil {
		t.Fatal(err)
	}
	if appList.Data.Environment != "prod" || appList.Data.Application != "search" {
		t.Fatalf("envelope names another application: %s", r.body)
	}
	// 4 tables x 2 metrics, sorted by table then metric.
	ms := appList.Data.Metrics
	if len(ms) != 8 {
		t.Fatalf("want 8 metrics, got %d: %s", len(ms), r.body)
	}
	for i, m := range ms {
		if i > 0 && (ms[i-1].Table+"/"+ms[i-1].MetricName) >= (m.Table+"/"+m.MetricName) {
			t.Fatalf("not sorted: %+v before %+v", ms[i-1], m)
		}
		if m.LastTimestamp == nil {
			t.Fatalf("no last_timestamp: %+v", m)
		}
		last, err := time.Parse(time.RFC3339Nano, *m.LastTimestamp)
		if err != nil || last.Before(testEnd.Add(-5*time.Second)) || !last.Before(testEnd) {
			t.Fatalf("last_timestamp %s should be the last report before %s", *m.LastTimestamp, testEnd)
		}
		timer := seed.IsTimerTable(m.Table)
		if timer && (m.DurationUnit == nil || *m.DurationUnit != "milliseconds" || m.RateUnit == nil || *m.RateUnit != "events/second") {
			t.Fatalf("timer units: %+v", m)
		}
		if !timer && (m.DurationUnit != nil || m.RateUnit != nil) {
			t.Fatalf("counters have no units: %+v", m)
		}
	}
	// The raw JSON keeps null units for counters, as a key, so clients see every field.
	if !strings.Contains(string(r.body), `"duration_unit":null`) {
		t.Fatalf("want null units in %s", r.body)
	}
	r = get(t, ts.URL+"/api/v1/environments/prod/applications/nothing/metrics")
	if r.status != http.StatusNotFound || !strings.Contains(r.errorText(t), `application "nothing"`) {
		t.Fatalf("unknown application: %d %s", r.status, r.body)
	}
	r = get(t, ts.URL+"/api/v1/environments/nowhere/applications/search/metrics")
	if r.status != http.StatusNotFound || !strings.Contains(r.errorText(t), `environment "nowhere"`) {
		t.Fatalf("unknown environment: %d %s", r.status, r.body)
	}

	var list struct {
		Data struct {
			Metrics []metricJSON `json:"metrics"`
		} `json:"data"`
	}
	r = get(t, ts.URL+"/api/v1/metrics")
	if r.status != http.StatusOK {
		t.Fatalf("all metrics: %d %s", r.status, r.body)
	}
	if err := json.Unmarshal(r.body, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Data.Metrics) != 2*2*2*4 {
		t.Fatalf("want 32 metrics, got %d", len(list.Data.Metrics))
	}
}

func TestCatalogMissingKeyspace(t *testing.T) {
	s := testSettings(t)
	s.Keyspace = "no_such_keyspace_here"
	ts := newTestServerWith(t, s, Options{})
	for _, path := range []string{"/api/v1/metrics", "/api/v1/environments/", "/api/v1/environments/prod/applications",
		"/api/v1/environments/prod/applications/search/metrics/raw_timer/db.query?columns=p95"} {
		r := get(t, ts.URL+path)
		if r.status != http.StatusNotFound || !strings.Contains(r.errorText(t), "no_such_keyspace_here") {
			t.Errorf("%s: want 404 naming the keyspace, got %d %s", path, r.status, r.body)
		}
	}
}

// dataURL is the data route for prod/checkout/http.requests in a table.
func dataURL(base, table string, params url.Values) string {
	return fmt.Sprintf("%s/api/v1/environments/prod/applications/checkout/metrics/%s/http.requests?%s", base, table, params.Encode())
}

type seriesAnswer struct {
	Data struct {
		Environment string   `json:"environment"`
		Application string   `json:"application"`
		Table       string   `json:"table"`
		Metric      string   `json:"metric"`
		Columns     []string `json:"columns"`
		Rows        [][]any  `json:"rows"`
	} `json:"data"`
}

func TestDataRouteMatchesReferenceBinning(t *testing.T) {
	ts := newTestServer(t, Options{})
	c := cassandratest.Client(t)
	for _, tc := range []struct {
		name     string
		table    string
		from, to time.Time
		size     int
		columns  []string
	}{
		{"timer, window not aligned to bins", seed.TimerWithInterval, testEnd.Add(-2*time.Hour + 7*time.Minute + 13*time.Second), testEnd.Add(-17 * time.Minute), 50,
			[]string{"p95", "count", "interval_count", "min", "mean", "one_min_rate"}},
		{"window reaching before the data", seed.TimerWithInterval, testEnd.Add(-3 * time.Hour), testEnd, 40, []string{"max", "median", "mean_rate"}},
		{"counter, fine bins", seed.CounterWithInterval, testEnd.Add(-20 * time.Minute), testEnd.Add(-10 * time.Minute), 50, []string{"interval_count", "count", "previous_count"}},
		{"counter, fewer rows than size: raw rows", seed.CounterWithInterval, testEnd.Add(-20*time.Minute - 3*time.Second), testEnd.Add(-10 * time.Minute), 200, []string{"interval_count", "count", "previous_count"}},
		{"timer, fewer rows than size: raw rows", seed.TimerWithInterval, testEnd.Add(-15 * time.Minute), testEnd, 1000, []string{"p95", "interval_count", "mean"}},
		{"raw counter, one bin", seed.Counter, testEnd.Add(-time.Hour), testEnd, 1, []string{"count", "interval_count"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			params := url.Values{
				"columns":         {strings.Join(tc.columns, ",")},
				"size":            {fmt.Sprint(tc.size)},
				"start_timestamp": {tc.from.Format(time.RFC3339)},
				"end_timestamp":   {tc.to.Format(time.RFC3339)},
			}
			r := get(t, dataURL(ts.URL, tc.table, params))
			if r.status != http.StatusOK {
				t.Fatalf("%d %s", r.status, r.body)
			}
			var got seriesAnswer
			if err := json.Unmarshal(r.body, &got); err != nil {
				t.Fatal(err)
			}
			d := got.Data
			if d.Environment != "prod" || d.Application != "checkout" || d.Table != tc.table || d.Metric != "http.requests" {
				t.Fatalf("identity: %+v", d)
			}
			if diff := cmp.Diff(append([]string{"metric_timestamp"}, tc.columns...), d.Columns); diff != "" {
				t.Fatalf("columns (-want +got):\n%s", diff)
			}
			want := referenceRows(t, c, tc.table, tc.from, tc.to, tc.size, tc.columns)
			if len(d.Rows) != len(want) {
				t.Fatalf("%d rows, want %d (one per bin over the window)", len(d.Rows), len(want))
			}
			nonNull := 0
			for i, row := range d.Rows {
				if row[0] != want[i][0] {
					t.Fatalf("row %d at %v, want %v", i, row[0], want[i][0])
				}
				for j := 1; j < len(row); j++ {
					g, w := row[j], want[i][j]
					if (g == nil) != (w == nil) {
						t.Fatalf("row %d (%v) %s: got %v, want %v", i, row[0], tc.columns[j-1], g, w)
					}
					if g == nil {
						continue
					}
					nonNull++
					gf, wf := g.(float64), w.(float64)
					if math.Abs(gf-wf) > 1e-9*math.Max(1, math.Abs(wf)) {
						t.Fatalf("row %d (%v) %s: got %v, want %v", i, row[0], tc.columns[j-1], gf, wf)
					}
				}
			}
			if nonNull == 0 {
				t.Fatal("no data in the answer: the comparison proves nothing")
			}
		})
	}
}

// referenceRows does by hand what the seed did: when the window holds size rows or fewer,
// those rows; else buckets of floor(window seconds / size) seconds (at least 1 s), here
// aligned to the epoch and covering the window, each measure aggregated the way the
// reporters' model says.
func referenceRows(t *testing.T, c *cassandra.Client, table string, from, to time.Time, size int, columns []string) [][]any {
	t.Helper()
	w := to.Sub(from) / time.Duration(size) / time.Second * time.Second
	if w < time.Second {
		w = time.Second
	}
	agg := map[string]string{
		"count": "max", "previous_count": "max", "interval_count": "sum", "min": "min", "mean": "avg", "mean_rate": "avg",
		"max": "max", "median": "max", "p95": "max", "one_min_rate": "max",
	}

	type acc struct {
		sum, min, max float64
		n             int
	}
	start := from.UnixMilli() / w.Milliseconds() * w.Milliseconds()
	nbins := int((to.UnixMilli() - start + w.Milliseconds() - 1) / w.Milliseconds())
	bins := make([][]acc, nbins)
	for i := range bins {
		bins[i] = make([]acc, len(columns))
	}

	timer := seed.IsTimerTable(table)
	cols := "metric_timestamp, count, previous_count"
	if timer {
		cols += ", min, max, mean, median, p95, mean_rate, one_min_rate"
	}
	rows := c.Query(context.Background(), fmt.Sprintf("SELECT %s FROM %s.%s WHERE environment = 'prod' AND application = 'checkout' AND metric_name = 'http.requests'", cols, testKeyspace, table), nil, cassandra.QueryOptions{})
	var ts time.Time
	var count, prev int64
	var mn, mx, mean, median, p95, meanRate, oneMin float32
	dest := []any{&ts, &count, &prev}
	if timer {
		dest = append(dest, &mn, &mx, &mean, &median, &p95, &meanRate, &oneMin)
	}
	read := 0
	var raw [][]any
	for rows.Next(dest...) {
		read++
		if ts.Before(from) || !ts.Before(to) {
			continue
		}
		vals := map[string]float64{"count": float64(count), "previous_count": float64(prev), "interval_count": float64(count - prev),
			"min": float64(mn), "max": float64(mx), "mean": float64(mean), "median": float64(median), "p95": float64(p95),
			"mean_rate": float64(meanRate), "one_min_rate": float64(oneMin)}
		row := []any{ts.UTC().Format("2006-01-02T15:04:05.999Z07:00")}
		for _, col := range columns {
			row = append(row, vals[col])
		}
		raw = append(raw, row)
		b := int((ts.UnixMilli() - start) / w.Milliseconds())
		for j, col := range columns {
			v := vals[col]
			a := &bins[b][j]
			if a.n == 0 || v < a.min {
				a.min = v
			}
			if a.n == 0 || v > a.max {
				a.max = v
			}
			a.sum += v
			a.n++
		}
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if read == 0 {
		t.Fatal("the partition is empty")
	}
	if len(raw) <= size {
		return raw
	}
	out := make([][]any, nbins)
	for i := range bins {
		row := []any{time.UnixMilli(start + int64(i)*w.Milliseconds()).UTC().Format("2006-01-02T15:04:05.999Z07:00")}
		for j, col := range columns {
			a := bins[i][j]
			if a.n == 0 {
				row = append(row, nil)
				continue
			}
			switch agg[col] {
			case "max":
				row = append(row, a.max)
			case "min":
				row = append(row, a.min)
			case "sum":
				row = append(row, a.sum)
			case "avg":
				row = append(row, a.sum/float64(a.n))
			default:
				t.Fatalf("no reference aggregation for %s", col)
			}
		}
		out[i] = row
	}
	return out
}

func TestDataRouteDefaults(t *testing.T) {
	ts := newTestServer(t, Options{})
	// No window: the last 24 h before now (the test clock is the end of the data); no size:
	// 1000. The 24 h hold 1440 rows (2 h of data every 5 s), more than 1000, so they are
	// resampled in buckets of floor(86400 / 1000) = 86 s from the epoch. 2026-01-14T12:00:00Z
	// is 58 s past a multiple of 86 s, so the first bucket starts at 11:59:02 and there are
	// ceil((86400 + 58) / 86) = 1006 of them.
	r := get(t, dataURL(ts.URL, seed.TimerWithInterval, url.Values{"columns": {"p99"}}))
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var got seriesAnswer
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	rows := got.Data.Rows
	if n := len(rows); n != 1006 {
		t.Fatalf("%d rows, want 1006 buckets of 86 s", n)
	}
	if first := rows[0][0]; first != "2026-01-14T11:59:02Z" {
		t.Fatalf("first bucket %v, want 2026-01-14T11:59:02Z", first)
	}
	// Only the last 2 h have data; the empty buckets before are rows of nulls.
	if rows[0][1] != nil || rows[len(rows)-1][1] == nil {
		t.Fatalf("want nulls before the data and values at the end: %v ... %v", rows[0], rows[len(rows)-1])
	}
	withData := 0
	for _, row := range rows {
		if row[1] != nil {
			withData++
		}
	}

	// Only a start: up to now. Only an end: the 24 h before it.
	r = get(t, dataURL(ts.URL, seed.TimerWithInterval, url.Values{"columns": {"p99"}, "start_timestamp": {"2026-01-15T11:00:00"}, "size": {"60"}}))
	if err := json.Unmarshal(r.body, &got); err != nil || r.status != 200 || len(got.Data.Rows) != 60 || got.Data.Rows[0][0] != "2026-01-15T11:00:00Z" {
		t.Fatalf("start only: %d %.300s", r.status, r.body)
	}
	r = get(t, dataURL(ts.URL, seed.TimerWithInterval, url.Values{"columns": {"p99"}, "end_timestamp": {"2026-01-15T11:00:00Z"}, "size": {"24"}}))
	if err := json.Unmarshal(r.body, &got); err != nil || r.status != 200 || len(got.Data.Rows) != 24 || got.Data.Rows[0][0] != "2026-01-14T11:00:00Z" {
		t.Fatalf("end only: %d %.300s", r.status, r.body)
	}

	// fill=none leaves out the empty buckets and keeps the others.
	r = get(t, dataURL(ts.URL, seed.TimerWithInterval, url.Values{"columns": {"p99"}, "fill": {"none"}}))
	if err := json.Unmarshal(r.body, &got); err != nil || r.status != 200 || len(got.Data.Rows) != withData {
		t.Fatalf("fill=none: want the %d buckets with data, got %d %.300s", withData, r.status, r.body)
	}
	if withData < 80 || withData > 85 {
		t.Fatalf("%d buckets with data, want about 2 h / 86 s", withData)
	}

	// A metric without data in the window answers no rows.
	r = get(t, ts.URL+"/api/v1/environments/prod/applications/checkout/metrics/raw_timer/no.such.metric?columns=p99")
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"rows":[]`) {
		t.Fatalf("unknown metric: %d %s", r.status, r.body)
	}
}

func TestDataRouteBadParameters(t *testing.T) {
	ts := newTestServer(t, Options{})
	good := url.Values{"columns": {"p95"}, "size": {"10"}, "start_timestamp": {"2026-01-15T10:00:00Z"}, "end_timestamp": {"2026-01-15T11:00:00Z"}}
	with := func(k, v string) url.Values {
		p := url.Values{}
		for kk, vv := range good {
			p[kk] = vv
		}
		if v == "<delete>" {
			p.Del(k)
		} else {
			p.Set(k, v)
		}
		return p
	}
	for _, tc := range []struct {
		name   string
		table  string
		params url.Values
		status int
		want   string
	}{
		{"size not a number", seed.TimerWithInterval, with("size", "ten"), 400, "size"},
		{"size zero", seed.TimerWithInterval, with("size", "0"), 400, "size"},
		{"size negative", seed.TimerWithInterval, with("size", "-3"), 400, "size"},
		{"size too big", seed.TimerWithInterval, with("size", "100001"), 400, "size"},
		{"no columns", seed.TimerWithInterval, with("columns", "<delete>"), 400, "columns"},
		{"empty column list", seed.TimerWithInterval, with("columns", " , "), 400, "columns"},
		{"bad start", seed.TimerWithInterval, with("start_timestamp", "yesterday"), 400, "start_timestamp"},
		{"bad end", seed.TimerWithInterval, with("end_timestamp", "2026-01-32T00:00:00Z"), 400, "end_timestamp"},
		{"start after end", seed.TimerWithInterval, with("start_timestamp", "2026-01-15T12:00:00Z"), 400, "before"},
		{"empty window", seed.TimerWithInterval, with("start_timestamp", "2026-01-15T11:00:00Z"), 400, "before"},
		{"bad fill", seed.TimerWithInterval, with("fill", "linear"), 400, "fill"},
		{"unknown table", "raw_gauge", good, 404, `table "raw_gauge"`},
		{"table of another shape", "no_such", good, 404, `"no_such"`},
		{"unknown column", seed.TimerWithInterval, with("columns", "p95,p42"), 404, `column "p42"`},
		{"timer column on a counter table", seed.CounterWithInterval, with("columns", "count,p95"), 404, `column "p95"`},
		{"text column", seed.TimerWithInterval, with("columns", "rate_unit"), 400, "not a measure"},
		{"key column", seed.TimerWithInterval, with("columns", "environment"), 400, "not a measure"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, dataURL(ts.URL, tc.table, tc.params))
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if msg := r.errorText(t); !strings.Contains(msg, tc.want) {
				t.Fatalf("error %q should mention %q", msg, tc.want)
			}
		})
	}
}

func TestDataRouteEscapedNames(t *testing.T) {
	ts := newTestServer(t, Options{})
	// An escaped segment still names the metric; a "/" inside a name arrives as %2F.
	r := get(t, ts.URL+"/api/v1/environments/prod/applications/check%6Fut/metrics/raw_timer/http%2Frequests?columns=p95")
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var got seriesAnswer
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Data.Application != "checkout" || got.Data.Metric != "http/requests" {
		t.Fatalf("names not decoded: %+v", got.Data)
	}
}
