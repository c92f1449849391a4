package query

import (
	"fmt"
	"strings"

	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// What Cassandra 5.0 serves from an index without ALLOW FILTERING (checked against it):
//   - SAI: = on any type, < <= > >= on numbers and times, any number of SAI columns together;
//     IN needs filtering.
//   - a legacy secondary index (and SASI, conservatively): = only, and one indexed column per
//     query; another index or any non-key filter beside it needs filtering.
//   - with an index, the partition key is either fixed by = (never IN: Cassandra refuses IN on
//     the partition key with an index) or not restricted at all, and then every other
//     restriction, the time range included, must be served by SAI.
//   - ORDER BY is refused whenever an index is used.

// saiRangeType reports whether SAI answers ranges on a CQL type: numbers and times do, text
// and other literal types answer = only.
func saiRangeType(cqlType string) bool {
	switch strings.ToLower(cqlType) {
	case "tinyint", "smallint", "int", "bigint", "varint", "float", "double", "decimal",
		"timestamp", "date", "time", "inet":
		return true
	}
	return false
}

// IndexServes reports whether the column's own index answers the operator without
// filtering (for the editor's marks as much as for planning).
func IndexServes(c schema.Column, op string) bool {
	switch c.Index {
	case schema.IndexSAI:
		switch op {
		case OpEq:
			return true
		case OpIn:
			return false
		}
		return saiRangeType(c.Type)
	case schema.IndexSecondary, schema.IndexSASI, schema.IndexCustom:
		return op == OpEq
	}
	return false
}

// restrictionOps are the operators a restriction sends: = for one value, IN for several, and
// each range operator.
func restrictionOps(r *restriction) []string {
	var ops []string
	switch {
	case len(r.eq) == 1:
		ops = append(ops, OpEq)
	case len(r.eq) > 1:
		ops = append(ops, OpIn)
	}
	for _, s := range r.slices {
		ops = append(ops, s.op)
	}
	return ops
}

// indexedRestrictions lists the restricted columns outside the primary key, which only an
// index can serve, in the table's column order.
func indexedRestrictions(t *schema.Table, restr map[string]*restriction) []*restriction {
	var out []*restriction
	for _, c := range t.Columns {
		if c.Kind == schema.PartitionKey || c.Kind == schema.Clustering {
			continue
		}
		if r := restr[c.Name]; r != nil {
			out = append(out, r)
		}
	}
	return out
}

// checkIndexed says why filters on non-key columns need ALLOW FILTERING, or nil when their
// indexes serve them.
func checkIndexed(rs []*restriction) error {
	var legacy []string
	sai := 0
	for _, r := range rs {
		c := r.col
		if c.Index == "" {
			return errorf(r.field+".column", "%q is not in the primary key and has no index, so filtering on it makes Cassandra read and filter every row in range; remove the filter, index the column (CREATE INDEX ... USING 'sai') or tick \"Allow filtering\"", c.Name)
		}
		for _, op := range restrictionOps(r) {
			if IndexServes(c, op) {
				continue
			}
			switch {
			case op == OpIn:
				return errorf(r.field+".op", "%q has %s index, which does not answer IN; filter on one value or tick \"Allow filtering\"", c.Name, indexPhrase(c))
			case c.Index == schema.IndexSAI:
				return errorf(r.field+".op", "%q is %s %s column: its SAI index answers = only (ranges work on numbers and times); use = or tick \"Allow filtering\"", c.Name, article(c.Type), c.Type)
			default:
				return errorf(r.field+".op", "%q has %s index, which answers = only; use = or tick \"Allow filtering\"", c.Name, indexPhrase(c))
			}
		}
		if c.Index == schema.IndexSAI {
			sai++
		} else {
			legacy = append(legacy, c.Name)
		}
	}
	if len(legacy) > 0 && len(rs) > 1 {
		others := make([]string, 0, len(rs))
		for _, r := range rs {
			if r.col.Name != legacy[0] {
				others = append(others, fmt.Sprintf("%q", r.col.Name))
			}
		}
		return errorf("filters", "%q has %s index, and Cassandra uses one such index per query: filtering also on %s needs \"Allow filtering\" (SAI indexes combine; legacy ones do not)", legacy[0], indexPhrase(restrictionsCol(rs, legacy[0])), strings.Join(others, ", "))
	}
	return nil
}

func restrictionsCol(rs []*restriction, name string) schema.Column {
	for _, r := range rs {
		if r.col.Name == name {
			return r.col
		}
	}
	return schema.Column{}
}

func indexPhrase(c schema.Column) string {
	switch c.Index {
	case schema.IndexSAI:
		return "an SAI"
	case schema.IndexSASI:
		return "a SASI"
	case schema.IndexCustom:
		return "a custom"
	}
	return "a secondary"
}

// saiScan reports whether a query that restricts no partition key column can run on SAI
// alone: every restriction, the time range included, is served by an SAI index.
func saiScan(t *schema.Table, tc schema.Column, restr map[string]*restriction) bool {
	if tc.Index != schema.IndexSAI || !saiRangeType(tc.Type) {
		return false
	}
	for _, c := range t.Columns {
		r := restr[c.Name]
		if r == nil {
			continue
		}
		if c.Kind == schema.PartitionKey || c.Index != schema.IndexSAI {
			return false
		}
		for _, op := range restrictionOps(r) {
			if !IndexServes(c, op) {
				return false
			}
		}
	}
	return true
}
