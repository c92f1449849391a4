package server

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricsserver/cassandra-datasource/pkg/query"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
	"github.com/metricsserver/cassandra-datasource/pkg/seed"
)

// The data route hands the engine its queries as Go values (engine.RunQuery). They must be
// what the engine got before from their JSON: query.Parse's result, defaults included.
func TestSeedQueriesAreWhatParseGives(t *testing.T) {
	tbl := &schema.Table{Keyspace: "metric_data", Name: seed.TimerWithInterval}
	p := dataParams{columns: []string{"p99", "interval_count"}, size: 6, from: testNow.Add(-time.Hour), to: testNow, fill: query.FillPrevious}
	base := seedQuery(tbl, "prod", "checkout", "http.requests", p)
	for name, q := range map[string]query.Query{
		"table":  tableQuery(base, p),
		"binned": binnedQuery(base, p, 600*time.Second),
	} {
		raw, err := json.Marshal(q)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := query.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(*parsed, q); diff != "" {
			t.Errorf("%s: the query differs from its JSON parsed (-parsed +built):\n%s", name, diff)
		}
	}
	if q := binnedQuery(base, p, 600*time.Second); q.Interval != "600s" || q.Fill != query.FillPrevious || q.Format != query.FormatTimeSeries {
		t.Errorf("binned: %+v", q)
	}
	if q := tableQuery(base, p); q.Limit != 7 || q.Format != query.FormatTable {
		t.Errorf("table: limit %d format %s, want size+1 rows as a table", q.Limit, q.Format)
	}
}
