package resources

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/errs"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
	"github.com/metricsserver/cassandra-datasource/pkg/rollup"
)

// fakeCoverage answers Coverage from a map of sources, recording what it was asked.
type fakeCoverage struct {
	by    map[string][]query.Rollup
	err   error
	asked []string
}

func (f *fakeCoverage) Coverage(_ context.Context, source string) ([]query.Rollup, error) {
	f.asked = append(f.asked, source)
	return f.by[source], f.err
}

// rollupsHandler serves the routes with fake coverage (nil: rollups off) and a connector that
// gives a client nothing calls (the fake reads no Cassandra), counting the connections.
func rollupsHandler(f *fakeCoverage, connectErr error) (http.Handler, *int) {
	connects := 0
	connect := func(context.Context) (*cassandra.Client, error) {
		connects++
		if connectErr != nil {
			return nil, connectErr
		}
		return &cassandra.Client{}, nil
	}
	opts := Options{Keyspaces: query.Keyspaces{Default: "k", Allowed: []string{"k"}}}
	if f != nil {
		opts.Rollups = func(c *cassandra.Client) RollupCoverage {
			if c == nil {
				panic("no client")
			}
			return f
		}
	}
	return NewHandler(connect, opts), &connects
}

func serve(h http.Handler, method, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

func TestRollupsRouteAnswersCoverage(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 2, 10, 12, 5, 0, 0, time.UTC)
	f := &fakeCoverage{by: map[string][]query.Rollup{
		"k.t": {
			{WidthMs: 3600000, TimeColumn: "ts", ValueColumns: []string{"p99", "interval_count"}, SeriesColumns: []string{"env", "app"}, From: from, To: to.Truncate(time.Hour)},
			{WidthMs: 60000, TimeColumn: "ts", ValueColumns: []string{"p99"}, From: from, To: to},
		},
	}}
	h, _ := rollupsHandler(f, nil)
	rec := serve(h, http.MethodGet, "/rollups?keyspace=k&table=t")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d %q: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	var got any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, rec.Body)
	}
	want := map[string]any{"disabled": false, "rollups": []any{
		map[string]any{"widthMs": 3600000.0, "timeColumn": "ts", "valueColumns": []any{"p99", "interval_count"},
			"seriesColumns": []any{"env", "app"}, "from": "2026-01-01T00:00:00Z", "to": "2026-02-10T12:00:00Z"},
		// Columns the reader left nil are lists all the same.
		map[string]any{"widthMs": 60000.0, "timeColumn": "ts", "valueColumns": []any{"p99"},
			"seriesColumns": []any{}, "from": "2026-01-01T00:00:00Z", "to": "2026-02-10T12:05:00Z"},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"k.t"}, f.asked); diff != "" {
		t.Errorf("sources asked (-want +got):\n%s", diff)
	}
	if f.by["k.t"][1].SeriesColumns != nil {
		t.Errorf("the answer changed the reader's rollups: %+v", f.by["k.t"][1])
	}

	// A table the rollup keyspace holds nothing of: an empty list, not null.
	rec = serve(h, http.MethodGet, "/rollups?keyspace=k&table=other")
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"rollups":[],"disabled":false}` {
		t.Errorf("no rollups: %d %s", rec.Code, rec.Body)
	}
	if rec := serve(h, http.MethodHead, "/rollups?keyspace=k&table=t"); rec.Code != 200 {
		t.Errorf("HEAD: %d %s", rec.Code, rec.Body)
	}
}

func TestRollupsRouteDisabled(t *testing.T) {
	h, connects := rollupsHandler(nil, errors.New("no Cassandra here"))
	rec := serve(h, http.MethodGet, "/rollups?keyspace=k&table=t")
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"rollups":[],"disabled":true}` {
		t.Errorf("disabled: %d %s", rec.Code, rec.Body)
	}
	if *connects != 0 {
		t.Errorf("connected %d times to answer that rollups are off", *connects)
	}
	// The keyspace is checked all the same.
	if rec := serve(h, http.MethodGet, "/rollups?keyspace=system_auth&table=roles"); rec.Code != 400 || !strings.Contains(rec.Body.String(), systemRefusal) {
		t.Errorf("system keyspace while disabled: %d %s", rec.Code, rec.Body)
	}
}

func TestRollupsRouteRefusals(t *testing.T) {
	f := &fakeCoverage{}
	h, _ := rollupsHandler(f, nil)
	for _, tt := range []struct {
		method, path string
		status       int
		wantIn       string
		allow        string
	}{
		{"GET", "/rollups?table=t", 400, `parameter \"keyspace\" is required`, ""},
		{"GET", "/rollups?keyspace=k", 400, `parameter \"table\" is required`, ""},
		{"GET", "/rollups?keyspace=system_auth&table=roles", 400, "keyspace system_auth " + systemRefusal, ""},
		{"GET", "/rollups?keyspace=other&table=t", 400, "keyspace other is not allowed: the data source's allowedKeyspaces setting lists only k", ""},
		{"POST", "/rollups?keyspace=k&table=t", 405, "method POST is not allowed on /rollups: use GET or HEAD", "GET, HEAD"},
	} {
		rec := serve(h, tt.method, tt.path)
		if rec.Code != tt.status || rec.Header().Get("Allow") != tt.allow || !strings.Contains(rec.Body.String(), tt.wantIn) {
			t.Errorf("%s %s: %d Allow %q %s; want %d Allow %q with %q", tt.method, tt.path, rec.Code, rec.Header().Get("Allow"), rec.Body, tt.status, tt.allow, tt.wantIn)
		}
	}
	if len(f.asked) != 0 {
		t.Errorf("refused requests read coverage: %v", f.asked)
	}
}

func TestRollupsRouteErrors(t *testing.T) {
	for _, tt := range []struct {
		name       string
		connectErr error
		err        error
		status     int
		wantIn     string
	}{
		{name: "no connection", connectErr: errs.Wrap(errs.Upstream, errors.New("no hosts reachable")), status: 502, wantIn: "no hosts reachable"},
		{name: "a failed read of the checkpoints", err: errs.Wrap(errs.Timeout, errors.New("read the rollup checkpoints of k.t: timed out")), status: 504, wantIn: "read the rollup checkpoints of k.t: timed out"},
		{name: "an error of no kind", err: errors.New("boom"), status: 500, wantIn: `{"error":"boom"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := rollupsHandler(&fakeCoverage{err: tt.err}, tt.connectErr)
			rec := serve(h, http.MethodGet, "/rollups?keyspace=k&table=t")
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.wantIn) {
				t.Errorf("%d %s; want %d with %q", rec.Code, rec.Body, tt.status, tt.wantIn)
			}
		})
	}
}

func TestRollupsOf(t *testing.T) {
	if RollupsOf(cassandra.Settings{RollupKeyspace: "r", DisableRollups: true}, rollup.NewCache()) != nil {
		t.Error("disableRollups gave a reader")
	}
	of := RollupsOf(cassandra.Settings{RollupKeyspace: "r"}, rollup.NewCache())
	if of == nil {
		t.Fatal("no reader with rollups on")
	}
	if _, ok := of(&cassandra.Client{}).(*rollup.Reader); !ok {
		t.Errorf("not pkg/rollup's reader: %T", of(&cassandra.Client{}))
	}
}

// The route over the local Cassandra: checkpoints written as metrics-server's writer writes
// them, read through the reader the data source uses.
func TestRollupsRouteReadsCheckpoints(t *testing.T) {
	const ks = "resources_rollups"
	c := cassandratest.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	testServer(t) // the resources_test fixture, whose raw_counter the checkpoints are of
	if err := c.Exec(ctx, "DROP KEYSPACE IF EXISTS "+ks); err != nil {
		t.Fatal(err)
	}
	if err := rollup.CreateSchema(ctx, c, ks, 1); err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 2, 10, 12, 5, 0, 0, time.UTC)
	series := []string{"environment", "application", "metric_name"}
	for _, cp := range []rollup.Checkpoint{
		{WidthMs: 60000, To: to},
		{WidthMs: 3600000, To: to.Truncate(time.Hour)},
	} {
		cp.Source, cp.Shard, cp.TimeColumn, cp.From = "resources_test.raw_counter", rollup.Shard{I: 0, N: 1}, "metric_timestamp", from
		cp.ValueColumns, cp.SeriesColumns = []string{"count", "interval_count"}, series
		if err := (rollup.Store{Keyspace: ks}).WriteCheckpoint(ctx, c, cp); err != nil {
			t.Fatal(err)
		}
	}

	serverOf := func(s cassandra.Settings) *httptest.Server {
		srv := httptest.NewServer(NewHandler(func(context.Context) (*cassandra.Client, error) { return c, nil },
			Options{Keyspaces: query.Keyspaces{Default: "resources_test"}, Rollups: RollupsOf(s, rollup.NewCache())}))
		t.Cleanup(srv.Close)
		return srv
	}
	answer := func(srv *httptest.Server, path string) Rollups {
		t.Helper()
		status, body := get(t, srv.URL+path)
		var got Rollups
		if status != 200 || json.Unmarshal([]byte(body), &got) != nil {
			t.Fatalf("%s: status %d: %s", path, status, body)
		}
		return got
	}

	srv := serverOf(cassandra.Settings{RollupKeyspace: ks})
	got := answer(srv, "/rollups?keyspace=resources_test&table=raw_counter")
	want := Rollups{Rollups: []query.Rollup{
		{WidthMs: 3600000, TimeColumn: "metric_timestamp", ValueColumns: []string{"count", "interval_count"}, SeriesColumns: series, From: from, To: to.Truncate(time.Hour)},
		{WidthMs: 60000, TimeColumn: "metric_timestamp", ValueColumns: []string{"count", "interval_count"}, SeriesColumns: series, From: from, To: to},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rollups of raw_counter, coarsest first (-want +got):\n%s", diff)
	}
	for _, path := range []string{
		"/rollups?keyspace=resources_test&table=no_rollups", // a table the writer never rolled up
		"/rollups?keyspace=resources_other&table=t",         // nor a keyspace
	} {
		if got := answer(srv, path); got.Disabled || got.Rollups == nil || len(got.Rollups) != 0 {
			t.Errorf("%s: %+v, want an empty list", path, got)
		}
	}
	if status, body := get(t, srv.URL+"/rollups?keyspace=system_schema&table=tables"); status != 400 || !strings.Contains(body, systemRefusal) {
		t.Errorf("system keyspace: %d %s", status, body)
	}

	// A rollup keyspace that was never created holds nothing: no error.
	if got := answer(serverOf(cassandra.Settings{RollupKeyspace: "resources_no_rollups"}), "/rollups?keyspace=resources_test&table=raw_counter"); got.Disabled || len(got.Rollups) != 0 {
		t.Errorf("no rollup keyspace: %+v", got)
	}
	// disableRollups: nothing, said so, though the checkpoints are there.
	if got := answer(serverOf(cassandra.Settings{RollupKeyspace: ks, DisableRollups: true}), "/rollups?keyspace=resources_test&table=raw_counter"); !got.Disabled || got.Rollups == nil || len(got.Rollups) != 0 {
		t.Errorf("disabled: %+v", got)
	}
}
