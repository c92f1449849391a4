package binning

import (
	"math"
	"testing"
	"time"
)

// FuzzNew: any window, width and limit either gives a clear error or a Binner whose bin count
// is within the limit, whose first bin starts at or before the window and into which points
// at both ends of the window fall into a bin.
func FuzzNew(f *testing.F) {
	f.Add(int64(-5e18), int64(5e18), int64(1), 0)
	f.Add(int64(-math.MaxInt64), int64(math.MaxInt64), int64(2), 0)
	f.Add(int64(1_700_000_000_000), int64(1_700_003_600_000), int64(15_000), 0)
	f.Fuzz(func(t *testing.T, fromMs, toMs, widthMs int64, maxBins int) {
		if widthMs <= 0 || widthMs > math.MaxInt64/int64(time.Millisecond) {
			return // widths are checked by checkWidth, tested elsewhere
		}
		maxBins = int(uint(maxBins) % 200_000) // 0 is the default limit
		from, to := time.UnixMilli(fromMs), time.UnixMilli(toMs)
		b, err := New(Spec{From: from, To: to, Width: time.Duration(widthMs) * time.Millisecond, Columns: []Column{{"v", []Agg{AggAvg, AggP50}}}, MaxBins: maxBins})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		limit := maxBins
		if limit == 0 {
			limit = DefaultMaxBins
		}
		if b.NumBins() < 0 || b.NumBins() > limit {
			t.Fatalf("%d bins with a limit of %d", b.NumBins(), limit)
		}
		if b.NumBins() == 0 {
			return
		}
		if b.startMs > fromMs || fromMs-b.startMs >= widthMs {
			t.Fatalf("first bin starts at %d for a window from %d at width %d", b.startMs, fromMs, widthMs)
		}
		s := b.Series("s", nil)
		s.Add(fromMs, 0, 1)
		s.Add(toMs-1, 0, 2)
		if s.dropped != 0 {
			t.Fatalf("points at the window's ends were dropped")
		}
		if b.BytesPerSeries() < 0 {
			t.Fatalf("BytesPerSeries %d", b.BytesPerSeries())
		}
	})
}

// FuzzAutoWidth: the auto width is always a width a Spec accepts, never above MaxAutoWidth,
// one of the nice steps or whole weeks.
func FuzzAutoWidth(f *testing.F) {
	f.Add(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), int64(0), int64(1))
	f.Add(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), int64(0), int64(2))
	f.Add(int64(1_700_000_000), int64(1_700_003_600), int64(time.Second), int64(1000))
	nice := map[time.Duration]bool{}
	for _, w := range niceWidths {
		nice[w] = true
	}
	f.Fuzz(func(t *testing.T, fromSec, toSec, interval, mdp int64) {
		// Any instant a millisecond timestamp can hold.
		const lim = math.MaxInt64 / 1000
		if fromSec < -lim || fromSec > lim || toSec < -lim || toSec > lim {
			return
		}
		from, to := time.Unix(fromSec, 0), time.Unix(toSec, 0)
		w := AutoWidth(from, to, time.Duration(interval), mdp)
		if err := checkWidth(w); err != nil || w > MaxAutoWidth || (!nice[w] && w%week != 0) {
			t.Fatalf("AutoWidth(%v, %v, %v, %d) = %v (%v)", from, to, time.Duration(interval), mdp, w, err)
		}
		if mdp <= 0 {
			mdp = DefaultMaxDataPoints
		}
		// Below the cap, the width honours maxDataPoints (two points when one is asked for and
		// the window straddles a bin edge).
		if to.After(from) && w < MaxAutoWidth && time.Duration(interval) <= w && binsCoveringLessOne(from, to, w) >= uint64(max(mdp, 2)) {
			t.Fatalf("width %v gives %d bins for %d points", w, binsCoveringLessOne(from, to, w)+1, mdp)
		}
	})
}

// FuzzParseWidth: any text gives an error or a width a Spec accepts.
func FuzzParseWidth(f *testing.F) {
	for _, s := range []string{"auto", "1ms", "30s", "1h30m", "7d", "2w", "1M", "-1s", "9223372036854775807ns", "99999999999999w"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWidth(s)
		if err != nil || w == 0 {
			return
		}
		if cerr := checkWidth(w); cerr != nil {
			t.Fatalf("ParseWidth(%q) = %v, which a Spec refuses: %v", s, w, cerr)
		}
	})
}
