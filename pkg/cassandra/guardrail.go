package cassandra

import (
	"fmt"
	"regexp"
)

// Cassandra 4.1+ guardrails refuse a query with "Guardrail <name> violated: <reason>". The
// name is the guardrail's, the cassandra.yaml setting behind it is what an operator changes.
var guardrailRe = regexp.MustCompile(`Guardrail (\w+) violated`)

// guardrailAdvice is, per guardrail, the cassandra.yaml setting and what the user can change.
var guardrailAdvice = map[string][2]string{
	"allow_filtering": {"allow_filtering_enabled",
		"filter on the partition key, a clustering prefix or an indexed column instead of ticking \"Allow filtering\""},
	"partition_keys_in_select": {"partition_keys_in_select_fail_threshold",
		"choose fewer partition key values (the builder reads up to 256 partitions with one statement each; more go into IN statements of at most 100 partitions)"},
	"in_select_cartesian_product": {"in_select_cartesian_product_fail_threshold",
		"choose fewer values in the IN filters: their combinations multiply"},
	"page_size":               {"page_size_fail_threshold", "lower the data source's page size"},
	"read_consistency_levels": {"read_consistency_levels_disallowed", "choose another consistency level in the data source settings"},
	"non_partition_restricted_index_query_enabled": {"non_partition_restricted_index_query_enabled",
		"add filters on every partition key column"},
}

// guardrailError turns a guardrail refusal into an error naming the guardrail, the setting
// behind it and what to change; ok is false for any other message.
func guardrailError(msg string, err error) (*Error, bool) {
	m := guardrailRe.FindStringSubmatch(msg)
	if m == nil {
		return nil, false
	}
	// Err carries Cassandra's own reason, so the message names only what to change.
	name := m[1]
	text := fmt.Sprintf("Cassandra's guardrail %s refused the query", name)
	if a, ok := guardrailAdvice[name]; ok {
		text = fmt.Sprintf("Cassandra's guardrail %s (cassandra.yaml: %s) refused the query; %s", name, a[0], a[1])
	}
	return &Error{Kind: KindQuery, Msg: text, Guardrail: name, Err: err}, true
}
