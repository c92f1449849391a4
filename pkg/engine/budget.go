package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/metricsserver/cassandra-datasource/pkg/binning"
)

// memBudget bounds what one binned query holds: the bins of every series (series x bins x
// aggregations), their percentile sketches and the results built from them. Parallel
// workers charge it as they create series, so a query is refused when it reaches the limit
// rather than after it has taken the memory.
//
// What the query charges it also reserves from the process's pool (see processPool), a chunk
// ahead of its use, so that all the queries of the process together stay within
// maxProcessMemoryMiB; release gives it back when the query ends, however it ends.
type memBudget struct {
	limit     int64
	used      atomic.Int64
	ctx       context.Context // the query's: a wait for the pool ends with it
	cancel    context.CancelFunc
	pool      *memPool
	poolLimit int64
	mu        sync.Mutex   // guards reserving: one worker at a time grows the reservation
	reserved  atomic.Int64 // bytes taken from the pool
	released  bool         // under mu: the query ended, nothing more is reserved
	series    atomic.Int64
	perSeries int64 // one series' bins
	perResult int64 // one series' result and frame
	bins      int
	outputs   int
	columns   int
}

// Result bytes per bin of one series: a time (24) and the kept-bins index (8), then per
// output the value, its pointer and the frame's copy of the pointer (24), with room for the
// encoded response. An estimate on the high side, not a measurement of every allocation.
const (
	resultBytesPerBin    = 64
	resultBytesPerOutput = 32
)

// poolChunk is how far ahead of its use a query reserves from the process's pool, so that
// its workers do not take the pool's lock for every sketch that grows.
const poolChunk = 1 << 20

// newMemBudget checks that one series fits before any bins are allocated, and reserves what
// the query needs before its first series from pool (within poolLimit, the data source's
// maxProcessMemoryMiB in bytes), waiting for other queries if they hold it. The caller must
// call release when the query ends, also when newMemBudget fails.
func newMemBudget(ctx context.Context, limit int64, pool *memPool, poolLimit int64, b *binning.Binner) (*memBudget, error) {
	m := &memBudget{limit: limit, bins: b.NumBins(), outputs: len(b.Outputs()), pool: pool, poolLimit: poolLimit}
	m.ctx, m.cancel = context.WithCancel(ctx)
	cols := map[string]bool{}
	for _, o := range b.Outputs() {
		cols[o.Column] = true
	}
	m.columns = len(cols)
	bins, outs := int64(m.bins), int64(m.outputs)
	m.perSeries = int64(b.BytesPerSeries())
	m.perResult = bins * (resultBytesPerBin + resultBytesPerOutput*outs)
	work := bins * outs * 9 // the results' per-output scratch, shared by all series
	if need := work + m.perSeries + m.perResult; need > limit {
		return m, userErrorf("one series needs %s for %d bins x %d aggregations over %d value columns, more than the query memory budget of %s: "+
			"widen the interval or narrow the time range for fewer bins, or ask for fewer aggregations or value columns (the budget is the data source's maxQueryMemoryMiB setting)",
			formatBytes(need), m.bins, m.outputs, m.columns, formatBytes(limit))
	}
	if err := m.charge(work); err != nil {
		return m, err
	}
	return m, nil
}

// charge adds n bytes to what the query holds and, when that passes what it has reserved,
// reserves more from the process's pool. Past the query's own limit it reserves nothing:
// the caller refuses the query with the error of that limit.
func (m *memBudget) charge(n int64) error {
	used := m.used.Add(n)
	if used > m.limit || used <= m.reserved.Load() {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.released {
		return errMemoryReleased
	}
	r := m.reserved.Load()
	if used <= r {
		return nil // another worker reserved it meanwhile
	}
	want := min(max(used-r, poolChunk), m.limit-r)
	if err := m.pool.reserve(m.ctx, want, r, m.poolLimit); err != nil {
		m.cancel() // the query fails: its other workers stop waiting for the pool
		return err
	}
	m.reserved.Store(r + want)
	return nil
}

var errMemoryReleased = errors.New("the query's memory was released: it has ended")

// release gives everything the query reserved back to the pool. It is safe to call more
// than once and on a nil budget.
func (m *memBudget) release() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.released {
		m.released = true
		m.cancel()
		m.pool.release(m.reserved.Swap(0))
	}
}

// newSeries charges a series about to be created: its bins now and its result later.
func (m *memBudget) newSeries() error {
	n := m.series.Add(1)
	if err := m.charge(m.perSeries + m.perResult); err != nil {
		return err
	}
	if m.used.Load() > m.limit {
		m.cancel()
		return userErrorf("the query reached its memory budget of %s at %d series of %s each (%d bins x %d aggregations): "+
			"add filters or use fewer series columns for fewer series, widen the interval for fewer bins, or ask for fewer aggregations",
			formatBytes(m.limit), n, formatBytes(m.perSeries+m.perResult), m.bins, m.outputs)
	}
	return nil
}

// sketches charges n more bytes of percentile sketches, as measured while they grow
// (binning.Series.SketchBytes): values spread over many decades take many times the memory
// of as many values close together.
func (m *memBudget) sketches(n int64) error {
	if err := m.charge(n); err != nil {
		return err
	}
	if m.used.Load() > m.limit {
		m.cancel()
		return userErrorf("the percentile sketches of %d series reached the query memory budget of %s: "+
			"ask for fewer percentiles, widen the interval for fewer bins, or add filters for fewer series",
			m.series.Load(), formatBytes(m.limit))
	}
	return nil
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
