package server

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2026, 5, 14, 10, 30, 15, 0, time.UTC)

func TestParseRangeTime(t *testing.T) {
	for in, want := range map[string]time.Time{
		`1715682615000`:                    time.UnixMilli(1715682615000).UTC(),
		`"1715682615000"`:                  time.UnixMilli(1715682615000).UTC(),
		`"2026-05-14T08:00:00Z"`:           time.Date(2026, 5, 14, 8, 0, 0, 0, time.UTC),
		`"2026-05-14T10:00:00+02:00"`:      time.Date(2026, 5, 14, 8, 0, 0, 0, time.UTC),
		`"2026-05-14T08:00:00.250"`:        time.Date(2026, 5, 14, 8, 0, 0, 250e6, time.UTC),
		`"2026-05-14"`:                     time.Date(2026, 5, 14, 0, 0, 0, 0, time.UTC),
		`"now"`:                            testNow,
		`"now-6h"`:                         testNow.Add(-6 * time.Hour),
		`"now-1h-30m"`:                     testNow.Add(-90 * time.Minute),
		`"now+15m"`:                        testNow.Add(15 * time.Minute),
		`"now-7d"`:                         testNow.AddDate(0, 0, -7),
		`"now-1M"`:                         testNow.AddDate(0, -1, 0),
		`"now/d"`:                          time.Date(2026, 5, 14, 0, 0, 0, 0, time.UTC),
		`"now-1d/d"`:                       time.Date(2026, 5, 13, 0, 0, 0, 0, time.UTC),
		`"now/w"`:                          time.Date(2026, 5, 11, 0, 0, 0, 0, time.UTC), // a Monday
		`"now/y"`:                          time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		`"2026-05-14 08:00:00"`:            time.Date(2026, 5, 14, 8, 0, 0, 0, time.UTC),
		`"2026-05-14T08:00:00.123456789Z"`: time.Date(2026, 5, 14, 8, 0, 0, 123456789, time.UTC),
	} {
		got, err := parseRangeTime(json.RawMessage(in), testNow, false)
		if err != nil || !got.Equal(want) {
			t.Errorf("%s: got %v, %v; want %v", in, got, err, want)
		}
	}
	// As the end of a range, rounding goes to the end of the unit.
	got, err := parseRangeTime(json.RawMessage(`"now/d"`), testNow, true)
	if want := time.Date(2026, 5, 14, 23, 59, 59, 999e6, time.UTC); err != nil || !got.Equal(want) {
		t.Errorf("now/d as end: got %v, want %v", got, want)
	}
	for _, bad := range []string{`"yesterday"`, `"now-6x"`, `"now-"`, `"now/"`, `"now/dd"`, `true`, `""`, `1.5`, `"2026-13-01"`} {
		if _, err := parseRangeTime(json.RawMessage(bad), testNow, false); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
}

func TestBuildQueryRequest(t *testing.T) {
	body := `{"queries": [
		{"refId": "X", "queryType": "builder", "table": "t"},
		{"queryType": "cql", "rawCql": "SELECT 1", "maxDataPoints": 20, "intervalMs": 500},
		{"table": "u"}
	], "from": "now-1h", "to": 1778754615000, "maxDataPoints": 300, "intervalMs": 15000}`
	req, err := BuildQueryRequest([]byte(body), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(req.Queries) != 3 {
		t.Fatalf("%d queries", len(req.Queries))
	}
	q0, q1, q2 := req.Queries[0], req.Queries[1], req.Queries[2]
	if q0.RefID != "X" || q1.RefID != "B" || q2.RefID != "C" {
		t.Errorf("refIds %q %q %q, want X B C (missing ones named by position)", q0.RefID, q1.RefID, q2.RefID)
	}
	if q0.QueryType != "builder" || q1.QueryType != "cql" {
		t.Errorf("query types %q %q", q0.QueryType, q1.QueryType)
	}
	if q0.MaxDataPoints != 300 || q0.Interval != 15*time.Second || q1.MaxDataPoints != 20 || q1.Interval != 500*time.Millisecond {
		t.Errorf("per-query overrides: %+v %+v", q0, q1)
	}
	if !q0.TimeRange.From.Equal(testNow.Add(-time.Hour)) || !q0.TimeRange.To.Equal(time.UnixMilli(1778754615000)) {
		t.Errorf("time range %+v", q0.TimeRange)
	}
	if string(q2.JSON) != `{"table": "u"}` {
		t.Errorf("the query JSON must reach the engine as sent, got %s", q2.JSON)
	}

	req, err = BuildQueryRequest([]byte(`{"queries": [{"refId": "A"}]}`), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if q := req.Queries[0]; !q.TimeRange.From.Equal(testNow.Add(-6*time.Hour)) || !q.TimeRange.To.Equal(testNow) || q.MaxDataPoints != DefaultMaxDataPoints {
		t.Errorf("defaults: %+v", q)
	}
}

func TestBuildQueryRequestErrors(t *testing.T) {
	many := `{"queries": [` + strings.Repeat(`{},`, MaxQueries) + `{}]}`
	for body, want := range map[string]string{
		``:                 "must be JSON",
		`[]`:               "must be JSON",
		`{"queries": []}`:  "empty",
		`{}`:               "empty",
		`{"queries": [1]}`: "queries[0] must be a query object",
		`{"queries": [{"refId": "A"}, {"refId": "A"}]}`:    "used twice",
		`{"queries": [{}], "from": "later"}`:               `"from"`,
		`{"queries": [{}], "to": false}`:                   `"to"`,
		`{"queries": [{}], "from": "now", "to": "now-1h"}`: "must be before",
		`{"queries": [{}], "maxDataPoints": -1}`:           "maxDataPoints",
		`{"queries": [{}], "maxDataPoints": 100001}`:       "maxDataPoints",
		`{"queries": [{"maxDataPoints": 0.5}]}`:            "queries[0]",
		`{"queries": [{}], "intervalMs": -5}`:              "intervalMs",
		many:                                               "at most",
	} {
		_, err := BuildQueryRequest([]byte(body), testNow)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%.60s: want an error mentioning %q, got %v", body, want, err)
		}
	}
}

func TestRefID(t *testing.T) {
	for i, want := range map[int]string{0: "A", 1: "B", 25: "Z", 26: "AA", 27: "AB", 51: "AZ", 52: "BA"} {
		if got := refID(i); got != want {
			t.Errorf("refID(%d) = %q, want %q", i, got, want)
		}
	}
}
