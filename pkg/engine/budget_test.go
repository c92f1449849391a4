package engine

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
)

var budgetFrom = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// seriesRows is a result of (series text, ts timestamp, v1..vN double) with one row per series
// and step, made as it is read. reads counts the rows handed out.
func seriesRows(series, steps int, step time.Duration, values int) (*fakeRows, *int) {
	cols := []cassandra.ColumnInfo{col("series", gocql.TypeText), col("ts", gocql.TypeTimestamp)}
	for i := 0; i < values; i++ {
		cols = append(cols, col(fmt.Sprintf("v%d", i), gocql.TypeDouble))
	}
	reads := 0
	r := &fakeRows{cols: cols}
	r.next = func(dest []any) bool {
		if reads >= series*steps {
			return false
		}
		s, i := reads%series, reads/series
		name := fmt.Sprintf("s%03d", s)
		*dest[0].(**string) = &name
		*dest[1].(*time.Time) = budgetFrom.Add(time.Duration(i) * step)
		for j := 2; j < len(dest); j++ {
			v := float64(reads + j)
			*dest[j].(**float64) = &v
		}
		reads++
		return true
	}
	return r, &reads
}

var allAggs = []string{"avg", "min", "max", "sum", "count", "first", "last", "stddev", "p50", "p75", "p90", "p95", "p99", "p999"}

// The budget bounds series x bins x aggregations with an error that names what to reduce:
// checked before any bins exist for one series that cannot fit, and as series and
// percentile sketches appear.
func TestMemoryBudget(t *testing.T) {
	tests := []struct {
		name      string
		budget    int64
		series    int
		steps     int
		values    int
		aggs      []string
		span      time.Duration
		interval  string
		want      []string // in the error; none means success
		wantReads int      // -1: any
	}{
		{
			// The figures: 100k bins x 7 columns x 14 aggregations is 67 MB of bins
			// per series before its results; refused before a row is read.
			name: "one series over the default budget", series: 30, steps: 10, values: 7, aggs: allAggs,
			span: 100_000 * time.Second, interval: "1s",
			want:      []string{"one series needs", "100000 bins x 98 aggregations over 7 value columns", "budget of 256.0 MiB", "fewer bins", "fewer aggregations or value columns"},
			wantReads: 0,
		},
		{
			name: "series beyond the budget", budget: 64 << 20, series: 40, steps: 2, values: 1, aggs: []string{"avg"},
			span: 24 * time.Hour, interval: "1s",
			want:      []string{"memory budget of 64.0 MiB at 7 series", "86400 bins x 1 aggregations", "fewer series"},
			wantReads: 7, // six series fit; the seventh row's series is refused before its bins are made
		},
		{
			name: "percentile sketches beyond the budget", budget: 8 << 20, series: 1, steps: 20_000, values: 1, aggs: []string{"p99"},
			span: 20_000 * time.Second, interval: "1s",
			want:      []string{"percentile sketches of 1 series", "fewer percentiles"},
			wantReads: -1,
		},
		{
			name: "within the budget", budget: 64 << 20, series: 5, steps: 100, values: 2, aggs: []string{"avg", "p99"},
			span: time.Hour, interval: "1s", wantReads: 500,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var reads *int
			e := fakeEngine(Options{MaxQueryMemory: tt.budget}, func(string) rows {
				var r *fakeRows
				r, reads = seriesRows(tt.series, tt.steps, time.Second, tt.values)
				return r
			})
			q := rawQuery("A", "SELECT * FROM ks.t", map[string]any{"binning": true, "interval": tt.interval, "aggregations": tt.aggs}, budgetFrom, budgetFrom.Add(tt.span))
			res := e.Run(context.Background(), q)
			if len(tt.want) == 0 {
				if res.Error != nil {
					t.Fatalf("query failed: %v", res.Error)
				}
				if n := len(joinSeries(res.Frames)); n != tt.series {
					t.Errorf("%d series, want %d", n, tt.series)
				}
			} else {
				if res.Error == nil {
					t.Fatalf("query answered %d frames, want an error", len(res.Frames))
				}
				for _, w := range tt.want {
					if !strings.Contains(res.Error.Error(), w) {
						t.Errorf("error %q does not contain %q", res.Error, w)
					}
				}
			}
			if tt.wantReads >= 0 && *reads != tt.wantReads {
				t.Errorf("read %d rows, want %d", *reads, tt.wantReads)
			}
		})
	}
}

// D1: a window whose 1ms bin count overflows int64 is refused, not binned.
func TestOverflowingBinCountRefused(t *testing.T) {
	for _, w := range []struct {
		from, to int64
		interval string
	}{{-5e18, 5e18, "1ms"}, {-(1<<63 - 1), 1<<63 - 1, "2ms"}} {
		r, reads := seriesRows(1, 1, time.Second, 1)
		e := fakeEngine(Options{}, func(string) rows { return r })
		q := rawQuery("A", "SELECT * FROM ks.t", map[string]any{"binning": true, "interval": w.interval}, time.UnixMilli(w.from), time.UnixMilli(w.to))
		res := e.Run(context.Background(), q)
		if res.Error == nil || !strings.Contains(res.Error.Error(), "widen the interval") {
			t.Errorf("%d..%d at %s: error %v, want a refusal naming the interval", w.from, w.to, w.interval, res.Error)
		}
		if *reads != 0 || !r.closed {
			t.Errorf("%d..%d: read %d rows, closed %v; want none read and the result closed", w.from, w.to, *reads, r.closed)
		}
	}
}

// The budget comes from the data source's maxQueryMemoryMiB setting, 256 MiB when unset.
func TestBudgetSetting(t *testing.T) {
	for _, tt := range []struct {
		json string
		want int64
	}{
		{`{"hosts": "h"}`, 256 << 20},
		{`{"hosts": "h", "maxQueryMemoryMiB": 64}`, 64 << 20},
		{`{"hosts": "h", "maxQueryMemoryMiB": "1024"}`, 1 << 30},
	} {
		s, err := cassandra.LoadSettings([]byte(tt.json), nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.json, err)
		}
		if got := OptionsFrom(s).MaxQueryMemory; got != tt.want {
			t.Errorf("%s: MaxQueryMemory = %d, want %d", tt.json, got, tt.want)
		}
	}
	if _, err := cassandra.LoadSettings([]byte(`{"hosts": "h", "maxQueryMemoryMiB": -1}`), nil); err == nil || !strings.Contains(err.Error(), "maxQueryMemoryMiB") {
		t.Errorf("a negative budget gave %v, want an error naming maxQueryMemoryMiB", err)
	}
}

// valueRows is one series of bins 1s wide from budgetFrom, perBin rows each, with the values
// value gives (r is seeded, so both shapes see the same sequence of draws).
func valueRows(bins, perBin int, value func(r *rand.Rand) float64) *fakeRows {
	cols := []cassandra.ColumnInfo{col("series", gocql.TypeText), col("ts", gocql.TypeTimestamp), col("v0", gocql.TypeDouble)}
	r := rand.New(rand.NewPCG(11, 12))
	name := "s"
	reads := 0
	return &fakeRows{cols: cols, next: func(dest []any) bool {
		if reads >= bins*perBin {
			return false
		}
		bin, k := reads/perBin, reads%perBin
		*dest[0].(**string) = &name
		*dest[1].(*time.Time) = budgetFrom.Add(time.Duration(bin)*time.Second + time.Duration(k)*time.Millisecond)
		v := value(r)
		*dest[2].(**float64) = &v
		reads++
		return true
	}}
}

// Issue 19, finding 7: a percentile sketch is charged what it holds, not a fixed 1 KiB. The
// finding's query (1,000 bins of 1,000 values spread over 80 decades, about 10 KB a sketch) is
// refused under a 2 MiB budget; the same shape with values within a few percent of each other
// (a fraction of a KB a sketch) still fits. Charged 1 KiB a sketch, both fit.
func TestSketchBudgetFollowsValues(t *testing.T) {
	const bins, perBin = 1000, 1000
	for _, tt := range []struct {
		name  string
		value func(r *rand.Rand) float64
		want  string // in the error; empty means success
	}{
		{"values over 80 decades", func(r *rand.Rand) float64 { return math.Pow(10, r.Float64()*80-40) }, "percentile sketches of 1 series reached the query memory budget of 2.0 MiB"},
		{"values within 5%", func(r *rand.Rand) float64 { return 100 + 5*r.Float64() }, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := fakeEngine(Options{MaxQueryMemory: 2 << 20}, func(string) rows { return valueRows(bins, perBin, tt.value) })
			q := rawQuery("A", "SELECT * FROM ks.t", map[string]any{"binning": true, "interval": "1s", "aggregations": []string{"p50", "p99"}}, budgetFrom, budgetFrom.Add(bins*time.Second))
			res := e.Run(context.Background(), q)
			switch {
			case tt.want == "" && res.Error != nil:
				t.Fatalf("query failed: %v", res.Error)
			case tt.want != "" && res.Error == nil:
				t.Fatalf("query answered %d frames under the 2 MiB budget, want a refusal", len(res.Frames))
			case tt.want != "" && !strings.Contains(res.Error.Error(), tt.want):
				t.Errorf("error %q does not contain %q", res.Error, tt.want)
			}
		})
	}
}
