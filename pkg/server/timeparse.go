package server

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
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
// milliseconds (a number or a string of digits), an ISO time, or a relative time such as
// "now", "now-6h", "now-7d/d". end says whether it is the range's end, which matters for
// rounding: "now/d" as the end is the end of today.
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

// parseRelative handles now, now±N<unit>... and a final /<unit> rounding, units ms s m h d w
// M y as in Grafana.
func parseRelative(s string, now time.Time, end bool) (time.Time, error) {
	bad := fmt.Errorf("%q is not a relative time such as now, now-6h or now-1d/d", s)
	rest := s[len("now"):]
	t := now
	for rest != "" && rest[0] != '/' {
		sign := 1
		switch rest[0] {
		case '-':
			sign = -1
		case '+':
		default:
			return time.Time{}, bad
		}
		rest = rest[1:]
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		n := 1
		if i > 0 {
			v, err := strconv.Atoi(rest[:i])
			if err != nil {
				return time.Time{}, bad
			}
			n = v
		}
		rest = rest[i:]
		unit, width := relUnit(rest)
		if width == 0 {
			return time.Time{}, bad
		}
		rest = rest[width:]
		t = addUnit(t, unit, sign*n)
	}
	if rest != "" {
		unit, width := relUnit(rest[1:])
		if width == 0 || width != len(rest)-1 {
			return time.Time{}, bad
		}
		t = startOf(t, unit)
		if end {
			t = addUnit(t, unit, 1).Add(-time.Millisecond)
		}
	}
	return t, nil
}

func relUnit(s string) (string, int) {
	if strings.HasPrefix(s, "ms") {
		return "ms", 2
	}
	if s != "" && strings.ContainsRune("smhdwMy", rune(s[0])) {
		return s[:1], 1
	}
	return "", 0
}

func addUnit(t time.Time, unit string, n int) time.Time {
	switch unit {
	case "ms":
		return t.Add(time.Duration(n) * time.Millisecond)
	case "s":
		return t.Add(time.Duration(n) * time.Second)
	case "m":
		return t.Add(time.Duration(n) * time.Minute)
	case "h":
		return t.Add(time.Duration(n) * time.Hour)
	case "d":
		return t.AddDate(0, 0, n)
	case "w":
		return t.AddDate(0, 0, 7*n)
	case "M":
		return t.AddDate(0, n, 0)
	case "y":
		return t.AddDate(n, 0, 0)
	}
	return t
}

// startOf rounds down to the start of the unit, in UTC (weeks start on Monday, as ISO weeks).
func startOf(t time.Time, unit string) time.Time {
	y, mo, d := t.Date()
	switch unit {
	case "ms":
		return t.Truncate(time.Millisecond)
	case "s":
		return t.Truncate(time.Second)
	case "m":
		return t.Truncate(time.Minute)
	case "h":
		return t.Truncate(time.Hour)
	case "d":
		return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
	case "w":
		wd := (int(t.Weekday()) + 6) % 7
		return time.Date(y, mo, d-wd, 0, 0, 0, 0, time.UTC)
	case "M":
		return time.Date(y, mo, 1, 0, 0, 0, 0, time.UTC)
	case "y":
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return t
}
