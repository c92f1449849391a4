package engine

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"
	"unicode"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// explainTimeout bounds the one look at the table that explains an empty answer: it is advice,
// never worth holding the answer up for.
const explainTimeout = 5 * time.Second

// bucketSamples is how many partition keys the bucket look reads (SELECT DISTINCT ... LIMIT).
const bucketSamples = 10

// explainEmpty looks once at what the table holds when a builder query found no rows, and
// says so when the stored values have another shape than the query assumes: a bucket format
// that does not match the bucket column's values, or an epoch unit that does not match the
// time column's magnitude. It answers "" when nothing disagrees or the look fails: the answer
// stays "no data" either way.
func (e *Engine) explainEmpty(ctx context.Context, q *query.Query, plan *query.Plan, t *schema.Table) string {
	ctx, cancel := context.WithTimeout(ctx, explainTimeout)
	defer cancel()
	switch {
	case plan.BucketColumn != "" && len(plan.Statements) > 0:
		return e.explainBuckets(ctx, q, plan, t)
	case plan.TimeKind == query.TimeKindEpoch && plan.Sample.CQL != "":
		return e.explainEpochUnit(ctx, plan)
	}
	return ""
}

// explainBuckets compares the bucket values the query asked for with some the table holds.
func (e *Engine) explainBuckets(ctx context.Context, q *query.Query, plan *query.Plan, t *schema.Table) string {
	bc, ok := t.Column(plan.BucketColumn)
	if !ok || strings.EqualFold(bc.Type, "date") || strings.EqualFold(bc.Type, "timestamp") {
		return "" // a date or timestamp bucket has no format to get wrong
	}
	asked := plan.Statements[0].Args[plan.BucketArg]
	var keys []string
	dests := make([]any, 0, len(t.PartitionKey()))
	idx := -1
	var held any
	for i, c := range t.PartitionKey() {
		keys = append(keys, schema.QuoteIdent(c.Name))
		if c.Name == bc.Name {
			idx = i
		}
		var v any
		dests = append(dests, &v)
	}
	if idx < 0 {
		return ""
	}
	cql := fmt.Sprintf("SELECT DISTINCT %s FROM %s LIMIT %d", strings.Join(keys, ", "), t.QualifiedName(), bucketSamples)
	rs := e.query(ctx, cql, nil, cassandra.QueryOptions{PageSize: bucketSamples})
	var seen []string
	for rs.Next(dests...) {
		held = *(dests[idx].(*any))
		s := fmt.Sprint(held)
		if shape(s) == shape(fmt.Sprint(asked)) {
			_ = rs.Close()
			return "" // some partition holds values of the asked shape: the shape is not the reason
		}
		seen = append(seen, s)
	}
	if err := rs.Close(); err != nil || len(seen) == 0 {
		return ""
	}
	return fmt.Sprintf("No rows: the bucket column %q holds values like %s, but the bucket format %s makes %s: set the bucket format to match the stored values",
		bc.Name, quoteList(seen, 3), formatName(q.BucketFormat, plan.BucketGranularity), quoteValue(asked))
}

// explainEpochUnit reads one row's time without the time bound and compares its magnitude
// with the unit the query reads it in.
func (e *Engine) explainEpochUnit(ctx context.Context, plan *query.Plan) string {
	rs := e.query(ctx, plan.Sample.CQL, plan.Sample.Args, cassandra.QueryOptions{PageSize: 1})
	var v any
	ok := rs.Next(&v)
	if err := rs.Close(); err != nil || !ok {
		return ""
	}
	n, isNum := toFloat(v)
	if !isNum || n == 0 {
		return ""
	}
	looks := unitOfMagnitude(n)
	if looks == "" || looks == plan.TimeUnit {
		return ""
	}
	return fmt.Sprintf("No rows: the time column %q holds values like %.3g, which look like %s since 1970, but the time unit is %s: set the time unit to %s",
		plan.TimeColumn, n, unitWords[looks], unitWords[plan.TimeUnit], looks)
}

var unitWords = map[string]string{
	query.UnitSeconds: "seconds", query.UnitMillis: "milliseconds", query.UnitMicros: "microseconds", query.UnitNanos: "nanoseconds",
}

// unitOfMagnitude is the epoch unit in which n is a time between 1973 and about 5000 (10^8 s
// to 10^11 s): each unit's range is a thousand times the one before, so they do not overlap.
func unitOfMagnitude(n float64) string {
	a := math.Abs(n)
	switch {
	case a >= 1e8 && a < 1e11:
		return query.UnitSeconds
	case a >= 1e11 && a < 1e14:
		return query.UnitMillis
	case a >= 1e14 && a < 1e17:
		return query.UnitMicros
	case a >= 1e17:
		return query.UnitNanos
	}
	return ""
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case int:
		return float64(x), true
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, true
	}
	return 0, false
}

// shape is a value's layout: digits as 9, letters as a, anything else as itself, so
// 20261130 and 2026-11-30 differ and two days of one format do not.
func shape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			b.WriteByte('9')
		case unicode.IsLetter(r):
			b.WriteByte('a')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func quoteValue(v any) string { return "`" + fmt.Sprint(v) + "`" }

func quoteList(vals []string, n int) string {
	var out []string
	seen := map[string]bool{}
	for _, v := range vals {
		if len(out) == n {
			break
		}
		if !seen[v] {
			seen[v] = true
			out = append(out, "`"+v+"`")
		}
	}
	return strings.Join(out, ", ")
}

func formatName(format, gran string) string {
	if format == "" {
		return "(the default for " + gran + ")"
	}
	return "`" + format + "`"
}
