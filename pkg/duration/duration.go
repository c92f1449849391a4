// Package duration is the one grammar of the durations users type: a query's interval, the
// data source's timeouts and late data window. The backend reads every such duration here, and
// the editors validate with a TypeScript copy of the same rules (src/duration.ts), checked
// against the same table of inputs (pkg/vocab/testdata/vocabulary-cases.json).
//
// The grammar is Grafana's, as the plugin SDK's gtime.ParseDuration reads it: a Go duration
// (a possibly signed sequence of decimal numbers, each with a unit ns, us, µs, ms, s, m or h:
// "500ms", "1.5h", "1h30m") or a whole number of days or weeks ("1d", "7d", "2w"). Two
// refinements: months and years ("1M", "1y") are refused, as they have no fixed length and
// gtime would give them an average one that no bin lines up with, and days or weeks past what
// a time.Duration holds are refused instead of wrapping round. Surrounding white space is
// ignored.
//
// gtime itself is not imported: its package also holds relative time ranges and brings in a
// module of its own (go-datemath) that this one does not otherwise need, and with the two
// refinements only its day and week form would be left to call. That form is a whole number
// times 24 h or 7 x 24 h, written out below; the rest is time.ParseDuration, as in gtime.
package duration

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

const (
	// Day and Week are the lengths of the calendar units the grammar accepts (always 24 h: UTC).
	Day  = 24 * time.Hour
	Week = 7 * Day
	// MinInterval is the smallest fixed interval: Cassandra timestamps have millisecond
	// precision, so an interval is a whole number of milliseconds, at least one.
	MinInterval = time.Millisecond
	// Auto is the interval that lets the engine choose the bin width.
	Auto = "auto"
)

// Units are the units of a Go duration and their lengths, in the order Go lists them.
var Units = []Unit{
	{"ns", time.Nanosecond}, {"us", time.Microsecond}, {"µs", time.Microsecond}, {"μs", time.Microsecond},
	{"ms", time.Millisecond}, {"s", time.Second}, {"m", time.Minute}, {"h", time.Hour},
}

// CalendarUnits may follow a whole number, alone ("7d", not "1d12h" or "1.5d").
var CalendarUnits = []Unit{{"d", Day}, {"w", Week}}

// RefusedUnits are Grafana's units that have no fixed length.
var RefusedUnits = []string{"M", "y"}

// Unit is a duration unit and its length.
type Unit struct {
	Name   string
	Length time.Duration
}

// Why a duration is refused; an *Error wraps one of these.
var (
	ErrSyntax     = errors.New("not a duration")
	ErrCalendar   = errors.New("months and years have no fixed length")
	ErrTooLarge   = errors.New("too large")
	ErrTooShort   = errors.New("shorter than 1ms")
	ErrNotWholeMs = errors.New("not a whole number of milliseconds")
)

// Error is a refused duration: the input, why (one of the Err values, for errors.Is) and, for
// ErrTooShort and ErrNotWholeMs, the duration it reads as.
type Error struct {
	Input string
	Kind  error
	Value time.Duration
}

func (e *Error) Error() string { return strconv.Quote(e.Input) + ": " + e.Kind.Error() }
func (e *Error) Unwrap() error { return e.Kind }

// Parse reads a duration of the grammar. It may be zero or negative: callers say which values
// they accept (ParseInterval and ParseSetting do).
func Parse(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, &Error{Input: s, Kind: ErrSyntax}
	}
	last, num := t[len(t)-1], t[:len(t)-1]
	if digits(num) {
		switch last {
		case 'M', 'y':
			return 0, &Error{Input: s, Kind: ErrCalendar}
		case 'd', 'w':
			unit := Day
			if last == 'w' {
				unit = Week
			}
			n, err := strconv.ParseInt(num, 10, 64)
			if err != nil || n > int64(math.MaxInt64/unit) {
				return 0, &Error{Input: s, Kind: ErrTooLarge}
			}
			return time.Duration(n) * unit, nil
		}
	}
	d, err := time.ParseDuration(t)
	if err != nil {
		return 0, &Error{Input: s, Kind: ErrSyntax}
	}
	return d, nil
}

// ParseInterval reads a query's interval: "auto" (any case) or empty gives 0, which means the
// engine chooses; otherwise a duration of at least 1ms, in whole milliseconds.
func ParseInterval(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" || strings.EqualFold(t, Auto) {
		return 0, nil
	}
	d, err := Parse(s)
	if err != nil {
		return 0, err
	}
	if d < MinInterval {
		return 0, &Error{Input: s, Kind: ErrTooShort, Value: d}
	}
	if d%time.Millisecond != 0 {
		return 0, &Error{Input: s, Kind: ErrNotWholeMs, Value: d}
	}
	return d, nil
}

// ParseSetting reads a duration setting (a timeout, the late data window): empty gives 0
// (the setting's default), a plain decimal number is seconds ("5", "0.5", "1e3"), anything
// else is a duration of the grammar. It may be zero or negative: the settings say which values
// they accept.
func ParseSetting(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, nil
	}
	if secondsPattern(t) {
		secs, err := strconv.ParseFloat(t, 64)
		if err != nil || math.Abs(secs*float64(time.Second)) >= math.MaxInt64 {
			return 0, &Error{Input: s, Kind: ErrTooLarge}
		}
		return Seconds(secs), nil
	}
	return Parse(s)
}

// Seconds is a number of seconds as a duration, truncated to the nanosecond. The caller keeps
// it within what a time.Duration holds.
func Seconds(secs float64) time.Duration { return time.Duration(secs * float64(time.Second)) }

// secondsPattern reports whether t is a plain decimal number: [+-]?(d+(.d*)?|.d+)([eE][+-]?d+)?
func secondsPattern(t string) bool {
	i := 0
	if i < len(t) && (t[i] == '+' || t[i] == '-') {
		i++
	}
	start := i
	for i < len(t) && isDigit(t[i]) {
		i++
	}
	intDigits := i - start
	fracDigits := 0
	if i < len(t) && t[i] == '.' {
		i++
		f := i
		for i < len(t) && isDigit(t[i]) {
			i++
		}
		fracDigits = i - f
	}
	if intDigits == 0 && fracDigits == 0 {
		return false
	}
	if i < len(t) && (t[i] == 'e' || t[i] == 'E') {
		i++
		if i < len(t) && (t[i] == '+' || t[i] == '-') {
			i++
		}
		e := i
		for i < len(t) && isDigit(t[i]) {
			i++
		}
		if i == e {
			return false
		}
	}
	return i == len(t)
}

// Format writes d in the grammar's shortest usual form: "5m" rather than Go's "5m0s", whole
// days as "1d" and whole weeks as "1w".
func Format(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d < 0:
		return "-" + Format(-d)
	case d%Week == 0:
		return strconv.FormatInt(int64(d/Week), 10) + "w"
	case d%Day == 0:
		return strconv.FormatInt(int64(d/Day), 10) + "d"
	}
	s := d.String()
	for _, z := range []string{"0s", "0m"} {
		if len(s) > len(z) && strings.HasSuffix(s, z) && !isDigit(s[len(s)-len(z)-1]) {
			s = s[:len(s)-len(z)]
		}
	}
	return s
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
