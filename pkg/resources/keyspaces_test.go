package resources

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
)

// keyspaceServer serves the routes over the resources_test fixture with the given keyspaces,
// and a second keyspace, resources_other, that only allowedKeyspaces keeps out.
func keyspaceServer(t *testing.T, ks query.Keyspaces) *httptest.Server {
	testServer(t) // the fixture
	c := cassandratest.Client(t)
	if err := c.Exec(context.Background(), `CREATE KEYSPACE IF NOT EXISTS resources_other WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewHandler(func(context.Context) (*cassandra.Client, error) { return c, nil }, Options{Keyspaces: ks}))
	t.Cleanup(srv.Close)
	return srv
}

const systemRefusal = "is one of Cassandra's system keyspaces, which queries of this data source never read"

func TestKeyspacesRouteListsAllowedKeyspaces(t *testing.T) {
	for _, tt := range []struct {
		name    string
		ks      query.Keyspaces
		want    []string // listed
		notWant []string
	}{
		{name: "by default every keyspace but the system ones", ks: query.Keyspaces{Default: "resources_test"},
			want: []string{"resources_other", "resources_test"}, notWant: []string{"system", "system_auth", "system_schema", "system_views", "system_virtual_schema", "system_distributed", "system_traces"}},
		{name: "allowedKeyspaces restricts further", ks: query.Keyspaces{Default: "resources_test", Allowed: []string{"resources_test"}},
			want: []string{"resources_test"}, notWant: []string{"resources_other", "system_auth"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := keyspaceServer(t, tt.ks)
			status, body := get(t, srv.URL+"/keyspaces")
			var got []string
			if status != 200 || json.Unmarshal([]byte(body), &got) != nil {
				t.Fatalf("status %d: %s", status, body)
			}
			for _, k := range tt.want {
				if !slices.Contains(got, k) {
					t.Errorf("%s not listed: %v", k, got)
				}
			}
			for _, k := range got {
				if slices.Contains(tt.notWant, k) || strings.HasPrefix(k, "system") {
					t.Errorf("%s listed: %v", k, got)
				}
			}
		})
	}
}

func TestRoutesRefuseKeyspaces(t *testing.T) {
	srv := keyspaceServer(t, query.Keyspaces{Default: "resources_test", Allowed: []string{"resources_test"}})
	variable := func(cql string) string { return "/variable?query=" + url.QueryEscape(cql) }
	tests := []struct {
		path       string
		wantStatus int
		wantIn     string
	}{
		{"/tables?keyspace=system_auth", 400, "keyspace system_auth " + systemRefusal},
		{"/tables?keyspace=system_schema", 400, "keyspace system_schema " + systemRefusal},
		{"/columns?keyspace=system_auth&table=roles", 400, "keyspace system_auth " + systemRefusal},
		{"/measures?keyspace=system_views&table=settings", 400, "keyspace system_views " + systemRefusal},
		{"/values?keyspace=system_auth&table=roles&column=role", 400, "keyspace system_auth " + systemRefusal},
		{"/tables?keyspace=resources_other", 400, "keyspace resources_other is not allowed: the data source's allowedKeyspaces setting lists only resources_test; add resources_other there to read it"},
		{variable("SELECT role, salted_hash FROM system_auth.roles"), 400, "keyspace system_auth " + systemRefusal},
		{variable("SELECT name, value FROM system_views.settings"), 400, "keyspace system_views " + systemRefusal},
		{variable("SELECT address, username FROM system_views.clients"), 400, "keyspace system_views " + systemRefusal},
		{variable(`SELECT cluster_name FROM "system".local`), 400, "keyspace system " + systemRefusal},
		{variable("SELECT keyspace_name FROM resources_other.t"), 400, "allowedKeyspaces"},
		// Allowed ones still answer, an unqualified table from the data source's keyspace.
		{"/tables?keyspace=resources_test", 200, `"raw_counter"`},
		{variable("SELECT metric_name FROM raw_counter"), 200, `"value":"a.count"`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			status, body := get(t, srv.URL+tt.path)
			if status != tt.wantStatus || !strings.Contains(body, tt.wantIn) {
				t.Fatalf("status %d, body %s; want %d with %q", status, body, tt.wantStatus, tt.wantIn)
			}
			if strings.Contains(body, "salted_hash\":") || strings.Contains(body, "$2a$") {
				t.Fatalf("a password hash in the answer: %s", body)
			}
		})
	}
}

func TestEditorRoutesRefuseKeyspaces(t *testing.T) {
	srv := keyspaceServer(t, query.Keyspaces{Default: "resources_test"})
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	validate := func(cql string) Validation {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"query": cql, "from": from.UnixMilli(), "to": from.Add(time.Hour).UnixMilli()})
		resp, text := do(t, http.MethodPost, srv.URL+"/validate", string(b))
		var v Validation
		if resp.StatusCode != 200 || json.Unmarshal([]byte(text), &v) != nil {
			t.Fatalf("status %d: %s", resp.StatusCode, text)
		}
		return v
	}
	v := validate("SELECT role, salted_hash\nFROM system_auth.roles")
	if v.Valid || len(v.Problems) != 1 || !strings.HasPrefix(v.Problems[0].Message, "keyspace system_auth "+systemRefusal) {
		t.Fatalf("system_auth: %+v", v)
	}
	if diff := cmp.Diff(query.Problem{Message: v.Problems[0].Message, Offset: 30, Line: 2, Column: 6, EndLine: 2, EndColumn: 17}, v.Problems[0]); diff != "" {
		t.Errorf("the problem marks the keyspace (-want +got):\n%s", diff)
	}
	v = validate("SELECT count FROM raw_counter WHERE $__timeFilter(metric_timestamp)")
	if want := `SELECT count FROM "resources_test".raw_counter WHERE metric_timestamp >= 1767225600000 AND metric_timestamp < 1767229200000`; !v.Valid || v.Statement != want {
		t.Errorf("unqualified table: %+v, want statement %s", v, want)
	}

	b, _ := json.Marshal(map[string]any{"query": map[string]any{"queryType": "builder", "keyspace": "system_auth", "table": "roles",
		"timeColumn": "role", "valueColumns": []string{"salted_hash"}}})
	resp, text := do(t, http.MethodPost, srv.URL+"/preview", string(b))
	var p Preview
	if resp.StatusCode != 200 || json.Unmarshal([]byte(text), &p) != nil || !strings.Contains(p.Error, "keyspace system_auth "+systemRefusal) {
		t.Fatalf("preview of system_auth: %d %s", resp.StatusCode, text)
	}
}
