package seed

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// Two more shapes of the same timers, as many Cassandra users store time series: a table
// bucketed by day (one partition per metric and UTC day) and a table whose time is a bigint of
// epoch milliseconds. They hold the p99, mean and count of the timer series, one report per
// ShapeStep, and are not model tables (the discovery routes list only the reporters' tables).
const (
	TimerByDay   = "timer_by_day"
	TimerEpochMs = "timer_epoch_ms"
	// ShapeStep is the time between reports in the two shape tables: coarser than the
	// reporters' 5 s so the demo load stays quick.
	ShapeStep = time.Minute
)

// ShapeTables lists the shape tables.
var ShapeTables = []string{TimerByDay, TimerEpochMs}

// ShapeDDL is the CREATE TABLE statement of a shape table.
func ShapeDDL(keyspace, table string) string {
	if table == TimerByDay {
		return fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.%s (
    environment text, application text, metric_name text, day date,
    metric_timestamp timestamp, p99 float, mean float, count bigint,
    PRIMARY KEY ((environment, application, metric_name, day), metric_timestamp)
)`, schema.QuoteIdent(keyspace), schema.QuoteIdent(table))
	}
	return fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.%s (
    environment text, application text, metric_name text,
    ts_ms bigint, p99 float, mean float, count bigint,
    PRIMARY KEY ((environment, application, metric_name), ts_ms)
)`, schema.QuoteIdent(keyspace), schema.QuoteIdent(table))
}

// GenerateShapes writes the timer series of opts into the shape tables (created when
// missing), one report every ShapeStep over [End-Span, End): the same values the model's
// timer table holds at those times.
func GenerateShapes(ctx context.Context, c *cassandra.Client, opts Options) (Stats, error) {
	started := time.Now()
	o, err := opts.withDefaults(started)
	if err != nil {
		return Stats{}, err
	}
	for _, t := range ShapeTables {
		if err := c.Exec(ctx, ShapeDDL(o.Keyspace, t)); err != nil {
			return Stats{}, fmt.Errorf("creating table %s.%s: %w", o.Keyspace, t, err)
		}
	}
	step := max(o.Step, ShapeStep)
	from := o.End.Add(-o.Span)
	byDay := fmt.Sprintf("INSERT INTO %s.%s (environment, application, metric_name, day, metric_timestamp, p99, mean, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", schema.QuoteIdent(o.Keyspace), schema.QuoteIdent(TimerByDay))
	epoch := fmt.Sprintf("INSERT INTO %s.%s (environment, application, metric_name, ts_ms, p99, mean, count) VALUES (?, ?, ?, ?, ?, ?, ?)", schema.QuoteIdent(o.Keyspace), schema.QuoteIdent(TimerEpochMs))

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		firstErr error
		rows     int64
	)
	batches := make(chan batch, o.Concurrency)
	var wg sync.WaitGroup
	for i := 0; i < min(o.Concurrency, 16); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				if ctx.Err() != nil {
					continue
				}
				err := c.ExecBatch(ctx, b.cql, b.rows)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("writing demo data: %w", err)
					cancel()
				} else if err == nil {
					rows += int64(len(b.rows))
				}
				mu.Unlock()
			}
		}()
	}
	send := func(cql string, rs [][]any) {
		if len(rs) == 0 {
			return
		}
		select {
		case batches <- batch{cql, rs}:
		case <-ctx.Done():
		}
	}
	partitions := 0
	for _, env := range Environments(o.Environments) {
		for _, app := range Applications(o.Applications) {
			for _, metric := range MetricNames(o.Metrics) {
				s := o.series(TimerWithInterval, env, app, metric)
				var day time.Time
				var dayRows, epochRows [][]any
				s.rows(from, o.End, step, func(r *row) {
					d := r.ts.UTC().Truncate(24 * time.Hour)
					if !d.Equal(day) || len(dayRows) == o.BatchRows {
						send(byDay, dayRows)
						dayRows = nil
						if !d.Equal(day) {
							partitions++
						}
						day = d
					}
					dayRows = append(dayRows, []any{env, app, metric, d, r.ts, r.p99, r.mean, r.count})
					epochRows = append(epochRows, []any{env, app, metric, r.ts.UnixMilli(), r.p99, r.mean, r.count})
					if len(epochRows) == o.BatchRows {
						send(epoch, epochRows)
						epochRows = nil
					}
				})
				send(byDay, dayRows)
				send(epoch, epochRows)
				partitions++
			}
		}
	}
	close(batches)
	wg.Wait()
	st := Stats{Rows: rows, Partitions: partitions, Elapsed: time.Since(started)}
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	if o.Progress != nil && firstErr == nil {
		fmt.Fprintf(o.Progress, "demo data: wrote %d rows into %s (day buckets) and %s (epoch ms) every %s\n", st.Rows, TimerByDay, TimerEpochMs, step)
	}
	return st, firstErr
}
