package cassandra

import (
	"context"
	"errors"
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/google/go-cmp/cmp"
)

// requestError is a refusal as the driver reports it (code and Cassandra's message).
type requestError struct {
	code int
	msg  string
}

func (e requestError) Code() int       { return e.code }
func (e requestError) Message() string { return e.msg }
func (e requestError) Error() string   { return e.msg }

func TestGuardrailErrorsNameTheGuardrail(t *testing.T) {
	// Messages as Cassandra 5.0 words them (Guardrail.java: "Guardrail %s violated: %s").
	tests := []struct {
		msg, wantGuardrail, want string
	}{
		{"Guardrail allow_filtering violated: Querying with ALLOW FILTERING is not allowed", "allow_filtering",
			`Cassandra's guardrail allow_filtering (cassandra.yaml: allow_filtering_enabled) refused the query; filter on the partition key, a clustering prefix or an indexed column instead of ticking "Allow filtering": Guardrail allow_filtering violated: Querying with ALLOW FILTERING is not allowed`},
		{"Guardrail partition_keys_in_select violated: Aborting query with partition keys in IN clause on table ks.t, number of partition keys 300 exceeds fail threshold of 100.", "partition_keys_in_select",
			"Cassandra's guardrail partition_keys_in_select (cassandra.yaml: partition_keys_in_select_fail_threshold) refused the query; choose fewer partition key values (the builder reads up to 256 partitions with one statement each; more go into IN statements of at most 100 partitions): Guardrail partition_keys_in_select violated: Aborting query with partition keys in IN clause on table ks.t, number of partition keys 300 exceeds fail threshold of 100."},
		{"Guardrail in_select_cartesian_product violated: Aborting query because the cartesian product of the IN restrictions on ks.t produces 30 values, this exceeds fail threshold of 25.", "in_select_cartesian_product",
			"Cassandra's guardrail in_select_cartesian_product (cassandra.yaml: in_select_cartesian_product_fail_threshold) refused the query; choose fewer values in the IN filters: their combinations multiply: Guardrail in_select_cartesian_product violated: Aborting query because the cartesian product of the IN restrictions on ks.t produces 30 values, this exceeds fail threshold of 25."},
		{"Guardrail group_by violated: GROUP BY is not allowed", "group_by",
			"Cassandra's guardrail group_by refused the query: Guardrail group_by violated: GROUP BY is not allowed"},
		{"Cannot execute this query as it might involve data filtering", "",
			"Cassandra refused the query: Cannot execute this query as it might involve data filtering"},
	}
	for _, tt := range tests {
		err := classifyQueryError(context.Background(), requestError{code: gocql.ErrCodeInvalid, msg: tt.msg})
		var ce *Error
		if !errors.As(err, &ce) {
			t.Fatalf("%q: not a *cassandra.Error: %v", tt.msg, err)
		}
		if ce.Guardrail != tt.wantGuardrail || ce.Kind != KindQuery || !ce.Downstream() {
			t.Errorf("%q: guardrail %q kind %v downstream %v", tt.msg, ce.Guardrail, ce.Kind, ce.Downstream())
		}
		if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	}
}
