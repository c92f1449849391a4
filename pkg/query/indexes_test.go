package query

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// indexed is a table with columns under each kind of index, as system_schema describes them.
func indexed() *schema.Table {
	return &schema.Table{Keyspace: "ops", Name: "readings", Columns: []schema.Column{
		{Name: "sensor", Type: "text", Kind: schema.PartitionKey, Position: 0},
		{Name: "ts", Type: "timestamp", Kind: schema.Clustering, Position: 0, ClusteringOrder: "asc", Index: schema.IndexSAI},
		{Name: "level", Type: "int", Kind: schema.Regular, Position: -1, Index: schema.IndexSAI},
		{Name: "plain", Type: "text", Kind: schema.Regular, Position: -1},
		{Name: "site", Type: "text", Kind: schema.Regular, Position: -1, Index: schema.IndexSecondary},
		{Name: "status", Type: "text", Kind: schema.Regular, Position: -1, Index: schema.IndexSAI},
		{Name: "v", Type: "double", Kind: schema.Regular, Position: -1},
	}}
}

func indexedQuery(filters ...Filter) *Query {
	return &Query{QueryType: QueryTypeBuilder, Format: FormatTimeSeries, Interval: IntervalAuto, Fill: FillNull,
		Keyspace: "ops", Table: "readings", TimeColumn: "ts", ValueColumns: []string{"v"},
		Filters: append([]Filter{{Column: "sensor", Op: "IN", Values: []string{"a", "b"}}}, filters...)}
}

func TestIndexedFilters(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.Add(time.Hour)
	tests := []struct {
		name      string
		q         *Query
		wantWhere string // of the first statement; empty when an error is wanted
		wantErr   string
	}{
		{name: "SAI = needs no filtering", q: indexedQuery(Filter{Column: "status", Op: "=", Values: []string{"ok"}}),
			wantWhere: `"sensor" = ? AND "ts" >= ? AND "ts" < ? AND "status" = ?`},
		{name: "SAI range on a number and = on text together", q: indexedQuery(
			Filter{Column: "level", Op: ">=", Values: []string{"3"}}, Filter{Column: "status", Op: "=", Values: []string{"ok"}}),
			wantWhere: `"sensor" = ? AND "ts" >= ? AND "ts" < ? AND "level" >= ? AND "status" = ?`},
		{name: "legacy secondary index =", q: indexedQuery(Filter{Column: "site", Op: "=", Values: []string{"x"}}),
			wantWhere: `"sensor" = ? AND "ts" >= ? AND "ts" < ? AND "site" = ?`},
		{name: "SAI on every restriction answers a scan without the partition key",
			q:         with(indexedQuery(Filter{Column: "status", Op: "=", Values: []string{"ok"}}), func(q *Query) { q.Filters = q.Filters[1:] }),
			wantWhere: `"ts" >= ? AND "ts" < ? AND "status" = ?`},
		{name: "allow filtering lets any filter through", q: with(indexedQuery(Filter{Column: "plain", Op: "=", Values: []string{"p"}}), func(q *Query) { q.AllowFiltering = true }),
			wantWhere: `"sensor" = ? AND "ts" >= ? AND "ts" < ? AND "plain" = ? ALLOW FILTERING`},

		{name: "no index", q: indexedQuery(Filter{Column: "plain", Op: "=", Values: []string{"p"}}),
			wantErr: `filters[1].column: "plain" is not in the primary key and has no index, so filtering on it makes Cassandra read and filter every row in range; remove the filter, index the column (CREATE INDEX ... USING 'sai') or tick "Allow filtering"`},
		{name: "SAI range on text", q: indexedQuery(Filter{Column: "status", Op: ">", Values: []string{"a"}}),
			wantErr: `filters[1].op: "status" is a text column: its SAI index answers = only (ranges work on numbers and times); use = or tick "Allow filtering"`},
		{name: "SAI IN", q: indexedQuery(Filter{Column: "level", Op: "IN", Values: []string{"1", "2"}}),
			wantErr: `filters[1].op: "level" has an SAI index, which does not answer IN; filter on one value or tick "Allow filtering"`},
		{name: "legacy index range", q: indexedQuery(Filter{Column: "site", Op: "<", Values: []string{"m"}}),
			wantErr: `filters[1].op: "site" has a secondary index, which answers = only; use = or tick "Allow filtering"`},
		{name: "legacy index beside SAI", q: indexedQuery(Filter{Column: "site", Op: "=", Values: []string{"x"}}, Filter{Column: "status", Op: "=", Values: []string{"ok"}}),
			wantErr: `filters: "site" has a secondary index, and Cassandra uses one such index per query: filtering also on "status" needs "Allow filtering" (SAI indexes combine; legacy ones do not)`},
		{name: "index without the partition key, time column not SAI-indexed",
			q:       with(indexedQuery(Filter{Column: "site", Op: "=", Values: []string{"x"}}), func(q *Query) { q.Filters = q.Filters[1:] }),
			wantErr: `filters: add = or IN filters on every partition key column (missing: sensor) so Cassandra reads only those partitions, or tick "Allow filtering" to scan the whole table`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := BuildPlan(context.Background(), tt.q, indexed(), from, to, PlanOptions{})
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("no error; plan %q", p.Statements[0].CQL)
				}
				if diff := cmp.Diff(tt.wantErr, err.Error()); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, where, _ := strings.Cut(p.Statements[0].CQL, " WHERE ")
			if diff := cmp.Diff(tt.wantWhere, where); diff != "" {
				t.Errorf("WHERE (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIndexedFilterInstantAvoidsOrderBy(t *testing.T) {
	q := indexedQuery(Filter{Column: "status", Op: "=", Values: []string{"ok"}})
	q.Instant = true
	p, err := BuildPlan(context.Background(), q, indexed(), time.Unix(0, 0), time.Unix(3600, 0), PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !p.InstantInGo || strings.Contains(p.Statements[0].CQL, "ORDER BY") {
		t.Errorf("instant with an index filter: InstantInGo %v, CQL %s; Cassandra refuses ORDER BY with an index", p.InstantInGo, p.Statements[0].CQL)
	}
}
