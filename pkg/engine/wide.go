package engine

import (
	"context"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/binning"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// minBinsPerPiece keeps the pieces of a split range from being so short that a statement's
// round trip costs more than its rows.
const minBinsPerPiece = 32

// splitWide splits the ranges of a binned builder query that reads few partitions into
// pieces read in parallel, up to MaxConcurrency statements in all. Pieces end on bin edges,
// so each bin's rows come from one statement and are binned by one worker: merging the
// workers' bins copies them, and the values are those of one sequential read. It returns
// nil when splitting does not apply.
func (e *Engine) splitWide(ctx context.Context, r request, plan *query.Plan, t *schema.Table, ranges []span) ([]query.Statement, []span, error) {
	// Only statements that each read one partition in time order: a piece of a scan with
	// ALLOW FILTERING, or of an IN over partitions, would read as much as the whole.
	if !e.opts.SplitWide || !plan.SinglePartition || !plan.TimeFirstClustering || plan.Instant || plan.Limit > 0 ||
		len(plan.Statements) == 0 || r.q.Format != query.FormatTimeSeries {
		return nil, nil, nil
	}
	pieces := e.opts.MaxConcurrency / len(plan.Statements)
	if pieces < 2 {
		return nil, nil, nil
	}
	width, err := binning.ResolveWidth(r.q.Interval, r.from, r.to, r.interval, r.maxDataPoints)
	if err != nil || width < time.Millisecond {
		return nil, nil, nil // binned reports it
	}
	w := width.Milliseconds()
	var split []span
	for _, s := range ranges {
		lo, hi := ceilDiv(ceilMs(s.from), w), floorDiv(ceilMs(s.to), w) // whole bins inside
		n := min(int64(pieces), (hi-lo)/minBinsPerPiece)
		if n < 2 {
			split = append(split, s)
			continue
		}
		from := s.from
		for i := int64(1); i < n; i++ {
			edge := time.UnixMilli((lo + (hi-lo)*i/n) * w).UTC()
			split = append(split, span{from, edge})
			from = edge
		}
		split = append(split, span{from, s.to})
	}
	if len(split) == len(ranges) {
		return nil, nil, nil
	}
	stmts, err := e.rangeStatements(ctx, r.q, t, split)
	return stmts, split, err
}
