// Package engine runs parsed queries against Cassandra: it plans the statements, reads
// partitions in parallel, streams rows into bins or tables, and returns data frames. The
// plugin and the standalone server both call QueryData; neither holds query logic.
package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"go.opentelemetry.io/otel/trace"

	"github.com/metricsserver/cassandra-datasource/pkg/bincache"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/errs"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// Source is what the engine needs from Cassandra. *cassandra.Client implements it.
type Source interface {
	Table(ctx context.Context, keyspace, table string) (*schema.Table, error)
	Query(ctx context.Context, cql string, args []any, opts cassandra.QueryOptions) *cassandra.Rows
}

// Options bound the work one query may do.
type Options struct {
	// MaxRows caps table and unbinned results; more rows are cut off with a warning.
	MaxRows int
	// MaxConcurrency caps the statements (partitions) read at once for one query, and the
	// queries of one request run at once.
	MaxConcurrency int
	// QueryTimeout bounds each query, paging included.
	QueryTimeout time.Duration
	// PageSize overrides the session's page size when > 0.
	PageSize int
	// DefaultKeyspace is used by builder queries that name no keyspace (the data source's
	// keyspace setting), so provisioned queries and alert rules can leave it out.
	DefaultKeyspace string
	// AllowedKeyspaces, when not empty, are the only keyspaces user queries read (the
	// allowedKeyspaces setting); Cassandra's system keyspaces are never read (see keyspaces.go).
	AllowedKeyspaces []string
	// MaxQueryMemory bounds, in bytes, what one binned query may hold in bins and results
	// (series x bins x aggregations); more is refused with an error naming what to reduce.
	MaxQueryMemory int64
	// MaxProcessMemory bounds, in bytes, what the binned queries of the whole process hold
	// at once, every request and data source together (see processPool): a query that would
	// pass it waits for others to finish, then fails. 0 means the default of 1 GiB.
	MaxProcessMemory int64
	// pool is the process's pool; tests set their own.
	pool *memPool
	// MaxBucketStatements caps the statements of a query over a time-bucketed table (0 means
	// query.DefaultMaxBucketStatements).
	MaxBucketStatements int
	// MaxPartitions caps the partitions a builder query names (0 means
	// query.DefaultMaxPartitions).
	MaxPartitions int
	// Cache keeps the closed bins of binned queries between requests, so a refresh reads only
	// newer rows; nil turns it off. One per data source (see NewCache).
	Cache *bincache.Cache
	// LateWindow is how long rows may arrive after their time and still be counted: bins
	// ending later than now minus LateWindow are read again on each refresh.
	LateWindow time.Duration
	// Now is the clock that decides which bins are closed; nil means time.Now.
	Now func() time.Time
	// Rollups, when set, is where metrics-server's rollups are read from (nil: raw rows only).
	Rollups RollupSource
	// SplitWide reads the long range of a binned query over few partitions as pieces in
	// parallel, up to MaxConcurrency statements (on unless the data source's
	// disableWideSplit: measured by scripts/bench.sh, a 1M-row partition read 2x faster).
	SplitWide bool
}

// OptionsFrom takes the limits from data source settings.
func OptionsFrom(s cassandra.Settings) Options {
	return Options{MaxBucketStatements: s.MaxBucketStatements, MaxPartitions: s.MaxPartitions, MaxRows: s.MaxRows, MaxConcurrency: s.MaxConcurrency, QueryTimeout: s.QueryTimeout.Std(), PageSize: s.PageSize, DefaultKeyspace: s.Keyspace,
		MaxQueryMemory: int64(min(s.MaxQueryMemoryMiB, 1<<30)) << 20, MaxProcessMemory: int64(min(s.MaxProcessMemoryMiB, 1<<30)) << 20, LateWindow: s.LateDataWindow.Std(),
		SplitWide: !s.DisableWideSplit, AllowedKeyspaces: s.AllowedKeyspaces}
}

// planOptions are the limits the planner applies to every plan of this engine.
func (o Options) planOptions() query.PlanOptions {
	return query.PlanOptions{MaxBucketStatements: o.MaxBucketStatements, MaxPartitions: o.MaxPartitions}
}

// Engine runs queries for one data source.
type Engine struct {
	src  Source
	opts Options
	// query runs one statement: src.Query, replaced by fakes in unit tests.
	query func(ctx context.Context, cql string, args []any, opts cassandra.QueryOptions) rows
}

// New returns an engine reading from src.
func New(src Source, opts Options) *Engine {
	if opts.MaxRows <= 0 {
		opts.MaxRows = cassandra.DefaultMaxRows
	}
	if opts.MaxConcurrency <= 0 {
		opts.MaxConcurrency = cassandra.DefaultMaxConcurrency
	}
	if opts.MaxQueryMemory <= 0 {
		opts.MaxQueryMemory = cassandra.DefaultMaxQueryMemoryMiB << 20
	}
	if opts.MaxProcessMemory <= 0 {
		opts.MaxProcessMemory = cassandra.DefaultMaxProcessMemoryMiB << 20
	}
	if opts.pool == nil {
		opts.pool = processPool
	}
	e := &Engine{src: src, opts: opts}
	e.query = tracedQuery(func(ctx context.Context, cql string, args []any, o cassandra.QueryOptions) rows {
		return src.Query(ctx, cql, args, o)
	})
	return e
}

// QueryData answers every query of a request; one failing query never fails the others.
func (e *Engine) QueryData(ctx context.Context, req *backend.QueryDataRequest) *backend.QueryDataResponse {
	resp := backend.NewQueryDataResponse()
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, e.opts.MaxConcurrency)
	for _, q := range req.Queries {
		wg.Add(1)
		go func(q backend.DataQuery) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r := e.Run(ctx, q)
			mu.Lock()
			resp.Responses[q.RefID] = r
			mu.Unlock()
		}(q)
	}
	wg.Wait()
	return resp
}

// Run answers one query of a Grafana request: its JSON parsed, then as RunQuery.
func (e *Engine) Run(ctx context.Context, dq backend.DataQuery) (res backend.DataResponse) {
	ctx, span := startQuerySpan(ctx, dq)
	defer func() { endQuerySpan(span, res) }() // after the recover below, so it sees its error
	defer func() {
		// A bug in one query's handling must not take the plugin down with the others.
		if p := recover(); p != nil {
			res = errs.Response(fmt.Errorf("internal error while running the query: %v", p))
		}
	}()
	q, err := query.Parse(dq.JSON)
	if err != nil {
		return errorResponse(err)
	}
	if q.IsEmpty() {
		return backend.DataResponse{}
	}
	r := request{q: q, from: dq.TimeRange.From.UTC(), to: dq.TimeRange.To.UTC(), interval: dq.Interval, maxDataPoints: dq.MaxDataPoints, refID: dq.RefID}
	out, err := e.run(ctx, span, r)
	if err != nil {
		return errorResponse(err)
	}
	return out
}

// Request is one query as Go values, for callers that build queries in Go (metrics-server's
// seed routes): no JSON between them and the engine. Query is as query.Parse returns it.
type Request struct {
	Query         *query.Query
	From, To      time.Time
	Interval      time.Duration
	MaxDataPoints int64
}

// RunQuery answers one query: its frames (with their notices), or an error that pkg/errs maps
// to the status and source Run would give it.
func (e *Engine) RunQuery(ctx context.Context, req Request) (frames data.Frames, err error) {
	ctx, span := startQuerySpan(ctx, backend.DataQuery{RefID: req.Query.RefID})
	defer func() { endQuerySpan(span, backend.DataResponse{Frames: frames, Error: err}) }()
	defer func() {
		if p := recover(); p != nil {
			frames, err = nil, fmt.Errorf("internal error while running the query: %v", p)
		}
	}()
	q := *req.Query // the caller's query is left as it was (the default keyspace is set below)
	r := request{q: &q, from: req.From.UTC(), to: req.To.UTC(), interval: req.Interval, maxDataPoints: req.MaxDataPoints, refID: q.RefID}
	out, err := e.run(ctx, span, r)
	if err != nil {
		return nil, classify(err)
	}
	return out.Frames, nil
}

// run checks a parsed query and runs it within the query timeout.
func (e *Engine) run(ctx context.Context, span trace.Span, r request) (backend.DataResponse, error) {
	q := r.q
	if q.QueryType == query.QueryTypeBuilder && q.Keyspace == "" {
		q.Keyspace = e.opts.DefaultKeyspace
	}
	if err := q.Validate(); err != nil {
		return backend.DataResponse{}, err
	}
	if err := e.checkKeyspace(q); err != nil {
		return backend.DataResponse{}, err
	}
	describeQuerySpan(span, q)
	if e.opts.QueryTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.opts.QueryTimeout)
		defer cancel()
	}
	if q.QueryType == query.QueryTypeCQL {
		return e.runCQL(ctx, r)
	}
	return e.runBuilder(ctx, r)
}

type request struct {
	q             *query.Query
	from, to      time.Time
	interval      time.Duration
	maxDataPoints int64
	refID         string
}

// errorResponse is one query's failed answer: status and error source from the one mapping
// (pkg/errs).
func errorResponse(err error) backend.DataResponse { return errs.Response(classify(err)) }

// classify gives the engine's own errors their kind for pkg/errs.
func classify(err error) error {
	var ce *cassandra.Error
	switch {
	case errors.Is(err, errMemoryBusy):
		return errs.Wrap(errs.Busy, err)
	case (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) && !errors.As(err, &ce):
		return fmt.Errorf("the query was canceled or timed out: %w", err)
	}
	return err
}

// userError is a problem with the query that only shows once data arrives (e.g. a raw CQL
// result without a time column asked for as a time series).
type userError struct{ msg string }

func (e *userError) Error() string { return e.msg }

// ErrorKind makes it bad input for the one mapping (pkg/errs).
func (e *userError) ErrorKind() errs.Kind { return errs.BadInput }

func userErrorf(format string, args ...any) error {
	return &userError{msg: fmt.Sprintf(format, args...)}
}
