package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
)

func TestAllowedKeyspacesConfig(t *testing.T) {
	file := writeFile(t, "c.json", `{"cassandra": {"host": "h", "keyspace": "metric_data", "allowed_keyspaces": ["metric_data", "metrics_rollups"]}}`)
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"from the file", nil, []string{"metric_data", "metrics_rollups"}},
		{"the environment wins", map[string]string{EnvAllowedKeyspaces: " metric_data , other "}, []string{"metric_data", "other"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := LoadConfig(file, envMap(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			s, err := cfg.Settings()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, s.AllowedKeyspaces); diff != "" {
				t.Errorf("allowedKeyspaces (-want +got):\n%s", diff)
			}
		})
	}
	cfg, err := LoadConfig(file, envMap(map[string]string{EnvAllowedKeyspaces: "other"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.Settings(); err == nil || !strings.Contains(err.Error(), "keyspace metric_data is not in it") {
		t.Errorf("the server's keyspace left out of the list: %v", err)
	}
}

// metrics-server refuses Cassandra's own keyspaces on every route that runs user CQL, and
// reads an unqualified raw CQL table from its keyspace setting.
func TestServerRefusesSystemKeyspaces(t *testing.T) {
	ts := newTestServer(t, Options{EnableRawCQL: true}) // raw CQL reaches the keyspace check
	const never = "is one of Cassandra's system keyspaces, which queries of this data source never read"
	query := func(cql string) response {
		body, _ := json.Marshal(map[string]any{"from": testEnd.Add(-10 * 60e9).UnixMilli(), "to": testEnd.UnixMilli(),
			"queries": []map[string]any{{"refId": "A", "queryType": "cql", "format": "table", "rawCql": cql}}})
		return do(t, http.MethodPost, ts.URL+"/api/query", string(body), map[string]string{"Content-Type": "application/json"})
	}
	result := func(r response) (string, int) {
		t.Helper()
		var res struct {
			Results map[string]struct {
				Frames []json.RawMessage `json:"frames"`
				Error  string            `json:"error"`
			} `json:"results"`
		}
		if r.status != 200 || json.Unmarshal(r.body, &res) != nil {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		return res.Results["A"].Error, len(res.Results["A"].Frames)
	}
	for _, cql := range []string{
		"SELECT role, salted_hash FROM system_auth.roles",
		"SELECT name, value FROM system_views.settings",
		"SELECT address, username FROM system_views.clients",
		"SELECT cluster_name FROM system.local",
	} {
		if msg, frames := result(query(cql)); !strings.Contains(msg, never) || frames != 0 {
			t.Errorf("/api/query %q: error %q, %d frames", cql, msg, frames)
		}
		r := get(t, ts.URL+"/api/resources/variable?query="+url.QueryEscape(cql))
		if r.status != 400 || !strings.Contains(r.errorText(t), never) {
			t.Errorf("/api/resources/variable %q: %d %s", cql, r.status, r.body)
		}
	}
	r := get(t, ts.URL+"/api/resources/tables?keyspace=system_auth")
	if r.status != 400 || !strings.Contains(r.errorText(t), "keyspace system_auth "+never) {
		t.Errorf("tables of system_auth: %d %s", r.status, r.body)
	}
	var keyspaces []string
	if r := get(t, ts.URL+"/api/resources/keyspaces"); r.status != 200 || json.Unmarshal(r.body, &keyspaces) != nil || !slices.Contains(keyspaces, testKeyspace) {
		t.Fatalf("keyspaces: %d %s", r.status, r.body)
	}
	for _, k := range keyspaces {
		if strings.HasPrefix(k, "system") {
			t.Errorf("keyspaces lists %s: %v", k, keyspaces)
		}
	}

	// The server's keyspace setting names an unqualified table.
	cql := "SELECT metric_timestamp, count FROM raw_counter_with_interval WHERE environment = 'staging' AND application = 'search' AND metric_name = 'http.requests' AND $__timeFilter(metric_timestamp) LIMIT 5"
	if msg, frames := result(query(cql)); msg != "" || frames != 1 {
		t.Errorf("unqualified table: error %q, %d frames", msg, frames)
	}
	if r := get(t, ts.URL+"/api/resources/variable?query="+url.QueryEscape("SELECT DISTINCT environment, application, metric_name FROM raw_counter_with_interval")); r.status != 200 || !strings.Contains(string(r.body), `"staging"`) {
		t.Errorf("unqualified variable query: %d %s", r.status, r.body)
	}
}

// allowedKeyspaces keeps the server's queries and lookups to the keyspaces it lists.
func TestServerAllowedKeyspaces(t *testing.T) {
	testSettings(t) // the test data
	s, err := cassandra.LoadSettings(cassandratest.JSONData(t, map[string]any{"keyspace": testKeyspace, "allowedKeyspaces": []string{testKeyspace}}), nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServerWith(t, s, Options{EnableRawCQL: true})
	var keyspaces []string
	if r := get(t, ts.URL+"/api/resources/keyspaces"); r.status != 200 || json.Unmarshal(r.body, &keyspaces) != nil {
		t.Fatalf("keyspaces: %d %s", r.status, r.body)
	}
	if diff := cmp.Diff([]string{testKeyspace}, keyspaces); diff != "" {
		t.Errorf("keyspaces (-want +got):\n%s", diff)
	}
	r := get(t, ts.URL+"/api/resources/variable?query="+url.QueryEscape("SELECT keyspace_name FROM engine_test.samples"))
	want := fmt.Sprintf("keyspace engine_test is not allowed: the data source's allowedKeyspaces setting lists only %s; add engine_test there to read it", testKeyspace)
	if r.status != 400 || !strings.Contains(r.errorText(t), want) {
		t.Errorf("variable outside the list: %d %s, want %q", r.status, r.body, want)
	}
}
