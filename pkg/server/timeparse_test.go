package server

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// The grammar of /api/query's "from" and "to" (README, metrics-server): epoch milliseconds, an
// ISO 8601 time, or a Grafana relative time read by the SDK's gtime, in UTC.
func TestRangeTimeGrammar(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	endOf := func(t time.Time) time.Time { return t.Add(-time.Millisecond) }
	for _, tt := range []struct {
		in       string
		end      bool
		want     time.Time
		wantFail string
	}{
		{in: `0`, want: time.UnixMilli(0).UTC()},
		{in: `-1000`, want: time.UnixMilli(-1000).UTC()},
		{in: `" 1715682615000 "`, want: time.UnixMilli(1715682615000).UTC()},
		{in: `"2026-05-14T08:00"`, want: time.Date(2026, 5, 14, 8, 0, 0, 0, time.UTC)},
		{in: `"2026-05-14 10:00:00+02:00"`, want: time.Date(2026, 5, 14, 8, 0, 0, 0, time.UTC)},
		{in: `"now"`, end: true, want: testNow},
		{in: `"now-d"`, want: testNow.AddDate(0, 0, -1)}, // N defaults to 1
		{in: `"now-2w"`, want: testNow.AddDate(0, 0, -14)},
		{in: `"now-1y"`, want: testNow.AddDate(-1, 0, 0)},
		{in: `"now-1Q"`, want: testNow.AddDate(0, -3, 0)},
		{in: `"now+30s"`, want: testNow.Add(30 * time.Second)},
		{in: `"now-1h"`, end: true, want: testNow.Add(-time.Hour)}, // no rounding, no change as the end
		{in: `"now/h"`, want: time.Date(2026, 5, 14, 10, 0, 0, 0, time.UTC)},
		{in: `"now/h"`, end: true, want: endOf(time.Date(2026, 5, 14, 11, 0, 0, 0, time.UTC))},
		{in: `"now/m"`, want: time.Date(2026, 5, 14, 10, 30, 0, 0, time.UTC)},
		{in: `"now/M"`, want: day(2026, 5, 1)},
		{in: `"now/M"`, end: true, want: endOf(day(2026, 6, 1))},
		{in: `"now/w"`, end: true, want: endOf(day(2026, 5, 18))}, // Monday to Sunday
		{in: `"now-1w/w"`, want: day(2026, 5, 4)},
		{in: `"now-1d/d"`, end: true, want: endOf(day(2026, 5, 14))},
		{in: `"now/y"`, end: true, want: endOf(day(2027, 1, 1))},
		{in: `"now-1M/M"`, want: day(2026, 4, 1)},
		// Refused, each with a message saying what is wanted.
		{in: `"now-500ms"`, wantFail: "relative time"}, // Grafana's units have no ms
		{in: `"now - 1h"`, wantFail: "relative time"},
		{in: `"NOW"`, wantFail: "ISO 8601"},
		{in: `"6h"`, wantFail: "ISO 8601"}, // a bare duration is not a time
		{in: `"nowish"`, wantFail: "relative time"},
		{in: `"2026-05-14T25:00:00Z"`, wantFail: "ISO 8601"},
		{in: `"   "`, wantFail: "empty"},
		{in: `[]`, wantFail: "epoch milliseconds"},
		{in: `1e3`, wantFail: "whole epoch milliseconds"},
	} {
		got, err := parseRangeTime(json.RawMessage(tt.in), testNow, tt.end)
		switch {
		case tt.wantFail != "":
			if err == nil || !strings.Contains(err.Error(), tt.wantFail) {
				t.Errorf("%s (end %v): got %v, %v; want an error saying %q", tt.in, tt.end, got, err, tt.wantFail)
			}
		case err != nil || !got.Equal(tt.want) || got.Location() != time.UTC:
			t.Errorf("%s (end %v): got %v, %v; want %v", tt.in, tt.end, got, err, tt.want)
		}
	}
}
