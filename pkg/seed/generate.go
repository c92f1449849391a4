package seed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// Options size the demo data. The zero value loads the defaults below.
type Options struct {
	Keyspace string        // default metric_data
	Span     time.Duration // how far back from End; default 24h
	Step     time.Duration // time between reports; default 5s
	// End is where the data stops (exclusive); default now. Rows sit on multiples of Step
	// (plus a few milliseconds of reporting jitter), whatever End is.
	End time.Time

	Environments int // default 3: prod, staging, dev
	Applications int // default 3: checkout, search, auth
	Metrics      int // default 3: http.requests, db.query, cache.get
	Seed         int64
	// Incident, when set, puts an incident (slow responses and a burst of traffic) into the
	// 10-minute block holding it in every series, beside the random ones: a short demo span
	// then always has one for its spikes and annotations to show. Zero: only the random ones.
	Incident time.Time
	// Tables to fill; default all four. Timer tables get timers, counter tables counters.
	Tables []string

	// Concurrency is the number of batches in flight; default 64.
	Concurrency int
	// BatchRows is the number of rows per batch (one partition each); default 50.
	BatchRows int
	// Progress, when set, receives a progress line every few seconds and a summary.
	Progress io.Writer
}

// Stats says what a load wrote.
type Stats struct {
	Rows       int64
	Partitions int
	Elapsed    time.Duration
}

// RowsPerSecond is the load's write throughput.
func (s Stats) RowsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Rows) / s.Elapsed.Seconds()
}

func (o Options) withDefaults(now time.Time) (Options, error) {
	if o.Keyspace == "" {
		o.Keyspace = DefaultKeyspace
	}
	if o.Span == 0 {
		o.Span = day
	}
	if o.Step == 0 {
		o.Step = 5 * time.Second
	}
	if o.End.IsZero() {
		o.End = now
	}
	o.End = o.End.UTC()
	if o.Environments == 0 {
		o.Environments = 3
	}
	if o.Applications == 0 {
		o.Applications = 3
	}
	if o.Metrics == 0 {
		o.Metrics = 3
	}
	if len(o.Tables) == 0 {
		o.Tables = Tables
	}
	if o.Concurrency == 0 {
		o.Concurrency = 64
	}
	if o.BatchRows == 0 {
		o.BatchRows = 50
	}
	switch {
	case o.Span < 0:
		return o, errors.New("span must be positive, e.g. 24h")
	case o.Step < time.Second || o.Step%time.Second != 0:
		return o, errors.New("step must be a whole number of seconds, e.g. 5s")
	case o.Step > o.Span:
		return o, errors.New("step must not be longer than the span")
	case o.Environments < 0 || o.Applications < 0 || o.Metrics < 0:
		return o, errors.New("the numbers of environments, applications and metrics must be positive")
	case o.Environments*o.Applications*o.Metrics > 100000:
		return o, errors.New("more than 100000 series per table: lower the numbers of environments, applications or metrics")
	case o.Concurrency < 1 || o.BatchRows < 1:
		return o, errors.New("concurrency and batch size must be at least 1")
	}
	if err := checkName("keyspace", o.Keyspace); err != nil {
		return o, err
	}
	for _, t := range o.Tables {
		if !isModelTable(t) {
			return o, fmt.Errorf("table %q is not one of %v", t, Tables)
		}
	}
	return o, nil
}

func isModelTable(t string) bool {
	for _, x := range Tables {
		if x == t {
			return true
		}
	}
	return false
}

// Check reports whether the options are usable, without connecting.
func (o Options) Check() error {
	_, err := o.withDefaults(time.Now())
	return err
}

// AllSeries lists the partitions Generate fills, in load order.
func (o Options) allSeries() []series {
	var out []series
	for _, t := range o.Tables {
		for _, env := range Environments(o.Environments) {
			for _, app := range Applications(o.Applications) {
				for _, m := range MetricNames(o.Metrics) {
					out = append(out, o.series(t, env, app, m))
				}
			}
		}
	}
	return out
}

// series is one partition of this load, with the load's incident.
func (o Options) series(table, env, app, metric string) series {
	s := newSeries(o.Seed, table, env, app, metric)
	if !o.Incident.IsZero() {
		s.incident, s.hasIncident = o.Incident.UnixNano()/int64(spikeBlock), true
	}
	return s
}

// InsertCQL is the INSERT the generator runs for a table, with its columns in bind order.
func InsertCQL(keyspace, table string) string {
	cols := "environment, application, metric_name, metric_timestamp, count, previous_count, previous_metric_timestamp"
	marks := "?, ?, ?, ?, ?, ?, ?"
	if IsTimerTable(table) {
		cols += ", max, mean, min, std_dev, median, p75, p95, p98, p99, p999, mean_rate, one_min_rate, five_min_rate, fifteen_min_rate, rate_unit, duration_unit"
		marks += ", ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
	}
	return fmt.Sprintf("INSERT INTO %s.%s (%s) VALUES (%s)", schema.QuoteIdent(keyspace), schema.QuoteIdent(table), cols, marks)
}

// The units the reporters write: timers measure milliseconds and rate events per second.
const (
	DurationUnit = "milliseconds"
	RateUnit     = "events/second"
)

func (s series) args(r *row) []any {
	a := []any{s.env, s.app, s.metric, r.ts, r.count, r.prevCount, r.prevTS}
	if s.timer {
		a = append(a, r.max, r.mean, r.min, r.stdDev, r.median, r.p75, r.p95, r.p98, r.p99, r.p999,
			r.meanRate, r.oneMinRate, r.fiveMinRate, r.fifteenMR, RateUnit, DurationUnit)
	}
	return a
}

type batch struct {
	cql  string
	rows [][]any
}

// Generate writes demo data into the model's tables, which must exist (see CreateSchema):
// one row per series every Step over [End-Span, End). It writes single-partition UNLOGGED
// batches, Concurrency at a time, and stops at the first error.
func Generate(ctx context.Context, c *cassandra.Client, opts Options) (Stats, error) {
	started := time.Now()
	o, err := opts.withDefaults(started)
	if err != nil {
		return Stats{}, err
	}
	all := o.allSeries()
	from := o.End.Add(-o.Span)
	expected := int64(len(all)) * int64(o.Span/o.Step)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		written  atomic.Int64
		errOnce  sync.Once
		firstErr error
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}

	batches := make(chan batch, o.Concurrency)
	var workers sync.WaitGroup
	for i := 0; i < o.Concurrency; i++ {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for b := range batches {
				if ctx.Err() != nil {
					continue // drain so the producer never blocks
				}
				if err := execRetrying(ctx, c, b); err != nil {
					fail(fmt.Errorf("writing demo data: %w", err))
					continue
				}
				written.Add(int64(len(b.rows)))
			}
		}()
	}

	stopProgress := make(chan struct{})
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		if o.Progress == nil {
			return
		}
		tick := time.NewTicker(2 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stopProgress:
				return
			case <-tick.C:
				n := written.Load()
				fmt.Fprintf(o.Progress, "demo data: %d of about %d rows (%.0f%%), %.0f rows/s\n",
					n, expected, 100*float64(n)/float64(max(expected, 1)), float64(n)/time.Since(started).Seconds())
			}
		}
	}()

produce:
	for _, s := range all {
		cql := InsertCQL(o.Keyspace, s.table)
		cur := make([][]any, 0, o.BatchRows)
		s.rows(from, o.End, o.Step, func(r *row) {
			cur = append(cur, s.args(r))
			if len(cur) == o.BatchRows {
				select {
				case batches <- batch{cql, cur}:
				case <-ctx.Done():
				}
				cur = make([][]any, 0, o.BatchRows)
			}
		})
		if len(cur) > 0 {
			select {
			case batches <- batch{cql, cur}:
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break produce
		}
	}
	close(batches)
	workers.Wait()
	close(stopProgress)
	<-progressDone

	st := Stats{Rows: written.Load(), Partitions: len(all), Elapsed: time.Since(started)}
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	if o.Progress != nil && firstErr == nil {
		fmt.Fprintf(o.Progress, "demo data: wrote %d rows in %d partitions of keyspace %s in %s (%.0f rows/s)\n",
			st.Rows, st.Partitions, o.Keyspace, st.Elapsed.Round(time.Millisecond), st.RowsPerSecond())
	}
	return st, firstErr
}

// writeAttempts bounds the tries of one batch. A busy node may not acknowledge a write in time;
// the batch writes fixed values, so writing it again is safe.
const writeAttempts = 5

// batchWriter is what execRetrying needs of a session.
type batchWriter interface {
	ExecBatch(ctx context.Context, cql string, rows [][]any) error
}

// retryPause is the pause before the given retry; a variable so tests need not wait.
var retryPause = func(attempt int) time.Duration { return time.Duration(attempt) * time.Second }

// execRetrying writes one batch, trying again after a pause when Cassandra timed out.
func execRetrying(ctx context.Context, c batchWriter, b batch) error {
	var err error
	for attempt := 1; attempt <= writeAttempts; attempt++ {
		if err = c.ExecBatch(ctx, b.cql, b.rows); err == nil {
			return nil
		}
		var ce *cassandra.Error
		if !errors.As(err, &ce) || ce.Kind != cassandra.KindTimeout || ctx.Err() != nil || attempt == writeAttempts {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(retryPause(attempt)):
		}
	}
	return err
}
