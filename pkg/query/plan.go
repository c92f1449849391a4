package query

import (
	"context"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// Source says where the bins of one time range of a plan come from.
type Source string

const (
	// SourceRaw ranges are read from Cassandra with their statements.
	SourceRaw Source = "raw"
	// SourceCache ranges come from the bin cache: nothing is read for them.
	SourceCache Source = "cache"
)

// TimeRange is the time range [From, To).
type TimeRange struct {
	From, To time.Time
}

// Range is one time range of a plan and where its bins come from. A raw range read in
// parallel pieces (a wide partition) is one range per piece.
type Range struct {
	TimeRange
	Source     Source
	Statements []Statement
}

// MinBinsPerPiece keeps the pieces of a split range from being so short that a statement's
// round trip costs more than its rows.
const MinBinsPerPiece = 32

// BuildPlan plans a builder query over the table t (from the live schema) and the time range
// [from, to), in three stages: resolve (the query against the schema: columns, measures,
// filters, partitions), strategy (which time ranges come from where: the bin cache, raw
// statements, wide-partition pieces) and render (the CQL and bound values of each raw range).
// Every name is checked against the table and quoted; every value is a bound parameter.
func BuildPlan(ctx context.Context, q *Query, t *schema.Table, from, to time.Time, opts PlanOptions) (*Plan, error) {
	if opts.MaxBucketStatements <= 0 {
		opts.MaxBucketStatements = DefaultMaxBucketStatements
	}
	res, err := resolve(ctx, q, t, from, to, opts)
	if err != nil {
		return nil, err
	}
	p := res.plan
	p.Width = opts.Width
	read, elsewhere := opts.Read, SourceCache
	if rr, covered := res.rollupRange(from, to); rr != nil {
		p.Rollup, elsewhere, read = rr, SourceRollup, nil
		for _, r := range []TimeRange{{from, covered.From}, {covered.To, to}} {
			if r.To.After(r.From) {
				read = append(read, r)
			}
		}
		if read == nil {
			read = []TimeRange{} // every bin from the rollup: nothing raw
		}
	}
	ranges, split := res.strategy(from, to, read, elsewhere)
	if split {
		for _, rg := range ranges {
			if rg.Source == SourceRaw {
				p.Pieces++
			}
		}
	}
	for _, rg := range ranges {
		if rg.Source == SourceRaw {
			if rg.Statements, err = res.render(rg.From, rg.To); err != nil {
				return nil, err
			}
			p.Statements = append(p.Statements, rg.Statements...)
		}
		p.Ranges = append(p.Ranges, rg)
	}
	return p, nil
}

// strategy cuts the window into ranges: the parts read names are read (nil: the whole window;
// the rest comes from elsewhere: the bin cache or a rollup), and a long raw range over few
// partitions is split into pieces that end on bin edges, so each bin's rows come from one
// statement.
func (res *resolved) strategy(from, to time.Time, read []TimeRange, elsewhere Source) (ranges []Range, split bool) {
	if read == nil {
		read = []TimeRange{{from, to}}
	}
	var out []Range
	at := from
	for _, r := range read {
		if r.From.After(at) {
			out = append(out, Range{TimeRange: TimeRange{at, r.From}, Source: elsewhere})
		}
		pieces := res.pieces(r)
		split = split || len(pieces) > 1
		for _, piece := range pieces {
			out = append(out, Range{TimeRange: piece, Source: SourceRaw})
		}
		at = r.To
	}
	if to.After(at) {
		out = append(out, Range{TimeRange: TimeRange{at, to}, Source: elsewhere})
	}
	return out, split
}

// pieces splits one raw range for parallel reading when the plan allows it: statements that
// each read one partition in time order (a piece of a scan, or of an IN over partitions,
// would read as much as the whole), few of them, a binned time series without a row limit.
// opts.SplitStatements is how many statements may run in all.
func (res *resolved) pieces(r TimeRange) []TimeRange {
	p, w := res.plan, res.opts.Width.Milliseconds()
	n := int64(0)
	if len(res.partitions) > 0 {
		n = int64(res.opts.SplitStatements / len(res.partitions))
	}
	if n < 2 || w <= 0 || !p.SinglePartition || !p.TimeFirstClustering || p.Instant || p.Limit > 0 || res.q.Format != FormatTimeSeries {
		return []TimeRange{r}
	}
	lo, hi := ceilDiv(ceilMs(r.From), w), floorDiv(ceilMs(r.To), w) // whole bins inside
	n = min(n, (hi-lo)/MinBinsPerPiece)
	if n < 2 {
		return []TimeRange{r}
	}
	var out []TimeRange
	start := r.From
	for i := int64(1); i < n; i++ {
		edge := time.UnixMilli((lo + (hi-lo)*i/n) * w).UTC()
		out = append(out, TimeRange{start, edge})
		start = edge
	}
	return append(out, TimeRange{start, r.To})
}

// ceilMs is t in epoch milliseconds, rounded up (a bin that starts inside a millisecond
// starts at the next one).
func ceilMs(t time.Time) int64 {
	ms := t.UnixMilli()
	if t.Nanosecond()%int(time.Millisecond) != 0 { // UnixMilli rounds down, also before 1970
		ms++
	}
	return ms
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }
