package query

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// BenchmarkBuildPlanIN plans a builder query whose IN filter holds n distinct values. The
// time per value must stay flat as n grows: de-duplication is linear.
func BenchmarkBuildPlanIN(b *testing.B) {
	// Above MaxFanOut, so every size makes one IN statement.
	for _, n := range []int{300, 600, MaxFilterValues} {
		b.Run(fmt.Sprintf("values=%d", n), func(b *testing.B) {
			q := with(seedQuery("p99"), func(q *Query) {
				q.Filters[2] = Filter{Column: "metric_name", Op: "IN", Values: names(n)}
			})
			b.ReportAllocs()
			for b.Loop() {
				if _, err := BuildPlan(context.Background(), q, seedTimer(), t0, t1, PlanOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/value")
		})
	}
}

// BenchmarkFilterValues converts and de-duplicates n values of one filter, past the bound
// that Validate puts on n, to show the cost per value stays flat.
func BenchmarkFilterValues(b *testing.B) {
	table := seedTimer()
	tc, _ := table.Column("metric_timestamp")
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("values=%d", n), func(b *testing.B) {
			q := with(seedQuery("p99"), func(q *Query) {
				q.Filters[2] = Filter{Column: "metric_name", Op: "IN", Values: names(n)}
			})
			b.ReportAllocs()
			for b.Loop() {
				if _, err := collectFilters(context.Background(), q, table, tc, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/value")
		})
	}
}

// BenchmarkPrepareRaw checks, expands and re-checks a raw CQL query of about size bytes: a
// SELECT whose IN list of short literals fills the text, the worst case for token count.
func BenchmarkPrepareRaw(b *testing.B) {
	for _, size := range []int{64 << 10, 256 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("bytes=%d", size), func(b *testing.B) {
			cql := rawOfSize(size)
			q := &Query{QueryType: QueryTypeCQL, RawCQL: cql}
			from := time.UnixMilli(1700000000000).UTC()
			b.ReportAllocs()
			b.SetBytes(int64(len(cql)))
			for b.Loop() {
				_ = q.Validate()
				_, _ = PrepareRaw(q, from, from.Add(time.Hour), time.Minute)
			}
		})
	}
}

// rawOfSize is a SELECT of about n bytes with a macro at each end.
func rawOfSize(n int) string {
	var sb strings.Builder
	// Conditions, not one long IN list: a statement's IN lists are bounded on their own.
	sb.WriteString("SELECT a FROM t WHERE ts >= $__timeFrom")
	for sb.Len() < n-40 {
		sb.WriteString(" AND k=1")
	}
	sb.WriteString(" AND ts < $__timeTo")
	return sb.String()
}
