package binning

import (
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// exactQuantile is pandas' default (numpy "linear") quantile, with the two
// neighbouring values it interpolates between and the weight of the upper one.
func exactQuantile(sorted []float64, q float64) (x, a, b, f float64) {
	r := q * float64(len(sorted)-1)
	lo := math.Floor(r)
	f = r - lo
	a = sorted[int(lo)]
	b = a
	if f > 0 {
		b = sorted[int(lo)+1]
	}
	return a + (b-a)*f, a, b, f
}

func TestPercentilesWithinBound(t *testing.T) {
	pcts := []Agg{AggP50, AggP75, AggP90, AggP95, AggP99, AggP999}
	dists := []struct {
		name string
		gen  func(r *rand.Rand) float64
	}{
		{"lognormal latencies", func(r *rand.Rand) float64 { return math.Exp(r.NormFloat64()*2 + 3) }},
		{"uniform 0..1000", func(r *rand.Rand) float64 { return r.Float64() * 1000 }},
		{"normal around 0", func(r *rand.Rand) float64 { return r.NormFloat64() * 50 }},
		{"all negative", func(r *rand.Rand) float64 { return -math.Exp(r.NormFloat64()) }},
		{"integers with zeros", func(r *rand.Rand) float64 { return float64(r.IntN(5)) }},
		{"wide range", func(r *rand.Rand) float64 { return math.Pow(10, r.Float64()*40-20) }},
	}
	const bins = 8
	for di, d := range dists {
		t.Run(d.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(42, uint64(di)))
			b := mustNew(t, Spec{From: t0, To: t0.Add(bins * time.Minute), Width: time.Minute, Columns: []Column{{"v", pcts}}})
			s := b.Series("s", nil)
			exact := make([][]float64, bins)
			for i := range bins {
				// Bin sizes from 1 to several thousand points.
				n := 1 + r.IntN(1<<(2*i))
				for range n {
					v := d.gen(r)
					off := time.Duration(r.Int64N(int64(time.Minute/time.Millisecond))) * time.Millisecond
					s.Add(ms(time.Duration(i)*time.Minute+off), 0, v)
					exact[i] = append(exact[i], v)
				}
				slices.Sort(exact[i])
			}
			res := b.Results()[0]
			for i := range bins {
				for k, a := range pcts {
					q, _ := a.Quantile()
					x, lo, hi, f := exactQuantile(exact[i], q)
					bound := PercentileRelativeAccuracy * ((1-f)*math.Abs(lo) + f*math.Abs(hi))
					got := res.Values[k][i]
					if got == nil {
						t.Fatalf("bin %d %s: null", i, a)
					}
					if err := math.Abs(*got - x); err > bound*(1+1e-9) {
						t.Errorf("bin %d (%d points) %s = %v, exact %v: error %v above bound %v", i, len(exact[i]), a, *got, x, err, bound)
					}
				}
			}
		})
	}
}

// Two-pass sample standard deviation, the textbook reference, in 256-bit
// floating point so that the reference itself loses no digits.
func twoPassStddev(xs []float64) float64 {
	const prec = 256
	sum := new(big.Float).SetPrec(prec)
	for _, x := range xs {
		sum.Add(sum, big.NewFloat(x))
	}
	mean := new(big.Float).SetPrec(prec).Quo(sum, big.NewFloat(float64(len(xs))))
	ss := new(big.Float).SetPrec(prec)
	for _, x := range xs {
		d := new(big.Float).SetPrec(prec).Sub(big.NewFloat(x), mean)
		ss.Add(ss, d.Mul(d, d))
	}
	v, _ := ss.Quo(ss, big.NewFloat(float64(len(xs)-1))).Float64()
	return math.Sqrt(v)
}

func TestStddevMatchesTwoPass(t *testing.T) {
	tests := []struct {
		name string
		gen  func(r *rand.Rand) float64
	}{
		{"standard normal", func(r *rand.Rand) float64 { return r.NormFloat64() }},
		// A large offset ruins the naive sum/sum-of-squares formula and costs a
		// plain Welford update digits.
		{"large offset, small spread", func(r *rand.Rand) float64 { return 1e9 + r.NormFloat64()*0.01 }},
		{"counter values", func(r *rand.Rand) float64 { return float64(1_000_000_000 + r.IntN(100)) }},
	}
	for ti, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, uint64(ti)))
			const bins = 6
			b := mustNew(t, Spec{From: t0, To: t0.Add(bins * time.Hour), Width: time.Hour, Columns: []Column{{"v", []Agg{AggStddev, AggAvg}}}})
			s := b.Series("s", nil)
			xs := make([][]float64, bins)
			for i := range bins {
				n := 2 + r.IntN(5000)
				for range n {
					v := tt.gen(r)
					s.Add(ms(time.Duration(i)*time.Hour+time.Duration(r.IntN(3600))*time.Second), 0, v)
					xs[i] = append(xs[i], v)
				}
			}
			res := b.Results()[0]
			for i := range bins {
				want := twoPassStddev(xs[i])
				got := *res.Values[0][i]
				if math.Abs(got-want) > 1e-9*want {
					t.Errorf("bin %d: stddev %v, two-pass %v", i, got, want)
				}
			}
		})
	}
}

// Binning a stream in parts and merging gives the same result as binning it
// whole.
func TestMerge(t *testing.T) {
	spec := Spec{From: t0.Add(17 * time.Second), To: t0.Add(20 * time.Minute), Width: time.Minute,
		Columns: []Column{{"a", Aggs()}, {"b", []Agg{AggLast, AggP95, AggCount}}}}
	whole := mustNew(t, spec)
	parts := []*Binner{mustNew(t, spec), mustNew(t, spec), mustNew(t, spec)}
	r := rand.New(rand.NewPCG(1, 2))
	keys := []string{"x", "y", "z"}
	for range 20000 {
		key := keys[r.IntN(len(keys))]
		part := parts[r.IntN(len(parts))]
		if key == "z" {
			part = parts[2] // a series only one part has
		}
		tm := ms(time.Duration(r.Int64N(int64(21 * time.Minute))))
		col := r.IntN(2)
		v := r.NormFloat64() * 100
		if r.IntN(50) == 0 {
			v = math.NaN()
		}
		whole.Series(key, map[string]string{"k": key}).Add(tm, col, v)
		part.Series(key, map[string]string{"k": key}).Add(tm, col, v)
	}
	for _, p := range parts[1:] {
		if err := parts[0].Merge(p); err != nil {
			t.Fatal(err)
		}
	}
	if whole.Dropped() == 0 || parts[0].Dropped() != whole.Dropped() {
		t.Errorf("Dropped() = %d after merge, want %d (> 0)", parts[0].Dropped(), whole.Dropped())
	}
	// Sums and Welford states are combined in another order: allow rounding.
	if diff := cmp.Diff(whole.Results(), parts[0].Results(), approx(1e-9)); diff != "" {
		t.Errorf("merged results differ (-whole +merged):\n%s", diff)
	}
}

func TestMergeTies(t *testing.T) {
	spec := Spec{From: t0, To: t0.Add(time.Minute), Width: time.Minute, Columns: []Column{{"v", []Agg{AggFirst, AggLast}}}}
	a, b := mustNew(t, spec), mustNew(t, spec)
	a.Series("s", nil).Add(ms(time.Second), 0, 1)
	b.Series("s", nil).Add(ms(time.Second), 0, 2)
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	// The merged-in observations count as later arrivals.
	if diff := cmp.Diff([][]*float64{{fp(1)}, {fp(2)}}, a.Results()[0].Values); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestMergeRejectsOtherSpecs(t *testing.T) {
	base := Spec{From: t0, To: t0.Add(time.Hour), Width: time.Minute, Columns: []Column{{"v", []Agg{AggMax}}}}
	a := mustNew(t, base)
	others := map[string]Spec{}
	s := base
	s.Width = 2 * time.Minute
	others["width"] = s
	s = base
	s.From = t0.Add(time.Second)
	others["window"] = s
	s = base
	s.Columns = []Column{{"v", []Agg{AggMin}}}
	others["aggregations"] = s
	for name, spec := range others {
		if err := a.Merge(mustNew(t, spec)); err == nil {
			t.Errorf("merging a binner with another %s gave no error", name)
		}
	}
	if err := a.Merge(a); err == nil {
		t.Error("merging a binner into itself gave no error")
	}
}
