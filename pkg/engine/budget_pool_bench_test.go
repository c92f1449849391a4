package engine

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// BenchmarkProcessBudget runs 12 concurrent requests of one binned query each (3 series x
// 86,400 bins, about 28 MiB of bins and results, within the 64 MiB query budget) against a
// process budget of 64 MiB, as the 12 concurrent requests, and reports the most the
// pool held, with how many queries were answered and refused (refused ones waited for others
// to finish, up to the default wait, or found every other query waiting too).
func BenchmarkProcessBudget(b *testing.B) {
	var peak int64
	answered, refused := 0, 0
	for i := 0; i < b.N; i++ {
		pool := newMemPool(DefaultMemoryWait)
		opts := Options{MaxQueryMemory: 64 * mib, MaxProcessMemory: 64 * mib, pool: pool}
		q := rawQuery("A", "SELECT * FROM ks.t", map[string]any{"binning": true, "interval": "1s", "aggregations": []string{"avg"}}, budgetFrom, budgetFrom.Add(24*time.Hour))
		var wg sync.WaitGroup
		var mu sync.Mutex
		for range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e := fakeEngine(opts, func(string) rows { r, _ := seriesRows(3, 50, time.Second, 1); return r })
				res := e.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{q}})
				mu.Lock()
				defer mu.Unlock()
				if res.Responses["A"].Error == nil {
					answered++
				} else {
					refused++
				}
			}()
		}
		wg.Wait()
		used, p, _ := pool.stats()
		if used != 0 {
			b.Fatalf("the pool holds %d bytes after every query ended", used)
		}
		peak = max(peak, p)
	}
	b.ReportMetric(float64(peak)/mib, "peak-reserved-MiB")
	b.ReportMetric(float64(answered)/float64(b.N), "answered/op")
	b.ReportMetric(float64(refused)/float64(b.N), "refused/op")
}
