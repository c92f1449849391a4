package binning

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// stateSpec asks for every aggregation, so every kind of state is exported and merged.
func stateSpec(from, to time.Time) Spec {
	return Spec{From: from, To: to, Width: time.Minute, Columns: []Column{
		{Name: "v", Aggs: Aggs()},
		{Name: "w", Aggs: []Agg{AggAvg, AggP99, AggLast}},
	}}
}

type obs struct {
	series string
	ms     int64
	col    int
	v      float64
}

// stateObs are points over 3 hours in two series: values of mixed sign and scale (sketches
// with negative and zero buckets, Welford shifts), several points per ms (ties of first and
// last), and a series that only has points in the first hour.
func stateObs() []obs {
	r := rand.New(rand.NewPCG(1, 2))
	var out []obs
	for ms := t0.UnixMilli(); ms < t0.Add(3*time.Hour).UnixMilli(); ms += 1000 + r.Int64N(4000) {
		out = append(out, obs{"a", ms, 0, 1e9 + r.NormFloat64()*1000})
		out = append(out, obs{"a", ms, 1, r.Float64()*10 - 5})
		if r.IntN(5) == 0 {
			out = append(out, obs{"a", ms, 0, 0}) // same ms: first and last ties
		}
		if ms < t0.Add(time.Hour).UnixMilli() {
			out = append(out, obs{"b", ms, 0, math.Exp(r.Float64() * 20)})
		}
	}
	return out
}

func binAll(t *testing.T, spec Spec, points []obs, skip func(ms int64) bool) *Binner {
	t.Helper()
	b := mustNew(t, spec)
	for _, p := range points {
		if skip != nil && skip(p.ms) {
			continue
		}
		b.Series(p.series, map[string]string{"s": p.series}).Add(p.ms, p.col, p.v)
	}
	return b
}

// TestExportImportEqualsColdBinning is the cache's promise in small: bins exported from one
// window and imported into a later window, plus only the rows outside them, give exactly the
// values of binning every row of the later window at once.
func TestExportImportEqualsColdBinning(t *testing.T) {
	points := stateObs()
	tests := []struct {
		name               string
		from, to           time.Duration // the later window, from t0
		cacheFrom, cacheTo time.Duration // the exported bins, from t0
	}{
		{"moved by 10s, inside a bin", 10 * time.Second, 2*time.Hour + 10*time.Second, time.Minute, 2 * time.Hour},
		{"moved across a bin edge", 70 * time.Second, 2*time.Hour + 70*time.Second, time.Minute, 2 * time.Hour},
		{"aligned window", time.Minute, 2*time.Hour + time.Minute, time.Minute, 2 * time.Hour},
		{"cache starts before the window", 5*time.Minute + 30*time.Second, 2*time.Hour + 30*time.Second, 0, 2 * time.Hour},
		{"cache ends after the window", 30 * time.Second, 90*time.Minute + 30*time.Second, time.Minute, 2 * time.Hour},
		{"only series b is cached with values", 2*time.Hour + 30*time.Second, 3 * time.Hour, 0, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := binAll(t, stateSpec(t0, t0.Add(3*time.Hour)), points, nil)
			states, err := old.Export(ms(tt.cacheFrom), ms(tt.cacheTo))
			if err != nil {
				t.Fatal(err)
			}
			spec := stateSpec(t0.Add(tt.from), t0.Add(tt.to))
			cold := binAll(t, spec, points, nil)

			// What a refresh reads: the rows outside the imported whole bins.
			warm := mustNew(t, spec)
			lo, hi := ms(tt.cacheFrom), ms(tt.cacheTo)
			fromMs, toMs := warm.WindowMs()
			for lo < fromMs {
				lo += warm.wMs
			}
			for hi > toMs {
				hi -= warm.wMs
			}
			for _, p := range points {
				if p.ms < lo || p.ms >= hi {
					warm.Series(p.series, map[string]string{"s": p.series}).Add(p.ms, p.col, p.v)
				}
			}
			for _, st := range states {
				if _, err := warm.Import(st); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(cold.Results(), warm.Results()); diff != "" {
				t.Errorf("refresh from exported bins differs from binning every row (-cold +refresh):\n%s", diff)
			}
		})
	}
}

// TestImportLeavesStateUnchanged: a state imported into one binner that then takes more points
// in the same bins still gives the original values to the next binner (nothing is shared).
func TestImportLeavesStateUnchanged(t *testing.T) {
	spec := stateSpec(t0, t0.Add(10*time.Minute))
	src := mustNew(t, spec)
	for i := 0; i < 100; i++ {
		src.Series("a", nil).Add(ms(time.Duration(i)*time.Second), 0, float64(i))
	}
	want := src.Results()
	states, err := src.Export(ms(0), ms(10*time.Minute))
	if err != nil || len(states) != 1 {
		t.Fatalf("export: %v, %d states", err, len(states))
	}
	first := mustNew(t, spec)
	s, err := first.Import(states[0])
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		s.Add(ms(time.Duration(i)*time.Second), 0, 1e6) // lands in the imported bins
	}
	again := mustNew(t, spec)
	if _, err := again.Import(states[0]); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, again.Results()); diff != "" {
		t.Errorf("a state changed after it was imported (-want +got):\n%s", diff)
	}
	if again.Series("a", nil).Sketches() == 0 {
		t.Error("imported percentile sketches are not counted for the memory budget")
	}
}

func TestExportImportErrors(t *testing.T) {
	b := mustNew(t, stateSpec(t0, t0.Add(10*time.Minute)))
	b.Series("a", nil).Add(ms(0), 0, 1)
	for _, r := range [][2]time.Duration{{30 * time.Second, 2 * time.Minute}, {0, 11 * time.Minute}, {-time.Minute, time.Minute}, {2 * time.Minute, time.Minute}} {
		if _, err := b.Export(ms(r[0]), ms(r[1])); err == nil {
			t.Errorf("Export(%v, %v) should fail: not a run of the window's bins", r[0], r[1])
		}
	}
	states, err := b.Export(ms(0), ms(time.Minute))
	if err != nil || len(states) != 1 {
		t.Fatalf("export: %v, %d states", err, len(states))
	}
	other := stateSpec(t0, t0.Add(10*time.Minute))
	other.Width = 2 * time.Minute
	if _, err := mustNew(t, other).Import(states[0]); err == nil || !strings.Contains(err.Error(), "width") {
		t.Errorf("import into another width: %v", err)
	}
	other = stateSpec(t0, t0.Add(10*time.Minute))
	other.Columns = other.Columns[:1]
	if _, err := mustNew(t, other).Import(states[0]); err == nil || !strings.Contains(err.Error(), "aggregations") {
		t.Errorf("import into other aggregations: %v", err)
	}
	// A window whose only bin overlapping the state is cut by its edge takes nothing.
	cut := mustNew(t, stateSpec(t0.Add(30*time.Second), t0.Add(10*time.Minute)))
	if s, err := cut.Import(states[0]); err != nil || s != nil || cut.NumSeries() != 0 {
		t.Errorf("import into a window cutting the bin: series %v, err %v, %d series", s, err, cut.NumSeries())
	}
}

func TestStateSizeGrowsWithBins(t *testing.T) {
	b := mustNew(t, stateSpec(t0, t0.Add(100*time.Minute)))
	for i := 0; i < 6000; i++ {
		b.Series("a", nil).Add(ms(time.Duration(i)*time.Second), 0, float64(i))
	}
	small, _ := b.Export(ms(0), ms(10*time.Minute))
	big, _ := b.Export(ms(0), ms(100*time.Minute))
	if small[0].Size() <= 0 || big[0].Size() < 8*small[0].Size() {
		t.Errorf("size of 10 bins %d, of 100 bins %d: want about 10 times as much (less the fixed overhead)", small[0].Size(), big[0].Size())
	}
	if small[0].Bins() != 10 || big[0].Bins() != 100 {
		t.Errorf("bins %d and %d, want 10 and 100", small[0].Bins(), big[0].Bins())
	}
}

// TestExportImportKeepsSeriesWithoutValues: a series whose rows in the cached bins have no
// value at all (every measured column null) is shown by binning every row, with nulls, so a
// refresh from exported bins shows it too — and only when those rows lie in its window. The
// refreshed binner is built from two merged binners and exported again, as a chain of
// refreshes does.
func TestExportImportKeepsSeriesWithoutValues(t *testing.T) {
	var points []obs // col -1: a row without any value
	for d := time.Duration(0); d < 3*time.Hour; d += 20 * time.Second {
		points = append(points, obs{"a", ms(d), 0, float64(d / time.Second)})
		if d >= 5*time.Minute && d < 20*time.Minute {
			points = append(points, obs{"nulls", ms(d), -1, 0})
			points = append(points, obs{"late", ms(d), -1, 0})
		}
		if d >= 140*time.Minute {
			points = append(points, obs{"late", ms(d), 1, 2})
		}
	}
	feed := func(b *Binner, p obs) {
		if f, to := b.WindowMs(); p.ms < f || p.ms >= to {
			return // the query reads only its window's rows
		}
		s := b.Series(p.series, map[string]string{"s": p.series})
		if p.col < 0 {
			s.Touch(p.ms)
		} else {
			s.Add(p.ms, p.col, p.v)
		}
	}
	// refresh bins the points outside [lo, hi) of spec's window in two binners, merges them
	// and imports states: what the engine does with a cache hit and parallel reads.
	refresh := func(t *testing.T, spec Spec, states []*State, lo, hi int64) *Binner {
		t.Helper()
		b, other := mustNew(t, spec), mustNew(t, spec)
		for i, p := range points {
			if p.ms < lo || p.ms >= hi {
				feed([]*Binner{b, other}[i%2], p)
			}
		}
		if err := b.Merge(other); err != nil {
			t.Fatal(err)
		}
		for _, st := range states {
			if _, err := b.Import(st); err != nil {
				t.Fatal(err)
			}
		}
		return b
	}
	cold := func(spec Spec) *Binner {
		b := mustNew(t, spec)
		for _, p := range points {
			feed(b, p)
		}
		return b
	}
	keys := func(rs []SeriesResult) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Key)
		}
		return out
	}

	first := cold(stateSpec(t0, t0.Add(3*time.Hour)))
	states, err := first.Export(ms(time.Minute), ms(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		from, to time.Duration
		wantKeys []string
	}{
		{"rows without values inside the cached bins", 10 * time.Second, 2*time.Hour + 10*time.Second, []string{"a", "late", "nulls"}},
		{"rows without values before the window", 30*time.Minute + 30*time.Second, 2*time.Hour + 30*time.Minute, []string{"a", "late"}},
		{"rows without values cut by the window's start", 10*time.Minute + 30*time.Second, 2*time.Hour + 10*time.Minute, []string{"a", "late", "nulls"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := stateSpec(t0.Add(tt.from), t0.Add(tt.to))
			fromMs, toMs := mustNew(t, spec).WindowMs()
			lo, hi := ms(time.Minute), ms(2*time.Hour)
			for lo < fromMs {
				lo += time.Minute.Milliseconds()
			}
			for hi > toMs {
				hi -= time.Minute.Milliseconds()
			}
			want := cold(spec).Results()
			if diff := cmp.Diff(tt.wantKeys, keys(want)); diff != "" {
				t.Fatalf("the cold binning's series are not what the case is about (-want +got):\n%s", diff)
			}
			warm := refresh(t, spec, states, lo, hi)
			if diff := cmp.Diff(want, warm.Results()); diff != "" {
				t.Fatalf("refresh from exported bins differs from binning every row (-cold +refresh):\n%s", diff)
			}

			// The next refresh takes its cached bins from this one.
			again, err := warm.Export(lo, hi)
			if err != nil {
				t.Fatal(err)
			}
			next := stateSpec(t0.Add(tt.from+time.Minute), t0.Add(tt.to+time.Minute))
			lo2 := lo
			if f, _ := mustNew(t, next).WindowMs(); lo2 < f {
				lo2 += time.Minute.Milliseconds()
			}
			if diff := cmp.Diff(cold(next).Results(), refresh(t, next, again, lo2, hi).Results()); diff != "" {
				t.Errorf("second refresh differs from binning every row (-cold +refresh):\n%s", diff)
			}
		})
	}
}
