package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/metricsserver/cassandra-datasource/pkg/bincache"
)

const neverRead = "is one of Cassandra's system keyspaces, which queries of this data source never read"

// Raw CQL and builder queries of Cassandra's own keyspaces are refused before anything reaches
// Cassandra; allowedKeyspaces keeps out the others it does not list.
func TestQueriesRefuseKeyspaces(t *testing.T) {
	c := fixtureClient(t)
	open := New(c, Options{DefaultKeyspace: fixtureKeyspace})
	restricted := New(c, Options{DefaultKeyspace: fixtureKeyspace, AllowedKeyspaces: []string{fixtureKeyspace}})
	raw := func(cql string) map[string]any {
		return map[string]any{"queryType": "cql", "format": "table", "rawCql": cql}
	}
	tests := []struct {
		name string
		e    *Engine
		q    map[string]any
		want string
	}{
		{"password hashes", open, raw("SELECT role, salted_hash FROM system_auth.roles"), "rawCql: keyspace system_auth " + neverRead},
		{"node settings", open, raw("SELECT name, value FROM system_views.settings"), "keyspace system_views " + neverRead},
		{"connected clients", open, raw("SELECT address, username FROM system_views.clients"), "keyspace system_views " + neverRead},
		{"the node's own table", open, raw("SELECT cluster_name, release_version FROM system.local"), "keyspace system " + neverRead},
		{"quoted, upper case, commented", open, raw(`SELECT * FROM "system_auth" /* x */ . ROLES`), "keyspace system_auth " + neverRead},
		{"schema tables", open, raw("SELECT * FROM system_schema.tables"), "keyspace system_schema " + neverRead},
		{"builder", open, map[string]any{"queryType": "builder", "keyspace": "system_auth", "table": "roles", "timeColumn": "role", "valueColumns": []string{"salted_hash"}},
			"keyspace: keyspace system_auth " + neverRead},
		{"raw CQL outside allowedKeyspaces", restricted, raw("SELECT * FROM engine_cache_test.raw_timer_with_interval"),
			"rawCql: keyspace engine_cache_test is not allowed: the data source's allowedKeyspaces setting lists only engine_test; add engine_cache_test there to read it (line 1, column 15)"},
		{"builder outside allowedKeyspaces", restricted, seedBuilder(map[string]any{"keyspace": "engine_cache_test"}),
			"keyspace: keyspace engine_cache_test is not allowed: the data source's allowedKeyspaces setting lists only engine_test; add engine_cache_test there to read it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, tt.e, dataQuery("A", tt.q, fixtureStart, fixtureEnd, 100))
			if res.Error == nil || !strings.Contains(res.Error.Error(), tt.want) {
				t.Fatalf("error %v, want %q", res.Error, tt.want)
			}
			if res.Status != backend.StatusBadRequest || res.ErrorSource != backend.ErrorSourceDownstream || len(res.Frames) != 0 {
				t.Errorf("status %v, source %v, %d frames: want a downstream bad request without frames", res.Status, res.ErrorSource, len(res.Frames))
			}
		})
	}
	// What the data source allows still answers.
	for _, e := range []*Engine{open, restricted} {
		if res := run(t, e, dataQuery("A", seedBuilder(nil), fixtureStart, fixtureEnd, 100)); res.Error != nil || len(res.Frames) == 0 {
			t.Errorf("allowed builder query: %v", res.Error)
		}
	}
}

// Raw CQL naming its table without the keyspace reads it from the data source's keyspace,
// in the statement that runs (one session serves every query, so not as a session keyspace),
// refreshes through the bin cache included.
func TestRawCQLUnqualifiedTable(t *testing.T) {
	c := fixtureClient(t)
	query := func(table string) map[string]any {
		return map[string]any{
			"queryType": "cql", "format": "time_series", "binning": true, "interval": "1m", "aggregations": []string{"max"},
			"rawCql": `SELECT metric_name, metric_timestamp, p99 FROM ` + table + `
				WHERE environment = 'prod' AND application = 'api' AND metric_name IN ('m1', 'm2') AND $__timeFilter(metric_timestamp)`,
		}
	}
	now := fixtureEnd.Add(time.Hour)
	warm := New(c, Options{DefaultKeyspace: fixtureKeyspace, Cache: bincache.New(16 << 20), LateWindow: time.Minute, Now: func() time.Time { return now }})
	qualified := run(t, New(c, Options{}), dataQuery("A", query(fixtureKeyspace+".raw_timer_with_interval"), fixtureStart, fixtureEnd, 100))
	if qualified.Error != nil {
		t.Fatal(qualified.Error)
	}
	for i, table := range []string{"raw_timer_with_interval", `"raw_timer_with_interval"`, "raw_timer_with_interval"} {
		res := run(t, warm, dataQuery("A", query(table), fixtureStart, fixtureEnd, 100))
		if res.Error != nil {
			t.Fatalf("run %d, FROM %s: %v", i, table, res.Error)
		}
		if got := res.Frames[0].Meta.ExecutedQueryString; !strings.Contains(got, `FROM "engine_test".`) {
			t.Errorf("run %d: executed %q does not name the keyspace", i, got)
		}
		if diff := cmp.Diff(frameData(t, qualified), frameData(t, res)); diff != "" {
			t.Errorf("run %d, FROM %s: differs from the qualified query (-qualified +unqualified):\n%s", i, table, diff)
		}
	}
	if st := warm.opts.Cache.Stats(); st.Hits == 0 {
		t.Errorf("no refresh came from the cache (%+v): the refresh's own statements were not run", st)
	}

	// Without a keyspace setting the error says what to write or set.
	res := run(t, New(c, Options{}), dataQuery("A", query("raw_timer_with_interval"), fixtureStart, fixtureEnd, 100))
	if want := "table raw_timer_with_interval names no keyspace and the data source has no keyspace setting: write keyspace.raw_timer_with_interval, or set the data source's keyspace"; res.Error == nil || !strings.Contains(res.Error.Error(), want) {
		t.Errorf("no keyspace setting: %v, want %q", res.Error, want)
	}
}
