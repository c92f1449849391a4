package binning

import (
	"math"
	"slices"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/DataDog/sketches-go/ddsketch/mapping"
	"github.com/DataDog/sketches-go/ddsketch/store"
)

// PercentileRelativeAccuracy is the DDSketch accuracy: reported values are
// within this fraction of a value that occurs at the same rank.
const PercentileRelativeAccuracy = 0.01

// One mapping serves every sketch: it is immutable, and sharing it keeps
// sketch creation cheap and makes all sketches mergeable with each other.
var pctMapping = func() *mapping.LogarithmicMapping {
	m, err := mapping.NewLogarithmicMapping(PercentileRelativeAccuracy)
	if err != nil {
		panic(err)
	}
	return m
}()

var pctMaxIndexable = pctMapping.MaxIndexableValue()

// pctSketch is the percentile state of one column in one bin. Beyond the
// sketch it keeps the exact min and max, which bound every estimate and
// stand in for values the sketch cannot index (±Inf and |v| near MaxFloat64).
type pctSketch struct {
	sk           *ddsketch.DDSketch
	n            float64
	min, max     float64
	below, above float64 // counts of values below / above the indexable range
}

func newPctSketch() *pctSketch {
	// The buffered paginated store is the library's default: a few values cost
	// a few words, and it never collapses buckets, so no accuracy is lost.
	return &pctSketch{sk: ddsketch.NewDDSketch(pctMapping, store.NewBufferedPaginatedStore(), store.NewBufferedPaginatedStore())}
}

func (p *pctSketch) add(v float64) {
	if p.n == 0 || v < p.min {
		p.min = v
	}
	if p.n == 0 || v > p.max {
		p.max = v
	}
	p.n++
	switch {
	case v > pctMaxIndexable:
		p.above++
	case v < -pctMaxIndexable:
		p.below++
	default:
		_ = p.sk.Add(v) // cannot fail: v is neither NaN nor out of range
	}
}

func (p *pctSketch) merge(o *pctSketch) {
	if o.n == 0 {
		return
	}
	if p.n == 0 || o.min < p.min {
		p.min = o.min
	}
	if p.n == 0 || o.max > p.max {
		p.max = o.max
	}
	p.n += o.n
	p.below += o.below
	p.above += o.above
	_ = p.sk.MergeWith(o.sk) // cannot fail: all sketches share pctMapping
}

type pctBucket struct{ v, c float64 }

// pctReader computes quantiles of many sketches, reusing one buffer and one
// pair of callbacks so that reading a bin does not allocate.
type pctReader struct {
	buf      []pctBucket
	addPos   func(index int, count float64) bool
	addNeg   func(index int, count float64) bool
	byValues func(x, y pctBucket) int
}

func newPctReader() *pctReader {
	r := &pctReader{}
	r.addPos = func(index int, count float64) bool {
		r.buf = append(r.buf, pctBucket{pctMapping.Value(index), count})
		return false
	}
	r.addNeg = func(index int, count float64) bool {
		r.buf = append(r.buf, pctBucket{-pctMapping.Value(index), count})
		return false
	}
	r.byValues = func(x, y pctBucket) int {
		switch {
		case x.v < y.v:
			return -1
		case x.v > y.v:
			return 1
		}
		return 0
	}
	return r
}

// quantiles writes the estimate of p for each qs[k] to out[k].
func (r *pctReader) quantiles(p *pctSketch, qs, out []float64) {
	r.buf = r.buf[:0]
	if p.below > 0 {
		r.buf = append(r.buf, pctBucket{p.min, p.below})
	}
	p.sk.GetNegativeValueStore().ForEach(r.addNeg)
	if z := p.sk.GetZeroCount(); z > 0 {
		r.buf = append(r.buf, pctBucket{0, z})
	}
	p.sk.GetPositiveValueStore().ForEach(r.addPos)
	if p.above > 0 {
		r.buf = append(r.buf, pctBucket{p.max, p.above})
	}
	// Bucket values are monotone in the values they hold, so sorting them
	// orders the points exactly by rank.
	slices.SortFunc(r.buf, r.byValues)
	for k, q := range qs {
		// Linear interpolation between neighbouring ranks, like pandas'
		// Series.quantile default.
		rank := q * (p.n - 1)
		lo := math.Floor(rank)
		v := valueAtRank(r.buf, lo)
		if f := rank - lo; f > 0 {
			hi := valueAtRank(r.buf, lo+1)
			if hi != v {
				v += (hi - v) * f
			}
		}
		out[k] = math.Min(math.Max(v, p.min), p.max)
	}
}

// valueAtRank returns the value of the point at 0-based rank r in sorted buckets.
func valueAtRank(b []pctBucket, r float64) float64 {
	cum := 0.0
	for _, x := range b {
		cum += x.c
		if cum > r {
			return x.v
		}
	}
	return b[len(b)-1].v
}
