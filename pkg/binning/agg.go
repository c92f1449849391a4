package binning

import (
	"fmt"
	"strings"
)

// Agg names an aggregation applied to the points of one value column in a bin.
type Agg string

// The aggregations users can choose from.
const (
	AggAvg    Agg = "avg"
	AggMin    Agg = "min"
	AggMax    Agg = "max"
	AggSum    Agg = "sum"
	AggCount  Agg = "count"
	AggFirst  Agg = "first"
	AggLast   Agg = "last"
	AggStddev Agg = "stddev"
	AggP50    Agg = "p50"
	AggP75    Agg = "p75"
	AggP90    Agg = "p90"
	AggP95    Agg = "p95"
	AggP99    Agg = "p99"
	AggP999   Agg = "p999"
)

var allAggs = []Agg{
	AggAvg, AggMin, AggMax, AggSum, AggCount, AggFirst, AggLast, AggStddev,
	AggP50, AggP75, AggP90, AggP95, AggP99, AggP999,
}

var quantiles = map[Agg]float64{
	AggP50: 0.5, AggP75: 0.75, AggP90: 0.9, AggP95: 0.95, AggP99: 0.99, AggP999: 0.999,
}

// aliases accepts the names Pandas users know for the same aggregation.
var aliases = map[string]Agg{
	"mean":   AggAvg,
	"median": AggP50,
	"std":    AggStddev,
}

// Aggs returns every valid aggregation, in the order the query editor lists them.
func Aggs() []Agg {
	return append([]Agg(nil), allAggs...)
}

// ParseAgg validates an aggregation name. It ignores case and surrounding
// space and also accepts "mean" (avg), "median" (p50) and "std" (stddev).
func ParseAgg(s string) (Agg, error) {
	n := strings.ToLower(strings.TrimSpace(s))
	if a, ok := aliases[n]; ok {
		return a, nil
	}
	if Agg(n).Valid() {
		return Agg(n), nil
	}
	return "", unknownAggError(s)
}

func unknownAggError(s string) error {
	names := make([]string, len(allAggs))
	for i, a := range allAggs {
		names[i] = string(a)
	}
	return fmt.Errorf("unknown aggregation %q: valid aggregations are %s", s, strings.Join(names, ", "))
}

// Valid reports whether a is one of Aggs().
func (a Agg) Valid() bool {
	for _, v := range allAggs {
		if a == v {
			return true
		}
	}
	return false
}

// IsPercentile reports whether a is estimated with a sketch (p50 ... p999).
func (a Agg) IsPercentile() bool {
	_, ok := quantiles[a]
	return ok
}

// Quantile returns the quantile in [0, 1] of a percentile aggregation, or
// false for the others.
func (a Agg) Quantile() (float64, bool) {
	q, ok := quantiles[a]
	return q, ok
}
