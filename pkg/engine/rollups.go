package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/metricsserver/cassandra-datasource/pkg/binning"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
)

// RollupSource is where the engine finds metrics-server's rollups (pkg/rollup's Reader).
type RollupSource interface {
	// Coverage is what the rollup keyspace holds of a source table (keyspace.table), coarsest
	// width first; none when it holds nothing of it.
	Coverage(ctx context.Context, source string) ([]query.Rollup, error)
	// ReadBins calls fn with each stored bin of one series' measure at one width that starts in
	// [fromMs, toMs).
	ReadBins(ctx context.Context, source, series, column string, widthMs, fromMs, toMs int64, fn func(binning.RollupBin) error) error
}

// useRollups says whether a query may read rollups, and what the rollup keyspace holds of its
// table. A failure to learn that is a notice: the query reads raw rows.
func (e *Engine) useRollups(ctx context.Context, r request, source string, rf *refresh, ns *notices) []query.Rollup {
	if e.opts.Rollups == nil || (r.q.Rollups != nil && !*r.q.Rollups) || r.q.Format != query.FormatTimeSeries || r.q.Instant || rf.partial() {
		return nil
	}
	cov, err := e.opts.Rollups.Coverage(ctx, source)
	if err != nil {
		if ctx.Err() == nil {
			ns.add(noticeRollups, "Rollups not read (%v): raw rows instead.", err)
		}
		return nil
	}
	return cov
}

// rollupBins merges the plan's rollup range into b: for every series the filters name and
// every measure, the stored bins of the range. Several partitions of one query series (its
// series columns are fewer than the rollup's) merge into it, as their rows would.
func (e *Engine) rollupBins(ctx context.Context, plan *query.Plan, source string, b *binning.Binner, mem *memBudget) (int64, error) {
	rr := plan.Rollup
	var rg *query.Range
	for i := range plan.Ranges {
		if plan.Ranges[i].Source == query.SourceRollup {
			rg = &plan.Ranges[i]
		}
	}
	if rr == nil || rg == nil {
		return 0, nil
	}
	// The query's series key is the text of its series columns, in their order, as the row
	// reader makes it.
	idx := make([]int, len(plan.SeriesColumns))
	for i, c := range plan.SeriesColumns {
		idx[i] = slices.Index(rr.SeriesColumns, c)
	}
	fromMs, toMs := rg.From.UnixMilli(), rg.To.UnixMilli()
	// One read per series and measure, MaxConcurrency at a time (each is a round trip); the
	// merges into b take turns.
	type read struct {
		key    []string
		ci     int
		column string
	}
	var reads []read
	for _, key := range rr.Series {
		for ci, m := range plan.Measures {
			reads = append(reads, read{key, ci, m.Name})
		}
	}
	var mu sync.Mutex
	bins := int64(0)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	next := make(chan read)
	for range min(e.opts.MaxConcurrency, len(reads)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					once.Do(func() { firstErr = fmt.Errorf("internal error while reading rollups: %v", p); cancel() })
				}
			}()
			for rd := range next {
				vals := make([]string, len(idx))
				labels := make(map[string]string, len(idx))
				for i, j := range idx {
					vals[i] = rd.key[j]
					labels[plan.SeriesColumns[i]] = rd.key[j]
				}
				seriesKey := strings.Join(vals, "\x1f")
				err := e.opts.Rollups.ReadBins(ctx, source, strings.Join(rd.key, "\x1f"), rd.column, rr.WidthMs, fromMs, toMs, func(rb binning.RollupBin) error {
					mu.Lock()
					defer mu.Unlock()
					s := b.Lookup(seriesKey)
					if s == nil {
						if err := mem.newSeries(); err != nil {
							return err
						}
						s = b.Series(seriesKey, labels)
					}
					before := s.SketchBytes()
					if err := s.MergeRollup(rd.ci, rr.WidthMs, rb); err != nil {
						return fmt.Errorf("merge a rollup bin of %s: %w", rd.column, err)
					}
					bins++
					if n := s.SketchBytes() - before; n != 0 {
						return mem.sketches(n)
					}
					return nil
				})
				if err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
			}
		}()
	}
feed:
	for _, rd := range reads {
		select {
		case next <- rd:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return bins, firstErr
}
