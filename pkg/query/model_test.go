package query

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func ptr[T any](v T) *T { return &v }

func TestParseDefaults(t *testing.T) {
	tests := []struct {
		name string
		json string
		want *Query
	}{
		{
			name: "builder inferred from table",
			json: `{"refId":"A","keyspace":"metric_data","table":"raw_timer","timeColumn":"metric_timestamp","valueColumns":["p99"],
				"filters":[{"column":"environment","values":["prod"]},{"column":"metric_name","op":"in","values":["a","b"]}],
				"aggregations":["MAX"," avg","max"],"datasource":{"uid":"x"},"intervalMs":1000,"maxDataPoints":500}`,
			want: &Query{
				RefID: "A", QueryType: QueryTypeBuilder, Keyspace: "metric_data", Table: "raw_timer", TimeColumn: "metric_timestamp",
				ValueColumns: []string{"p99"},
				Filters: []Filter{
					{Column: "environment", Op: "=", Values: []string{"prod"}},
					{Column: "metric_name", Op: "IN", Values: []string{"a", "b"}},
				},
				Aggregations: []string{"max", "avg"},
				Interval:     "auto", Fill: "null", Format: FormatTimeSeries, Binning: true,
			},
		},
		{
			name: "cql inferred from rawCql",
			json: `{"refId":"B","rawCql":"SELECT * FROM t"}`,
			want: &Query{RefID: "B", QueryType: QueryTypeCQL, RawCQL: "SELECT * FROM t", Interval: "auto", Fill: "null", Format: FormatTimeSeries, Binning: true},
		},
		{
			name: "table format does not bin unless asked",
			json: `{"queryType":"cql","rawCql":"SELECT * FROM t","format":"table"}`,
			want: &Query{QueryType: QueryTypeCQL, RawCQL: "SELECT * FROM t", Interval: "auto", Fill: "null", Format: FormatTable},
		},
		{
			name: "explicit binning false kept",
			json: `{"queryType":"cql","rawCql":"SELECT * FROM t","binning":false}`,
			want: &Query{QueryType: QueryTypeCQL, RawCQL: "SELECT * FROM t", Interval: "auto", Fill: "null", Format: FormatTimeSeries},
		},
		{
			name: "everything set",
			json: `{"refId":"C","queryType":"builder","keyspace":"k","table":"t","timeColumn":"ts","valueColumns":["v"],"seriesColumns":["host"],
				"interval":"5m","fill":"value","fillValue":1.5,"limit":100,"allowFiltering":true,"instant":true,"alias":"{{host}}","hide":true,"format":"table","binning":true}`,
			want: &Query{
				RefID: "C", QueryType: QueryTypeBuilder, Keyspace: "k", Table: "t", TimeColumn: "ts", ValueColumns: []string{"v"},
				SeriesColumns: []string{"host"}, Interval: "5m", Fill: "value", FillValue: ptr(1.5), Limit: 100, AllowFiltering: true,
				Instant: true, Alias: "{{host}}", Hide: true, Format: FormatTable, Binning: true,
			},
		},
		{
			name: "empty query from a new panel",
			json: `{"refId":"A"}`,
			want: &Query{RefID: "A", QueryType: QueryTypeBuilder, Interval: "auto", Fill: "null", Format: FormatTimeSeries, Binning: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(json.RawMessage(tt.json))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseTypeErrors(t *testing.T) {
	tests := []struct{ json, want string }{
		{`{"limit":"100"}`, `field "limit": want a number, got string`},
		{`{"limit":1.5}`, `field "limit": want a whole number, got number 1.5`},
		{`{"fillValue":"x"}`, `field "fillValue": want a number, got string`},
		{`{"allowFiltering":"yes"}`, `field "allowFiltering": want true or false, got string`},
		{`{"table":5}`, `field "table": want a string, got number`},
		{`{"valueColumns":"p99"}`, `field "valueColumns": want a list, got string`},
		{`{"valueColumns":[1]}`, `field "valueColumns": want a list of column names, got number`},
		{`{"filters":[{"column":"a","values":"x"}]}`, `field "filters.values": want a list, got string`},
		{`{"filters":[{"column":"a","values":[1]}]}`, `field "filters.values": want a list of strings, got number`},
		{`{"filters":{"column":"a"}}`, `field "filters": want a list, got object`},
		{`[1,2]`, `the query must be a JSON object, not array`},
		{`{"limit":}`, `the query is not valid JSON (at byte 10): invalid character '}' looking for beginning of value`},
	}
	for _, tt := range tests {
		_, err := Parse(json.RawMessage(tt.json))
		if err == nil {
			t.Errorf("Parse(%s) succeeded; want %q", tt.json, tt.want)
			continue
		}
		if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
			t.Errorf("Parse(%s) (-want +got):\n%s", tt.json, diff)
		}
		var qe *Error
		if !errors.As(err, &qe) {
			t.Errorf("Parse(%s) error is %T, want *query.Error", tt.json, err)
		}
	}
}

func TestValidate(t *testing.T) {
	valid := func() *Query { return seedQuery("p99") }
	tests := []struct {
		name string
		q    *Query
		want string
	}{
		{"valid builder", valid(), ""},
		{"valid cql", &Query{QueryType: QueryTypeCQL, RawCQL: "SELECT 1", Format: FormatTable, Interval: "auto", Fill: "null"}, ""},
		{"unknown query type", with(valid(), func(q *Query) { q.QueryType = "sql" }), `queryType: "sql" is not a query type; use "builder" or "cql"`},
		{"no keyspace", with(valid(), func(q *Query) { q.Keyspace = "" }), `keyspace: choose a keyspace`},
		{"no table", with(valid(), func(q *Query) { q.Table = "" }), `table: choose a table`},
		{"no time column", with(valid(), func(q *Query) { q.TimeColumn = "" }), `timeColumn: choose the table's time column (a timestamp, date, timeuuid or epoch clustering column)`},
		{"no value column", with(valid(), func(q *Query) { q.ValueColumns = nil }), `valueColumns: choose at least one value column`},
		{"empty value column", with(valid(), func(q *Query) { q.ValueColumns = []string{"p99", ""} }), `valueColumns[1]: choose a column or remove the empty entry`},
		{"empty series column", with(valid(), func(q *Query) { q.SeriesColumns = []string{""} }), `seriesColumns[0]: choose a column or remove the empty entry`},
		{"filter without column", with(valid(), func(q *Query) { q.Filters[1].Column = "" }), `filters[1].column: choose the column to filter on`},
		{"filter with bad op", with(valid(), func(q *Query) { q.Filters[1].Op = "!=" }), `filters[1].op: "!=" is not an operator; use one of = IN < <= > >=`},
		{"filter without values", with(valid(), func(q *Query) { q.Filters[2].Values = nil }), `filters[2].values: enter a value to compare "metric_name" with`},
		{"several values without IN", with(valid(), func(q *Query) { q.Filters[0].Values = []string{"a", "b"} }), `filters[0].values: "=" takes one value; use IN to match several`},
		{"range with several values", with(valid(), func(q *Query) { q.Filters[0] = Filter{Column: "x", Op: ">", Values: []string{"1", "2"}} }), `filters[0].values: ">" takes one value; use IN to match several`},
		{"negative limit", with(valid(), func(q *Query) { q.Limit = -1 }), `limit: must be 0 (no limit) or a positive number of rows`},
		{"huge limit", with(valid(), func(q *Query) { q.Limit = 1 << 40 }), `limit: must be at most 2147483647`},
		{"bad fill", with(valid(), func(q *Query) { q.Fill = "linear" }), `fill: "linear" is not a fill mode; use one of null, previous, zero, value, none`},
		{"fill value missing", with(valid(), func(q *Query) { q.Fill = "value" }), `fillValue: fill "value" needs a fill value; enter the number to put in empty intervals`},
		{"fill value given", with(valid(), func(q *Query) { q.Fill = "value"; q.FillValue = ptr(0.0) }), ""},
		{"bad aggregation", with(valid(), func(q *Query) { q.Aggregations = []string{"max", "median"} }),
			`aggregations[1]: "median" is not an aggregation; use one of avg, min, max, sum, count, first, last, stddev, p50, p75, p90, p95, p99, p999`},
		{"bad interval", with(valid(), func(q *Query) { q.Interval = "5 minutes" }), `interval: "5 minutes" is not an interval; use "auto" or a duration like 30s, 5m, 1h or 1d`},
		{"zero interval", with(valid(), func(q *Query) { q.Interval = "0s" }), `interval: "0s" is not a positive interval; use "auto" or a duration like 30s, 5m, 1h or 1d`},
		{"bad format", with(valid(), func(q *Query) { q.Format = "logs" }), `format: "logs" is not a format; use "time_series" or "table"`},
		{"raw cql that writes", &Query{QueryType: QueryTypeCQL, RawCQL: "DROP TABLE t", Format: FormatTable, Interval: "auto", Fill: "null"}, `rawCql: only a single SELECT statement can run: found DROP (line 1, column 1)`},
		{"empty raw cql", &Query{QueryType: QueryTypeCQL, RawCQL: "  ", Format: FormatTable, Interval: "auto", Fill: "null"}, `rawCql: write a SELECT statement`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.q.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateAfterParse(t *testing.T) {
	// What the editor sends for a new builder query must parse and validate once filled in.
	q, err := Parse(json.RawMessage(`{"refId":"A","queryType":"builder","keyspace":"metric_data","table":"raw_counter_with_interval",
		"timeColumn":"metric_timestamp","valueColumns":["interval_count"],
		"filters":[{"column":"environment","op":"=","values":["prod"]},{"column":"application","op":"=","values":["api"]},{"column":"metric_name","op":"=","values":["hits"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	p, err := BuildPlan(context.Background(), q, seedCounter(), t0, t1, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Measure{{Name: "interval_count", Derived: true, Aggregations: []string{"sum"}, Columns: []string{"count", "previous_count"}}}, p.Measures); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestIsEmpty(t *testing.T) {
	for _, tt := range []struct {
		json string
		want bool
	}{
		{`{"refId":"A"}`, true},
		{`{"queryType":"cql"}`, true},
		{`{"queryType":"cql","rawCql":"SELECT 1"}`, false},
		{`{"table":"t"}`, false},
	} {
		q, err := Parse(json.RawMessage(tt.json))
		if err != nil {
			t.Fatal(err)
		}
		if got := q.IsEmpty(); got != tt.want {
			t.Errorf("IsEmpty(%s) = %v, want %v", tt.json, got, tt.want)
		}
	}
}

func TestParseInterval(t *testing.T) {
	for s, want := range map[string]time.Duration{
		"30s": 30 * time.Second, "5m": 5 * time.Minute, "1h30m": 90 * time.Minute, "1d": 24 * time.Hour,
		"1w": 7 * 24 * time.Hour, "250ms": 250 * time.Millisecond, " 10s ": 10 * time.Second,
		// One grammar with the engine's bin width (binning.ParseWidth), which reads "1.5h":
		// decimals are Go's and Grafana's; "1.5d" stays refused.
		"1.5m": 90 * time.Second,
	} {
		got, err := ParseInterval(s)
		if err != nil || got != want {
			t.Errorf("ParseInterval(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "5", "m", "5x", "1.5d", "-5m", "5 m", "99999999999999999999s", "0m"} {
		if _, err := ParseInterval(s); err == nil {
			t.Errorf("ParseInterval(%q) succeeded", s)
		}
	}
	q := &Query{Interval: "auto"}
	if d, err := q.IntervalDuration(); d != 0 || err != nil {
		t.Errorf("auto = %v, %v; want 0, nil", d, err)
	}
}

func TestParseErrorField(t *testing.T) {
	_, err := Parse(json.RawMessage(`{"refId":"A","limit":"ten"}`))
	var qe *Error
	if !errors.As(err, &qe) || qe.Field != "limit" {
		t.Fatalf("got %#v, want a *Error for field limit", err)
	}
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		t.Errorf("error does not unwrap to the JSON type error")
	}
}
