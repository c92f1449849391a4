package engine

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"
)

// BenchmarkBudgetPeakMemory runs binned queries of 100k bins per series against an in-memory
// result and reports the peak heap while each runs, against the 256 MiB default budget:
// 20 series fit (about 11 MiB each, bins and results), 60 series are refused part way, and
// the 30 series x 7 columns x 14 aggregations is refused before any bins exist.
func BenchmarkBudgetPeakMemory(b *testing.B) {
	cases := []struct {
		name           string
		series, values int
		aggs           []string
		wantErr        bool
	}{
		{"20 series avg fits", 20, 1, []string{"avg"}, false},
		{"60 series avg refused", 60, 1, []string{"avg"}, true},
		{"30 series 7x14 refused", 30, 7, allAggs, true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var peak uint64
			for i := 0; i < b.N; i++ {
				e := fakeEngine(Options{}, func(string) rows {
					r, _ := seriesRows(c.series, 3, time.Second, c.values)
					return r
				})
				q := rawQuery("A", "SELECT * FROM ks.t", map[string]any{"binning": true, "interval": "1s", "aggregations": c.aggs}, budgetFrom, budgetFrom.Add(100_000*time.Second))
				runtime.GC()
				var base runtime.MemStats
				runtime.ReadMemStats(&base)
				stop := make(chan struct{})
				var wg sync.WaitGroup
				wg.Add(1)
				var max uint64
				go func() {
					defer wg.Done()
					var m runtime.MemStats
					for {
						runtime.ReadMemStats(&m)
						if m.HeapAlloc > max {
							max = m.HeapAlloc
						}
						select {
						case <-stop:
							return
						case <-time.After(time.Millisecond):
						}
					}
				}()
				res := e.Run(context.Background(), q)
				close(stop)
				wg.Wait()
				if (res.Error != nil) != c.wantErr {
					b.Fatalf("error %v, want error %v", res.Error, c.wantErr)
				}
				if max > base.HeapAlloc && max-base.HeapAlloc > peak {
					peak = max - base.HeapAlloc
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
		})
	}
}
