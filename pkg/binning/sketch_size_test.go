package binning

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// The store's layout is what measure reads; a library version that changes it fails here
// rather than silently estimating.
func TestSketchLayout(t *testing.T) {
	if !layoutKnown() {
		t.Fatalf("BufferedPaginatedStore has no buffer []int and pages [][]float64 fields (buffer %d, pages %d): update storeBytes for the new layout", bpsBuffer, bpsPages)
	}
}

// spreadValue is the i-th of n values spread evenly in log scale over decades decades from 1.
func spreadValue(r *rand.Rand, decades float64) float64 {
	return math.Pow(10, r.Float64()*decades)
}

// A sketch's measured size follows what it holds: values spread over many decades take
// several times the memory of as many values within two, and the measure agrees with the
// heap the sketches take.
func TestSketchBytes(t *testing.T) {
	const sketches, values = 500, 1000
	for _, tt := range []struct {
		name     string
		decades  float64
		min, max int64 // bytes per sketch, measured
	}{
		{"a dozen values", 0, 200, 1500},
		{"within two decades", 2, 1500, 6000},
		{"over 80 decades", 80, 10_000, 40_000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(5, 6))
			n := values
			if tt.decades == 0 {
				n = 12
			}
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			sks := make([]*pctSketch, sketches)
			var measured, grown int64
			for i := range sks {
				p := newPctSketch()
				grown += p.size
				for j := 0; j < n; j++ {
					v := 1 + float64(j%12)
					if tt.decades > 0 {
						v = spreadValue(r, tt.decades)
					}
					grown += p.add(v)
				}
				sks[i] = p
				measured += p.size
				if got := p.size; got != (&pctSketch{sk: p.sk}).measure() {
					t.Fatalf("sketch %d: size %d as it grew, %d measured again", i, got, (&pctSketch{sk: p.sk}).measure())
				}
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
			runtime.KeepAlive(sks)
			per := measured / sketches
			t.Logf("%d values: %d bytes per sketch measured, %d on the heap", n, per, heap/sketches)
			if grown != measured {
				t.Errorf("the growth add reported sums to %d, the sketches measure %d", grown, measured)
			}
			if per < tt.min || per > tt.max {
				t.Errorf("%d bytes per sketch, want %d-%d", per, tt.min, tt.max)
			}
			// Size classes round allocations up and a GC may leave garbage: within a factor 2,
			// checked where the sketches hold megabytes, well above that noise.
			if measured > 1<<20 && (measured > 2*heap || heap > 2*measured) {
				t.Errorf("measured %d bytes, the heap grew by %d", measured, heap)
			}
		})
	}
}

// Series.SketchBytes is the sum of its sketches' sizes after Add, Merge and Import alike, so a
// budget charged by its differences holds what the sketches hold.
func TestSeriesSketchBytes(t *testing.T) {
	spec := Spec{From: t0, To: t0.Add(time.Hour), Width: time.Minute, Columns: []Column{{Name: "v", Aggs: []Agg{AggP50, AggP99}}}}
	r := rand.New(rand.NewPCG(7, 8))
	fill := func(b *Binner, key string, decades float64) {
		s := b.Series(key, nil)
		for i := 0; i < 6000; i++ {
			s.Add(ms(time.Duration(r.Int64N(int64(time.Hour)))), 0, spreadValue(r, decades)*float64(1-2*r.IntN(2)))
		}
	}
	sum := func(s *Series) int64 {
		n := int64(0)
		for _, p := range s.cols[0].sk {
			if p != nil {
				n += (&pctSketch{sk: p.sk}).measure()
			}
		}
		return n
	}
	a, b := mustNew(t, spec), mustNew(t, spec)
	fill(a, "x", 40)
	fill(b, "x", 3)
	fill(b, "y", 3)
	for _, bn := range []*Binner{a, b} {
		for _, k := range []string{"x", "y"} {
			if s := bn.Lookup(k); s != nil && s.SketchBytes() != sum(s) {
				t.Errorf("after Add, series %s: SketchBytes %d, its sketches measure %d", k, s.SketchBytes(), sum(s))
			}
		}
	}
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"x", "y"} {
		if s := a.Lookup(k); s.SketchBytes() != sum(s) {
			t.Errorf("after Merge, series %s: SketchBytes %d, its sketches measure %d", k, s.SketchBytes(), sum(s))
		}
	}
	states, err := a.Export(a.StartMs(), a.StartMs()+60*60_000)
	if err != nil {
		t.Fatal(err)
	}
	c := mustNew(t, spec)
	fill(c, "x", 1)
	for _, st := range states {
		if _, err := c.Import(st); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"x", "y"} {
		s := c.Lookup(k)
		if s.SketchBytes() != sum(s) {
			t.Errorf("after Import, series %s: SketchBytes %d, its sketches measure %d", k, s.SketchBytes(), sum(s))
		}
		if s.SketchBytes() < a.Lookup(k).SketchBytes()/2 {
			t.Errorf("after Import, series %s: SketchBytes %d, the exported series held %d", k, s.SketchBytes(), a.Lookup(k).SketchBytes())
		}
	}
	if c.Lookup("z") != nil {
		t.Error("Lookup of an absent series is not nil")
	}
}
