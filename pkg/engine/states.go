package engine

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/binning"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
)

// RollupStates bins a builder query's raw rows in [from, to) at width with every statistic
// (binning.RollupAggs) of each measure, and returns every series' bins: what the rollup writer
// stores. The query goes through the same planner, reader and binning as QueryData (every time
// column type, buckets, derived measures), without the bin cache and without rollups; from and
// to must be bin edges. The states' columns are the plan's measures, in order.
func (e *Engine) RollupStates(ctx context.Context, q *query.Query, from, to time.Time, width time.Duration) ([]*binning.State, []query.Measure, int64, error) {
	t, err := e.src.Table(ctx, q.Keyspace, q.Table)
	if err != nil {
		return nil, nil, 0, err
	}
	opts := e.opts.planOptions()
	opts.Width = width
	plan, err := query.BuildPlan(ctx, q, t, from, to, opts)
	if err != nil {
		return nil, nil, 0, err
	}
	if plan.Instant || q.Format != query.FormatTimeSeries {
		return nil, nil, 0, fmt.Errorf("a rollup bins a time series: %s is not one", q.Table)
	}
	measures := make([]query.Measure, len(plan.Measures))
	spec := binning.Spec{From: from, To: to, Width: width, Fill: binning.Fill{Mode: binning.FillNone}}
	for i, m := range plan.Measures {
		measures[i] = m
		measures[i].Aggregations = nil
		for _, a := range binning.RollupAggs {
			measures[i].Aggregations = append(measures[i].Aggregations, string(a))
		}
		spec.Columns = append(spec.Columns, binning.Column{Name: m.Name, Aggs: binning.RollupAggs})
	}
	first, err := binning.New(spec)
	if err != nil {
		return nil, nil, 0, err
	}
	mem, err := newMemBudget(ctx, e.opts.MaxQueryMemory, e.opts.pool, e.opts.MaxProcessMemory, first)
	defer mem.release()
	if err != nil {
		return nil, nil, 0, err
	}
	shape := seriesShape{timeColumn: plan.TimeColumn, timeUnit: plan.TimeUnit, seriesColumn: plan.SeriesColumns, measures: measures}
	var mu sync.Mutex
	binners := []*binning.Binner{first}
	s, err := e.scanAll(ctx, plan.Statements, 0, func(cols []cassandra.ColumnInfo) (rowReader, error) {
		b, err := binning.New(spec)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		binners = append(binners, b)
		mu.Unlock()
		return newSeriesReader(cols, shape, binRows(b, mem))
	})
	if err != nil {
		return nil, nil, s.rows, err
	}
	for _, o := range binners[1:] {
		if err := first.Merge(o); err != nil {
			return nil, nil, s.rows, fmt.Errorf("merge partial bins: %w", err)
		}
	}
	states, err := first.Export(first.StartMs(), first.StartMs()+int64(first.NumBins())*width.Milliseconds())
	return states, measures, s.rows, err
}
