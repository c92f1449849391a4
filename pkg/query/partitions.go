package query

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// MaxStatementPartitions is the most partitions one statement names. IN filters on several
// partition key columns multiply: three lists of 1,000 values name 10^9 partitions, and one
// coordinator gathers every one of them (a single node was seen to die of it). ScyllaDB
// refuses more than 100 partition key restrictions by default; Cassandra's guardrail for it
// (partition_keys_in_select_fail_threshold) ships off, so the planner bounds it itself.
const MaxStatementPartitions = 100

// MaxStatementCombinations is the most IN combinations one statement names: its partitions
// times the combinations of its clustering column IN filters (Cassandra's
// in_select_cartesian_product guardrail counts the same).
const MaxStatementCombinations = 1000

// DefaultMaxPartitions is the most partitions one builder query names in all (the data
// source's maxPartitions setting when it sets none).
const DefaultMaxPartitions = 10000

// keyValues is what one statement says of the partition key: per partition key column in key
// order, its values (one value is written as =, more as IN).
type keyValues [][]any

// partitions is how many partitions the values name: the product of the lists.
func (k keyValues) partitions() int {
	n := 1
	for _, vals := range k {
		n *= len(vals)
	}
	return n
}

// keyCount is the product of the value counts of lists, exactly (IN lists of 1,000 values on
// several columns overflow any fixed-size integer quickly), with the factors for messages.
func keyCount(names []string, lists [][]any) (*big.Int, string) {
	n := big.NewInt(1)
	factors := make([]string, 0, len(lists))
	for i, vals := range lists {
		n.Mul(n, big.NewInt(int64(len(vals))))
		factors = append(factors, fmt.Sprintf("%s %d", names[i], len(vals)))
	}
	return n, strings.Join(factors, " x ")
}

// splitPartitions groups the cross product of lists (one value list per partition key column,
// in key order) into statements that each name at most per partitions. The last columns take
// as many values per statement as fit, the first ones one at a time, so every group is a
// cross product of slices and the groups together name each partition exactly once.
func splitPartitions(lists [][]any, per int) []keyValues {
	per = max(per, 1)
	chunk := make([]int, len(lists))
	budget := per
	for i := len(lists) - 1; i >= 0; i-- {
		chunk[i] = max(1, min(len(lists[i]), budget))
		budget /= chunk[i]
	}
	out := []keyValues{{}}
	for i, vals := range lists {
		var next []keyValues
		for _, prefix := range out {
			for start := 0; start < len(vals); start += chunk[i] {
				g := append(append(keyValues(nil), prefix...), vals[start:min(start+chunk[i], len(vals))])
				next = append(next, g)
			}
		}
		out = next
	}
	return out
}

// onePerStatement makes every partition of lists a statement of its own.
func onePerStatement(lists [][]any) []keyValues {
	return splitPartitions(lists, 1)
}

// clusteringCombinations is the product of the value counts of the IN filters on clustering
// columns: how many row keys each partition is asked for.
func clusteringCombinations(t *schema.Table, restr map[string]*restriction) (*big.Int, string) {
	var names []string
	var lists [][]any
	for _, c := range t.ClusteringKey() {
		if r := restr[c.Name]; r != nil && len(r.eq) > 1 {
			names = append(names, c.Name)
			lists = append(lists, r.eq)
		}
	}
	return keyCount(names, lists)
}

// partitionKeyLists is, per partition key column in key order, the values its filters fix.
func partitionKeyLists(pk []schema.Column, restr map[string]*restriction) ([]string, [][]any) {
	names := make([]string, len(pk))
	lists := make([][]any, len(pk))
	for i, c := range pk {
		names[i] = c.Name
		lists[i] = restr[c.Name].eq
	}
	return names, lists
}
