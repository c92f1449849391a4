package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
)

// A bucketed table (PRIMARY KEY ((sensor, day), ts)) is read one statement per bucket and
// partition; the plan lists them and scanAll runs them in parallel within MaxConcurrency.
// What is added here is the account of that read: how many buckets and statements, and which
// found no rows.

// bucketReads counts the rows of each statement of a bucketed plan as it runs.
type bucketReads struct {
	plan *query.Plan
	// labels maps a bucket column value (as printed) to its bucket's label.
	labels map[string]string
	// planned is the statements the query means to run: the plan's, or those of the ranges a
	// cache refresh or a split of the range reads instead (see reading).
	planned int
	// fromCache is set when the bin cache answers the rest of the range.
	fromCache bool
	mu        sync.Mutex
	runs      []*bucketRun
}

type bucketRun struct {
	bucket string
	rows   int64
}

// readingBuckets returns a copy of the engine whose statements count their rows into the
// returned bucketReads. The copy lives for one query.
func (e *Engine) readingBuckets(plan *query.Plan) (*Engine, *bucketReads) {
	br := &bucketReads{plan: plan, labels: map[string]string{}}
	br.reading(plan.Statements, false)
	c := *e
	inner := e.query
	c.query = func(ctx context.Context, cql string, args []any, o cassandra.QueryOptions) rows {
		run := &bucketRun{}
		if plan.BucketArg < len(args) {
			v := fmt.Sprint(args[plan.BucketArg])
			run.bucket = br.labels[v]
			if run.bucket == "" {
				run.bucket = v
			}
		}
		br.mu.Lock()
		br.runs = append(br.runs, run)
		br.mu.Unlock()
		return &countedRows{rows: inner(ctx, cql, args, o), run: run}
	}
	return &c, br
}

// reading sets the statements the query runs in place of the plan's (a cache refresh reads
// only the bins the cache lacks, a split reads the range by pieces), so that the notice
// compares the statements run with these; fromCache says the cache gave the other bins.
// Nothing on a nil bucketReads.
func (br *bucketReads) reading(stmts []query.Statement, fromCache bool) {
	if br == nil {
		return
	}
	br.planned, br.fromCache = len(stmts), fromCache
	for _, st := range stmts {
		if br.plan.BucketArg < len(st.Args) {
			br.labels[fmt.Sprint(st.Args[br.plan.BucketArg])] = st.Bucket
		}
	}
}

// countedRows counts the rows a statement gave; each statement is read by one worker.
type countedRows struct {
	rows
	run *bucketRun
}

func (r *countedRows) Next(dest ...any) bool {
	if r.rows.Next(dest...) {
		r.run.rows++
		return true
	}
	return false
}

// maxEmptyListed bounds the empty buckets a notice names.
const maxEmptyListed = 5

// notice says how many buckets and statements were read and which found no rows.
func (br *bucketReads) notice(maxConcurrency int) string {
	br.mu.Lock()
	defer br.mu.Unlock()
	buckets := map[string]bool{}
	var empty []string
	emptyBuckets := map[string]int{}
	for _, r := range br.runs {
		buckets[r.bucket] = true
		if r.rows == 0 {
			if emptyBuckets[r.bucket] == 0 {
				empty = append(empty, r.bucket)
			}
			emptyBuckets[r.bucket]++
		}
	}
	sort.Strings(empty)
	p := br.plan
	if len(br.runs) == 0 && br.fromCache {
		return fmt.Sprintf("Every bin from the bin cache: no %s bucket of %q read.", granularityOf(p), p.BucketColumn)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Read %d %s buckets of %q with %d statements, at most %d at once", len(buckets), granularityOf(p), p.BucketColumn, len(br.runs), min(maxConcurrency, max(len(br.runs), 1)))
	if n := br.planned - len(br.runs); n > 0 {
		fmt.Fprintf(&b, " (%d more not read: the scan stopped early)", n)
	}
	if br.fromCache {
		b.WriteString("; the other bins from the bin cache")
	}
	emptyRuns := 0
	for _, n := range emptyBuckets {
		emptyRuns += n
	}
	switch {
	case emptyRuns == 0:
		b.WriteString("; every statement found rows.")
	default:
		listed := empty
		if len(listed) > maxEmptyListed {
			listed = listed[:maxEmptyListed]
		}
		parts := make([]string, len(listed))
		for i, l := range listed {
			parts[i] = l
			if n := emptyBuckets[l]; n > 1 {
				parts[i] = fmt.Sprintf("%s (%d partitions)", l, n)
			}
		}
		more := ""
		if len(empty) > len(listed) {
			more = fmt.Sprintf(" and %d more", len(empty)-len(listed))
		}
		fmt.Fprintf(&b, "; %d found no rows, in buckets %s%s.", emptyRuns, strings.Join(parts, ", "), more)
	}
	return b.String()
}

func granularityOf(p *query.Plan) string {
	if p.BucketGranularity != "" {
		return p.BucketGranularity
	}
	return "time"
}

// finishBuckets adds the bucket notice to a bucketed query's answer and, for a table, puts the
// rows of the parallel statements in time order.
func (e *Engine) finishBuckets(res *backend.DataResponse, br *bucketReads, format query.Format) {
	if br == nil || res.Error != nil || len(res.Frames) == 0 {
		return
	}
	f := res.Frames[0]
	if format == query.FormatTable {
		sortFrameBy(f, br.plan.TimeColumn)
	}
	if f.Meta == nil {
		f.Meta = &data.FrameMeta{}
	}
	// First: it says how the partitions were read (readNotice leaves bucketed queries to it).
	f.Meta.Notices = append([]data.Notice{{Severity: data.NoticeSeverityInfo, Text: br.notice(e.opts.MaxConcurrency)}}, f.Meta.Notices...)
}

// sortFrameBy orders a table frame's rows by one field (stable), when that field holds
// times or integers; other fields are left as they are.
func sortFrameBy(f *data.Frame, name string) {
	idx := -1
	for i, fl := range f.Fields {
		if fl.Name == name {
			idx = i
		}
	}
	n, err := f.RowLen()
	if idx < 0 || err != nil || n < 2 {
		return
	}
	key := func(i int) (int64, bool) {
		switch v := f.Fields[idx].At(i).(type) {
		case time.Time:
			return v.UnixNano(), true
		case *time.Time:
			if v != nil {
				return v.UnixNano(), true
			}
		case int64:
			return v, true
		case *int64:
			if v != nil {
				return *v, true
			}
		case int32:
			return int64(v), true
		case *int32:
			if v != nil {
				return int64(*v), true
			}
		}
		return 0, false
	}
	order := make([]int, n)
	keys := make([]int64, n)
	for i := range order {
		order[i] = i
		k, ok := key(i)
		if !ok && f.Fields[idx].At(i) != nil {
			return // not a field this sorts (e.g. a timeuuid as text)
		}
		keys[i] = k
	}
	sort.SliceStable(order, func(a, b int) bool { return keys[order[a]] < keys[order[b]] })
	for _, fl := range f.Fields {
		vals := make([]any, n)
		for i, j := range order {
			vals[i] = fl.At(j)
		}
		for i, v := range vals {
			fl.Set(i, v)
		}
	}
}
