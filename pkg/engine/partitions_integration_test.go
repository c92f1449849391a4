package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
)

// Partition key filters whose product is past the fan-out bound are read with bounded IN
// statements, and every partition's rows arrive once: each of 6 x 6 x 10 = 360 partitions
// holds one row whose value encodes its key, and each series must carry exactly that value.
func TestManyPartitionsReadWithBoundedStatements(t *testing.T) {
	c := cassandratest.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for _, s := range []string{
		`CREATE KEYSPACE IF NOT EXISTS engine_partitions_test WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
		`CREATE TABLE IF NOT EXISTS engine_partitions_test.grid (a text, b text, c text, ts timestamp, value double, PRIMARY KEY ((a, b, c), ts))`,
	} {
		if err := c.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	ts := time.Date(2026, 2, 1, 0, 0, 30, 0, time.UTC)
	var as, bs, cs []string
	for i := range 6 {
		as = append(as, fmt.Sprintf("a%d", i))
		bs = append(bs, fmt.Sprintf("b%d", i))
	}
	for i := range 10 {
		cs = append(cs, fmt.Sprintf("c%d", i))
	}
	want := map[string]float64{}
	for i, a := range as {
		var rows [][]any
		for j, b := range bs {
			for k, cv := range cs {
				v := float64(i*100 + j*10 + k)
				rows = append(rows, []any{a, b, cv, ts, v})
				want[a+"/"+b+"/"+cv] = v
			}
		}
		// One batch per a value: 60 partitions, a few KiB.
		if err := c.ExecBatch(ctx, `INSERT INTO engine_partitions_test.grid (a, b, c, ts, value) VALUES (?, ?, ?, ?, ?)`, rows); err != nil {
			t.Fatal(err)
		}
	}

	q := func(a, b, c []string) map[string]any {
		return map[string]any{
			"queryType": "builder", "keyspace": "engine_partitions_test", "table": "grid",
			"timeColumn": "ts", "valueColumns": []string{"value"}, "aggregations": []string{"max"},
			"filters": []map[string]any{
				{"column": "a", "op": "IN", "values": a},
				{"column": "b", "op": "IN", "values": b},
				{"column": "c", "op": "IN", "values": c},
			},
			"interval": "1m",
		}
	}
	e := New(c, Options{MaxConcurrency: 4})
	from := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	res := run(t, e, dataQuery("A", q(as, bs, cs), from, from.Add(time.Minute), 10))
	if res.Error != nil {
		t.Fatal(res.Error)
	}
	got := map[string]float64{}
	for _, f := range res.Frames {
		for _, fl := range f.Fields {
			if fl.Type() != data.FieldTypeNullableFloat64 {
				continue
			}
			key := fl.Labels["a"] + "/" + fl.Labels["b"] + "/" + fl.Labels["c"]
			if _, dup := got[key]; dup {
				t.Errorf("series %s answered twice", key)
			}
			if fl.Len() != 1 {
				t.Fatalf("series %s has %d bins, want 1", key, fl.Len())
			}
			if v, ok := fl.ConcreteAt(0); ok {
				got[key] = v.(float64)
			}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("series values (-want +got):\n%s", diff)
	}
	meta := res.Frames[0].Meta
	wantNotice := "Read 360 partitions with 6 statements of at most 60 partitions each, in parallel."
	var notices []string
	for _, n := range meta.Notices {
		notices = append(notices, n.Text)
	}
	if !strings.Contains(strings.Join(notices, "\n"), wantNotice) {
		t.Errorf("notices %q, want one saying %q", notices, wantNotice)
	}
	if !strings.Contains(meta.ExecutedQueryString, "360 partitions in all, at most 60 in one statement") || !strings.Contains(meta.ExecutedQueryString, `"a" = ? AND "b" IN ? AND "c" IN ?`) {
		t.Errorf("executed query string %q does not say how the partitions were read", meta.ExecutedQueryString)
	}

	// Past maxPartitions nothing is sent, and the error names the setting and the count.
	small := New(c, Options{MaxPartitions: 100})
	res = run(t, small, dataQuery("A", q(as, bs, cs), from, from.Add(time.Minute), 10))
	if res.Error == nil || !strings.Contains(res.Error.Error(), "select 360 partitions (a 6 x b 6 x c 10), more than the 100 one query may read (maxPartitions in the data source settings)") {
		t.Errorf("error %v, want the maxPartitions refusal", res.Error)
	}
}
