package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/seed"
)

// The size tests need more rows than the largest size in their windows: a report every
// second for 3 h, in a keyspace of their own.
const sizeKeyspace = "metric_data_server_size_test"

var (
	sizeEnd  = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	sizeData = seed.Options{
		Keyspace: sizeKeyspace, Span: 3 * time.Hour, End: sizeEnd, Step: time.Second,
		Environments: 1, Applications: 1, Metrics: 1, Seed: 7, Tables: []string{seed.CounterWithInterval},
	}
	sizeOnce sync.Once
	sizeErr  error
)

func sizeSettings(t *testing.T) cassandra.Settings {
	t.Helper()
	s, err := cassandra.LoadSettings(cassandratest.JSONData(t, map[string]any{"keyspace": sizeKeyspace}), nil)
	if err != nil {
		t.Fatal(err)
	}
	sizeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		c, err := cassandra.Connect(ctx, s)
		if err != nil {
			sizeErr = err
			return
		}
		defer c.Close()
		if sizeErr = seed.CreateSchema(ctx, c, seed.SchemaOptions{Keyspace: sizeKeyspace}); sizeErr != nil {
			return
		}
		_, sizeErr = seed.Generate(ctx, c, sizeData)
	})
	if sizeErr != nil {
		t.Fatalf("loading the size test data: %v", sizeErr)
	}
	return s
}

// storedRows reads the partition's rows in [from, to) straight from Cassandra as answer rows
// [time, count, interval_count].
func storedRows(t *testing.T, c *cassandra.Client, from, to time.Time) [][]any {
	t.Helper()
	env, app, metric := seed.Environments(1)[0], seed.Applications(1)[0], seed.MetricNames(1)[0]
	rows := c.Query(context.Background(), "SELECT metric_timestamp, count, previous_count FROM "+sizeKeyspace+"."+seed.CounterWithInterval+
		" WHERE environment = ? AND application = ? AND metric_name = ? AND metric_timestamp >= ? AND metric_timestamp < ?",
		[]any{env, app, metric, from, to}, cassandra.QueryOptions{})
	var out [][]any
	var ts time.Time
	var count, prev int64
	for rows.Next(&ts, &count, &prev) {
		out = append(out, []any{isoTime(ts), float64(count), float64(count - prev)})
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

func sizeURL(base string, from, to time.Time, size int) string {
	env, app, metric := seed.Environments(1)[0], seed.Applications(1)[0], seed.MetricNames(1)[0]
	return fmt.Sprintf("%s/api/v1/environments/%s/applications/%s/metrics/%s/%s?%s", base, env, app, seed.CounterWithInterval, metric,
		url.Values{"columns": {"count,interval_count"}, "size": {fmt.Sprint(size)},
			"start_timestamp": {from.Format(time.RFC3339Nano)}, "end_timestamp": {to.Format(time.RFC3339Nano)}}.Encode())
}

func sizeRows(t *testing.T, u string) [][]any {
	t.Helper()
	r := get(t, u)
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var got seriesAnswer
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	return got.Data.Rows
}

// TestDataRouteSize asks for 500, 1000 and 1500 rows over windows that are not a whole number
// of buckets and holding more rows than that: the answer has ceil(window / width) rows, plus
// at most one for the alignment to the epoch, with width = floor(window seconds / size).
func TestDataRouteSize(t *testing.T) {
	ts := newTestServerWith(t, sizeSettings(t), Options{Now: func() time.Time { return sizeEnd }})
	c := cassandratest.Client(t)
	windows := []struct{ from, to time.Time }{
		// 7993 s, starting 17.3 s past the minute.
		{sizeEnd.Add(-2*time.Hour - 13*time.Minute - 30*time.Second), sizeEnd.Add(-17*time.Second - 300*time.Millisecond)},
		// 9101.7 s.
		{sizeEnd.Add(-2*time.Hour - 45*time.Minute), sizeEnd.Add(-2*time.Hour - 45*time.Minute + 9101700*time.Millisecond)},
	}
	for _, size := range []int{500, 1000, 1500} {
		for _, win := range windows {
			window := win.to.Sub(win.from)
			t.Run(fmt.Sprintf("size %d over %s", size, window), func(t *testing.T) {
				width := time.Duration(int64(window.Seconds())/int64(size)) * time.Second
				if window%width == 0 {
					t.Fatalf("the window %s is a whole number of %s buckets: choose another", window, width)
				}
				if stored := len(storedRows(t, c, win.from, win.to)); stored <= size {
					t.Fatalf("the window holds %d rows, not more than %d: the data does not cover it", stored, size)
				}
				want := int((window + width - 1) / width)
				rows := sizeRows(t, sizeURL(ts.URL, win.from, win.to, size))
				if len(rows) < want || len(rows) > want+1 {
					t.Fatalf("%d rows, want ceil(%s / %s) = %d (+1 at most)", len(rows), window, width, want)
				}
				if len(rows) < size*9/10 {
					t.Fatalf("%d rows, fewer than 90%% of %d", len(rows), size)
				}
				// Buckets start on multiples of the width from the epoch, one after the other,
				// the first holding the window's start.
				for i, row := range rows {
					at, err := time.Parse(time.RFC3339Nano, row[0].(string))
					if err != nil {
						t.Fatal(err)
					}
					if at.UnixMilli()%width.Milliseconds() != 0 {
						t.Fatalf("row %d at %s is not on a multiple of %s", i, at, width)
					}
					if i == 0 && (at.After(win.from) || !at.Add(width).After(win.from)) {
						t.Fatalf("first bucket %s does not hold the window's start %s", at, win.from)
					}
					if i > 0 {
						prev, _ := time.Parse(time.RFC3339Nano, rows[i-1][0].(string))
						if at.Sub(prev) != width {
							t.Fatalf("rows %d and %d are %s apart, want %s", i-1, i, at.Sub(prev), width)
						}
					}
					if row[1] == nil {
						t.Fatalf("row %d (%s) is empty, but the data covers the window", i, row[0])
					}
				}
			})
		}
	}
}

// A window holding size rows or fewer answers the rows as stored; one row more and it is
// resampled.
func TestDataRouteSizeRawRows(t *testing.T) {
	ts := newTestServerWith(t, sizeSettings(t), Options{Now: func() time.Time { return sizeEnd }})
	c := cassandratest.Client(t)
	from, to := sizeEnd.Add(-time.Hour-7*time.Minute-500*time.Millisecond), sizeEnd.Add(-time.Hour)
	stored := storedRows(t, c, from, to)
	n := len(stored)
	if n < 100 {
		t.Fatalf("the window holds only %d rows", n)
	}
	for _, size := range []int{n, n + 1, 1000} {
		rows := sizeRows(t, sizeURL(ts.URL, from, to, size))
		if diff := cmp.Diff(stored, rows); diff != "" {
			t.Fatalf("size %d over %d rows: want the stored rows (-want +got):\n%s", size, n, diff)
		}
	}
	// One row fewer than the window holds: buckets of floor(420.5 / (n-1)) s, at least 1 s.
	size := n - 1
	width := max(time.Second, time.Duration(int64(to.Sub(from).Seconds())/int64(size))*time.Second)
	want := int((to.Sub(from) + width - 1) / width)
	rows := sizeRows(t, sizeURL(ts.URL, from, to, size))
	if len(rows) < want || len(rows) > want+1 {
		t.Fatalf("size %d over %d rows: %d rows, want %d buckets of %s (+1 at most)", size, n, len(rows), want, width)
	}
	if at, _ := time.Parse(time.RFC3339Nano, rows[0][0].(string)); at.UnixMilli()%width.Milliseconds() != 0 {
		t.Fatalf("size %d: first row %s is not a bucket start", size, rows[0][0])
	}
}

func TestSeedBuckets(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		window  time.Duration
		size    int
		want    time.Duration
		wantErr string
	}{
		{"floor of the division", 7993 * time.Second, 1000, 7 * time.Second, ""},
		{"at least a second", 10 * time.Second, 1000, time.Second, ""},
		{"fractions of a second do not count", 1999900 * time.Millisecond, 1000, time.Second, ""},
		{"a day at the default size", 24 * time.Hour, DefaultSize, 86 * time.Second, ""},
		{"near the bin limit", 100000 * time.Second, MaxSize, time.Second, ""},
		{"over the bin limit", 199999 * time.Second, MaxSize, 0, "buckets"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := seedBuckets(dataParams{from: at, to: at.Add(tc.window), size: tc.size})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one about %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %s, %v; want %s", got, err, tc.want)
			}
		})
	}
}
