package server

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
)

var fuzzNow = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// FuzzParseRangeTime: any JSON value as one end of /api/query's range either gives a UTC time
// or an error with a message, never a panic.
func FuzzParseRangeTime(f *testing.F) {
	for _, s := range []string{`"now-6h"`, `"now/d"`, `"now-7d/d"`, `1796040000000`, `"2026-11-30T12:00:00Z"`, `"1796040000000"`, `-9223372036854775808`, `"now-99999999999y"`, `{}`, `null`} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, raw []byte, end bool) {
		got, err := parseRangeTime(json.RawMessage(raw), fuzzNow, end)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("%q gave a time in %v, want UTC", raw, got.Location())
		}
	})
}

// FuzzParseDataParams: any query string of the seed's data route is refused with a message or
// gives parameters within their bounds.
func FuzzParseDataParams(f *testing.F) {
	for _, s := range []string{
		"columns=p99,count&size=1000",
		"columns=p99&start_timestamp=2026-11-30T00:00:00Z&end_timestamp=2026-11-30T06:00:00Z",
		"columns=,,,a,a,b&size=0",
		"columns=a&size=100000&fill=previous",
		"columns=a&start_timestamp=0001-01-01&end_timestamp=9999-12-31",
		"columns=a&end_timestamp=2026-01-01",
		"columns=%00&size=-1",
	} {
		f.Add(s)
	}
	s := New(cassandra.Settings{}, Options{Logger: discardLogger(), Now: func() time.Time { return fuzzNow }})
	f.Fuzz(func(t *testing.T, rawQuery string) {
		r := httptest.NewRequest("GET", "/api/v1/x", nil)
		r.URL.RawQuery = rawQuery
		p, err := s.parseDataParams(r)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		if p.size < 1 || p.size > MaxSize {
			t.Fatalf("size %d out of 1..%d", p.size, MaxSize)
		}
		if len(p.columns) == 0 || len(p.columns) > MaxColumns {
			t.Fatalf("%d columns", len(p.columns))
		}
		seen := map[string]bool{}
		for _, c := range p.columns {
			if c == "" || c != strings.TrimSpace(c) || seen[c] {
				t.Fatalf("columns %q: empty, untrimmed or repeated", p.columns)
			}
			seen[c] = true
		}
		if !p.to.After(p.from) {
			t.Fatalf("range %v..%v is empty", p.from, p.to)
		}
		if _, err := url.ParseQuery(rawQuery); err == nil && p.fill == "" {
			t.Fatal("no fill mode")
		}
	})
}

// FuzzParseColumns: the columns= list is split in one pass into at most MaxColumns distinct names.
func FuzzParseColumns(f *testing.F) {
	f.Add("p99,count,,p99, mean ")
	f.Add(strings.Repeat("a,", 300))
	f.Fuzz(func(t *testing.T, v string) {
		cols, err := parseColumns(context.Background(), v)
		if err != nil {
			return
		}
		if len(cols) > MaxColumns {
			t.Fatalf("%d columns", len(cols))
		}
	})
}
