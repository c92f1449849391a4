package binning

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)

func ms(d time.Duration) int64 { return t0.Add(d).UnixMilli() }

func fp(v float64) *float64 { return &v }

func at(d ...time.Duration) []time.Time {
	ts := make([]time.Time, len(d))
	for i, x := range d {
		ts[i] = t0.Add(x)
	}
	return ts
}

type point struct {
	t   time.Duration // offset from t0
	col int
	v   float64
}

func mustNew(t *testing.T, spec Spec) *Binner {
	t.Helper()
	b, err := New(spec)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return b
}

func TestAlignment(t *testing.T) {
	tests := []struct {
		name      string
		from, to  time.Time
		width     time.Duration
		wantStart time.Time
		wantBins  int
	}{
		{"aligned window", t0, t0.Add(time.Minute), 10 * time.Second, t0, 6},
		{"unaligned start and end", t0.Add(7250 * time.Millisecond), t0.Add(62 * time.Second), 10 * time.Second, t0, 7},
		{"end on a boundary is excluded", t0.Add(5 * time.Second), t0.Add(60 * time.Second), 10 * time.Second, t0, 6},
		{"end 1ms past a boundary opens a bin", t0, t0.Add(60*time.Second + time.Millisecond), 10 * time.Second, t0, 7},
		{"1d bins start at UTC midnight", t0, t0.Add(48 * time.Hour), 24 * time.Hour, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), 3},
		{"7d bins start on Thursdays like the epoch", t0, t0.Add(time.Hour), 7 * 24 * time.Hour, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), 1},
		{"window in another zone", t0.In(time.FixedZone("X", 5*3600+1800)), t0.Add(time.Hour), time.Hour, t0, 1},
		{"before 1970", time.Date(1969, 12, 31, 23, 59, 55, 0, time.UTC), time.Date(1970, 1, 1, 0, 0, 5, 0, time.UTC), 10 * time.Second, time.Date(1969, 12, 31, 23, 59, 50, 0, time.UTC), 2},
		{"sub-second width", t0.Add(1234 * time.Millisecond), t0.Add(2 * time.Second), 250 * time.Millisecond, t0.Add(time.Second), 4},
		{"empty window", t0, t0, time.Minute, t0, 0},
		{"reversed window", t0.Add(time.Hour), t0, time.Minute, t0.Add(time.Hour), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustNew(t, Spec{From: tt.from, To: tt.to, Width: tt.width, Columns: []Column{{"v", []Agg{AggCount}}}})
			if got := b.Start(); !got.Equal(tt.wantStart) || got.Location() != time.UTC {
				t.Errorf("Start() = %v, want %v in UTC", got, tt.wantStart)
			}
			if b.NumBins() != tt.wantBins {
				t.Errorf("NumBins() = %d, want %d", b.NumBins(), tt.wantBins)
			}
			b.Series("s", nil)
			res := b.Results()
			times := res[0].Times
			if len(times) != tt.wantBins {
				t.Fatalf("got %d times, want %d", len(times), tt.wantBins)
			}
			w := tt.width.Milliseconds()
			for i, ts := range times {
				if ts.UnixMilli()%w != 0 || ts.Location() != time.UTC {
					t.Errorf("bin %d starts at %v: not an epoch multiple of %v in UTC", i, ts, tt.width)
				}
				if i > 0 && ts.Sub(times[i-1]) != tt.width {
					t.Errorf("bin %d: gap %v, want %v", i, ts.Sub(times[i-1]), tt.width)
				}
			}
			if tt.wantBins > 0 {
				if tt.from.Before(times[0]) || !tt.from.Before(times[0].Add(tt.width)) {
					t.Errorf("first bin %v does not contain From %v", times[0], tt.from)
				}
				last := times[len(times)-1]
				toLast := tt.to.Add(-time.Millisecond)
				if toLast.Before(last) || !toLast.Before(last.Add(tt.width)) {
					t.Errorf("last bin %v does not contain To-1ms %v", last, toLast)
				}
			}
		})
	}
}

// allAggs in one column, so every aggregation sees the same points.
func allAggsSpec(from, to time.Time, w time.Duration, fill Fill) Spec {
	return Spec{From: from, To: to, Width: w, Fill: fill, Columns: []Column{{"v", Aggs()}}}
}

func TestAggregations(t *testing.T) {
	min := time.Minute
	nan := math.NaN()
	tests := []struct {
		name   string
		points []point
		// want per agg, in Aggs() order, for each of 3 one-minute bins
		want map[Agg][]*float64
	}{
		{
			name:   "no points",
			points: nil,
			want:   map[Agg][]*float64{},
		},
		{
			name:   "one point",
			points: []point{{90 * time.Second, 0, 4.5}},
			want: map[Agg][]*float64{
				AggAvg: {nil, fp(4.5), nil}, AggMin: {nil, fp(4.5), nil}, AggMax: {nil, fp(4.5), nil},
				AggSum: {nil, fp(4.5), nil}, AggCount: {nil, fp(1), nil}, AggFirst: {nil, fp(4.5), nil},
				AggLast: {nil, fp(4.5), nil}, AggStddev: {nil, nil, nil},
				AggP50: {nil, fp(4.5), nil}, AggP75: {nil, fp(4.5), nil}, AggP90: {nil, fp(4.5), nil},
				AggP95: {nil, fp(4.5), nil}, AggP99: {nil, fp(4.5), nil}, AggP999: {nil, fp(4.5), nil},
			},
		},
		{
			// Rows arrive newest first, as with a descending clustering order.
			name: "descending arrival, bin edges, NaN",
			points: []point{
				{2*min + 59999*time.Millisecond, 0, 8}, // last ms of the window
				{2 * min, 0, 6},                        // == start of bin 2 == end of bin 1
				{min + 30*time.Second, 0, nan},         // ignored
				{50 * time.Second, 0, 5},
				{30 * time.Second, 0, nan}, // ignored
				{20 * time.Second, 0, 3},
				{0, 0, 1}, // == start of bin 0
			},
			want: map[Agg][]*float64{
				AggAvg: {fp(3), nil, fp(7)}, AggMin: {fp(1), nil, fp(6)}, AggMax: {fp(5), nil, fp(8)},
				AggSum: {fp(9), nil, fp(14)}, AggCount: {fp(3), nil, fp(2)}, AggFirst: {fp(1), nil, fp(6)},
				AggLast: {fp(5), nil, fp(8)}, AggStddev: {fp(2), nil, fp(math.Sqrt2)},
				AggP50: {fp(3), nil, fp(7)}, AggP75: {fp(4), nil, fp(7.5)}, AggP90: {fp(4.6), nil, fp(7.8)},
				AggP95: {fp(4.8), nil, fp(7.9)}, AggP99: {fp(4.96), nil, fp(7.98)}, AggP999: {fp(4.996), nil, fp(7.998)},
			},
		},
		{
			name: "ties on time: first keeps the first arrival, last the last",
			points: []point{
				{10 * time.Second, 0, 2},
				{10 * time.Second, 0, 1},
				{40 * time.Second, 0, 3},
				{40 * time.Second, 0, 4},
			},
			want: map[Agg][]*float64{
				AggAvg: {fp(2.5), nil, nil}, AggMin: {fp(1), nil, nil}, AggMax: {fp(4), nil, nil},
				AggSum: {fp(10), nil, nil}, AggCount: {fp(4), nil, nil}, AggFirst: {fp(2), nil, nil},
				AggLast: {fp(4), nil, nil}, AggStddev: {fp(math.Sqrt(5.0 / 3)), nil, nil},
				AggP50: {fp(2.5), nil, nil}, AggP75: {fp(3.25), nil, nil}, AggP90: {fp(3.7), nil, nil},
				AggP95: {fp(3.85), nil, nil}, AggP99: {fp(3.97), nil, nil}, AggP999: {fp(3.997), nil, nil},
			},
		},
		{
			name: "negative values and zero",
			points: []point{
				{5 * time.Second, 0, -4},
				{6 * time.Second, 0, 0},
				{7 * time.Second, 0, -2},
			},
			want: map[Agg][]*float64{
				AggAvg: {fp(-2), nil, nil}, AggMin: {fp(-4), nil, nil}, AggMax: {fp(0), nil, nil},
				AggSum: {fp(-6), nil, nil}, AggCount: {fp(3), nil, nil}, AggFirst: {fp(-4), nil, nil},
				AggLast: {fp(-2), nil, nil}, AggStddev: {fp(2), nil, nil},
				AggP50: {fp(-2), nil, nil}, AggP75: {fp(-1), nil, nil}, AggP90: {fp(-0.4), nil, nil},
				AggP95: {fp(-0.2), nil, nil}, AggP99: {fp(-0.04), nil, nil}, AggP999: {fp(-0.004), nil, nil},
			},
		},
		{
			name: "infinities",
			points: []point{
				{1 * time.Second, 0, math.Inf(1)},
				{2 * time.Second, 0, 1},
				{3 * time.Second, 0, math.Inf(-1)},
			},
			want: map[Agg][]*float64{
				AggAvg: {fp(nan), nil, nil}, AggMin: {fp(math.Inf(-1)), nil, nil}, AggMax: {fp(math.Inf(1)), nil, nil},
				AggSum: {fp(nan), nil, nil}, AggCount: {fp(3), nil, nil}, AggFirst: {fp(math.Inf(1)), nil, nil},
				AggLast: {fp(math.Inf(-1)), nil, nil}, AggStddev: {fp(nan), nil, nil},
				AggP50: {fp(1), nil, nil}, AggP75: {fp(math.Inf(1)), nil, nil}, AggP90: {fp(math.Inf(1)), nil, nil},
				AggP95: {fp(math.Inf(1)), nil, nil}, AggP99: {fp(math.Inf(1)), nil, nil}, AggP999: {fp(math.Inf(1)), nil, nil},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustNew(t, allAggsSpec(t0, t0.Add(3*time.Minute), time.Minute, Fill{}))
			s := b.Series("s", nil)
			for _, p := range tt.points {
				s.Add(ms(p.t), p.col, p.v)
			}
			res := b.Results()
			if len(res) != 1 {
				t.Fatalf("got %d series, want 1", len(res))
			}
			if diff := cmp.Diff(at(0, time.Minute, 2*time.Minute), res[0].Times); diff != "" {
				t.Errorf("times mismatch (-want +got):\n%s", diff)
			}
			for i, a := range Aggs() {
				want := tt.want[a]
				if want == nil {
					want = []*float64{nil, nil, nil}
				}
				if res[0].Names[i] != (Output{"v", a}) {
					t.Errorf("Names[%d] = %v, want v %s", i, res[0].Names[i], a)
				}
				// Percentiles carry the sketch's error; the rest must be exact.
				rel := 0.0
				if a.IsPercentile() {
					rel = 0.01
				}
				if diff := cmp.Diff(want, res[0].Values[i], approx(rel)); diff != "" {
					t.Errorf("%s mismatch (-want +got):\n%s", a, diff)
				}
			}
		})
	}
}

// approx compares floats within a relative tolerance (0: exactly); equal
// infinities match, and so do two NaNs.
func approx(rel float64) cmp.Option {
	return cmp.Comparer(func(x, y float64) bool {
		return x == y || (math.IsNaN(x) && math.IsNaN(y)) || math.Abs(x-y) <= rel*math.Max(math.Abs(x), math.Abs(y))
	})
}

func TestWindowEdges(t *testing.T) {
	from := t0.Add(30 * time.Second) // inside the first one-minute bin
	to := t0.Add(2 * time.Minute)
	b := mustNew(t, Spec{From: from, To: to, Width: time.Minute, Columns: []Column{{"v", []Agg{AggCount, AggSum}}}})
	s := b.Series("s", nil)
	points := []struct {
		t       time.Duration
		v       float64
		dropped bool // outside the window; the others land in a bin or are NaN
	}{
		{29999 * time.Millisecond, 100, true}, // in the first bin but before From
		{0, 100, true},                        // start of the first bin, before From
		{-time.Hour, 100, true},
		{30 * time.Second, 1, false}, // == From
		{2*time.Minute - time.Millisecond, 2, false},
		{2 * time.Minute, 100, true}, // == To
		{time.Hour, 100, true},
		{time.Hour, math.NaN(), true},
		{40 * time.Second, math.NaN(), false}, // ignored, not dropped
	}
	wantDropped := int64(0)
	for _, p := range points {
		s.Add(ms(p.t), 0, p.v)
		if p.dropped {
			wantDropped++
		}
	}
	if got := b.Dropped(); got != wantDropped {
		t.Errorf("Dropped() = %d, want %d", got, wantDropped)
	}
	want := []SeriesResult{{
		Key:    "s",
		Times:  at(0, time.Minute),
		Names:  []Output{{"v", AggCount}, {"v", AggSum}},
		Values: [][]*float64{{fp(1), fp(1)}, {fp(1), fp(2)}},
	}}
	if diff := cmp.Diff(want, b.Results()); diff != "" {
		t.Errorf("results mismatch (-want +got):\n%s", diff)
	}
}

func TestEmptyWindow(t *testing.T) {
	for _, fill := range FillModes() {
		b := mustNew(t, Spec{From: t0, To: t0, Width: time.Minute, Fill: Fill{Mode: fill}, Columns: []Column{{"v", []Agg{AggAvg, AggP99}}}})
		s := b.Series("s", map[string]string{"app": "a"})
		s.Add(ms(0), 0, 1)
		s.Add(ms(-time.Millisecond), 0, 1)
		want := []SeriesResult{{
			Key:    "s",
			Labels: map[string]string{"app": "a"},
			Times:  []time.Time{},
			Names:  []Output{{"v", AggAvg}, {"v", AggP99}},
			Values: [][]*float64{{}, {}},
		}}
		if diff := cmp.Diff(want, b.Results()); diff != "" {
			t.Errorf("fill %s: results mismatch (-want +got):\n%s", fill, diff)
		}
		if b.Dropped() != 2 {
			t.Errorf("fill %s: Dropped() = %d, want 2", fill, b.Dropped())
		}
	}
}

func TestNoSeries(t *testing.T) {
	b := mustNew(t, allAggsSpec(t0, t0.Add(time.Hour), time.Minute, Fill{}))
	if got := b.Results(); len(got) != 0 {
		t.Errorf("Results() with no series = %v, want none", got)
	}
}

func TestFill(t *testing.T) {
	// Five bins; bin 1 has one point (avg but no stddev), bin 3 two points.
	points := []point{
		{time.Minute, 0, 4},
		{3 * time.Minute, 0, 1},
		{3*time.Minute + time.Second, 0, 3},
	}
	sd := math.Sqrt2
	tests := []struct {
		fill  Fill
		times []time.Time
		want  [][]*float64 // avg, stddev, count
	}{
		{
			Fill{}, at(0, time.Minute, 2*time.Minute, 3*time.Minute, 4*time.Minute),
			[][]*float64{{nil, fp(4), nil, fp(2), nil}, {nil, nil, nil, fp(sd), nil}, {nil, fp(1), nil, fp(2), nil}},
		},
		{
			Fill{Mode: FillNull}, at(0, time.Minute, 2*time.Minute, 3*time.Minute, 4*time.Minute),
			[][]*float64{{nil, fp(4), nil, fp(2), nil}, {nil, nil, nil, fp(sd), nil}, {nil, fp(1), nil, fp(2), nil}},
		},
		{
			Fill{Mode: FillZero}, at(0, time.Minute, 2*time.Minute, 3*time.Minute, 4*time.Minute),
			[][]*float64{{fp(0), fp(4), fp(0), fp(2), fp(0)}, {fp(0), fp(0), fp(0), fp(sd), fp(0)}, {fp(0), fp(1), fp(0), fp(2), fp(0)}},
		},
		{
			Fill{Mode: FillValue, Value: -1}, at(0, time.Minute, 2*time.Minute, 3*time.Minute, 4*time.Minute),
			[][]*float64{{fp(-1), fp(4), fp(-1), fp(2), fp(-1)}, {fp(-1), fp(-1), fp(-1), fp(sd), fp(-1)}, {fp(-1), fp(1), fp(-1), fp(2), fp(-1)}},
		},
		{
			Fill{Mode: FillPrevious}, at(0, time.Minute, 2*time.Minute, 3*time.Minute, 4*time.Minute),
			[][]*float64{{nil, fp(4), fp(4), fp(2), fp(2)}, {nil, nil, nil, fp(sd), fp(sd)}, {nil, fp(1), fp(1), fp(2), fp(2)}},
		},
		{
			// Bin 1 stays: avg and count have a value there, stddev does not.
			Fill{Mode: FillNone}, at(time.Minute, 3*time.Minute),
			[][]*float64{{fp(4), fp(2)}, {nil, fp(sd)}, {fp(1), fp(2)}},
		},
	}
	for _, tt := range tests {
		t.Run(string(tt.fill.Mode), func(t *testing.T) {
			b := mustNew(t, Spec{From: t0, To: t0.Add(5 * time.Minute), Width: time.Minute, Fill: tt.fill,
				Columns: []Column{{"v", []Agg{AggAvg, AggStddev, AggCount}}}})
			s := b.Series("s", nil)
			for _, p := range points {
				s.Add(ms(p.t), p.col, p.v)
			}
			want := []SeriesResult{{
				Key: "s", Times: tt.times, Values: tt.want,
				Names: []Output{{"v", AggAvg}, {"v", AggStddev}, {"v", AggCount}},
			}}
			if diff := cmp.Diff(want, b.Results(), approx(1e-15)); diff != "" {
				t.Errorf("results mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// With fill none a bin stays when any column has data; each column's own
// gaps stay null.
func TestFillNoneSeveralColumns(t *testing.T) {
	b := mustNew(t, Spec{From: t0, To: t0.Add(4 * time.Minute), Width: time.Minute, Fill: Fill{Mode: FillNone},
		Columns: []Column{{"a", []Agg{AggMax}}, {"b", []Agg{AggMin, AggP90}}}})
	s := b.Series("s", nil)
	s.Add(ms(0), 0, 1)
	s.Add(ms(2*time.Minute), 1, 2)
	s.Add(ms(2*time.Minute), 0, math.NaN())
	want := []SeriesResult{{
		Key:    "s",
		Times:  at(0, 2*time.Minute),
		Names:  []Output{{"a", AggMax}, {"b", AggMin}, {"b", AggP90}},
		Values: [][]*float64{{fp(1), nil}, {nil, fp(2)}, {nil, fp(2)}},
	}}
	if diff := cmp.Diff(want, b.Results()); diff != "" {
		t.Errorf("results mismatch (-want +got):\n%s", diff)
	}
}

func TestSeveralSeriesAndColumns(t *testing.T) {
	b := mustNew(t, Spec{From: t0, To: t0.Add(2 * time.Minute), Width: time.Minute,
		Columns: []Column{{"count", []Agg{AggMax, AggLast}}, {"mean", []Agg{AggAvg}}}})
	labels := map[string]string{"environment": "prod", "metric_name": "m2"}
	sb := b.Series("prod/m2", labels)
	sa := b.Series("prod/m1", map[string]string{"environment": "prod", "metric_name": "m1"})
	if b.Series("prod/m2", nil) != sb {
		t.Fatal("Series returned a new accumulator for a known key")
	}
	labels["metric_name"] = "changed" // the binner keeps its own copy
	sb.Add(ms(10*time.Second), 0, 7)
	sb.Add(ms(20*time.Second), 1, 1.5)
	sa.Add(ms(70*time.Second), 0, 3)
	sa.Add(ms(80*time.Second), 0, 2)
	sa.Add(ms(80*time.Second), 1, 4)
	if b.NumSeries() != 2 {
		t.Errorf("NumSeries() = %d, want 2", b.NumSeries())
	}
	names := []Output{{"count", AggMax}, {"count", AggLast}, {"mean", AggAvg}}
	want := []SeriesResult{
		{
			Key: "prod/m1", Labels: map[string]string{"environment": "prod", "metric_name": "m1"},
			Times: at(0, time.Minute), Names: names,
			Values: [][]*float64{{nil, fp(3)}, {nil, fp(2)}, {nil, fp(4)}},
		},
		{
			Key: "prod/m2", Labels: map[string]string{"environment": "prod", "metric_name": "m2"},
			Times: at(0, time.Minute), Names: names,
			Values: [][]*float64{{fp(7), nil}, {fp(7), nil}, {fp(1.5), nil}},
		},
	}
	if diff := cmp.Diff(want, b.Results()); diff != "" {
		t.Errorf("results mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(names, b.Outputs()); diff != "" {
		t.Errorf("Outputs() mismatch (-want +got):\n%s", diff)
	}
	// Results leaves the binner usable.
	sa.Add(ms(90*time.Second), 1, 6)
	if got := *b.Results()[0].Values[2][1]; got != 5 {
		t.Errorf("avg after more points = %v, want 5", got)
	}
}

func TestMaxBins(t *testing.T) {
	cols := []Column{{"v", []Agg{AggAvg}}}
	tests := []struct {
		name    string
		span    time.Duration
		width   time.Duration
		maxBins int
		wantErr bool
	}{
		{"exactly the limit", 100 * time.Second, time.Second, 100, false},
		{"one over the limit", 101 * time.Second, time.Second, 100, true},
		{"default limit reached", DefaultMaxBins * time.Second, time.Second, 0, false},
		{"default limit exceeded", (DefaultMaxBins + 1) * time.Second, time.Second, 0, true},
		{"a year at 1ms", 365 * 24 * time.Hour, time.Millisecond, 0, true},
		{"negative limit", time.Second, time.Second, -1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := New(Spec{From: t0, To: t0.Add(tt.span), Width: tt.width, Columns: cols, MaxBins: tt.maxBins})
			if (err != nil) != tt.wantErr {
				t.Fatalf("New error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && tt.maxBins >= 0 && !strings.Contains(err.Error(), "widen the interval") {
				t.Errorf("error %q does not tell the user to widen the interval", err)
			}
			if err == nil && b.NumBins() != int(tt.span/tt.width) {
				t.Errorf("NumBins() = %d, want %d", b.NumBins(), int(tt.span/tt.width))
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	cols := []Column{{"v", []Agg{AggAvg}}}
	tests := []struct {
		name string
		spec Spec
		want string
	}{
		{"zero width", Spec{From: t0, To: t0.Add(time.Hour), Columns: cols}, "at least 1ms"},
		{"sub-millisecond width", Spec{From: t0, To: t0.Add(time.Hour), Width: 1500 * time.Microsecond, Columns: cols}, "whole number of milliseconds"},
		{"no columns", Spec{From: t0, To: t0.Add(time.Hour), Width: time.Minute}, "at least one value column"},
		{"no aggregation", Spec{From: t0, To: t0.Add(time.Hour), Width: time.Minute, Columns: []Column{{"v", nil}}}, `column "v" has no aggregation`},
		{"unknown aggregation", Spec{From: t0, To: t0.Add(time.Hour), Width: time.Minute, Columns: []Column{{"v", []Agg{"mode"}}}}, "valid aggregations are"},
		{"alias not canonical", Spec{From: t0, To: t0.Add(time.Hour), Width: time.Minute, Columns: []Column{{"v", []Agg{"mean"}}}}, "valid aggregations are"},
		{"duplicate aggregation", Spec{From: t0, To: t0.Add(time.Hour), Width: time.Minute, Columns: []Column{{"v", []Agg{AggMax, AggMax}}}}, "requested twice"},
		{"duplicate across columns", Spec{From: t0, To: t0.Add(time.Hour), Width: time.Minute, Columns: []Column{{"v", []Agg{AggMax}}, {"v", []Agg{AggMax}}}}, "requested twice"},
		{"bad fill", Spec{From: t0, To: t0.Add(time.Hour), Width: time.Minute, Columns: cols, Fill: Fill{Mode: "linear"}}, "unknown fill"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.spec)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestBytesPerSeries(t *testing.T) {
	b := mustNew(t, Spec{From: t0, To: t0.Add(100 * time.Minute), Width: time.Minute,
		Columns: []Column{{"a", []Agg{AggAvg, AggSum}}, {"b", []Agg{AggFirst, AggStddev, AggP50, AggP99}}}})
	// a: n + sum; b: n + first + firstT + shift + mean + m2 + sketch pointer.
	if got, want := b.BytesPerSeries(), (2+7)*8*100; got != want {
		t.Errorf("BytesPerSeries() = %d, want %d", got, want)
	}
}

func TestAddDoesNotAllocate(t *testing.T) {
	aggs := []Agg{AggAvg, AggMin, AggMax, AggSum, AggCount, AggFirst, AggLast, AggStddev}
	b := mustNew(t, Spec{From: t0, To: t0.Add(time.Hour), Width: time.Minute, Columns: []Column{{"a", aggs}, {"b", aggs[:2]}}})
	s := b.Series("s", nil)
	i := int64(0)
	allocs := testing.AllocsPerRun(1000, func() {
		i++
		s.Add(ms(0)+i*3001%3_600_000, int(i%2), float64(i))
		s.Add(ms(2*time.Hour), 0, 1) // dropped
		s.Add(ms(0), 1, math.NaN())
	})
	if allocs != 0 {
		t.Errorf("Add allocates %v times per call, want 0", allocs)
	}
}

// Windows so long that the bin count or the first bin's start does not fit in an int64 are
// refused with an error, not wrapped into a negative count that passes the limit.
func TestNewRefusesOverflowingWindows(t *testing.T) {
	cols := []Column{{"v", []Agg{AggAvg, AggP99}}}
	tests := []struct {
		name     string
		from, to time.Time
		width    time.Duration
		maxBins  int
		want     string
	}{
		{"±5e18 ms at 1ms", time.UnixMilli(-5e18), time.UnixMilli(5e18), time.Millisecond, 0, "needs 10000000000000000000 bins"},
		{"±MaxInt64 ms at 2ms", time.UnixMilli(-math.MaxInt64), time.UnixMilli(math.MaxInt64 - 1), 2 * time.Millisecond, 0, "widen the interval"},
		{"±MaxInt64 ms at 1ms", time.UnixMilli(-math.MaxInt64), time.UnixMilli(math.MaxInt64 - 1), time.Millisecond, 0, "needs 18446744073709551613 bins"},
		{"more milliseconds than an int64", time.UnixMilli(-1 << 62), time.UnixMilli(math.MaxInt64 - 1), time.Hour, math.MaxInt, "spans more milliseconds than an int64 holds"},
		{"first bin starts before the earliest timestamp", time.UnixMilli(math.MinInt64 + 1), time.UnixMilli(math.MinInt64 + 10), 3 * time.Millisecond, 0, "too early"},
		{"beyond millisecond timestamps", time.Date(-300_000_000, 1, 1, 0, 0, 0, 0, time.UTC), t0, 24 * time.Hour, 0, "outside what millisecond timestamps can hold"},
		{"end beyond millisecond timestamps", t0, time.Date(300_000_000, 1, 1, 0, 0, 0, 0, time.UTC), 24 * time.Hour, 0, "outside what millisecond timestamps can hold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := New(Spec{From: tt.from, To: tt.to, Width: tt.width, Columns: cols, MaxBins: tt.maxBins})
			if err == nil {
				t.Fatalf("New accepted the window with %d bins", b.NumBins())
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
	// The largest windows that fit still work, and their bins hold points at both ends.
	from, to := time.UnixMilli(-1<<62), time.UnixMilli(1<<62-1<<55)
	b := mustNew(t, Spec{From: from, To: to, Width: MaxAutoWidth, Columns: cols, MaxBins: 1 << 21})
	s := b.Series("s", nil)
	s.Add(from.UnixMilli(), 0, 1)
	s.Add(to.UnixMilli()-1, 0, 2)
	if s.dropped != 0 || b.NumBins() < 2 {
		t.Fatalf("dropped %d points of 2 over %d bins", s.dropped, b.NumBins())
	}
	var got []float64
	for _, v := range b.Results()[0].Values[0] {
		if v != nil {
			got = append(got, *v)
		}
	}
	if diff := cmp.Diff([]float64{1, 2}, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
}
