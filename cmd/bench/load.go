package main

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// The data: the seed's timer table in its own keyspace, one row every 5 s per series from
// benchStart, values a fixed function of the series and the row number, so every run of
// every machine reads the same rows.
var benchStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

const (
	step       = 5 * time.Second
	benchEnv   = "bench"
	panelHours = 26 // the refresh panel's data: 24 h plus room to move
)

// dataset is a set of series with rows [from, to) of each (row numbers).
type dataset struct {
	name     string
	app      string
	series   []string
	from, to int64
	table    string        // "" means raw_timer_with_interval
	step     time.Duration // between rows; 0 means step
}

func (d dataset) tableName() string {
	if d.table == "" {
		return "raw_timer_with_interval"
	}
	return d.table
}

func (d dataset) rowStep() time.Duration {
	if d.step == 0 {
		return step
	}
	return d.step
}

func seriesNames(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%03d", prefix, i)
	}
	return out
}

// datasets are what the cases read; the 10M ones extend the 1M ones in the same partitions.
func datasets(large bool) []dataset {
	ds := []dataset{
		{"1 series, rows 0-1M", "single", []string{"s000"}, 0, 1_000_000, "", 0},
		{"100 series, rows 0-10k each", "hundred", seriesNames("h", 100), 0, 10_000, "", 0},
		{"10-series panel, 26 h", "panel", seriesNames("p", 10), 0, panelHours * 720, "", 0},
	}
	if large {
		ds = append(ds,
			dataset{"1 series, rows 1M-10M", "single", []string{"s000"}, 1_000_000, 10_000_000, "", 0},
			dataset{"100 series, rows 10k-100k each", "hundred", seriesNames("h", 100), 10_000, 100_000, "", 0})
	}
	return ds
}

func (d dataset) rows() int64 { return int64(len(d.series)) * (d.to - d.from) }

func schemaCQL(ks string, rollups bool) []string {
	// The seed's table, as metrics reporters write it (its partition key all text, as the
	// rollup writer needs).
	timerTable := func(name string) string {
		return fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.%s (
			environment text, application text, metric_name text, metric_timestamp timestamp,
			count bigint, previous_metric_timestamp timestamp, previous_count bigint,
			max float, mean float, min float, std_dev float, median float, p75 float, p95 float, p98 float,
			p99 float, p999 float, mean_rate float, one_min_rate float, five_min_rate float, fifteen_min_rate float,
			rate_unit text, duration_unit text,
			PRIMARY KEY ((environment, application, metric_name), metric_timestamp))`, ks, name)
	}
	stmts := []string{
		fmt.Sprintf(`CREATE KEYSPACE IF NOT EXISTS %s WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`, ks),
		timerTable("raw_timer_with_interval"),
		// Which datasets are complete, so a second run loads nothing.
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.bench_loaded (name text PRIMARY KEY, rows bigint, seconds double)`, ks),
	}
	if rollups {
		// The rollup cases' own tables (rollups.go), so each backfill rolls up only their series.
		for _, t := range rollupTables {
			stmts = append(stmts, timerTable(t))
		}
		// Which backfills are complete, with what they measured.
		stmts = append(stmts, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.bench_rollups (name text PRIMARY KEY, result text)`, ks))
	}
	return stmts
}

// rowValues is row i of series s: p99 and mean wander, count grows.
func rowValues(s string, i int64) (p99, mean float32, count int64) {
	h := float64(len(s)*131 + int(s[len(s)-1])*17)
	p99 = float32(200 + 100*math.Sin(float64(i)/720+h) + float64(i%17))
	mean = float32(50 + 20*math.Cos(float64(i)/360+h) + float64(i%5))
	count = i*7 + int64(h)
	return
}

// load writes the datasets not yet marked complete and reports what it did.
func load(ctx context.Context, s *gocql.Session, ks string, large, rollups bool, logf func(string, ...any)) error {
	for _, q := range schemaCQL(ks, rollups) {
		if err := s.Query(q).ExecContext(ctx); err != nil {
			return fmt.Errorf("create the benchmark schema: %w", err)
		}
	}
	all := datasets(large)
	if rollups {
		all = append(all, rollupDatasets()...)
	}
	for _, whole := range all {
		// Chunks of about 1M rows, each marked when complete: an interrupted load resumes.
		per := max(1, 1_000_000/int64(len(whole.series)))
		for from := whole.from; from < whole.to; from += per {
			d := whole
			d.from, d.to = from, min(from+per, whole.to)
			d.name = fmt.Sprintf("%s [%d-%d)", whole.name, d.from, d.to)
			var rows int64
			err := s.Query(fmt.Sprintf(`SELECT rows FROM %s.bench_loaded WHERE name = ?`, ks), d.name).ScanContext(ctx, &rows)
			if err == nil && rows == d.rows() {
				continue
			}
			if err != nil && err != gocql.ErrNotFound {
				return fmt.Errorf("read what is loaded: %w", err)
			}
			logf("loading %s: %d rows into %s.%s ...", d.name, d.rows(), ks, d.tableName())
			t0 := time.Now()
			if err := loadDataset(ctx, s, ks, d); err != nil {
				return fmt.Errorf("load %s: %w", d.name, err)
			}
			secs := time.Since(t0).Seconds()
			logf("loaded %s: %d rows in %.1f s (%.0f rows/s)", d.name, d.rows(), secs, float64(d.rows())/secs)
			if err := s.Query(fmt.Sprintf(`INSERT INTO %s.bench_loaded (name, rows, seconds) VALUES (?, ?, ?)`, ks), d.name, d.rows(), secs).ExecContext(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

const batchRows = 100

func loadDataset(ctx context.Context, s *gocql.Session, ks string, d dataset) error {
	ins := fmt.Sprintf(`INSERT INTO %s.%s (environment, application, metric_name, metric_timestamp, p99, mean, count, previous_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ks, d.tableName())
	type job struct {
		series string
		from   int64
	}
	jobs := make(chan job)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				b := s.Batch(gocql.UnloggedBatch).WithContext(ctx)
				for i := j.from; i < min(j.from+batchRows, d.to); i++ {
					p99, mean, count := rowValues(j.series, i)
					b.Query(ins, benchEnv, d.app, j.series, benchStart.Add(time.Duration(i)*d.rowStep()), p99, mean, count, count-7)
				}
				// A busy node times writes out now and then: the rows are fixed values, so
				// writing them again is safe.
				var err error
				for try := 0; try < 6; try++ {
					if err = b.Exec(); err == nil || ctx.Err() != nil {
						break
					}
					time.Sleep(time.Duration(try+1) * 500 * time.Millisecond)
				}
				if err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
			}
		}()
	}
feed:
	for i := d.from; i < d.to; i += batchRows {
		for _, sr := range d.series {
			select {
			case jobs <- job{sr, i}:
			case <-ctx.Done():
				break feed
			}
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}
