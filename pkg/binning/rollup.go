package binning

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// RollupAggs are the aggregations whose state a rollup bin keeps. A bin binned with them holds
// every statistic any aggregation needs (count, sum, Welford terms, min, max, first and last
// with their times, the percentile sketch), so one stored bin answers every aggregation.
var RollupAggs = []Agg{AggCount, AggSum, AggStddev, AggMin, AggMax, AggFirst, AggLast, AggP50}

// RollupBin is the whole state of one bin of one column, as a rollup row stores it.
type RollupBin struct {
	StartMs int64 // bin start, ms since the epoch
	N       int64 // values in the bin
	// Welford terms are of values minus Shift (the bin's first value).
	Sum, Shift, Mean, M2, Min, Max, First, Last float64
	FirstT, LastT                               int64
	Sketch                                      []byte // the encoded percentile sketch; nil when N is 0
	// Seen is true when some row of the series came in the bin, with a value of this column or
	// not: binning those rows shows the series there, with nulls when N is 0.
	Seen bool
}

// rollupVersion is the first byte of every encoded bin. A reader refuses other versions (with
// ErrRollupVersion) instead of guessing, so a query falls back to raw rows.
const rollupVersion = 1

// ErrRollupVersion says an encoded rollup bin is of a version this build cannot read.
var ErrRollupVersion = errors.New("rollup bin written in an encoding this version cannot read")

// RollupBins lists the bins of column ci of st that some row came to, with their whole state.
// st must come from a Binner whose column ci has RollupAggs.
func (st *State) RollupBins(ci int) ([]RollupBin, error) {
	if ci < 0 || ci >= len(st.cols) {
		return nil, fmt.Errorf("rollup of column %d: the state has %d columns", ci, len(st.cols))
	}
	c := &st.cols[ci]
	if c.sum == nil || c.mean == nil || c.min == nil || c.max == nil || c.first == nil || c.last == nil || st.enc[ci] == nil {
		return nil, errors.New("rollup bins need a state binned with every statistic (binning.RollupAggs)")
	}
	var out []RollupBin
	for j := range st.bins {
		seen := bitSet(st.seen, j)
		for k := range st.cols {
			seen = seen || st.cols[k].n[j] > 0
		}
		if !seen {
			continue
		}
		b := RollupBin{StartMs: st.startMs + int64(j)*st.wMs, N: c.n[j], Seen: true}
		if b.N > 0 {
			b.Sum, b.Shift, b.Mean, b.M2 = c.sum[j], c.shift[j], c.mean[j], c.m2[j]
			b.Min, b.Max = c.min[j], c.max[j]
			b.First, b.FirstT, b.Last, b.LastT = c.first[j], c.firstT[j], c.last[j], c.lastT[j]
			b.Sketch = st.enc[ci][j]
		}
		out = append(out, b)
	}
	return out, nil
}

// Encode is the bin's stored form (its start is the row's clustering key, not in the blob):
// version, flags, then for a bin with values the count, the ten numbers and the sketch.
func (b RollupBin) Encode() []byte {
	out := make([]byte, 0, 2+8+10*8+len(b.Sketch)+4)
	flags := byte(0)
	if b.Seen {
		flags |= 1
	}
	out = append(out, rollupVersion, flags)
	if b.N == 0 {
		return out
	}
	out = binary.AppendVarint(out, b.N)
	for _, v := range []float64{b.Sum, b.Shift, b.Mean, b.M2, b.Min, b.Max, b.First, b.Last} {
		out = binary.LittleEndian.AppendUint64(out, math.Float64bits(v))
	}
	out = binary.AppendVarint(out, b.FirstT)
	out = binary.AppendVarint(out, b.LastT)
	out = binary.AppendVarint(out, int64(len(b.Sketch)))
	return append(out, b.Sketch...)
}

// DecodeRollupBin reads a bin stored by Encode; startMs is the row's bin start. The bin's
// Sketch is part of blob, which the caller must not change afterwards.
func DecodeRollupBin(startMs int64, blob []byte) (RollupBin, error) {
	if len(blob) < 2 {
		return RollupBin{}, errors.New("rollup bin too short")
	}
	if blob[0] != rollupVersion {
		return RollupBin{}, fmt.Errorf("%w (version %d, this one reads %d)", ErrRollupVersion, blob[0], rollupVersion)
	}
	b := RollupBin{StartMs: startMs, Seen: blob[1]&1 != 0}
	rest := blob[2:]
	if len(rest) == 0 {
		return b, nil
	}
	bad := errors.New("rollup bin is cut short or malformed")
	n, k := binary.Varint(rest)
	if k <= 0 || n <= 0 {
		return RollupBin{}, bad
	}
	b.N, rest = n, rest[k:]
	if len(rest) < 8*8 {
		return RollupBin{}, bad
	}
	for _, p := range []*float64{&b.Sum, &b.Shift, &b.Mean, &b.M2, &b.Min, &b.Max, &b.First, &b.Last} {
		*p = math.Float64frombits(binary.LittleEndian.Uint64(rest))
		rest = rest[8:]
	}
	for _, p := range []*int64{&b.FirstT, &b.LastT} {
		v, k := binary.Varint(rest)
		if k <= 0 {
			return RollupBin{}, bad
		}
		*p, rest = v, rest[k:]
	}
	l, k := binary.Varint(rest)
	if k <= 0 || l != int64(len(rest)-k) {
		return RollupBin{}, bad
	}
	// The sketch is decoded only by a merge into a column with percentiles (MergeRollup), which
	// reports it if it is malformed: most queries never pay for it.
	b.Sketch = rest[k:len(rest):len(rest)]
	return b, nil
}

// MergeRollup adds a rollup bin of width widthMs into column ci of s, as if its rows arrived
// after those already there. The bin must lie wholly inside the series' window and inside one
// of its bins (the series' width a whole multiple of widthMs, both aligned to the epoch);
// otherwise it is refused, since it would bring points from outside.
func (s *Series) MergeRollup(ci int, widthMs int64, b RollupBin) error {
	if ci < 0 || ci >= len(s.cols) {
		return fmt.Errorf("rollup into column %d of %d", ci, len(s.cols))
	}
	if widthMs <= 0 || s.wMs%widthMs != 0 || floorDiv(b.StartMs, widthMs)*widthMs != b.StartMs {
		return fmt.Errorf("a rollup bin of %dms at %d does not fit bins of %dms", widthMs, b.StartMs, s.wMs)
	}
	if b.StartMs < s.fromMs || b.StartMs+widthMs > s.toMs {
		return fmt.Errorf("a rollup bin at %d (%dms) is not inside the window %d-%d", b.StartMs, widthMs, s.fromMs, s.toMs)
	}
	i := int((b.StartMs - s.startMs) / s.wMs)
	if b.N == 0 {
		if b.Seen {
			s.markSeen(i)
		}
		return nil
	}
	o := colState{
		n: []int64{b.N}, sum: []float64{b.Sum}, shift: []float64{b.Shift}, mean: []float64{b.Mean}, m2: []float64{b.M2},
		min: []float64{b.Min}, max: []float64{b.Max}, first: []float64{b.First}, firstT: []int64{b.FirstT},
		last: []float64{b.Last}, lastT: []int64{b.LastT},
	}
	if s.cols[ci].sk != nil {
		if b.Sketch == nil {
			return errors.New("a rollup bin with values has no percentile sketch")
		}
		p, err := decodePctSketch(b.Sketch)
		if err != nil {
			return fmt.Errorf("decode a rollup bin's percentile sketch: %w", err)
		}
		o.sk = []*pctSketch{p}
	}
	s.mergeBin(ci, i, &o, 0)
	return nil
}
