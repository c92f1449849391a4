package binning

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// rollupOf bins points at width w with every statistic and returns each series' stored bins
// of column ci, encoded and decoded again as a reader gets them.
func rollupOf(t *testing.T, points []obs, from, to time.Time, w time.Duration, ci int) map[string][]RollupBin {
	t.Helper()
	spec := Spec{From: from, To: to, Width: w, Columns: []Column{{Name: "v", Aggs: RollupAggs}, {Name: "w", Aggs: RollupAggs}}}
	b := binAll(t, spec, points, nil)
	states, err := b.Export(from.UnixMilli(), to.UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]RollupBin{}
	for _, st := range states {
		bins, err := st.RollupBins(ci)
		if err != nil {
			t.Fatal(err)
		}
		for _, rb := range bins {
			got, err := DecodeRollupBin(rb.StartMs, rb.Encode())
			if err != nil {
				t.Fatal(err)
			}
			out[st.Key()] = append(out[st.Key()], got)
		}
	}
	return out
}

// A query at a coarser width answered from 1-minute rollup bins, plus the raw rows at its
// edges, gives what binning every row gives: count, min, max, first and last exactly, sums,
// means and standard deviations to 1e-9 relative (float sums of sums add in another order),
// percentiles exactly (merged sketches hold the same bucket counts).
func TestRollupBinsAnswerCoarserQueries(t *testing.T) {
	points := stateObs()
	roll := map[int]map[string][]RollupBin{
		0: rollupOf(t, points, t0, t0.Add(3*time.Hour), time.Minute, 0),
		1: rollupOf(t, points, t0, t0.Add(3*time.Hour), time.Minute, 1),
	}
	for _, tt := range []struct {
		name     string
		from, to time.Duration
		width    time.Duration
	}{
		{"5m bins, aligned", 0, 3 * time.Hour, 5 * time.Minute},
		{"10m bins, window cut inside bins", 7*time.Minute + 13*time.Second, 2*time.Hour + 44*time.Minute + 5*time.Second, 10 * time.Minute},
		{"1m bins, the rollup's own width", 30 * time.Second, 2 * time.Hour, time.Minute},
		{"1h bins", 0, 3 * time.Hour, time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			spec := Spec{From: t0.Add(tt.from), To: t0.Add(tt.to), Width: tt.width, Columns: []Column{
				{Name: "v", Aggs: Aggs()},
				{Name: "w", Aggs: []Agg{AggAvg, AggP99, AggLast}},
			}}
			cold := binAll(t, spec, points, nil)
			warm := mustNew(t, spec)
			// Whole query bins inside the window come from rollups; the edges from rows.
			fromMs, toMs := warm.WindowMs()
			wq := tt.width.Milliseconds()
			lo, hi := ceilDiv(fromMs, wq)*wq, floorDiv(toMs, wq)*wq
			for _, p := range points {
				if p.ms < lo || p.ms >= hi {
					warm.Series(p.series, map[string]string{"s": p.series}).Add(p.ms, p.col, p.v)
				}
			}
			for ci, bySeries := range roll {
				for key, bins := range bySeries {
					for _, rb := range bins {
						if rb.StartMs < lo || rb.StartMs >= hi {
							continue
						}
						if err := warm.Series(key, map[string]string{"s": key}).MergeRollup(ci, time.Minute.Milliseconds(), rb); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			want, got := cold.Results(), warm.Results()
			if diff := cmp.Diff(want, got, cmpopts.EquateApprox(1e-9, 0)); diff != "" {
				t.Fatalf("rollups differ from binning every row (-rows +rollups):\n%s", diff)
			}
			for i := range want {
				for o, name := range want[i].Names {
					switch name.Agg {
					case AggCount, AggMin, AggMax, AggFirst, AggLast, AggP50, AggP99, AggP999:
						if diff := cmp.Diff(want[i].Values[o], got[i].Values[o]); diff != "" {
							t.Errorf("%s %s of %s not exact (-rows +rollups):\n%s", name.Column, name.Agg, want[i].Key, diff)
						}
					}
				}
			}
		})
	}
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }

func TestRollupBinEncoding(t *testing.T) {
	full := RollupBin{StartMs: 60000, N: 3, Sum: 6, Shift: 1, Mean: 1, M2: 2, Min: 1, Max: 3, First: 1, FirstT: 60001, Last: 3, LastT: 60900, Seen: true}
	sk := newPctSketch()
	for _, v := range []float64{1, 2, 3} {
		sk.add(v)
	}
	full.Sketch = sk.encode()
	got, err := DecodeRollupBin(60000, full.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(full, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	seenOnly := RollupBin{StartMs: 0, Seen: true}
	if got, err := DecodeRollupBin(0, seenOnly.Encode()); err != nil || !cmp.Equal(got, RollupBin{Seen: true}) {
		t.Errorf("a bin with rows but no values: %+v, %v", got, err)
	}

	blob := full.Encode()
	newer := append([]byte{rollupVersion + 1}, blob[1:]...)
	if _, err := DecodeRollupBin(0, newer); !errors.Is(err, ErrRollupVersion) {
		t.Errorf("another version: %v, want ErrRollupVersion", err)
	}
	for _, cut := range []int{0, 1, 5, len(blob) - 1} {
		if _, err := DecodeRollupBin(0, blob[:cut]); err == nil {
			t.Errorf("a blob cut to %d bytes decoded", cut)
		}
	}
}

func TestMergeRollupRefusesBinsThatDoNotFit(t *testing.T) {
	b := mustNew(t, Spec{From: t0.Add(30 * time.Second), To: t0.Add(time.Hour), Width: 5 * time.Minute, Columns: []Column{{Name: "v", Aggs: []Agg{AggSum}}}})
	s := b.Series("a", nil)
	rb := RollupBin{N: 1, Sum: 1, Seen: true}
	for name, tc := range map[string]struct {
		start, width int64
	}{
		"width not dividing the query's": {ms(5 * time.Minute), (2 * time.Minute).Milliseconds()},
		"bin not aligned to its width":   {ms(5*time.Minute) + 1000, time.Minute.Milliseconds()},
		"bin cut by the window's start":  {ms(0), time.Minute.Milliseconds()},
		"bin past the window's end":      {ms(time.Hour), time.Minute.Milliseconds()},
	} {
		rb.StartMs = tc.start
		if err := s.MergeRollup(0, tc.width, rb); err == nil {
			t.Errorf("%s: merged", name)
		}
	}
	rb.StartMs = ms(5 * time.Minute)
	if err := s.MergeRollup(0, time.Minute.Milliseconds(), rb); err != nil {
		t.Fatal(err)
	}
	if v := b.Results()[0].Values[0]; v[1] == nil || *v[1] != 1 || math.IsNaN(*v[1]) {
		t.Errorf("merged bin: %v", v)
	}
}
