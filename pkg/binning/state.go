package binning

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/DataDog/sketches-go/ddsketch/store"
)

// State is the mergeable state of a run of whole bins of one series: what the bins hold
// before their aggregations become values (counts, sums, Welford terms, min, max, first and
// last with their times, percentile sketches). Bins exported from one query and imported into
// another give the values a single query over all the rows would give, so closed bins can be
// kept and only newer rows read again.
//
// A State never changes after Export: it shares nothing with the Binner it came from or the
// Binners it is imported into, so one State may be imported by many queries at once.
type State struct {
	key     string
	labels  map[string]string
	startMs int64 // start of the first bin
	wMs     int64
	bins    int
	outputs []Output
	cols    []colState // arrays of length bins; sk is unused, sketches are encoded in enc
	enc     [][][]byte // per column with percentiles, per bin: the encoded sketch, nil when empty
	seen    []uint64   // per bin, one bit: a row without any value came there; nil when none
	size    int64
}

// Key is the series' key.
func (s *State) Key() string { return s.key }

// Labels are the series' labels (a copy).
func (s *State) Labels() map[string]string { return maps.Clone(s.labels) }

// Bins is the number of bins the state covers.
func (s *State) Bins() int { return s.bins }

// Outputs are the outputs the state was computed for, in order.
func (s *State) Outputs() []Output { return slices.Clone(s.outputs) }

// Sketches counts the state's percentile sketches: those an Import may add to a series.
func (s *State) Sketches() int {
	n := 0
	for _, c := range s.enc {
		for _, e := range c {
			if e != nil {
				n++
			}
		}
	}
	return n
}

// Size is about the memory the state holds, in bytes, for caches with a byte bound.
func (s *State) Size() int64 { return s.size }

// stateOverhead is the bytes of a State beyond its arrays and sketches: the struct, slice
// headers and map, counted on the high side.
const stateOverhead = 256

// Export copies the state of the bins that start in [fromMs, toMs) of every series with at
// least one row there, counting rows that brought no value (Series.Touch): binning every row
// shows such a series, with null values, so an import must bring it back. fromMs and toMs must be bin edges within the bins of the window.
// Whether those bins are complete (every row of their span was added) is the caller's to
// know: a bin cut by the window's edge holds only part of its span.
func (b *Binner) Export(fromMs, toMs int64) ([]*State, error) {
	if toMs < fromMs || (fromMs-b.startMs)%b.wMs != 0 || (toMs-b.startMs)%b.wMs != 0 ||
		fromMs < b.startMs || (toMs-b.startMs)/b.wMs > int64(b.nbins) {
		return nil, fmt.Errorf("export range %d-%d is not a run of bins of width %dms starting at %d (%d bins)", fromMs, toMs, b.wMs, b.startMs, b.nbins)
	}
	i0, i1 := int((fromMs-b.startMs)/b.wMs), int((toMs-b.startMs)/b.wMs)
	if i0 == i1 {
		return nil, nil
	}
	keys := make([]string, 0, len(b.series))
	for k := range b.series {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []*State
	for _, k := range keys {
		s := b.series[k]
		if !s.hasValues(i0, i1) && !s.seenIn(i0, i1) {
			continue
		}
		out = append(out, b.exportSeries(s, i0, i1))
	}
	return out, nil
}

func (s *Series) hasValues(i0, i1 int) bool {
	for ci := range s.cols {
		for _, n := range s.cols[ci].n[i0:i1] {
			if n > 0 {
				return true
			}
		}
	}
	return false
}

func (s *Series) seenIn(i0, i1 int) bool {
	if s.seen == nil {
		return false
	}
	for i := i0; i < i1; i++ {
		if bitSet(s.seen, i) {
			return true
		}
	}
	return false
}

func (b *Binner) exportSeries(s *Series, i0, i1 int) *State {
	n := i1 - i0
	st := &State{
		key: s.key, startMs: b.startMs + int64(i0)*b.wMs, wMs: b.wMs, bins: n,
		outputs: slices.Clone(b.outputs), cols: make([]colState, len(s.cols)), enc: make([][][]byte, len(s.cols)),
	}
	size := int64(stateOverhead + len(s.key))
	if s.labels != nil {
		st.labels = make(map[string]string, len(s.labels))
		for k, v := range s.labels {
			st.labels[k] = v
			size += int64(len(k)+len(v)) + 32
		}
	}
	fcopy := func(x []float64) []float64 {
		if x == nil {
			return nil
		}
		size += int64(8 * n)
		return slices.Clone(x[i0:i1])
	}
	icopy := func(x []int64) []int64 {
		if x == nil {
			return nil
		}
		size += int64(8 * n)
		return slices.Clone(x[i0:i1])
	}
	for ci := range s.cols {
		c, d := &s.cols[ci], &st.cols[ci]
		d.n = icopy(c.n)
		d.sum = fcopy(c.sum)
		d.shift, d.mean, d.m2 = fcopy(c.shift), fcopy(c.mean), fcopy(c.m2)
		d.min, d.max = fcopy(c.min), fcopy(c.max)
		d.first, d.firstT = fcopy(c.first), icopy(c.firstT)
		d.last, d.lastT = fcopy(c.last), icopy(c.lastT)
		if c.sk != nil {
			enc := make([][]byte, n)
			size += int64(24 * n)
			for j := range enc {
				if p := c.sk[i0+j]; p != nil {
					enc[j] = p.encode()
					size += int64(cap(enc[j]))
				}
			}
			st.enc[ci] = enc
		}
	}
	if s.seenIn(i0, i1) {
		st.seen = make([]uint64, (n+63)/64)
		for j := range n {
			if bitSet(s.seen, i0+j) {
				st.seen[j/64] |= 1 << (j % 64)
			}
		}
		size += int64(8 * len(st.seen))
	}
	st.size = size
	return st
}

// Import merges st into the series of the same key (created with st's labels when absent),
// as if st's observations arrived after those already there. Only bins that lie wholly
// inside the window are taken: a bin cut by the window's edge would bring points from
// outside it. It returns the series, or nil when st has no row in those bins (neither a
// value nor a row without one).
func (b *Binner) Import(st *State) (*Series, error) {
	if st.wMs != b.wMs || (st.startMs-b.startMs)%b.wMs != 0 {
		return nil, fmt.Errorf("cannot import bins of width %dms starting at %d into bins of width %dms starting at %d", st.wMs, st.startMs, b.wMs, b.startMs)
	}
	if !slices.Equal(st.outputs, b.outputs) {
		return nil, errors.New("cannot import bins computed for other aggregations")
	}
	off := int((st.startMs - b.startMs) / b.wMs) // bin j of st is bin off+j here
	// Whole bins inside [fromMs, toMs): start >= fromMs and start+w <= toMs.
	hi := st.bins
	lo := min(max(0, -off), hi)
	for lo < hi && b.startMs+int64(off+lo)*b.wMs < b.fromMs {
		lo++
	}
	for hi > lo && (off+hi-1 >= b.nbins || b.startMs+int64(off+hi)*b.wMs > b.toMs) {
		hi--
	}
	// A series exists because it has rows in the window, with values or not: bring none that
	// had no row in the bins taken.
	hasRows := false
	for ci := range st.cols {
		for _, n := range st.cols[ci].n[lo:hi] {
			hasRows = hasRows || n > 0
		}
	}
	for j := lo; j < hi && !hasRows; j++ {
		hasRows = bitSet(st.seen, j)
	}
	if !hasRows {
		return nil, nil
	}
	s := b.Series(st.key, st.labels)
	// Keep the rows without values too, so these bins exported again still bring the series.
	for j := lo; j < hi; j++ {
		if bitSet(st.seen, j) {
			s.markSeen(off + j)
		}
	}
	for ci := range s.cols {
		o := st.cols[ci] // a copy: sk is filled below for the bins taken, st is not changed
		if st.enc[ci] != nil {
			o.sk = make([]*pctSketch, st.bins)
			for j := lo; j < hi; j++ {
				if e := st.enc[ci][j]; e != nil {
					p, err := decodePctSketch(e)
					if err != nil {
						return nil, fmt.Errorf("decode the percentile sketch of a cached bin: %w", err)
					}
					o.sk[j] = p
				}
			}
		}
		for j := lo; j < hi; j++ {
			s.mergeBin(ci, off+j, &o, j)
		}
	}
	return s, nil
}

// pctHeader is the encoded sketch's header: n, min, max, below, above as float64 bits.
const pctHeader = 5 * 8

func (p *pctSketch) encode() []byte {
	b := make([]byte, pctHeader, pctHeader+64)
	for i, v := range []float64{p.n, p.min, p.max, p.below, p.above} {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
	}
	// The mapping is pctMapping for every sketch, so it is left out.
	p.sk.Encode(&b, true)
	return slices.Clip(b)
}

func decodePctSketch(b []byte) (*pctSketch, error) {
	if len(b) < pctHeader {
		return nil, errors.New("encoded sketch too short")
	}
	var h [5]float64
	for i := range h {
		h[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	sk, err := ddsketch.DecodeDDSketch(b[pctHeader:], store.BufferedPaginatedStoreConstructor, pctMapping)
	if err != nil {
		return nil, err
	}
	p := &pctSketch{sk: sk, n: h[0], min: h[1], max: h[2], below: h[3], above: h[4]}
	p.measure()
	return p, nil
}

// StartMs is the start of the first bin, in ms since the epoch.
func (b *Binner) StartMs() int64 { return b.startMs }

// WindowMs is the requested window [From, To) in whole ms, as the bins count it.
func (b *Binner) WindowMs() (fromMs, toMs int64) { return b.fromMs, b.toMs }
