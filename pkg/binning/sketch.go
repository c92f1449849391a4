package binning

import (
	"math"
	"reflect"
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

var pctMaxIndexable, pctMinIndexable = pctMapping.MaxIndexableValue(), pctMapping.MinIndexableValue()

// pctSketch is the percentile state of one column in one bin. Beyond the
// sketch it keeps the exact min and max, which bound every estimate and
// stand in for values the sketch cannot index (±Inf and |v| near MaxFloat64).
type pctSketch struct {
	sk           *ddsketch.DDSketch
	n            float64
	min, max     float64
	below, above float64 // counts of values below / above the indexable range
	size         int64   // bytes when last measured (see measure)
	// room counts the values each store (positive, negative) may still take without growing:
	// its buffer's spare capacity when last looked at. A value takes at most one slot (it may
	// land in a page instead), so nothing can grow before room reaches 0.
	room [2]int32
}

func newPctSketch() *pctSketch {
	// The buffered paginated store is the library's default: a few values cost
	// a few words, and it never collapses buckets, so no accuracy is lost.
	p := &pctSketch{sk: ddsketch.NewDDSketch(pctMapping, store.NewBufferedPaginatedStore(), store.NewBufferedPaginatedStore())}
	p.measure()
	return p
}

// add records v and returns how many bytes the sketch grew by (0 unless a store's buffer
// was full: see bufferFull).
func (p *pctSketch) add(v float64) (grew int64) {
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
	case v > pctMinIndexable:
		return p.addTo(p.sk.GetPositiveValueStore(), &p.room[0], v)
	case v < -pctMinIndexable:
		return p.addTo(p.sk.GetNegativeValueStore(), &p.room[1], v)
	default:
		_ = p.sk.Add(v) // the zero count; cannot fail: v is neither NaN nor out of range
	}
	return 0
}

// addTo adds v, which goes to store st, and returns how much the sketch grew. Only when the
// store's buffer may be full does it look at the buffer, and only when the buffer was
// reallocated or compacted does it measure the sketch again.
func (p *pctSketch) addTo(st store.Store, room *int32, v float64) int64 {
	if *room > 0 {
		*room--
		_ = p.sk.Add(v)
		return 0
	}
	l0, c0 := bufferLenCap(st)
	if l0 < c0 {
		*room = int32(min(c0-l0-1, math.MaxInt32)) // #nosec G115 -- min bounds it to math.MaxInt32, and it is not negative (l0 < c0)
		_ = p.sk.Add(v)
		return 0
	}
	_ = p.sk.Add(v)
	if l1, c1 := bufferLenCap(st); l1 == l0 && c1 == c0 {
		return 0 // the value went to an existing page
	}
	return p.resize()
}

// merge adds o into p and returns how many bytes p grew by.
func (p *pctSketch) merge(o *pctSketch) (grew int64) {
	if o.n == 0 {
		return 0
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
	return p.resize()
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

// Memory of a sketch, for budgets. The buffered paginated store keeps values it has seen
// once in a buffer of ints and moves them to pages of 32 counts when a page would hold
// enough of them, so its size depends on how the values spread, not on their number alone:
// measured (TestSketchBytes), about 0.4 KB for a dozen values, 4.4 KB for 1,000 values within
// two decades and 10.5 KB for 1,000 values spread over 80, as the heap agrees. The store's fields are unexported,
// so their capacities are read through reflection; the layout is checked once, and
// TestSketchLayout fails if a new version of the library changes it.
var (
	bpsType   = reflect.TypeOf(store.BufferedPaginatedStore{})
	bpsBuffer = fieldIndex(bpsType, "buffer", reflect.TypeOf([]int(nil)))
	bpsPages  = fieldIndex(bpsType, "pages", reflect.TypeOf([][]float64(nil)))
	// sketchFixedBytes is a sketch without values: pctSketch, the DDSketch and its two stores.
	sketchFixedBytes = int64(reflect.TypeOf(pctSketch{}).Size() + reflect.TypeOf(ddsketch.DDSketch{}).Size() + 2*bpsType.Size())
)

// fieldIndex is the index of field name of type want in t, or -1.
func fieldIndex(t reflect.Type, name string, want reflect.Type) int {
	if f, ok := t.FieldByName(name); ok && f.Type == want && len(f.Index) == 1 {
		return f.Index[0]
	}
	return -1
}

// layoutKnown says whether storeBytes measures (true) or estimates.
func layoutKnown() bool { return bpsBuffer >= 0 && bpsPages >= 0 }

// storeBytes is the memory of one store's buffer, page table and pages.
func storeBytes(s store.Store) int64 {
	bps, ok := s.(*store.BufferedPaginatedStore)
	if !ok || !layoutKnown() {
		// Not expected: a count of 16 bytes per bin with a count, on the high side for the
		// buffer (an int per value, grown by doubling).
		n := int64(0)
		s.ForEach(func(int, float64) bool { n++; return false })
		return 16 * n
	}
	v := reflect.ValueOf(bps).Elem()
	pages := v.Field(bpsPages)
	n := int64(8*v.Field(bpsBuffer).Cap() + 24*pages.Cap())
	for i := 0; i < pages.Len(); i++ {
		n += int64(8 * pages.Index(i).Cap())
	}
	return n
}

// bufferLenCap is the length and capacity of the store's buffer. A value the store adds
// grows it only when the buffer is full: then the value either reallocates the buffer or
// starts a compaction that may create a page; otherwise it lands in the buffer's spare
// capacity or in an existing page. An unknown layout reads as always full.
func bufferLenCap(s store.Store) (int, int) {
	bps, ok := s.(*store.BufferedPaginatedStore)
	if !ok || !layoutKnown() {
		return 0, 0
	}
	b := reflect.ValueOf(bps).Elem().Field(bpsBuffer)
	return b.Len(), b.Cap()
}

// measure sets and returns the sketch's size in bytes, and the room of its stores.
func (p *pctSketch) measure() int64 {
	pos, neg := p.sk.GetPositiveValueStore(), p.sk.GetNegativeValueStore()
	p.size = sketchFixedBytes + storeBytes(pos) + storeBytes(neg)
	for i, st := range []store.Store{pos, neg} {
		l, c := bufferLenCap(st)
		p.room[i] = int32(min(c-l, math.MaxInt32)) // #nosec G115 -- min bounds it to math.MaxInt32; a length is at most its capacity
	}
	return p.size
}

// resize measures the sketch again and returns how much it grew (negative if it shrank).
func (p *pctSketch) resize() int64 {
	old := p.size
	return p.measure() - old
}
