package binning

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

func TestParseAgg(t *testing.T) {
	tests := []struct {
		in      string
		want    Agg
		wantErr bool
	}{
		{"avg", AggAvg, false},
		{"p999", AggP999, false},
		{" StdDev ", AggStddev, false},
		{"MAX", AggMax, false},
		{"mean", AggAvg, false},
		{"median", AggP50, false},
		{"std", AggStddev, false},
		{"p98", "", true},
		{"", "", true},
		{"average", "", true},
	}
	for _, tt := range tests {
		got, err := ParseAgg(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseAgg(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseAgg(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// The error must tell the user what is valid.
	_, err := ParseAgg("p98")
	for _, a := range Aggs() {
		if !strings.Contains(err.Error(), string(a)) {
			t.Errorf("ParseAgg error %q does not list %q", err, a)
		}
	}
}

func TestAggs(t *testing.T) {
	want := []Agg{"avg", "min", "max", "sum", "count", "first", "last", "stddev", "p50", "p75", "p90", "p95", "p99", "p999"}
	got := Aggs()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Aggs() mismatch (-want +got):\n%s", diff)
	}
	got[0] = "changed"
	if Aggs()[0] != AggAvg {
		t.Error("Aggs() exposes the package's own slice")
	}
	for _, a := range want {
		if _, err := ParseAgg(string(a)); err != nil {
			t.Errorf("ParseAgg(%q): %v", a, err)
		}
		q, isQ := a.Quantile()
		if isQ != a.IsPercentile() || isQ != strings.HasPrefix(string(a), "p") {
			t.Errorf("%s: Quantile ok = %v, IsPercentile = %v", a, isQ, a.IsPercentile())
		}
		if isQ && (q <= 0 || q >= 1) {
			t.Errorf("%s: quantile %v out of (0,1)", a, q)
		}
	}
}

func TestParseWidth(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{"auto", 0, ""},
		{"AUTO", 0, ""},
		{"", 0, ""},
		{"30s", 30 * time.Second, ""},
		{"5m", 5 * time.Minute, ""},
		{"1h", time.Hour, ""},
		{" 2m ", 2 * time.Minute, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"1.5h", 90 * time.Minute, ""},
		{"500ms", 500 * time.Millisecond, ""},
		{"1ms", time.Millisecond, ""},
		{"1d", 24 * time.Hour, ""},
		{"7d", 7 * 24 * time.Hour, ""},
		{"1w", 7 * 24 * time.Hour, ""},
		{"2w", 14 * 24 * time.Hour, ""},
		{"abc", 0, "invalid interval"},
		{"30", 0, "invalid interval"},
		{"0s", 0, "at least 1ms"},
		{"-5s", 0, "at least 1ms"},
		{"500us", 0, "at least 1ms"},
		{"1.5ms", 0, "whole number of milliseconds"},
		{"1M", 0, "months and years"},
		{"1y", 0, "months and years"},
		{"d", 0, "invalid interval"},
		{"0d", 0, "invalid interval"},
		{"-1d", 0, "invalid interval"},
		{"1.5d", 0, "invalid interval"},
		{"99999999999999w", 0, "too large"},
	}
	for _, tt := range tests {
		got, err := ParseWidth(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseWidth(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseWidth(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestAutoWidth(t *testing.T) {
	from := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		span     time.Duration
		interval time.Duration
		mdp      int64
		want     time.Duration
	}{
		{"1h/1000 = 3.6s rounds up to 5s", time.Hour, 0, 1000, 5 * time.Second},
		{"interval wins when larger", time.Hour, 15 * time.Second, 1000, 15 * time.Second},
		{"interval rounds up too", time.Hour, 20 * time.Second, 1000, 30 * time.Second},
		{"interval 1.5s", time.Minute, 1500 * time.Millisecond, 1000, 2 * time.Second},
		{"24h/1000 = 86.4s", 24 * time.Hour, 0, 1000, 2 * time.Minute},
		{"maxDataPoints 0 means 1000", 24 * time.Hour, 0, 0, 2 * time.Minute},
		{"negative maxDataPoints means 1000", 24 * time.Hour, 0, -3, 2 * time.Minute},
		{"6h/100 = 216s", 6 * time.Hour, 0, 100, 5 * time.Minute},
		{"7d/1000 = 604.8s", 7 * 24 * time.Hour, 0, 1000, 15 * time.Minute},
		{"30d/1000 = 43.2m", 30 * 24 * time.Hour, 0, 1000, time.Hour},
		{"30d/300 = 2.4h", 30 * 24 * time.Hour, 0, 300, 3 * time.Hour},
		{"90d/100 = 21.6h", 90 * 24 * time.Hour, 0, 100, 24 * time.Hour},
		{"365d/100 = 3.65d", 365 * 24 * time.Hour, 0, 100, 7 * 24 * time.Hour},
		{"365d/10 = 36.5d: multiples of 7d beyond 7d", 365 * 24 * time.Hour, 0, 10, 42 * 24 * time.Hour},
		{"interval 8d", time.Hour, 8 * 24 * time.Hour, 1000, 14 * 24 * time.Hour},
		{"exactly a step stays", 1000 * time.Second, 0, 1000, time.Second},
		{"just above a step goes up", 1001 * time.Second, 0, 1000, 2 * time.Second},
		{"never below 1s", 10 * time.Second, 0, 1000, time.Second},
		{"sub-second interval gives 1s", time.Second, 100 * time.Millisecond, 1000, time.Second},
		{"empty window", 0, 0, 1000, time.Second},
		{"reversed window", -time.Hour, 0, 1000, time.Second},
		{"negative interval ignored", time.Hour, -time.Minute, 1000, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AutoWidth(from, from.Add(tt.span), tt.interval, tt.mdp)
			if got != tt.want {
				t.Errorf("AutoWidth(span %v, interval %v, mdp %d) = %v, want %v", tt.span, tt.interval, tt.mdp, got, tt.want)
			}
		})
	}
}

// Whatever the window, the auto width is a nice step and yields no more than
// maxDataPoints bins, even for a window not aligned to the width.
func TestAutoWidthBoundsBins(t *testing.T) {
	nice := map[time.Duration]bool{}
	for _, w := range niceWidths {
		nice[w] = true
	}
	from := time.Date(2024, 3, 1, 10, 0, 7, 123e6, time.UTC)
	spans := []time.Duration{time.Second, 17 * time.Minute, time.Hour, 5*time.Hour + 3*time.Second, 24 * time.Hour, 400 * 24 * time.Hour, 3000 * 24 * time.Hour}
	for _, span := range spans {
		for _, mdp := range []int64{1, 7, 100, 999, 1000, 1920} {
			w := AutoWidth(from, from.Add(span), 0, mdp)
			if !nice[w] && w%week != 0 {
				t.Errorf("span %v mdp %d: width %v is not a nice step", span, mdp, w)
			}
			b, err := New(Spec{From: from, To: from.Add(span), Width: w, Columns: []Column{{"v", []Agg{AggAvg}}}, MaxBins: 1 << 30})
			if err != nil {
				t.Fatal(err)
			}
			limit := mdp
			if mdp == 1 {
				limit = 2 // one point cannot cover a window that straddles a bin edge
			}
			if int64(b.NumBins()) > limit {
				t.Errorf("span %v mdp %d: width %v gives %d bins", span, mdp, w, b.NumBins())
			}
		}
	}
}

func TestResolveWidth(t *testing.T) {
	from := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	to := from.Add(time.Hour)
	for _, tt := range []struct {
		in   string
		want time.Duration
	}{{"auto", 5 * time.Second}, {"", 5 * time.Second}, {"1m", time.Minute}} {
		got, err := ResolveWidth(tt.in, from, to, 0, 1000)
		if err != nil || got != tt.want {
			t.Errorf("ResolveWidth(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	if _, err := ResolveWidth("bogus", from, to, 0, 1000); err == nil {
		t.Error("ResolveWidth(bogus) gave no error")
	}
}

func TestParseFill(t *testing.T) {
	v := 7.5
	tests := []struct {
		mode    string
		value   *float64
		want    Fill
		wantErr bool
	}{
		{"", nil, Fill{Mode: FillNull}, false},
		{"null", &v, Fill{Mode: FillNull}, false},
		{"Previous", nil, Fill{Mode: FillPrevious}, false},
		{"zero", nil, Fill{Mode: FillZero}, false},
		{"none", nil, Fill{Mode: FillNone}, false},
		{"value", &v, Fill{Mode: FillValue, Value: 7.5}, false},
		{"value", nil, Fill{}, true},
		{"linear", nil, Fill{}, true},
	}
	for _, tt := range tests {
		got, err := ParseFill(tt.mode, tt.value)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseFill(%q) error = %v, want error %v", tt.mode, err, tt.wantErr)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseFill(%q) mismatch (-want +got):\n%s", tt.mode, diff)
		}
	}
}

func TestFillSDK(t *testing.T) {
	tests := []struct {
		fill Fill
		sdk  *data.FillMissing
		back Fill // what FillFromSDK returns for sdk
	}{
		{Fill{}, &data.FillMissing{Mode: data.FillModeNull}, Fill{Mode: FillNull}},
		{Fill{Mode: FillNull}, &data.FillMissing{Mode: data.FillModeNull}, Fill{Mode: FillNull}},
		{Fill{Mode: FillPrevious}, &data.FillMissing{Mode: data.FillModePrevious}, Fill{Mode: FillPrevious}},
		{Fill{Mode: FillZero}, &data.FillMissing{Mode: data.FillModeValue}, Fill{Mode: FillValue}},
		{Fill{Mode: FillValue, Value: -1}, &data.FillMissing{Mode: data.FillModeValue, Value: -1}, Fill{Mode: FillValue, Value: -1}},
		{Fill{Mode: FillNone}, nil, Fill{Mode: FillNull}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.sdk, tt.fill.SDK()); diff != "" {
			t.Errorf("%+v.SDK() mismatch (-want +got):\n%s", tt.fill, diff)
		}
		back, err := FillFromSDK(tt.sdk)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.back, back); diff != "" {
			t.Errorf("FillFromSDK(%+v) mismatch (-want +got):\n%s", tt.sdk, diff)
		}
	}
	if _, err := FillFromSDK(&data.FillMissing{Mode: 42}); err == nil {
		t.Error("FillFromSDK(mode 42) gave no error")
	}
}

// Windows longer than time.Duration can hold (about 292 years) get a positive width that a
// Spec accepts, not one wrapped negative.
func TestAutoWidthLongWindows(t *testing.T) {
	tests := []struct {
		name     string
		from, to time.Time
		mdp      int64
	}{
		{"0001 to 2026, 1 point", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 1},
		{"0001 to 2026, 2 points", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 2},
		{"0001 to 2026, 1000 points", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 1000},
		{"±2^52 ms (142,000 years), 1 point", time.UnixMilli(-1 << 52), time.UnixMilli(1 << 52), 1},
		{"1700 to 2000 (just over 292 years), 1 point", time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := AutoWidth(tt.from, tt.to, 0, tt.mdp)
			if w <= 0 || w > MaxAutoWidth || w%week != 0 {
				t.Fatalf("AutoWidth = %v, want a positive whole number of weeks up to %v", w, MaxAutoWidth)
			}
			b, err := New(Spec{From: tt.from, To: tt.to, Width: w, Columns: []Column{{"v", []Agg{AggAvg}}}})
			if err != nil {
				t.Fatalf("width %v: %v", w, err)
			}
			if AutoWidth(time.UnixMilli(-math.MaxInt64), time.UnixMilli(math.MaxInt64-1), 0, tt.mdp) != MaxAutoWidth {
				t.Errorf("the longest window does not get the widest width")
			}
			// Within the cap, the width honours maxDataPoints as for short windows.
			if span := tt.to.Sub(tt.from); w < MaxAutoWidth && span < math.MaxInt64 && int64(b.NumBins()) > max(tt.mdp, 2) {
				t.Errorf("width %v gives %d bins for %d points", w, b.NumBins(), tt.mdp)
			}
		})
	}
}
