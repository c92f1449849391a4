package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/binning"
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
	readers := &perReader{spec: spec, shape: shape, mem: mem}
	sc, err := e.scanAll(ctx, plan.Statements, 0, readers.newReader)
	if err != nil {
		return nil, nil, sc.rows, err
	}
	merged, err := readers.merged(first)
	if err != nil {
		return nil, nil, sc.rows, err
	}
	states, err := merged.Export(merged.StartMs(), merged.StartMs()+int64(merged.NumBins())*width.Milliseconds())
	return states, measures, sc.rows, err
}
