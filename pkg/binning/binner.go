package binning

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// DefaultMaxBins is the bin limit when Spec.MaxBins is 0.
const DefaultMaxBins = 100000

// Column is one value column and the aggregations wanted on it.
type Column struct {
	Name string
	Aggs []Agg
}

// Spec describes a binning: the window, the width and what to compute.
type Spec struct {
	From, To time.Time // requested window [From, To); bins cover it, see the package doc
	Width    time.Duration
	Columns  []Column
	Fill     Fill
	MaxBins  int // refuse specs with more bins than this; 0 means DefaultMaxBins
}

// Output names one result series of values: an aggregation of a column.
type Output struct {
	Column string
	Agg    Agg
}

// SeriesResult is the binned data of one series.
type SeriesResult struct {
	Key    string
	Labels map[string]string
	Times  []time.Time  // bin starts, UTC; with fill none only bins where some output has a value
	Values [][]*float64 // Values[i][j] is output Names[i] at Times[j]; nil is null
	Names  []Output
}

// colPlan is what one column needs, derived from its aggregations.
type colPlan struct {
	name     string
	aggs     []Agg
	out      int       // index of the column's first output
	qs       []float64 // quantiles of the column's percentile aggregations, in order
	sum      bool
	welford  bool
	min, max bool
	first    bool
	last     bool
}

func (p colPlan) sketch() bool { return len(p.qs) > 0 }

// Binner accumulates series of observations into the bins of one Spec.
type Binner struct {
	spec    Spec
	fill    Fill
	fromMs  int64 // window in ms: [fromMs, toMs)
	toMs    int64
	startMs int64 // start of the first bin
	wMs     int64
	nbins   int
	cols    []colPlan
	outputs []Output
	series  map[string]*Series
	dropped int64 // counted by binners merged into this one
}

// Series accumulates the observations of one series. Obtain it from
// Binner.Series and keep it while streaming rows: Add is the hot path.
type Series struct {
	key     string
	labels  map[string]string
	fromMs  int64
	toMs    int64
	startMs int64
	wMs     int64
	dropped int64
	nsk     int   // percentile sketches created
	skBytes int64 // their memory, as last measured (see SketchBytes)
	cols    []colState
	// seen marks, one bit per bin, the bins where a row came without any value (see Touch):
	// the series exists there although no column counts a point. Nil until such a row.
	seen []uint64
}

// colState holds the per-bin statistics of one column in struct-of-arrays
// form; a slice is nil when no aggregation of the column needs it.
type colState struct {
	n   []int64 // points per bin; always present, it also tells empty bins
	sum []float64
	// Welford's running mean and sum of squared deviations, of values minus
	// shift (the bin's first value), so that a large common offset such as a
	// counter near 1e9 costs no precision.
	shift, mean, m2 []float64
	min, max        []float64
	first, last     []float64
	firstT, lastT   []int64
	sk              []*pctSketch // created on a bin's first point
}

// New validates spec and prepares a Binner.
func New(spec Spec) (*Binner, error) {
	if err := checkWidth(spec.Width); err != nil {
		return nil, err
	}
	fill, err := spec.Fill.normalize()
	if err != nil {
		return nil, err
	}
	if len(spec.Columns) == 0 {
		return nil, errors.New("binning needs at least one value column")
	}
	maxBins := spec.MaxBins
	if maxBins == 0 {
		maxBins = DefaultMaxBins
	}
	if maxBins < 0 {
		return nil, fmt.Errorf("MaxBins must not be negative, got %d", maxBins)
	}

	b := &Binner{spec: spec, fill: fill, series: map[string]*Series{}}
	b.spec.Columns = slices.Clone(spec.Columns)
	if err := b.window(spec, int64(maxBins)); err != nil {
		return nil, err
	}

	seen := map[Output]bool{}
	for _, c := range spec.Columns {
		if len(c.Aggs) == 0 {
			return nil, fmt.Errorf("column %q has no aggregation", c.Name)
		}
		p := colPlan{name: c.Name, aggs: slices.Clone(c.Aggs), out: len(b.outputs)}
		for _, a := range c.Aggs {
			if !a.Valid() { // Spec holds canonical names: run user input through ParseAgg
				return nil, fmt.Errorf("column %q: %w", c.Name, unknownAggError(string(a)))
			}
			o := Output{Column: c.Name, Agg: a}
			if seen[o] {
				return nil, fmt.Errorf("column %q: aggregation %s is requested twice", c.Name, a)
			}
			seen[o] = true
			b.outputs = append(b.outputs, o)
			switch a {
			case AggSum, AggAvg:
				p.sum = true
			case AggStddev:
				p.welford = true
			case AggMin:
				p.min = true
			case AggMax:
				p.max = true
			case AggFirst:
				p.first = true
			case AggLast:
				p.last = true
			case AggCount:
			default:
				q, _ := a.Quantile()
				p.qs = append(p.qs, q)
			}
		}
		b.cols = append(b.cols, p)
	}
	return b, nil
}

// window sets the window in ms and the bins covering it. The arithmetic is checked: a window
// of hundreds of millions of years at 1ms must be refused, not wrap to a negative bin count.
func (b *Binner) window(spec Spec, maxBins int64) error {
	var ok1, ok2 bool
	b.wMs = spec.Width.Milliseconds()
	b.fromMs, ok1 = ceilMillis(spec.From)
	b.toMs, ok2 = ceilMillis(spec.To)
	if !ok1 || !ok2 {
		return fmt.Errorf("the time range %s to %s is outside what millisecond timestamps can hold: narrow the time range",
			spec.From.UTC().Format(time.RFC3339), spec.To.UTC().Format(time.RFC3339))
	}
	if b.toMs < b.fromMs {
		b.toMs = b.fromMs
	}
	lo := floorDiv(b.fromMs, b.wMs)
	if lo < math.MinInt64/b.wMs { // lo*w would wrap: the first bin starts before any timestamp
		return fmt.Errorf("the time range starting %s is too early for an interval of %v: narrow the time range",
			spec.From.UTC().Format(time.RFC3339), spec.Width)
	}
	b.startMs = lo * b.wMs
	if b.toMs == b.fromMs {
		return nil
	}
	hi := floorDiv(b.toMs-1, b.wMs)
	// hi >= lo, so the unsigned difference is exact even when hi-lo overflows int64.
	// #nosec G115 -- hi >= lo, so the difference of the two int64s is exact as uint64 (two's complement), even where hi-lo overflows int64
	span := uint64(hi) - uint64(lo)
	// #nosec G115 -- maxBins is a positive constant
	if span >= uint64(maxBins) {
		n := strconv.FormatUint(span, 10)
		if span < math.MaxUint64 {
			n = strconv.FormatUint(span+1, 10)
		}
		return fmt.Errorf("the time range %s to %s at an interval of %v needs %s bins, more than the limit of %d: widen the interval or narrow the time range",
			spec.From.UTC().Format(time.RFC3339), spec.To.UTC().Format(time.RFC3339), spec.Width, n, maxBins)
	}
	// #nosec G115 -- span < maxBins here (checked just above), far below MaxInt64
	n := int64(span) + 1
	// Series.Add indexes bins by (t - start) / width for t < To: that difference must fit.
	// #nosec G115 -- toMs-1 >= startMs, so the unsigned difference is exact; comparing it with MaxInt64 is the overflow check
	if uint64(b.toMs-1)-uint64(b.startMs) > math.MaxInt64 {
		return fmt.Errorf("the time range %s to %s spans more milliseconds than an int64 holds: narrow the time range",
			spec.From.UTC().Format(time.RFC3339), spec.To.UTC().Format(time.RFC3339))
	}
	b.nbins = int(n)
	return nil
}

// Earliest and latest instants whose milliseconds since the epoch fit in an int64.
var (
	minMillisTime = time.UnixMilli(math.MinInt64)
	maxMillisTime = time.UnixMilli(math.MaxInt64)
)

// ceilMillis rounds t up to whole milliseconds, so that for integer ms
// timestamps t >= From and t < To keep their meaning. It reports false when t
// is too far from 1970 for an int64 of milliseconds.
func ceilMillis(t time.Time) (int64, bool) {
	if t.Before(minMillisTime) || t.After(maxMillisTime) {
		return 0, false
	}
	ms := t.UnixMilli()
	if t.Nanosecond()%int(time.Millisecond) != 0 {
		if ms == math.MaxInt64 {
			return 0, false
		}
		ms++
	}
	return ms, true
}

// floorDiv is division rounding toward minus infinity, so that times before
// 1970 still fall into epoch-aligned bins.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// NumBins is the number of bins covering the window (0 for an empty window).
func (b *Binner) NumBins() int { return b.nbins }

// Start is the start of the first bin, UTC.
func (b *Binner) Start() time.Time { return time.UnixMilli(b.startMs).UTC() }

// Width is the bin width.
func (b *Binner) Width() time.Duration { return b.spec.Width }

// Outputs lists the result outputs in the order of SeriesResult.Values.
func (b *Binner) Outputs() []Output { return slices.Clone(b.outputs) }

// NumSeries is the number of series seen so far.
func (b *Binner) NumSeries() int { return len(b.series) }

// BytesPerSeries is the memory a series takes before percentile sketches,
// which add from 0.4 KB to tens of KB per non-empty bin of a column (Series.SketchBytes).
// Use it to bound the number of series a query may create.
func (b *Binner) BytesPerSeries() int {
	words := 0
	for _, p := range b.cols {
		f, i, ptr := p.arrays()
		words += f + i + ptr
	}
	return words * 8 * b.nbins
}

// arrays says how many per-bin arrays the column's state needs, by element type: float64
// values, int64 counts and times, and sketch pointers. newSeries allocates exactly these and
// BytesPerSeries counts them.
func (p colPlan) arrays() (floats, ints, ptrs int) {
	ints = 1 // n
	if p.sum {
		floats++
	}
	if p.welford {
		floats += 3
	}
	if p.min {
		floats++
	}
	if p.max {
		floats++
	}
	if p.first {
		floats++
		ints++
	}
	if p.last {
		floats++
		ints++
	}
	if p.sketch() {
		ptrs++
	}
	return floats, ints, ptrs
}

// Dropped counts observations passed to Add with a time outside [From, To).
func (b *Binner) Dropped() int64 {
	d := b.dropped
	for _, s := range b.series {
		d += s.dropped
	}
	return d
}

// Series returns the accumulator of the series identified by key, creating
// it on first use with a copy of labels.
func (b *Binner) Series(key string, labels map[string]string) *Series {
	if s, ok := b.series[key]; ok {
		return s
	}
	s := b.newSeries(key, labels)
	b.series[key] = s
	return s
}

func (b *Binner) newSeries(key string, labels map[string]string) *Series {
	s := &Series{
		key: key, fromMs: b.fromMs, toMs: b.toMs, startMs: b.startMs, wMs: b.wMs,
		cols: make([]colState, len(b.cols)),
	}
	if labels != nil {
		s.labels = make(map[string]string, len(labels))
		for k, v := range labels {
			s.labels[k] = v
		}
	}
	// One allocation per element type for the whole series.
	nf, ni, np := 0, 0, 0
	for _, p := range b.cols {
		f, i, ptr := p.arrays()
		nf, ni, np = nf+f, ni+i, np+ptr
	}
	n := b.nbins
	fs := make([]float64, nf*n)
	is := make([]int64, ni*n)
	var ps []*pctSketch
	if np > 0 {
		ps = make([]*pctSketch, np*n)
	}
	takeF := func() []float64 { r := fs[:n:n]; fs = fs[n:]; return r }
	takeI := func() []int64 { r := is[:n:n]; is = is[n:]; return r }
	for i, p := range b.cols {
		c := &s.cols[i]
		c.n = takeI()
		if p.sum {
			c.sum = takeF()
		}
		if p.welford {
			c.shift, c.mean, c.m2 = takeF(), takeF(), takeF()
		}
		if p.min {
			c.min = takeF()
		}
		if p.max {
			c.max = takeF()
		}
		if p.first {
			c.first, c.firstT = takeF(), takeI()
		}
		if p.last {
			c.last, c.lastT = takeF(), takeI()
		}
		if p.sketch() {
			c.sk = ps[:n:n]
			ps = ps[n:]
		}
	}
	return s
}

// Key is the series' key.
func (s *Series) Key() string { return s.key }

// Sketches counts the percentile sketches the series has created, one per non-empty bin of
// each column with percentiles.
func (s *Series) Sketches() int { return s.nsk }

// SketchBytes is the memory the series' percentile sketches hold: what BytesPerSeries leaves
// out. It is measured as the sketches grow (a sketch grows with how far its values spread,
// not only with their number), so a caller can charge a budget by the difference after each
// Add, Merge or Import.
func (s *Series) SketchBytes() int64 { return s.skBytes }

// Lookup returns the series of key, or nil when there is none yet.
func (b *Binner) Lookup(key string) *Series { return b.series[key] }

// Add records value v of column col (an index into Spec.Columns; others
// panic) observed at tMillis (ms since the epoch). Times outside [From, To)
// are dropped and counted; NaN values are ignored.
func (s *Series) Add(tMillis int64, col int, v float64) {
	if tMillis < s.fromMs || tMillis >= s.toMs {
		s.dropped++
		return
	}
	if v != v {
		return
	}
	i := int((tMillis - s.startMs) / s.wMs)
	c := &s.cols[col]
	n := c.n[i]
	c.n[i] = n + 1
	if c.sum != nil {
		c.sum[i] += v
	}
	if c.mean != nil {
		if n == 0 {
			c.shift[i] = v
		}
		x := v - c.shift[i]
		d := x - c.mean[i]
		m := c.mean[i] + d/float64(n+1)
		c.mean[i] = m
		c.m2[i] += d * (x - m)
	}
	if c.min != nil && (n == 0 || v < c.min[i]) {
		c.min[i] = v
	}
	if c.max != nil && (n == 0 || v > c.max[i]) {
		c.max[i] = v
	}
	if c.first != nil && (n == 0 || tMillis < c.firstT[i]) {
		c.first[i], c.firstT[i] = v, tMillis
	}
	if c.last != nil && (n == 0 || tMillis >= c.lastT[i]) {
		c.last[i], c.lastT[i] = v, tMillis
	}
	if c.sk != nil {
		p := c.sk[i]
		if p == nil {
			p = newPctSketch()
			c.sk[i] = p
			s.nsk++
			s.skBytes += p.size
		}
		s.skBytes += p.add(v)
	}
}

// Touch records a row of the series at tMillis that brought no value (every measured column
// null). The series already exists from Binner.Series; Touch keeps which bins it was seen in,
// so that bins exported to a cache and imported into a later window bring the series back
// exactly when binning every row of that window would show it. Times outside [From, To) are
// ignored.
func (s *Series) Touch(tMillis int64) {
	if tMillis < s.fromMs || tMillis >= s.toMs {
		return
	}
	s.markSeen(int((tMillis - s.startMs) / s.wMs))
}

func (s *Series) markSeen(i int) {
	if s.seen == nil {
		s.seen = make([]uint64, (len(s.cols[0].n)+63)/64)
	}
	s.seen[i/64] |= 1 << (i % 64)
}

func bitSet(bits []uint64, i int) bool { return bits != nil && bits[i/64]&(1<<(i%64)) != 0 }

// Merge adds the observations of o, built from an equal Spec, into b, as if
// they had arrived after b's own (which decides ties of first and last).
// o is consumed: its series and sketches may be moved into b, so it must not
// be used afterwards.
func (b *Binner) Merge(o *Binner) error {
	if b == o {
		return errors.New("cannot merge a binner into itself")
	}
	if b.fromMs != o.fromMs || b.toMs != o.toMs || b.wMs != o.wMs || !slices.Equal(b.outputs, o.outputs) {
		return errors.New("cannot merge binners built from different specs")
	}
	b.dropped += o.dropped
	for key, os := range o.series {
		s, ok := b.series[key]
		if !ok {
			b.series[key] = os
			continue
		}
		s.dropped += os.dropped
		for ci := range s.cols {
			for i := range os.cols[ci].n {
				s.mergeBin(ci, i, &os.cols[ci], i)
			}
		}
		for i, w := range os.seen {
			if w != 0 {
				if s.seen == nil {
					s.seen = make([]uint64, len(os.seen))
				}
				s.seen[i] |= w
			}
		}
	}
	o.series = map[string]*Series{}
	o.dropped = 0
	return nil
}

// mergeBin adds bin j of o into bin i of column ci, counting the sketches and their bytes.
func (s *Series) mergeBin(ci, i int, o *colState, j int) {
	took, grew := s.cols[ci].mergeBin(i, o, j)
	if took {
		s.nsk++
		s.skBytes += o.sk[j].size
	}
	s.skBytes += grew
}

// mergeBin adds bin j of o into bin i of c; it reports whether c took o's sketch pointer, and
// how many bytes c's own sketch grew by when it merged o's instead.
func (c *colState) mergeBin(i int, o *colState, j int) (tookSketch bool, grew int64) {
	on := o.n[j]
	if on == 0 {
		return false, 0
	}
	n := c.n[i]
	c.n[i] = n + on
	if c.sum != nil {
		c.sum[i] += o.sum[j]
	}
	if c.mean != nil {
		// Chan et al.'s pairwise combination of Welford states.
		if n == 0 {
			c.shift[i], c.mean[i], c.m2[i] = o.shift[j], o.mean[j], o.m2[j]
		} else {
			na, nb, nt := float64(n), float64(on), float64(n+on)
			d := o.mean[j] + (o.shift[j] - c.shift[i]) - c.mean[i]
			c.mean[i] += d * nb / nt
			c.m2[i] += o.m2[j] + d*d*na*nb/nt
		}
	}
	if c.min != nil && (n == 0 || o.min[j] < c.min[i]) {
		c.min[i] = o.min[j]
	}
	if c.max != nil && (n == 0 || o.max[j] > c.max[i]) {
		c.max[i] = o.max[j]
	}
	if c.first != nil && (n == 0 || o.firstT[j] < c.firstT[i]) {
		c.first[i], c.firstT[i] = o.first[j], o.firstT[j]
	}
	if c.last != nil && (n == 0 || o.lastT[j] >= c.lastT[i]) {
		c.last[i], c.lastT[i] = o.last[j], o.lastT[j]
	}
	if c.sk != nil {
		if c.sk[i] == nil {
			c.sk[i] = o.sk[j]
			tookSketch = true
		} else {
			grew = c.sk[i].merge(o.sk[j])
		}
	}
	return tookSketch, grew
}

// Results returns every series, sorted by key, with fill applied. The
// Binner is not changed and may keep accumulating.
func (b *Binner) Results() []SeriesResult {
	keys := make([]string, 0, len(b.series))
	for k := range b.series {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	w := newResultWork(b)
	res := make([]SeriesResult, len(keys))
	for i, k := range keys {
		res[i] = w.result(b.series[k])
	}
	return res
}

// resultWork holds the buffers reused from one series to the next.
type resultWork struct {
	b    *Binner
	vals [][]float64 // per output, per bin
	has  [][]bool
	qv   []float64
	pct  *pctReader
}

func newResultWork(b *Binner) *resultWork {
	w := &resultWork{b: b, vals: make([][]float64, len(b.outputs)), has: make([][]bool, len(b.outputs)), pct: newPctReader()}
	for i := range b.outputs {
		w.vals[i] = make([]float64, b.nbins)
		w.has[i] = make([]bool, b.nbins)
	}
	return w
}

func (w *resultWork) result(s *Series) SeriesResult {
	b := w.b
	for ci, p := range b.cols {
		c := &s.cols[ci]
		if cap(w.qv) < len(p.qs) {
			w.qv = make([]float64, len(p.qs))
		}
		qv := w.qv[:len(p.qs)]
		for i := 0; i < b.nbins; i++ {
			n := c.n[i]
			if n > 0 && p.sketch() {
				w.pct.quantiles(c.sk[i], p.qs, qv)
			}
			qi := 0
			for j, a := range p.aggs {
				o := p.out + j
				v, ok := 0.0, n > 0
				if ok {
					switch a {
					case AggCount:
						v = float64(n)
					case AggSum:
						v = c.sum[i]
					case AggAvg:
						v = c.sum[i] / float64(n)
					case AggMin:
						v = c.min[i]
					case AggMax:
						v = c.max[i]
					case AggFirst:
						v = c.first[i]
					case AggLast:
						v = c.last[i]
					case AggStddev:
						ok = n > 1
						v = math.Sqrt(math.Max(c.m2[i], 0) / float64(n-1))
					default:
						v = qv[qi]
					}
				}
				if a.IsPercentile() {
					qi++
				}
				w.vals[o][i], w.has[o][i] = v, ok
			}
		}
	}

	res := SeriesResult{Key: s.key, Names: slices.Clone(b.outputs)}
	if s.labels != nil {
		res.Labels = make(map[string]string, len(s.labels))
		for k, v := range s.labels {
			res.Labels[k] = v
		}
	}
	keep := make([]int, 0, b.nbins)
	for i := 0; i < b.nbins; i++ {
		if b.fill.Mode == FillNone && !w.anyValue(i) {
			continue
		}
		keep = append(keep, i)
	}
	res.Times = make([]time.Time, len(keep))
	for j, i := range keep {
		res.Times[j] = time.UnixMilli(b.startMs + int64(i)*b.wMs).UTC()
	}
	res.Values = make([][]*float64, len(b.outputs))
	for o := range b.outputs {
		store := make([]float64, len(keep))
		ptrs := make([]*float64, len(keep))
		havePrev, prev := false, 0.0
		for j, i := range keep {
			v, ok := w.vals[o][i], w.has[o][i]
			if ok {
				havePrev, prev = true, v
			} else {
				switch b.fill.Mode {
				case FillZero:
					v, ok = 0, true
				case FillValue:
					v, ok = b.fill.Value, true
				case FillPrevious:
					v, ok = prev, havePrev
				}
			}
			if ok {
				store[j] = v
				ptrs[j] = &store[j]
			}
		}
		res.Values[o] = ptrs
	}
	return res
}

func (w *resultWork) anyValue(i int) bool {
	for o := range w.has {
		if w.has[o][i] {
			return true
		}
	}
	return false
}
