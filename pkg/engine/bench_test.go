package engine

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
)

// benchRows is how many rows BenchmarkBinRows reads: 10 partitions of 100k rows, one per second.
const (
	benchPartitions = 10
	benchPerPart    = 100_000
)

var benchStart = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)

func loadBench(b *testing.B, c *cassandra.Client) {
	ctx := context.Background()
	for _, s := range []string{
		`CREATE KEYSPACE IF NOT EXISTS engine_test WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
		`CREATE TABLE IF NOT EXISTS engine_test.bench (series text, ts timestamp, value double, count bigint, PRIMARY KEY ((series), ts))`,
	} {
		if err := c.Exec(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	// The last row of the last partition marks a complete load.
	var n int64
	rows := c.Query(ctx, `SELECT count(*) FROM engine_test.bench WHERE series = ? AND ts = ?`, []any{fmt.Sprintf("s%02d", benchPartitions-1), benchStart.Add((benchPerPart - 1) * time.Second)}, cassandra.QueryOptions{})
	rows.Next(&n)
	if err := rows.Close(); err != nil {
		b.Fatal(err)
	}
	if n == 1 {
		return
	}
	ins := `INSERT INTO engine_test.bench (series, ts, value, count) VALUES (?, ?, ?, ?)`
	work := make(chan [][]any)
	var wg sync.WaitGroup
	var errOnce sync.Once
	var loadErr error
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range work {
				if err := c.ExecBatch(ctx, ins, batch); err != nil {
					errOnce.Do(func() { loadErr = err })
				}
			}
		}()
	}
	for p := 0; p < benchPartitions; p++ {
		series := fmt.Sprintf("s%02d", p)
		for i := 0; i < benchPerPart; i += 100 {
			batch := make([][]any, 0, 100)
			for j := i; j < i+100; j++ {
				batch = append(batch, []any{series, benchStart.Add(time.Duration(j) * time.Second), float64(j%1000) / 7, int64(j)})
			}
			work <- batch
		}
	}
	close(work)
	wg.Wait()
	if loadErr != nil {
		b.Fatal(loadErr)
	}
}

// BenchmarkBinRows bins 1M rows read from Cassandra into avg and p99 per minute and reports
// rows/s and bytes allocated per row.
func BenchmarkBinRows(b *testing.B) {
	c := cassandratest.Client(b)
	loadBench(b, c)
	series := make([]string, benchPartitions)
	for i := range series {
		series[i] = fmt.Sprintf("s%02d", i)
	}
	q := dataQuery("A", map[string]any{
		"queryType": "builder", "keyspace": "engine_test", "table": "bench", "timeColumn": "ts",
		"valueColumns": []string{"value"}, "aggregations": []string{"avg", "max", "p99"}, "interval": "1m",
		"filters": []map[string]any{{"column": "series", "op": "IN", "values": series}},
	}, benchStart, benchStart.Add(benchPerPart*time.Second), 0)
	e := New(c, Options{MaxConcurrency: 4, PageSize: 5000})
	b.ResetTimer()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	for i := 0; i < b.N; i++ {
		res := e.Run(context.Background(), q)
		if res.Error != nil {
			b.Fatal(res.Error)
		}
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	rows := float64(b.N) * benchPartitions * benchPerPart
	b.ReportMetric(rows/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/rows, "B/row")
}

// BenchmarkBareScan reads the same rows as BenchmarkBinRows with the same parallelism and
// does nothing with them: the floor the engine is measured against.
func BenchmarkBareScan(b *testing.B) {
	c := cassandratest.Client(b)
	loadBench(b, c)
	ctx := context.Background()
	b.ResetTimer()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	for i := 0; i < b.N; i++ {
		sem := make(chan struct{}, 4)
		var wg sync.WaitGroup
		for p := 0; p < benchPartitions; p++ {
			wg.Add(1)
			sem <- struct{}{}
			go func(p int) {
				defer wg.Done()
				defer func() { <-sem }()
				rows := c.Query(ctx, `SELECT "series", "ts", "value" FROM "engine_test"."bench" WHERE "series" = ? AND "ts" >= ? AND "ts" < ?`,
					[]any{fmt.Sprintf("s%02d", p), benchStart, benchStart.Add(benchPerPart * time.Second)}, cassandra.QueryOptions{PageSize: 5000})
				var s string
				var ts time.Time
				var v float64
				for rows.Next(&s, &ts, &v) {
				}
				if err := rows.Close(); err != nil {
					b.Error(err)
				}
			}(p)
		}
		wg.Wait()
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	rows := float64(b.N) * benchPartitions * benchPerPart
	b.ReportMetric(rows/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/rows, "B/row")
}
