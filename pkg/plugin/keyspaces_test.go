package plugin

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
)

// pluginKeyspace holds one small table, info, with one row ('a', 'b'): a user table for the
// tests that need any query to answer (Cassandra's own tables are refused to queries).
const pluginKeyspace = "plugin_keyspaces_test"

func pluginTable(t *testing.T) {
	t.Helper()
	c := cassandratest.Client(t)
	for _, s := range []string{
		`CREATE KEYSPACE IF NOT EXISTS ` + pluginKeyspace + ` WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
		`CREATE TABLE IF NOT EXISTS ` + pluginKeyspace + `.info (k text PRIMARY KEY, v text)`,
		`INSERT INTO ` + pluginKeyspace + `.info (k, v) VALUES ('a', 'b')`,
	} {
		if err := c.Exec(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
}

// The plugin refuses Cassandra's own keyspaces to queries and lookups, lists only the
// keyspaces it allows, and reads an unqualified raw CQL table from its keyspace setting.
func TestPluginKeyspaces(t *testing.T) {
	pluginTable(t)
	s := instanceSettings(t, map[string]any{"keyspace": pluginKeyspace}, nil)
	s.UID = "cassandra-keyspaces-test"
	inst, err := NewDatasource(context.Background(), *s)
	if err != nil {
		t.Fatal(err)
	}
	ds := inst.(*Datasource)
	t.Cleanup(ds.Dispose)

	now := time.Now()
	q := func(refID, cql string) backend.DataQuery {
		b, _ := json.Marshal(map[string]any{"queryType": "cql", "format": "table", "rawCql": cql})
		return backend.DataQuery{RefID: refID, JSON: b, TimeRange: backend.TimeRange{From: now.Add(-time.Hour), To: now}}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	resp, err := ds.QueryData(ctx, &backend.QueryDataRequest{PluginContext: backend.PluginContext{DataSourceInstanceSettings: s}, Queries: []backend.DataQuery{
		q("A", "SELECT role, salted_hash FROM system_auth.roles"),
		q("B", "SELECT name, value FROM system_views.settings"),
		q("C", "SELECT k, v FROM info"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	const never = "is one of Cassandra's system keyspaces, which queries of this data source never read"
	for _, ref := range []string{"A", "B"} {
		if r := resp.Responses[ref]; r.Error == nil || !strings.Contains(r.Error.Error(), never) || len(r.Frames) != 0 {
			t.Errorf("%s: error %v, %d frames: want the keyspace refused", ref, r.Error, len(r.Frames))
		}
	}
	if c := resp.Responses["C"]; c.Error != nil || len(c.Frames) != 1 || c.Frames[0].Rows() != 1 || !strings.Contains(c.Frames[0].Meta.ExecutedQueryString, `"`+pluginKeyspace+`".info`) {
		t.Errorf("C (unqualified table): error %v, frames %v", c.Error, c.Frames)
	}

	var keyspaces []string
	if status := callResource(t, ds, s, "keyspaces", &keyspaces); status != 200 || !contains(keyspaces, pluginKeyspace) {
		t.Fatalf("keyspaces: %d %v", status, keyspaces)
	}
	for _, k := range keyspaces {
		if strings.HasPrefix(k, "system") {
			t.Errorf("keyspaces lists %s", k)
		}
	}
	if status := callResource(t, ds, s, "tables?keyspace=system_auth", nil); status != 400 {
		t.Errorf("tables of system_auth: status %d, want 400", status)
	}

	// allowedKeyspaces narrows the list to itself.
	s2 := instanceSettings(t, map[string]any{"keyspace": pluginKeyspace, "allowedKeyspaces": []string{pluginKeyspace}}, nil)
	s2.UID = "cassandra-keyspaces-test-2"
	inst2, err := NewDatasource(context.Background(), *s2)
	if err != nil {
		t.Fatal(err)
	}
	ds2 := inst2.(*Datasource)
	t.Cleanup(ds2.Dispose)
	keyspaces = nil
	if status := callResource(t, ds2, s2, "keyspaces", &keyspaces); status != 200 {
		t.Fatalf("keyspaces: %d", status)
	}
	if diff := cmp.Diff([]string{pluginKeyspace}, keyspaces); diff != "" {
		t.Errorf("keyspaces with allowedKeyspaces (-want +got):\n%s", diff)
	}
}
