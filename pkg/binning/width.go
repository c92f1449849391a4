package binning

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/duration"
)

const (
	day  = duration.Day
	week = duration.Week

	// DefaultMaxDataPoints is used by AutoWidth when the request carries no
	// positive maxDataPoints (Grafana always sends one; other clients may not).
	DefaultMaxDataPoints = 1000
	// MinAutoWidth is the smallest width AutoWidth picks; finer fixed widths
	// (down to 1ms) must be asked for explicitly.
	MinAutoWidth = time.Second
	// MinWidth is the smallest width a Spec accepts: Cassandra timestamps
	// have millisecond precision.
	MinWidth = time.Millisecond
)

// niceWidths are the steps AutoWidth rounds up to, so bins line up with what
// people read off a time axis; above the last one it uses multiples of a week.
var niceWidths = []time.Duration{
	1 * time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	1 * time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	1 * time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	day, week,
}

// AutoWidth picks the bin width for interval "auto":
// max(interval, (to-from)/maxDataPoints, 1s) rounded up to the next of
// 1s 2s 5s 10s 15s 30s 1m 2m 5m 10m 15m 30m 1h 2h 3h 6h 12h 1d 7d, and beyond
// 7d to the next multiple of 7d, and to the step after that when a window not
// aligned to the width would touch more than maxDataPoints bins.
// maxDataPoints <= 0 means DefaultMaxDataPoints; a negative interval or an
// empty window contributes nothing. The width never exceeds MaxAutoWidth, so a
// window of centuries gets a few more bins than asked, never a negative width.
func AutoWidth(from, to time.Time, interval time.Duration, maxDataPoints int64) time.Duration {
	if maxDataPoints <= 0 {
		maxDataPoints = DefaultMaxDataPoints
	}
	target := MinAutoWidth
	if interval > target {
		target = interval
	}
	if per, ok := perPoint(from, to, maxDataPoints); !ok {
		return MaxAutoWidth // the window is longer than maxDataPoints of the widest width
	} else if per > target {
		target = per
	}
	if target >= MaxAutoWidth {
		return MaxAutoWidth
	}
	// A window not aligned to the width touches one bin more than span/width: take the next
	// step then, so the panel never gets more points than it asked for.
	fits := func(w time.Duration) bool {
		// #nosec G115 -- AutoWidth makes maxDataPoints at least 1 before this runs
		return maxDataPoints == 1 || !to.After(from) || binsCoveringLessOne(from, to, w) < uint64(maxDataPoints)
	}
	for _, w := range niceWidths {
		if w >= target && fits(w) {
			return w
		}
	}
	w := (target + week - 1) / week * week // no overflow: target < MaxAutoWidth
	for w < MaxAutoWidth && !fits(w) {
		w += week
	}
	return w
}

// MaxAutoWidth is the widest width AutoWidth picks: the most whole weeks a time.Duration
// holds (about 292 years). Wider windows get more bins than maxDataPoints rather than a
// width that overflows.
const MaxAutoWidth = math.MaxInt64 / week * week

// perPoint is the window divided by maxDataPoints, rounded up so that span/width never
// exceeds maxDataPoints. It works in milliseconds because time.Time.Sub saturates at about
// 292 years; ok is false when the result is wider than MaxAutoWidth.
func perPoint(from, to time.Time, maxDataPoints int64) (time.Duration, bool) {
	if !to.After(from) {
		return 0, true
	}
	if span := to.Sub(from); span < math.MaxInt64 {
		per := span / time.Duration(maxDataPoints)
		if per*time.Duration(maxDataPoints) < span {
			per++
		}
		return per, true
	}
	// Both ends as whole seconds: the span is then exact as an unsigned count, whatever
	// the years (a time.Time spans far more than an int64 of nanoseconds).
	// #nosec G115 -- to is after from (checked above), so the unsigned difference of the two int64s is exact
	secs := uint64(to.Unix()) - uint64(from.Unix()) + 1
	// #nosec G115 -- maxDataPoints is at least 1 (AutoWidth)
	perSecs := secs / uint64(maxDataPoints)
	// #nosec G115 -- maxDataPoints is at least 1 (AutoWidth)
	if perSecs*uint64(maxDataPoints) < secs {
		perSecs++
	}
	if perSecs > uint64(MaxAutoWidth/time.Second) {
		return 0, false
	}
	return time.Duration(perSecs) * time.Second, true
}

// binsCoveringLessOne counts the epoch-aligned bins of width w that [from, to) touches, less one
// (so that the count cannot overflow).
func binsCoveringLessOne(from, to time.Time, w time.Duration) uint64 {
	wm := w.Milliseconds()
	first := floorDiv(from.UnixMilli(), wm)
	last := floorDiv(to.UnixMilli()-1, wm)
	if last < first {
		return 0
	}
	// #nosec G115 -- last >= first (checked above), so the unsigned difference is exact
	return uint64(last) - uint64(first)
}

// ParseWidth parses a fixed bin width in the one duration grammar (package duration): a Go
// duration ("500ms", "30s", "1h30m") or a Grafana one with days or weeks ("1d", "7d", "1w").
// "auto" and "" return 0 and no error: the caller then uses AutoWidth (ResolveWidth does
// both). Months and years are rejected because they have no fixed length. The width must be a
// whole number of milliseconds and at least 1ms.
func ParseWidth(s string) (time.Duration, error) {
	w, err := duration.ParseInterval(s)
	var de *duration.Error
	if !errors.As(err, &de) {
		return w, err
	}
	switch de.Kind {
	case duration.ErrCalendar:
		return 0, fmt.Errorf("interval %q: months and years have no fixed length; use days or weeks, e.g. 30d", s)
	case duration.ErrTooLarge:
		return 0, fmt.Errorf("interval %q is too large", s)
	case duration.ErrTooShort, duration.ErrNotWholeMs:
		return 0, fmt.Errorf("invalid interval %q: %w", s, checkWidth(de.Value))
	}
	return 0, widthError(s)
}

// ResolveWidth is ParseWidth with "auto" (or "") resolved by AutoWidth.
func ResolveWidth(s string, from, to time.Time, interval time.Duration, maxDataPoints int64) (time.Duration, error) {
	w, err := ParseWidth(s)
	if err != nil || w != 0 {
		return w, err
	}
	return AutoWidth(from, to, interval, maxDataPoints), nil
}

func widthError(s string) error {
	return fmt.Errorf("invalid interval %q: use \"auto\" or a duration such as 500ms, 30s, 5m, 1h, 1d or 1w", s)
}

func checkWidth(w time.Duration) error {
	if w < MinWidth {
		return fmt.Errorf("bin width must be at least 1ms, got %v", w)
	}
	if w%time.Millisecond != 0 {
		return fmt.Errorf("bin width must be a whole number of milliseconds, got %v", w)
	}
	return nil
}
