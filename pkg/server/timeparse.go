package server

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/gtime"
)

// isoLayouts are the timestamp forms the data route accepts; times without a zone are UTC,
// as the seed's were.
var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02",
}

func parseISO(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range isoLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO 8601 time such as 2024-05-01T12:00:00Z", s)
}

// parseRangeTime reads one end of a query's time range as Grafana's API takes it: epoch
// milliseconds (a number or a string of digits), an ISO time (parseISO), or a relative time
// such as "now", "now-6h", "now-7d/d" (parseRelative). end says whether it is the range's end,
// which matters for rounding: "now/d" as the end is the end of today.
func parseRangeTime(raw json.RawMessage, now time.Time, end bool) (time.Time, error) {
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil && n != "" {
		ms, err := n.Int64()
		if err != nil {
			return time.Time{}, fmt.Errorf("%s is not whole epoch milliseconds", n)
		}
		return time.UnixMilli(ms).UTC(), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return time.Time{}, fmt.Errorf("want epoch milliseconds, an ISO time or a relative time like now-6h")
	}
	return parseTimeString(s, now, end)
}

func parseTimeString(s string, now time.Time, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("empty time")
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	if strings.HasPrefix(s, "now") {
		return parseRelative(s, now.UTC(), end)
	}
	return parseISO(s)
}

// parseRelative reads a relative time with the plugin SDK's gtime (Grafana's date math, as its
// time picker writes it): "now" followed by any sequence of +N<unit>, -N<unit> (N defaults to 1)
// and /<unit> (rounding down), units y (years), Q (quarters), M (months), w (weeks), d (days),
// h, m, s; in UTC, weeks starting on Monday. As the end of a range a rounding goes to the last
// millisecond of its unit ("now/d": 23:59:59.999 today).
func parseRelative(s string, now time.Time, end bool) (t time.Time, err error) {
	bad := fmt.Errorf("%q is not a relative time such as now, now-6h or now-1d/d (units y Q M w d h m s)", s)
	defer func() {
		if recover() != nil { // the date math parser's own guard against a unit it does not know
			t, err = time.Time{}, bad
		}
	}()
	tr := gtime.TimeRange{From: s, To: s, Now: now.UTC()}
	if end {
		t, err = tr.ParseTo(gtime.WithLocation(time.UTC))
	} else {
		t, err = tr.ParseFrom(gtime.WithLocation(time.UTC))
	}
	if err != nil {
		return time.Time{}, bad
	}
	return t.UTC(), nil
}
