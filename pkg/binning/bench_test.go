package binning

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// benchPoints returns times inside a one-day window and values, in random
// order so that bin updates are not artificially cache-friendly.
func benchPoints(n int) ([]int64, []float64) {
	r := rand.New(rand.NewPCG(3, 4))
	ts := make([]int64, n)
	vs := make([]float64, n)
	for i := range ts {
		ts[i] = ms(time.Duration(r.Int64N(int64(24 * time.Hour))))
		vs[i] = r.ExpFloat64() * 100
	}
	return ts, vs
}

func benchAdd(b *testing.B, aggs []Agg) {
	// One day at 1m: 1440 bins, as for a dashboard over 24h.
	bn, err := New(Spec{From: t0, To: t0.Add(24 * time.Hour), Width: time.Minute, Columns: []Column{{"v", aggs}}})
	if err != nil {
		b.Fatal(err)
	}
	s := bn.Series("s", nil)
	ts, vs := benchPoints(1 << 16)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := i & (1<<16 - 1)
		s.Add(ts[j], 0, vs[j])
	}
}

// Every aggregation kept in flat arrays; must not allocate.
func BenchmarkAdd(b *testing.B) {
	benchAdd(b, []Agg{AggAvg, AggMin, AggMax, AggSum, AggCount, AggFirst, AggLast, AggStddev})
}

func BenchmarkAddAvg(b *testing.B) {
	benchAdd(b, []Agg{AggAvg})
}

// Percentiles share one sketch per bin; allocations come from sketches
// being created and growing.
func BenchmarkAddPercentiles(b *testing.B) {
	benchAdd(b, []Agg{AggP50, AggP95, AggP99})
}

func BenchmarkResults(b *testing.B) {
	for _, aggs := range [][]Agg{{AggAvg, AggMax}, {AggP50, AggP99}} {
		b.Run(fmt.Sprint(aggs), func(b *testing.B) {
			bn, err := New(Spec{From: t0, To: t0.Add(24 * time.Hour), Width: time.Minute, Columns: []Column{{"v", aggs}}})
			if err != nil {
				b.Fatal(err)
			}
			// 10 series of a day of 5s reports: 12 points per bin.
			for k := range 10 {
				s := bn.Series(fmt.Sprint(k), nil)
				for t := int64(0); t < 24*3600; t += 5 {
					s.Add(ms(time.Duration(t)*time.Second), 0, float64(t%97))
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				bn.Results()
			}
		})
	}
}
