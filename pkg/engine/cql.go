package engine

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/metricsserver/cassandra-datasource/pkg/binning"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
)

// runCQL runs the user's own SELECT after the read-only guard and macro expansion.
func (e *Engine) runCQL(ctx context.Context, r request) (backend.DataResponse, error) {
	// $__interval is the bin width the query would get, so raw CQL can GROUP BY the same bins.
	width, err := binning.ResolveWidth(r.q.Interval, r.from, r.to, r.interval, r.maxDataPoints)
	if err != nil {
		return backend.DataResponse{}, &userError{msg: "interval: " + err.Error()}
	}
	stmt, err := query.PrepareRawIn(r.q, r.from, r.to, width, e.keyspaces())
	if err != nil {
		return backend.DataResponse{}, err
	}
	stmts := []query.Statement{{CQL: stmt}}
	if r.q.Format == query.FormatTable {
		return e.table(e.scanStatements(ctx, stmts), 0, tableTime{column: r.q.TimeColumn, unit: r.q.TimeUnit}, nil, stmt, &notices{}, "")
	}

	// A refresh runs the same SELECT over only the parts of the window the bin cache lacks.
	rf, timeCol := e.rawRefresh(r, width)
	run, executed, err := rawStatements(r, width, stmt, rf, e.keyspaces())
	if err != nil {
		return backend.DataResponse{}, err
	}

	// The shape of a time series comes from the result's columns: the first timestamp column
	// is the time, numeric columns are values, everything else labels the series.
	rows := e.query(ctx, run[0], nil, cassandra.QueryOptions{PageSize: e.opts.PageSize})
	if len(rows.Columns()) == 0 {
		// No result metadata means Cassandra refused the statement: report its reason.
		if err := rows.Close(); err != nil {
			return backend.DataResponse{}, err
		}
	}
	shape, err := shapeFromColumns(rows.Columns(), r.q)
	if err != nil {
		_ = rows.Close()
		return backend.DataResponse{}, err
	}
	if rf != nil && (shape.timeColumn != timeCol || !rf.accepts(shapeOutputs(shape))) {
		// Rows filtered on another column than the one they are binned by, or cached bins of
		// other columns: the whole window is read. The first range's statement is already
		// running, so the rest of the window is read around it: every row once, and no
		// statement twice.
		if rf.partial() {
			if run, executed, err = wholeWindow(r, width, run[0], rf.firstRange(r), e.keyspaces()); err != nil {
				_ = rows.Close()
				return backend.DataResponse{}, err
			}
		}
		if shape.timeColumn != timeCol {
			rf = nil
		} else {
			rf.miss(r)
		}
	}
	scanned := false
	scan := func(newReader readerFactory) (int64, error) {
		if scanned {
			return 0, fmt.Errorf("a raw CQL result can be read once")
		}
		scanned = true
		rr, err := newReader(rows.Columns())
		if err != nil {
			_ = rows.Close()
			return 0, err
		}
		n, err := drainCounted(ctx, rows, rr)
		for _, s := range run[1:] {
			if err != nil {
				break
			}
			var more int64
			more, err = drainCounted(ctx, e.query(ctx, s, nil, cassandra.QueryOptions{PageSize: e.opts.PageSize}), rr)
			n += more
		}
		return n, err
	}
	// A query refused before its scan (bins, memory budget) still releases the result.
	defer func() {
		if !scanned {
			_ = rows.Close()
		}
	}()
	if r.q.Binning {
		return e.binned(ctx, r, width, scan, 0, shape, executed, &notices{}, rf, nil)
	}
	return e.unbinned(r, scan, shape, stmt)
}

func shapeFromColumns(cols []cassandra.ColumnInfo, q *query.Query) (seriesShape, error) {
	var shape seriesShape
	aggs := q.Aggregations
	if len(aggs) == 0 {
		aggs = []string{"avg"}
	}
	for _, c := range cols {
		switch {
		case shape.timeColumn == "" && (q.TimeColumn == "" || q.TimeColumn == c.Name) && isTimeColumn(c, rawTimeUnit(q, c)):
			shape.timeColumn = c.Name
			shape.timeUnit = rawTimeUnit(q, c)
		case cassandra.IsNumericType(c.TypeInfo):
			shape.measures = append(shape.measures, query.Measure{Name: c.Name, Aggregations: aggs, Columns: []string{c.Name}})
		default:
			shape.seriesColumn = append(shape.seriesColumn, c.Name)
		}
	}
	if shape.timeColumn == "" {
		return shape, userErrorf("the result has no timestamp column: select one (e.g. the table's time column; a timeuuid works too, and an epoch number when the editor's Time column and Time unit name it: timeColumn and timeUnit) or use the table format")
	}
	if len(shape.measures) == 0 {
		return shape, userErrorf("the result has no numeric column to plot: select one, or use the table format")
	}
	return shape, nil
}

// unbinned returns raw points per series, sorted by time, capped at MaxRows points.
func (e *Engine) unbinned(r request, scan scanFunc, shape seriesShape, executed string) (backend.DataResponse, error) {
	type points struct {
		key    string
		labels map[string]string
		times  []time.Time
		vals   [][]*float64
	}
	all := map[string]*points{}
	maxRows := int64(e.opts.MaxRows)
	var kept int64
	truncated := false
	_, err := scan(func(cols []cassandra.ColumnInfo) (rowReader, error) {
		return newSeriesReader(cols, shape, func(s *seriesRef, ms int64, vals []float64, ok []bool) error {
			if kept >= maxRows {
				truncated = true
				return nil
			}
			kept++
			p := all[s.key]
			if p == nil {
				p = &points{key: s.key, labels: s.labels, vals: make([][]*float64, len(vals))}
				all[s.key] = p
			}
			p.times = append(p.times, time.UnixMilli(ms).UTC())
			for i, v := range vals {
				var x *float64
				if ok[i] {
					v := v
					x = &v
				}
				p.vals[i] = append(p.vals[i], x)
			}
			return nil
		})
	})
	if err != nil {
		return backend.DataResponse{}, err
	}
	var results []binning.SeriesResult
	for _, p := range all {
		idx := make([]int, len(p.times))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return p.times[idx[a]].Before(p.times[idx[b]]) })
		res := binning.SeriesResult{Key: p.key, Labels: p.labels}
		for _, i := range idx {
			res.Times = append(res.Times, p.times[i])
		}
		for j, m := range shape.measures {
			col := make([]*float64, len(idx))
			for k, i := range idx {
				col[k] = p.vals[j][i]
			}
			res.Values = append(res.Values, col)
			res.Names = append(res.Names, binning.Output{Column: m.Name})
		}
		results = append(results, res)
	}
	sortResults(results)
	var ns notices
	if truncated {
		ns.add(noticeTruncated, "Truncated to the first %d points (the data source's max rows): turn on binning or narrow the query.", maxRows)
	}
	single := make([]query.Measure, len(shape.measures))
	for i, m := range shape.measures {
		m.Aggregations = nil
		single[i] = m
	}
	frames := seriesFrames(results, single, r.q.Alias)
	return backend.DataResponse{Frames: withMeta(frames, executed, ns, len(frames) > 0)}, nil
}
