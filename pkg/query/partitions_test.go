package query

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// seedIN is the seed query with IN filters of n values on each partition key column.
func seedIN(env, app, metric int) *Query {
	return with(seedQuery("p99"), func(q *Query) {
		q.Filters[0] = Filter{Column: "environment", Op: "IN", Values: names(env)}
		q.Filters[1] = Filter{Column: "application", Op: "IN", Values: names(app)}
		q.Filters[2] = Filter{Column: "metric_name", Op: "IN", Values: names(metric)}
	})
}

// namedPartitions lists every partition the plan's statements name, as "env/app/metric", and
// the most one statement names.
func namedPartitions(t *testing.T, p *Plan) (map[string]int, int) {
	t.Helper()
	seen := map[string]int{}
	most := 0
	for _, s := range p.Statements {
		// The first three bound values are the partition key's: one value or an IN list.
		lists := make([][]any, 3)
		for i := range lists {
			if vals, ok := s.Args[i].([]any); ok {
				lists[i] = vals
			} else {
				lists[i] = []any{s.Args[i]}
			}
		}
		n := 0
		for _, e := range lists[0] {
			for _, a := range lists[1] {
				for _, m := range lists[2] {
					seen[fmt.Sprint(e, "/", a, "/", m)]++
					n++
				}
			}
		}
		if n != s.Partitions {
			t.Errorf("statement names %d partitions, says %d", n, s.Partitions)
		}
		most = max(most, n)
	}
	return seen, most
}

func TestBuildPlanPartitionsPerStatement(t *testing.T) {
	tests := []struct {
		name                string
		env, app, metric    int
		maxPartitions       int
		wantStatements      int
		wantMostInStatement int
	}{
		{"one partition", 1, 1, 1, 0, 1, 1},
		{"fan-out up to 256 partitions, one statement each", 4, 8, 8, 0, 256, 1},
		{"past the fan-out bound, 100 to a statement", 1, 1, 257, 0, 3, 100},
		{"a product of three IN lists is split", 20, 20, 20, 0, 80, 100},
		{"40 x 40 x 40 with the limit raised", 40, 40, 40, 100000, 800, 80},
		{"1000 values on one column", 1, 1, 1000, 0, 10, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := BuildPlan(t.Context(), seedIN(tt.env, tt.app, tt.metric), seedTimer(), t0, t1, PlanOptions{MaxPartitions: tt.maxPartitions})
			if err != nil {
				t.Fatal(err)
			}
			seen, most := namedPartitions(t, p)
			want := tt.env * tt.app * tt.metric
			if len(seen) != want || p.Partitions != want {
				t.Errorf("statements name %d distinct partitions, plan counts %d; want %d", len(seen), p.Partitions, want)
			}
			for k, n := range seen {
				if n != 1 {
					t.Errorf("partition %s named %d times", k, n)
				}
			}
			if len(p.Statements) != tt.wantStatements || most != tt.wantMostInStatement {
				t.Errorf("%d statements, at most %d partitions in one; want %d and %d", len(p.Statements), most, tt.wantStatements, tt.wantMostInStatement)
			}
			if most > MaxStatementPartitions {
				t.Errorf("a statement names %d partitions, more than %d", most, MaxStatementPartitions)
			}
		})
	}
}

func TestBuildPlanPartitionLimits(t *testing.T) {
	twoClusteringIN := &schema.Table{Keyspace: "ops", Name: "grid", Columns: []schema.Column{
		pkCol("k", "text", 0),
		ckCol("a", "text", 0, "asc"),
		ckCol("b", "text", 1, "asc"),
		ckCol("ts", "timestamp", 2, "asc"),
		regCol("value", "double"),
	}}
	grid := func(k, a, b int) *Query {
		return &Query{
			RefID: "A", QueryType: QueryTypeBuilder, Format: FormatTimeSeries, Interval: IntervalAuto, Fill: FillNull,
			Keyspace: "ops", Table: "grid", TimeColumn: "ts", ValueColumns: []string{"value"},
			Filters: []Filter{
				{Column: "k", Op: "IN", Values: names(k)},
				{Column: "a", Op: "IN", Values: names(a)},
				{Column: "b", Op: "IN", Values: names(b)},
			},
		}
	}
	tests := []struct {
		name  string
		table *schema.Table
		q     *Query
		opts  PlanOptions
		want  string
	}{
		{"three IN lists of 1000 values name 10^9 partitions", seedTimer(), seedIN(1000, 1000, 1000), PlanOptions{},
			"filters: the partition key filters select 1000000000 partitions (environment 1000 x application 1000 x metric_name 1000), more than the 10000 one query may read (maxPartitions in the data source settings): choose fewer values, or raise the limit"},
		{"40 x 40 x 40 is over the default", seedTimer(), seedIN(40, 40, 40), PlanOptions{},
			"filters: the partition key filters select 64000 partitions (environment 40 x application 40 x metric_name 40), more than the 10000 one query may read (maxPartitions in the data source settings): choose fewer values, or raise the limit"},
		{"the setting lowers the limit", seedTimer(), seedIN(2, 3, 4), PlanOptions{MaxPartitions: 20},
			"filters: the partition key filters select 24 partitions (environment 2 x application 3 x metric_name 4), more than the 20 one query may read (maxPartitions in the data source settings): choose fewer values, or raise the limit"},
		{"clustering IN lists multiply per partition", twoClusteringIN, grid(1, 50, 21), PlanOptions{},
			"filters: the IN filters on clustering columns ask each partition for 1050 row key combinations (a 50 x b 21); at most 1000 can be read in one query: choose fewer values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := BuildPlan(t.Context(), tt.q, tt.table, t0, t1, tt.opts)
			if err == nil {
				t.Fatal("no error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	// Clustering IN combinations shrink the partitions of a statement, so partitions x row
	// keys stays within MaxStatementCombinations.
	p, err := BuildPlan(t.Context(), grid(300, 10, 10), twoClusteringIN, t0, t1, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range p.Statements {
		if s.Partitions*100 > MaxStatementCombinations {
			t.Fatalf("a statement names %d partitions x 100 row keys, more than %d combinations", s.Partitions, MaxStatementCombinations)
		}
		if !strings.Contains(s.CQL, `"k" IN ?`) {
			t.Fatalf("statement %q does not read its partitions with IN", s.CQL)
		}
	}
	if len(p.Statements) != 30 || p.Partitions != 300 {
		t.Errorf("%d statements naming %d partitions; want 30 naming 300", len(p.Statements), p.Partitions)
	}
}

func TestSplitPartitionsCoversEachOnce(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for range 200 {
		lists := make([][]any, 1+rng.Intn(4))
		total := 1
		for i := range lists {
			n := 1 + rng.Intn(30)
			total *= n
			for v := range n {
				lists[i] = append(lists[i], fmt.Sprint(i, ":", v))
			}
		}
		per := 1 + rng.Intn(150)
		seen := map[string]int{}
		for _, g := range splitPartitions(lists, per) {
			if g.partitions() > per {
				t.Fatalf("a group names %d partitions, more than %d", g.partitions(), per)
			}
			var walk func(i int, key string)
			walk = func(i int, key string) {
				if i == len(g) {
					seen[key]++
					return
				}
				for _, v := range g[i] {
					walk(i+1, key+"/"+v.(string))
				}
			}
			walk(0, "")
		}
		if len(seen) != total {
			t.Fatalf("groups name %d partitions, want %d", len(seen), total)
		}
		for k, n := range seen {
			if n != 1 {
				t.Fatalf("partition %s named %d times", k, n)
			}
		}
	}
}

func TestRawINListsBounded(t *testing.T) {
	list := func(n int) string {
		vals := make([]string, n)
		for i := range vals {
			vals[i] = fmt.Sprintf("'v%d'", i)
		}
		return "(" + strings.Join(vals, ", ") + ")"
	}
	tests := []struct {
		name string
		cql  string
		want string // "" accepts
	}{
		{"three lists of 1000 values", "SELECT * FROM ks.t WHERE a IN " + list(1000) + " AND b IN " + list(1000) + " AND c IN " + list(1000),
			"rawCql: the IN lists of this statement multiply to 1000000000 combinations (1000 x 1000 x 1000); one statement may ask for at most 1000, as Cassandra's in_select_cartesian_product guardrail would: use fewer values, or a builder query, which reads many partitions with bounded statements"},
		{"40 x 40 x 40", "SELECT * FROM ks.t WHERE a IN " + list(40) + " AND b IN " + list(40) + " AND c IN " + list(40),
			"rawCql: the IN lists of this statement multiply to 64000 combinations (40 x 40 x 40); one statement may ask for at most 1000, as Cassandra's in_select_cartesian_product guardrail would: use fewer values, or a builder query, which reads many partitions with bounded statements"},
		{"10 x 10 x 10 is within", "SELECT * FROM ks.t WHERE a IN " + list(10) + " AND b IN " + list(10) + " AND c IN " + list(10), ""},
		{"one list of 1000", "SELECT * FROM ks.t WHERE a IN " + list(1000), ""},
		{"tuples count as one each, nested parentheses too", "SELECT * FROM ks.t WHERE (a, b) IN (('x', 1), ('y', 2)) AND c IN (now(), 3)", ""},
		{"IN inside a string or a comment is text", "SELECT * FROM ks.t WHERE a = 'IN " + list(2000) + "' -- IN " + list(2000), ""},
		{"a bind marker list is not counted", "SELECT * FROM ks.t WHERE a IN ? AND b IN " + list(1000), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckReadOnly(tt.cql)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			// PrepareRaw, which runs the queries, applies the same bound.
			_, err = PrepareRaw(&Query{QueryType: QueryTypeCQL, RawCQL: tt.cql}, t0, t1, 0)
			if (err != nil) != (tt.want != "") {
				t.Errorf("PrepareRaw: %v", err)
			}
		})
	}
}
