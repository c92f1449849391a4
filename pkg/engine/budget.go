package engine

import (
	"fmt"
	"sync/atomic"

	"github.com/metricsserver/cassandra-datasource/pkg/binning"
)

// memBudget bounds what one binned query holds: the bins of every series (series x bins x
// aggregations), their percentile sketches and the results built from them. Parallel
// workers charge it as they create series, so a query is refused when it reaches the limit
// rather than after it has taken the memory.
type memBudget struct {
	limit     int64
	used      atomic.Int64
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

// newMemBudget checks that one series fits before any bins are allocated.
func newMemBudget(limit int64, b *binning.Binner) (*memBudget, error) {
	m := &memBudget{limit: limit, bins: b.NumBins(), outputs: len(b.Outputs())}
	cols := map[string]bool{}
	for _, o := range b.Outputs() {
		cols[o.Column] = true
	}
	m.columns = len(cols)
	bins, outs := int64(m.bins), int64(m.outputs)
	m.perSeries = int64(b.BytesPerSeries())
	m.perResult = bins * (resultBytesPerBin + resultBytesPerOutput*outs)
	work := bins * outs * 9 // the results' per-output scratch, shared by all series
	m.used.Store(work)
	if need := work + m.perSeries + m.perResult; need > limit {
		return nil, userErrorf("one series needs %s for %d bins x %d aggregations over %d value columns, more than the query memory budget of %s: "+
			"widen the interval or narrow the time range for fewer bins, or ask for fewer aggregations or value columns (the budget is the data source's maxQueryMemoryMiB setting)",
			formatBytes(need), m.bins, m.outputs, m.columns, formatBytes(limit))
	}
	return m, nil
}

// newSeries charges a series about to be created: its bins now and its result later.
func (m *memBudget) newSeries() error {
	n := m.series.Add(1)
	if m.used.Add(m.perSeries+m.perResult) > m.limit {
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
	if m.used.Add(n) > m.limit {
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
