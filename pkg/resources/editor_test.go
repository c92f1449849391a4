package resources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/inf.v0"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
)

// validate never needs Cassandra: a connector that is called fails the test.
func noCassandraServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(NewHandler(func(context.Context) (*cassandra.Client, error) {
		t.Error("validate asked for a Cassandra connection")
		return nil, errors.New("no Cassandra in this test")
	}, Options{}))
	t.Cleanup(srv.Close)
	return srv
}

func TestValidate(t *testing.T) {
	srv := noCassandraServer(t)
	post := func(body any) (int, Validation, string) {
		b, _ := json.Marshal(body)
		resp, text := do(t, http.MethodPost, srv.URL+"/validate", string(b))
		var v Validation
		if resp.StatusCode == 200 {
			if err := json.Unmarshal([]byte(text), &v); err != nil {
				t.Fatalf("%v: %s", err, text)
			}
		}
		return resp.StatusCode, v, text
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		cql  string
		want []query.Problem
		stmt string
	}{
		{name: "a second statement is marked from where it starts",
			cql: "SELECT * FROM ks.t WHERE a = 1;\nSELECT * FROM ks.t",
			want: []query.Problem{{Message: "only one statement can run: remove everything after the first ';'",
				Offset: 32, Line: 2, Column: 1, EndLine: 2, EndColumn: 19}}},
		{name: "an unknown macro",
			cql: "SELECT * FROM ks.t WHERE $__from > 0",
			want: []query.Problem{{Message: "unknown macro $__from; the macros are " + query.MacroHelp(),
				Offset: 25, Line: 1, Column: 26, EndLine: 1, EndColumn: 33}}},
		{name: "a valid query answers the statement that would run",
			cql:  "SELECT * FROM ks.t WHERE $__timeFilter(ts) LIMIT $__interval_ms",
			want: []query.Problem{},
			stmt: "SELECT * FROM ks.t WHERE ts >= 1767225600000 AND ts < 1767229200000 LIMIT 30000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, v, text := post(map[string]any{"query": tt.cql, "from": from.UnixMilli(), "to": from.Add(time.Hour).UnixMilli(), "intervalMs": 30000})
			if status != 200 {
				t.Fatalf("status %d: %s", status, text)
			}
			want := Validation{Valid: len(tt.want) == 0, Statement: tt.stmt, Problems: tt.want}
			if diff := cmp.Diff(want, v); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	// GET with the text in the URL answers the same.
	resp, text := do(t, http.MethodGet, srv.URL+"/validate?query="+url.QueryEscape("DELETE FROM ks.t"), "")
	var v Validation
	if resp.StatusCode != 200 || json.Unmarshal([]byte(text), &v) != nil || v.Valid || len(v.Problems) != 1 ||
		v.Problems[0].Message != "only a single SELECT statement can run: found DELETE" || v.Problems[0].EndColumn != 7 {
		t.Fatalf("GET: %d %s", resp.StatusCode, text)
	}

	for _, tt := range []struct {
		name string
		body string
		want string
	}{
		{"not JSON", `SELECT 1`, "body must be JSON"},
		{"no query", `{}`, `"query" is required`},
		{"query not a string", `{"query": {"rawCql": "SELECT 1"}}`, `"query" is required`},
		{"reversed range", `{"query": "SELECT 1", "from": 2000, "to": 1000}`, "swap from and to"},
		{"bad interval", `{"query": "SELECT 1", "intervalMs": 0}`, `"intervalMs" must be above 0`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, text := do(t, http.MethodPost, srv.URL+"/validate", tt.body)
			if resp.StatusCode != 400 || !strings.Contains(errorText(t, text), tt.want) {
				t.Fatalf("status %d, body %s: want 400 with %q", resp.StatusCode, text, tt.want)
			}
		})
	}
	resp, text = do(t, http.MethodPost, srv.URL+"/validate", `{"query": "`+strings.Repeat("x", MaxEditorBody)+`"}`)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body: %d %.200s", resp.StatusCode, text)
	}
	resp, _ = do(t, http.MethodGet, srv.URL+"/preview", "")
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Fatalf("GET /preview: %d Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func TestLiteral(t *testing.T) {
	ts := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.FixedZone("x", 3600))
	tests := []struct {
		in   any
		want string
	}{
		{"it's", `'it''s'`},
		{ts, `'2026-01-02T02:04:05.006Z'`},
		{int8(-3), "-3"},
		{int64(math.MaxInt64), "9223372036854775807"},
		{float32(0.1), "0.1"},
		{2.5e-300, "2.5e-300"},
		{math.Inf(-1), "-Infinity"},
		{math.NaN(), "NaN"},
		{new(big.Int).Lsh(big.NewInt(1), 70), "1180591620717411303424"},
		{inf.NewDec(125, 2), "1.25"},
		{true, "true"},
		{[]byte{0xca, 0xfe}, "0xcafe"},
		{13*time.Hour + 2*time.Minute + 3*time.Second + 4, "'13:02:03.000000004'"},
		{[]any{"a", "b'c"}, `('a', 'b''c')`},
		{nil, "NULL"},
	}
	for _, tt := range tests {
		if got := Literal(tt.in); got != tt.want {
			t.Errorf("Literal(%#v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestInline(t *testing.T) {
	got := Inline(`SELECT "a?" FROM t WHERE x = ? AND y IN ? -- why?`+"\n"+`AND z = '?' LIMIT ?`, []string{"1", "('p', 'q')", "10"})
	want := `SELECT "a?" FROM t WHERE x = 1 AND y IN ('p', 'q') -- why?` + "\n" + `AND z = '?' LIMIT 10`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestMarkerColumns(t *testing.T) {
	got := markerColumns(`SELECT "a" FROM "k"."t" WHERE "x""y" = ? AND "d" IN ? AND "u" >= minTimeuuid(?) AND '"q"' = ? LIMIT ?`)
	want := []string{`x"y`, "d", "u", "", ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("marker columns (-want +got):\n%s", diff)
	}
}

// The preview is the engine's own plan: the statements BuildPlan makes for the live table, and
// the same statements with their values written in select the same rows from Cassandra.
func TestPreview(t *testing.T) {
	srv := testServer(t)
	c := cassandratest.Client(t)
	from := time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC)
	to := from.Add(2 * time.Hour)
	q := map[string]any{
		"queryType": "builder", "keyspace": "resources_test", "table": "raw_counter",
		"timeColumn": "metric_timestamp", "valueColumns": []string{"interval_count", "count"},
		"filters": []map[string]any{
			{"column": "environment", "op": "IN", "values": []string{"prod", "dev"}},
			{"column": "application", "values": []string{"api"}},
			{"column": "metric_name", "values": []string{"a.count"}},
		},
	}
	body, _ := json.Marshal(map[string]any{"query": q, "from": from.UnixMilli(), "to": to.UnixMilli()})
	resp, text := do(t, http.MethodPost, srv.URL+"/preview", string(body))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, text)
	}
	var p Preview
	if err := json.Unmarshal([]byte(text), &p); err != nil {
		t.Fatal(err)
	}

	raw, _ := json.Marshal(q)
	parsed, err := query.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	table, err := c.Table(context.Background(), "resources_test", "raw_counter")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := query.BuildPlan(context.Background(), parsed, table, from, to, query.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.StatementCount != len(plan.Statements) || p.StatementCount != 2 {
		t.Fatalf("statementCount %d, the plan has %d (want 2: one per environment)", p.StatementCount, len(plan.Statements))
	}
	if p.PartitionCount != 2 || p.StatementPartitions != 1 {
		t.Errorf("partitionCount %d, statementPartitions %d; want 2 partitions, one per statement", p.PartitionCount, p.StatementPartitions)
	}
	if p.Executed != plan.Statements[0].CQL {
		t.Errorf("executed\n  %s\nplan\n  %s", p.Executed, plan.Statements[0].CQL)
	}
	// Only environment varies, so it alone labels the series.
	wantCQL := `SELECT "environment", "metric_timestamp", "count", "previous_count" ` +
		`FROM "resources_test"."raw_counter" WHERE "environment" = 'prod' AND "application" = 'api' AND "metric_name" = 'a.count' ` +
		`AND "metric_timestamp" >= '2025-12-31T23:00:00.000Z' AND "metric_timestamp" < '2026-01-01T01:00:00.000Z'`
	if p.CQL != wantCQL {
		t.Errorf("cql\n  %s\nwant\n  %s", p.CQL, wantCQL)
	}
	wantMeasures := []PreviewMeasure{
		{Measure: query.Measure{Name: "interval_count", Derived: true, Aggregations: []string{"sum"}, Columns: []string{"count", "previous_count"}}, Formula: "count - previous_count"},
		{Measure: query.Measure{Name: "count", Aggregations: []string{"max"}, Columns: []string{"count"}}},
	}
	if diff := cmp.Diff(wantMeasures, p.Measures); diff != "" {
		t.Errorf("measures (-want +got):\n%s", diff)
	}

	// Each statement with its values written in reads what the bound statement reads.
	for i, s := range p.Statements {
		inlined := Inline(s.CQL, s.Values)
		bound, written := countRows(t, c, plan.Statements[i].CQL, plan.Statements[i].Args), countRows(t, c, inlined, nil)
		if bound != 1 || written != bound {
			t.Errorf("statement %d: bound reads %d rows, written-in reads %d (want 1 each): %s", i, bound, written, inlined)
		}
	}

	// IN lists whose product is past the fan-out bound: bounded IN statements, counted.
	apps := make([]string, 300)
	for i := range apps {
		apps[i] = fmt.Sprintf("app%03d", i)
	}
	wide := map[string]any{
		"queryType": "builder", "keyspace": "resources_test", "table": "raw_counter",
		"timeColumn": "metric_timestamp", "valueColumns": []string{"count"},
		"filters": []map[string]any{
			{"column": "environment", "op": "IN", "values": []string{"prod", "dev", "qa"}},
			{"column": "application", "op": "IN", "values": apps},
			{"column": "metric_name", "values": []string{"a.count"}},
		},
	}
	body, _ = json.Marshal(map[string]any{"query": wide, "from": from.UnixMilli(), "to": to.UnixMilli()})
	resp, text = do(t, http.MethodPost, srv.URL+"/preview", string(body))
	var wp Preview
	if resp.StatusCode != 200 || json.Unmarshal([]byte(text), &wp) != nil {
		t.Fatalf("status %d: %s", resp.StatusCode, text)
	}
	if wp.StatementCount != 9 || wp.PartitionCount != 900 || wp.StatementPartitions != query.MaxStatementPartitions {
		t.Errorf("%d statements, %d partitions, at most %d in one; want 9, 900, %d", wp.StatementCount, wp.PartitionCount, wp.StatementPartitions, query.MaxStatementPartitions)
	}

	// Queries the engine would refuse are answered with the reason, as their run would say it;
	// a request that is not a builder query is a bad request.
	for _, tt := range []struct {
		name  string
		query any
		want  string
	}{
		{"unknown column", map[string]any{"keyspace": "resources_test", "table": "raw_counter", "timeColumn": "nope", "valueColumns": []string{"count"}}, `column "nope" does not exist`},
		{"no table", map[string]any{"queryType": "builder", "keyspace": "resources_test"}, "choose a keyspace and a table"},
		{"unknown table", map[string]any{"keyspace": "resources_test", "table": "nope", "timeColumn": "t", "valueColumns": []string{"v"}}, "nope"},
		{"filter without values", map[string]any{"keyspace": "resources_test", "table": "raw_counter", "timeColumn": "metric_timestamp", "valueColumns": []string{"count"},
			"filters": []map[string]any{{"column": "environment", "values": []string{}}}}, "environment"},
		{"wrong JSON type", map[string]any{"keyspace": "resources_test", "table": "raw_counter", "limit": "ten"}, "limit"},
		{"more partitions than maxPartitions", map[string]any{"keyspace": "resources_test", "table": "raw_counter", "timeColumn": "metric_timestamp", "valueColumns": []string{"count"},
			"filters": []map[string]any{
				{"column": "environment", "op": "IN", "values": apps},
				{"column": "application", "op": "IN", "values": apps},
				{"column": "metric_name", "op": "IN", "values": apps[:2]},
			}}, "select 180000 partitions (environment 300 x application 300 x metric_name 2), more than the 10000 one query may read (maxPartitions in the data source settings)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := json.Marshal(map[string]any{"query": tt.query})
			resp, text := do(t, http.MethodPost, srv.URL+"/preview", string(b))
			var p Preview
			if resp.StatusCode != 200 || json.Unmarshal([]byte(text), &p) != nil || !strings.Contains(p.Error, tt.want) || p.CQL != "" {
				t.Fatalf("status %d, body %s: want 200 with an error holding %q and no CQL", resp.StatusCode, text, tt.want)
			}
		})
	}
	resp, text = do(t, http.MethodPost, srv.URL+"/preview", `{"query": {"queryType": "cql", "rawCql": "SELECT 1"}}`)
	if resp.StatusCode != 400 || !strings.Contains(errorText(t, text), "builder queries") {
		t.Fatalf("raw CQL: status %d, body %s", resp.StatusCode, text)
	}
}

// countRows runs one statement and counts its rows.
func countRows(t *testing.T, c *cassandra.Client, cql string, args []any) int {
	t.Helper()
	rows := c.Query(context.Background(), cql, args, cassandra.QueryOptions{})
	var dests []any
	for _, d := range cassandra.Decoders(rows.Columns()) {
		dests = append(dests, d.Dests()...)
	}
	n := 0
	for rows.Next(dests...) {
		n++
	}
	if err := rows.Close(); err != nil {
		t.Fatalf("%s: %v", cql, err)
	}
	return n
}

// A date column's bound value (a day bucket, or the bounds of a date time column) is written in
// as a date literal, which Cassandra reads; a timestamp literal is refused for a date column.
func TestPreviewDateValues(t *testing.T) {
	srv := testServer(t)
	c := cassandratest.Client(t)
	ctx := context.Background()
	for _, s := range []string{
		`CREATE KEYSPACE IF NOT EXISTS resources_dates WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
		`CREATE TABLE IF NOT EXISTS resources_dates.by_day (sensor text, day date, ts timestamp, v double, PRIMARY KEY ((sensor, day), ts))`,
		`CREATE TABLE IF NOT EXISTS resources_dates.daily (sensor text, d date, v double, PRIMARY KEY (sensor, d))`,
	} {
		if err := c.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	day0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		day := day0.AddDate(0, 0, i)
		if err := c.Exec(ctx, `INSERT INTO resources_dates.by_day (sensor, day, ts, v) VALUES ('s1', ?, ?, 1)`, day, day.Add(12*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := c.Exec(ctx, `INSERT INTO resources_dates.daily (sensor, d, v) VALUES ('s1', ?, 1)`, day); err != nil {
			t.Fatal(err)
		}
	}
	from, to := day0, day0.AddDate(0, 0, 3)
	for _, tt := range []struct {
		name  string
		query map[string]any
		want  []string // literals the preview must show
	}{
		{"day bucket", map[string]any{
			"queryType": "builder", "keyspace": "resources_dates", "table": "by_day", "timeColumn": "ts",
			"bucketColumn": "day", "bucketGranularity": "day", "valueColumns": []string{"v"},
			"filters": []map[string]any{{"column": "sensor", "values": []string{"s1"}}},
		}, []string{`"day" = '2026-03-01'`, `'2026-03-01T00:00:00.000Z'`}},
		{"date time column", map[string]any{
			"queryType": "builder", "keyspace": "resources_dates", "table": "daily", "timeColumn": "d", "valueColumns": []string{"v"},
			"filters": []map[string]any{{"column": "sensor", "values": []string{"s1"}}},
		}, []string{`"d" >= '2026-03-01'`, `"d" < '2026-03-04'`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"query": tt.query, "from": from.UnixMilli(), "to": to.UnixMilli()})
			resp, text := do(t, http.MethodPost, srv.URL+"/preview", string(body))
			var p Preview
			if resp.StatusCode != 200 || json.Unmarshal([]byte(text), &p) != nil || p.Error != "" || len(p.Statements) == 0 {
				t.Fatalf("status %d: %s", resp.StatusCode, text)
			}
			for _, w := range tt.want {
				if !strings.Contains(p.CQL, w) {
					t.Errorf("preview %s lacks %s", p.CQL, w)
				}
			}
			total := 0
			for _, s := range p.Statements {
				total += countRows(t, c, Inline(s.CQL, s.Values), nil)
			}
			if want := 3; total != want || len(p.Statements) != p.StatementCount {
				t.Errorf("the written-in statements (%d of %d) read %d rows, want %d", len(p.Statements), p.StatementCount, total, want)
			}
		})
	}
}

// errorText is the message of an {"error": ...} body, or the body when it is not one.
func errorText(t *testing.T, body string) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal([]byte(body), &e) != nil || e.Error == "" {
		return body
	}
	return e.Error
}

// The editor's macro list (completion and help, src/components/cql/language.ts) is checked
// against testdata/macros.json by Jest; this keeps that file equal to the macros the backend
// expands, so neither side can add one the other lacks.
func TestEditorMacroList(t *testing.T) {
	b, err := os.ReadFile("testdata/macros.json")
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	if err := json.Unmarshal(b, &listed); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(query.Macros(), listed); diff != "" {
		t.Errorf("testdata/macros.json differs from query.Macros() (-backend +file):\n%s", diff)
	}
}

func TestAsDates(t *testing.T) {
	d := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in   any
		want string
	}{
		{d, `'2026-03-01'`},
		{[]any{d, d.AddDate(0, 0, 1)}, `('2026-03-01', '2026-03-02')`},
		{"2026-03-05", `'2026-03-05'`},
	} {
		if got := Literal(asDates(tt.in)); got != tt.want {
			t.Errorf("Literal(asDates(%v)) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
