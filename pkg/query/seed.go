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

// MeasureRules are a kind of table's conventions: the derived measures it offers and the
// aggregation each measure gets when the user picks none. The planner, the editor's measure
// list and the preview ask the rules of the table (RulesFor) instead of knowing any table's
// conventions themselves.
type MeasureRules interface {
	// Derived lists the derived measures of t.
	Derived(t *schema.Table) []DerivedMeasure
	// DefaultAggregation is the aggregation of measure on t when the user picks none.
	DefaultAggregation(t *schema.Table, measure string) string
	// Needs says what a derived measure of this kind needs when t lacks it ("" when it is
	// not one of the kind's measures), for the planner's "does not exist" message.
	Needs(measure string) string
}

// DerivedMeasure is a measure computed per row: Columns[0] - Columns[1], the one formula the
// rules use (a running total less the previous one).
type DerivedMeasure struct {
	Name    string
	Type    string
	Columns []string
}

// RulesFor is the rules of a table: the metrics reporters' for tables of their shape
// (IsSeedShaped), the generic ones otherwise.
func RulesFor(t *schema.Table) MeasureRules {
	if IsSeedShaped(t) {
		return reporterRules{}
	}
	return genericRules{}
}

// derivedOf is the derived measure name of t, if the rules offer one. A real column of the
// same name wins.
func derivedOf(t *schema.Table, name string) (DerivedMeasure, bool) {
	if _, isColumn := t.Column(name); isColumn {
		return DerivedMeasure{}, false
	}
	for _, d := range RulesFor(t).Derived(t) {
		if d.Name == name {
			return d, true
		}
	}
	return DerivedMeasure{}, false
}

// genericRules: no derived measures; min and max keep their meaning, the rest is averaged.
type genericRules struct{}

func (genericRules) Derived(*schema.Table) []DerivedMeasure { return nil }

func (genericRules) DefaultAggregation(_ *schema.Table, measure string) string {
	switch measure {
	case "min":
		return "min"
	case "max":
		return "max"
	}
	return "avg"
}

func (genericRules) Needs(measure string) string { return reporterRules{}.Needs(measure) }

// reporterRules are the metrics reporters' (the seed's): interval_count, and their own
// default aggregations.
type reporterRules struct{}

func (reporterRules) Derived(*schema.Table) []DerivedMeasure {
	return []DerivedMeasure{{Name: IntervalCount, Type: "bigint", Columns: []string{"count", "previous_count"}}}
}

func (reporterRules) Needs(measure string) string {
	if measure == IntervalCount {
		return "interval_count needs bigint columns count and previous_count"
	}
	return ""
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
	return RulesFor(t).DefaultAggregation(t, measure)
}

func (reporterRules) DefaultAggregation(_ *schema.Table, measure string) string {
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
	for _, d := range RulesFor(t).Derived(t) {
		if _, isColumn := t.Column(d.Name); !isColumn {
			out = append(out, MeasureInfo{Name: d.Name, Type: d.Type, Derived: true, DefaultAggregation: DefaultAggregation(t, d.Name)})
		}
	}
	return out
}
