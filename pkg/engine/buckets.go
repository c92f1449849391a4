package engine

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/metricsserver/cassandra-datasource/pkg/query"
)

// A bucketed table (PRIMARY KEY ((sensor, day), ts)) is read one statement per bucket and
// partition; the plan lists them and scanAll runs them in parallel within MaxConcurrency.
// What is added here is the account of that read, from what the scan counted: how many
// buckets and statements, and which found no rows.

// maxEmptyListed bounds the empty buckets a notice names.
const maxEmptyListed = 5

// bucketNotice says how many buckets and statements were read and which found no rows. runs
// are the rows per statement of stmts (-1 for one not run); fromCache says the bin cache gave
// the other bins.
func bucketNotice(p *query.Plan, stmts []query.Statement, runs []int64, fromCache bool, maxConcurrency int) string {
	buckets := map[string]bool{}
	var empty []string
	emptyBuckets := map[string]int{}
	ran := 0
	for i, n := range runs {
		if n < 0 {
			continue
		}
		ran++
		b := stmts[i].Bucket
		buckets[b] = true
		if n == 0 {
			if emptyBuckets[b] == 0 {
				empty = append(empty, b)
			}
			emptyBuckets[b]++
		}
	}
	sort.Strings(empty)
	if ran == 0 && fromCache {
		return fmt.Sprintf("Every bin from the bin cache: no %s bucket of %q read.", granularityOf(p), p.BucketColumn)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Read %d %s buckets of %q with %d statements, at most %d at once", len(buckets), granularityOf(p), p.BucketColumn, ran, min(maxConcurrency, max(ran, 1)))
	if n := len(stmts) - ran; n > 0 {
		fmt.Fprintf(&b, " (%d more not read: the scan stopped early)", n)
	}
	if fromCache {
		b.WriteString("; the other bins from the bin cache")
	}
	emptyRuns := 0
	for _, n := range emptyBuckets {
		emptyRuns += n
	}
	if emptyRuns == 0 {
		b.WriteString("; every statement found rows.")
		return b.String()
	}
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
	return b.String()
}

func granularityOf(p *query.Plan) string {
	if p.BucketGranularity != "" {
		return p.BucketGranularity
	}
	return "time"
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
