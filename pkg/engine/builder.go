package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/metricsserver/cassandra-datasource/pkg/binning"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
)

func (e *Engine) runBuilder(ctx context.Context, r request) (res backend.DataResponse, err error) {
	t, err := e.src.Table(ctx, r.q.Keyspace, r.q.Table)
	if err != nil {
		return backend.DataResponse{}, err
	}
	// The strategy's inputs: the bin width (decided once here), what the bin cache holds (a
	// refresh reads only the rest) and how many statements a wide split may run.
	var width time.Duration
	if r.q.Format == query.FormatTimeSeries && !r.q.Instant {
		if width, err = binning.ResolveWidth(r.q.Interval, r.from, r.to, r.interval, r.maxDataPoints); err != nil {
			return backend.DataResponse{}, &userError{msg: "interval: " + err.Error()}
		}
	}
	rf := e.builderRefresh(r, t, width)
	opts := e.opts.planOptions()
	opts.Width = width
	if rf.partial() {
		for _, s := range rf.ranges {
			opts.Read = append(opts.Read, query.TimeRange{From: s.from, To: s.to})
		}
	}
	if e.opts.SplitWide {
		opts.SplitStatements = e.opts.MaxConcurrency
	}
	var pre notices
	source := t.Keyspace + "." + t.Name // as the rollup writer names its sources
	if width > 0 {
		opts.Rollups = e.useRollups(ctx, r, source, rf, &pre)
	}
	plan, err := query.BuildPlan(ctx, r.q, t, r.from, r.to, opts)
	if errors.Is(err, query.ErrNothingToRead) {
		// Nothing to ask Cassandra: no data, and the reason as a notice (a panel shows "No data").
		var qe *query.Error
		msg := err.Error()
		if errors.As(err, &qe) {
			msg = qe.Msg
		}
		return backend.DataResponse{Frames: withMeta(noDataFrames(r.q), "-- no statement: "+msg, notices{{noticeNothing, upperFirst(msg) + "."}}, true)}, nil
	}
	if err != nil {
		return backend.DataResponse{}, err
	}
	stmts := plan.Statements
	executed := describeStatements(stmts)
	if rf.partial() {
		executed = describeRanges(stmts, rf.ranges)
	}
	if plan.Pieces > 0 {
		executed += fmt.Sprintf("\n-- the time range read in %d pieces, %d statements in parallel", plan.Pieces, len(stmts))
	}
	ns := append(pre, readNotice(plan, stmts, max(plan.Pieces, 1))...)
	// What the scan counted goes into the notices: the buckets read and which were empty, and
	// for a whole window without a row, one look at the table that may say why (explain.go).
	account := func(s scanned, err error) (int64, error) {
		if plan.BucketColumn != "" {
			ns.add(noticeBuckets, "%s", bucketNotice(plan, stmts, s.runs, rf.partial(), e.opts.MaxConcurrency))
		}
		if err == nil && s.rows == 0 && !rf.partial() && plan.Rollup == nil {
			if hint := e.explainEmpty(ctx, r.q, plan, t); hint != "" {
				ns.add(noticeEmpty, "%s", hint)
			}
		}
		return s.rows, err
	}
	if r.q.Format == query.FormatTable {
		// A bucketed table's statements run in parallel: its rows are put in time order.
		sortBy := ""
		if plan.BucketColumn != "" {
			sortBy = plan.TimeColumn
		}
		scanTable := func(limit int64, newReader readerFactory) (int64, error) {
			return account(e.scanAll(ctx, stmts, limit, newReader))
		}
		return e.table(scanTable, plan.Limit, tableTime{column: plan.TimeColumn, unit: plan.TimeUnit}, plan.Measures, executed, &ns, sortBy)
	}
	shape := seriesShape{
		timeColumn:   plan.TimeColumn,
		timeUnit:     plan.TimeUnit,
		seriesColumn: plan.SeriesColumns,
		measures:     plan.Measures,
	}
	scan := func(newReader readerFactory) (int64, error) {
		return account(e.scanAll(ctx, stmts, plan.Limit, newReader))
	}
	if plan.Instant {
		return e.instant(r, scan, shape, executed, &ns)
	}
	var rollups func(b *binning.Binner, mem *memBudget) (string, error)
	if plan.Rollup != nil {
		rw := formatWidth(time.Duration(plan.Rollup.WidthMs) * time.Millisecond)
		executed += fmt.Sprintf("\n-- and bins from the %s rollups of %s", rw, source)
		rollups = func(b *binning.Binner, mem *memBudget) (string, error) {
			n, err := e.rollupBins(ctx, plan, source, b, mem)
			return fmt.Sprintf("%d bins from %s rollups", n, rw), err
		}
	}
	res, err = e.binned(ctx, r, width, scan, plan.Limit, shape, executed, &ns, rf, rollups)
	if errors.Is(err, binning.ErrRollupVersion) {
		// Rollups this version cannot read: the whole window from raw rows, and say why.
		off := false
		q := *r.q
		q.Rollups = &off
		r2 := r
		r2.q = &q
		res, err2 := e.runBuilder(ctx, r2)
		if err2 == nil {
			for _, f := range res.Frames {
				if f.Meta != nil {
					f.Meta.Notices = append(f.Meta.Notices, data.Notice{Severity: data.NoticeSeverityWarning,
						Text: fmt.Sprintf("Rollups of %s skipped: %v. Read raw rows instead.", source, err)})
				}
			}
		}
		return res, err2
	}
	return res, err
}

// readerFactory makes a row reader for a result's columns (one per parallel worker).
type readerFactory func(cols []cassandra.ColumnInfo) (rowReader, error)

// scanFunc feeds every row of a query to readers from the factory and returns the row count.
type scanFunc func(newReader readerFactory) (int64, error)

// seriesShape says which result columns are the time, the labels and the measures.
type seriesShape struct {
	timeColumn   string
	timeUnit     string // epoch unit of a numeric time column
	seriesColumn []string
	measures     []query.Measure
}

// binned streams every statement's rows into bins: memory grows with series x bins, not rows.
func (e *Engine) binned(ctx context.Context, r request, width time.Duration, scan scanFunc, limit int64, shape seriesShape, executed string, ns *notices, rf *refresh,
	rollups func(b *binning.Binner, mem *memBudget) (string, error)) (backend.DataResponse, error) {
	fill, err := binning.ParseFill(r.q.Fill, r.q.FillValue)
	if err != nil {
		return backend.DataResponse{}, &userError{msg: "fill: " + err.Error()}
	}
	spec := binning.Spec{From: r.from, To: r.to, Width: width, Fill: fill}
	for _, m := range shape.measures {
		col := binning.Column{Name: m.Name}
		for _, a := range m.Aggregations {
			agg, err := binning.ParseAgg(a)
			if err != nil {
				return backend.DataResponse{}, &userError{msg: fmt.Sprintf("aggregation for %s: %v", m.Name, err)}
			}
			col.Aggs = append(col.Aggs, agg)
		}
		spec.Columns = append(spec.Columns, col)
	}
	first, err := binning.New(spec)
	if err != nil {
		return backend.DataResponse{}, &userError{msg: err.Error()}
	}
	// The memory budget is checked before any bins exist, then as each series appears; what it
	// holds is reserved from the process's pool until the query ends.
	mem, err := newMemBudget(ctx, e.opts.MaxQueryMemory, e.opts.pool, e.opts.MaxProcessMemory, first)
	defer mem.release()
	if err != nil {
		return backend.DataResponse{}, err
	}

	readers := &perReader{spec: spec, shape: shape, mem: mem}
	rows, err := scan(readers.newReader)
	if err != nil {
		return backend.DataResponse{}, err
	}
	merged, err := readers.merged(first)
	if err != nil {
		return backend.DataResponse{}, err
	}
	rolled := ""
	if rollups != nil {
		if rolled, err = rollups(merged, mem); err != nil {
			return backend.DataResponse{}, err
		}
	}
	if err := rf.apply(merged, mem); err != nil {
		return backend.DataResponse{}, err
	}
	if err := rf.store(merged, rows); err != nil {
		return backend.DataResponse{}, err
	}
	if rollups != nil {
		ns.add(noticeRollups, "%s, %d rows raw.", rolled, rows)
	}
	if rf != nil {
		ns.add(noticeBins, "%s", rf.notice(width, merged.NumBins(), rows))
	} else {
		ns.add(noticeBins, "Bin width %s (%d bins), %d rows read.", formatWidth(width), merged.NumBins(), rows)
	}
	if limit > 0 && rows >= limit {
		ns.add(noticeTruncated, "Stopped at the row limit of %d: later rows are not in the bins.", limit)
	}
	frames := seriesFrames(merged.Results(), shape.measures, r.q.Alias)
	return backend.DataResponse{Frames: withMeta(frames, executed, *ns, len(frames) > 0)}, nil
}

// perReader gives each parallel reader a Binner of its own (no lock on the hot path) and
// merges them when the scan is done.
type perReader struct {
	spec  binning.Spec
	shape seriesShape
	mem   *memBudget
	mu    sync.Mutex
	all   []*binning.Binner
}

func (p *perReader) newReader(cols []cassandra.ColumnInfo) (rowReader, error) {
	b, err := binning.New(p.spec)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.all = append(p.all, b)
	p.mu.Unlock()
	return newSeriesReader(cols, p.shape, binRows(b, p.mem))
}

// merged is every reader's bins in one Binner; empty when no reader ran.
func (p *perReader) merged(empty *binning.Binner) (*binning.Binner, error) {
	if len(p.all) == 0 {
		return empty, nil
	}
	m := p.all[0]
	for _, o := range p.all[1:] {
		if err := m.Merge(o); err != nil {
			return nil, fmt.Errorf("merge partial bins: %w", err)
		}
	}
	return m, nil
}

// binRows is the sink that bins each row's values into b, charging mem for each new series
// and for the percentile sketches as they grow.
func binRows(b *binning.Binner, mem *memBudget) sink {
	return func(s *seriesRef, ms int64, vals []float64, ok []bool) error {
		if s.bin == nil {
			if err := mem.newSeries(); err != nil {
				return err
			}
			s.bin = b.Series(s.key, s.labels)
		}
		counted := false
		for i, v := range vals {
			if ok[i] && v == v { // Add ignores NaN
				s.bin.Add(ms, i, v)
				counted = true
			}
		}
		if !counted {
			// The row shows the series (with nulls); the bin cache must know it was here.
			s.bin.Touch(ms)
		}
		if n := s.bin.SketchBytes(); n != s.sketchBytes {
			if err := mem.sketches(n - s.sketchBytes); err != nil {
				return err
			}
			s.sketchBytes = n
		}
		return nil
	}
}

// instant keeps the latest row per series: the value a stat panel or an alert rule wants.
func (e *Engine) instant(r request, scan scanFunc, shape seriesShape, executed string, ns *notices) (backend.DataResponse, error) {
	type latest struct {
		key    string
		labels map[string]string
		ms     int64
		vals   []float64
		ok     []bool
	}
	var mu sync.Mutex
	all := map[string]*latest{}
	rows, err := scan(func(cols []cassandra.ColumnInfo) (rowReader, error) {
		return newSeriesReader(cols, shape, func(s *seriesRef, ms int64, vals []float64, ok []bool) error {
			mu.Lock()
			defer mu.Unlock()
			l := all[s.key]
			if l == nil {
				l = &latest{key: s.key, labels: s.labels, ms: ms - 1}
				all[s.key] = l
			}
			if ms >= l.ms {
				l.ms, l.vals, l.ok = ms, append(l.vals[:0], vals...), append(l.ok[:0], ok...)
			}
			return nil
		})
	})
	if err != nil {
		return backend.DataResponse{}, err
	}
	var results []binning.SeriesResult
	for _, l := range all {
		res := binning.SeriesResult{Key: l.key, Labels: l.labels, Times: []time.Time{time.UnixMilli(l.ms).UTC()}}
		for i, m := range shape.measures {
			var v *float64
			if l.ok[i] {
				x := l.vals[i]
				v = &x
			}
			res.Values = append(res.Values, []*float64{v})
			res.Names = append(res.Names, binning.Output{Column: m.Name, Agg: "last"})
		}
		results = append(results, res)
	}
	sortResults(results)
	ns.add(noticeLatest, "Latest value per series, %d rows read.", rows)
	frames := instantFrames(results, instantMeasures(shape.measures), r.q.Alias)
	return backend.DataResponse{Frames: withMeta(frames, executed, *ns, len(frames) > 0)}, nil
}

func instantMeasures(ms []query.Measure) []query.Measure {
	out := make([]query.Measure, len(ms))
	for i, m := range ms {
		m.Aggregations = []string{"last"}
		out[i] = m
	}
	return out
}

func formatWidth(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}

// readNotice says how the query's partitions were read, from the statements that ran (after
// the bin cache and the wide split took their part). A bucketed query has its own notice.
func readNotice(plan *query.Plan, stmts []query.Statement, pieces int) notices {
	if plan.BucketColumn != "" || plan.Partitions < 2 || len(stmts) < 2 {
		return nil
	}
	_, most := statementPartitions(stmts)
	var text string
	switch {
	case pieces > 1:
		text = fmt.Sprintf("Read %d partitions in %d pieces of the time range: %d statements in parallel.", plan.Partitions, pieces, len(stmts))
	case most > 1:
		text = fmt.Sprintf("Read %d partitions with %d statements of at most %d partitions each, in parallel.", plan.Partitions, len(stmts), most)
	case len(stmts) == plan.Partitions:
		text = fmt.Sprintf("Read %d partitions with one statement each, in parallel.", plan.Partitions)
	default:
		text = fmt.Sprintf("Read %d partitions with %d statements (one per partition and time range), in parallel.", plan.Partitions, len(stmts))
	}
	return notices{{noticeRead, text}}
}
