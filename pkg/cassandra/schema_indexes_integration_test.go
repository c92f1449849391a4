package cassandra

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// TestTableMarksIndexedColumns reads system_schema.indexes of a table with an SAI index
// (both spellings of the class), a legacy secondary index, an index on a collection's values
// and a quoted column name.
func TestTableMarksIndexedColumns(t *testing.T) {
	c := testClient(t)
	for _, s := range []string{
		`CREATE KEYSPACE IF NOT EXISTS schema_indexes_test WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
		`CREATE TABLE IF NOT EXISTS schema_indexes_test.readings (sensor text, ts timestamp, status text, level int, site text, tags set<text>, "MixedCase" text, v double, PRIMARY KEY (sensor, ts))`,
		`CREATE INDEX IF NOT EXISTS readings_status ON schema_indexes_test.readings (status) USING 'sai'`,
		`CREATE CUSTOM INDEX IF NOT EXISTS readings_level ON schema_indexes_test.readings (level) USING 'StorageAttachedIndex'`,
		`CREATE INDEX IF NOT EXISTS readings_site ON schema_indexes_test.readings (site)`,
		`CREATE INDEX IF NOT EXISTS readings_tags ON schema_indexes_test.readings (values(tags))`,
		`CREATE INDEX IF NOT EXISTS readings_mixed ON schema_indexes_test.readings ("MixedCase") USING 'sai'`,
	} {
		exec(t, c, s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tbl, err := c.Table(ctx, "schema_indexes_test", "readings")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]string{}
	for _, col := range tbl.Columns {
		got[col.Name] = [2]string{col.Index, col.IndexName}
	}
	want := map[string][2]string{
		"sensor": {}, "ts": {}, "v": {},
		"tags":      {}, // an index on the set's values answers CONTAINS, not =
		"status":    {schema.IndexSAI, "readings_status"},
		"level":     {schema.IndexSAI, "readings_level"},
		"site":      {schema.IndexSecondary, "readings_site"},
		"MixedCase": {schema.IndexSAI, "readings_mixed"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("indexes (-want +got):\n%s", diff)
	}
}
