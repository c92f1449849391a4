package query

import (
	"strings"

	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// IntervalCount is the derived measure count - previous_count: how many events a reporter
// counted during one reporting interval. Tables of the metrics reporters' shape store running
// totals, so this is the number users usually want to see.
const IntervalCount = "interval_count"

// MeasureInfo describes a measure a table offers, for the editor's measure picker.
type MeasureInfo struct {
	Name               string `json:"name"`
	Type               string `json:"type"`
	Derived            bool   `json:"derived"`
	DefaultAggregation string `json:"defaultAggregation"`
}

// IsSeedShaped reports whether the table has the metrics reporters' counter columns,
// count and previous_count (integers), and so offers interval_count and the reporters'
// default aggregations.
func IsSeedShaped(t *schema.Table) bool {
	if t == nil {
		return false
	}
	c, ok1 := t.Column("count")
	p, ok2 := t.Column("previous_count")
	return ok1 && ok2 && isInteger(c.Type) && isInteger(p.Type)
}

// hasDerived reports whether name is a derived measure of this table. A real column of the
// same name wins.
func hasDerived(t *schema.Table, name string) bool {
	if name != IntervalCount || !IsSeedShaped(t) {
		return false
	}
	_, isColumn := t.Column(name)
	return !isColumn
}

func isInteger(cqlType string) bool {
	switch strings.ToLower(cqlType) {
	case "tinyint", "smallint", "int", "bigint", "varint", "counter":
		return true
	}
	return false
}

// DefaultAggregation is the aggregation a measure gets when the user picks none.
//
// On tables of the reporters' shape these are the reporters' own choices: running totals and
// rates and upper percentiles take the max of a bin (the worst case shows), min the min, means
// the average, and interval_count is summed (events per bin). On other tables min and max keep
// their meaning and everything else is averaged.
func DefaultAggregation(t *schema.Table, measure string) string {
	if !IsSeedShaped(t) {
		switch measure {
		case "min":
			return "min"
		case "max":
			return "max"
		}
		return "avg"
	}
	switch measure {
	case IntervalCount:
		return "sum"
	case "count", "previous_count",
		"p75", "p95", "p98", "p99", "p999", "median", "max", "std_dev",
		"one_min_rate", "five_min_rate", "fifteen_min_rate":
		return "max"
	case "min":
		return "min"
	case "mean", "mean_rate":
		return "avg"
	}
	return "avg"
}

// Measures lists what the table offers as value columns: its numeric columns outside the
// primary key, in schema order, then the derived measures.
func Measures(t *schema.Table) []MeasureInfo {
	if t == nil {
		return nil
	}
	var out []MeasureInfo
	for _, c := range t.Columns {
		if c.Kind == schema.PartitionKey || c.Kind == schema.Clustering || !schema.IsNumeric(c.Type) {
			continue
		}
		out = append(out, MeasureInfo{Name: c.Name, Type: c.Type, DefaultAggregation: DefaultAggregation(t, c.Name)})
	}
	if hasDerived(t, IntervalCount) {
		out = append(out, MeasureInfo{Name: IntervalCount, Type: "bigint", Derived: true, DefaultAggregation: DefaultAggregation(t, IntervalCount)})
	}
	return out
}
