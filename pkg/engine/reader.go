package engine

import (
	"github.com/metricsserver/cassandra-datasource/pkg/binning"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
)

// seriesRef is one series seen by a reader: its key, labels and the sink's state for it.
type seriesRef struct {
	key         string
	labels      map[string]string
	bin         *binning.Series
	sketchBytes int64 // bytes of bin's percentile sketches already charged to the memory budget
}

// seriesReader scans rows of (labels..., time, numbers...) and hands each row's measure
// values to a sink. It allocates only when a new series appears.
type seriesReader struct {
	destList []any
	labels   []*cassandra.Decoder
	timeMs   func() (int64, bool)
	nums     []func() (float64, bool)
	numByCol map[string]int
	measures []measureInput
	vals     []float64
	ok       []bool
	keyBuf   []byte
	series   map[string]*seriesRef
	last     *seriesRef
	sink     sink
	names    []string
}

type measureInput struct {
	m      query.Measure
	inputs []int // indexes into nums
	buf    []float64
}

// sink takes one row's measure values; an error (e.g. the memory budget) stops the scan.
type sink func(s *seriesRef, ms int64, vals []float64, ok []bool) error

func newSeriesReader(cols []cassandra.ColumnInfo, shape seriesShape, sink sink) (*seriesReader, error) {
	r := &seriesReader{sink: sink, series: map[string]*seriesRef{}, numByCol: map[string]int{}}
	isLabel := map[string]bool{}
	for _, c := range shape.seriesColumn {
		isLabel[c] = true
	}
	needed := map[string]bool{}
	for _, m := range shape.measures {
		for _, c := range m.Columns {
			needed[c] = true
		}
	}
	foundTime := false
	for _, c := range cols {
		switch {
		case c.Name == shape.timeColumn && !foundTime:
			ti, err := newTimeInput(c, shape.timeUnit)
			if err != nil {
				return nil, err
			}
			foundTime = true
			r.timeMs = ti.ms
			r.destList = append(r.destList, ti.dest)
		case isLabel[c.Name]:
			d := cassandra.NewDecoder(c)
			r.labels = append(r.labels, d)
			r.names = append(r.names, c.Name)
			r.destList = append(r.destList, d.Dests()...)
		case needed[c.Name]:
			dest, get, err := cassandra.NumericDest(c.TypeInfo)
			if err != nil {
				return nil, userErrorf("value column %q: %v", c.Name, err)
			}
			r.numByCol[c.Name] = len(r.nums)
			r.nums = append(r.nums, get)
			r.destList = append(r.destList, dest)
		default:
			// A column the shape does not use (e.g. a label also selected twice): read and ignore.
			d := cassandra.NewDecoder(c)
			r.destList = append(r.destList, d.Dests()...)
		}
	}
	if !foundTime {
		return nil, userErrorf("the result has no time column %q", shape.timeColumn)
	}
	for _, m := range shape.measures {
		mi := measureInput{m: m, buf: make([]float64, len(m.Columns))}
		for _, c := range m.Columns {
			i, ok := r.numByCol[c]
			if !ok {
				return nil, userErrorf("measure %q needs column %q, which the result does not have", m.Name, c)
			}
			mi.inputs = append(mi.inputs, i)
		}
		r.measures = append(r.measures, mi)
	}
	r.vals = make([]float64, len(r.measures))
	r.ok = make([]bool, len(r.measures))
	return r, nil
}

func (r *seriesReader) dests() []any { return r.destList }

func (r *seriesReader) row() error {
	ms, ok := r.timeMs()
	if !ok {
		return nil // no time (null, or beyond what milliseconds hold): no point to place
	}
	s, err := r.currentSeries()
	if err != nil {
		return err
	}
	for i := range r.measures {
		mi := &r.measures[i]
		ok := true
		for j, in := range mi.inputs {
			v, present := r.nums[in]()
			if !present {
				ok = false
				break
			}
			mi.buf[j] = v
		}
		r.ok[i] = ok
		if ok {
			r.vals[i] = mi.m.Eval(mi.buf)
		}
	}
	return r.sink(s, ms, r.vals, r.ok)
}

// currentSeries finds the row's series by its label values without allocating when the
// series is the same as the previous row's (rows of a partition arrive together).
func (r *seriesReader) currentSeries() (*seriesRef, error) {
	r.keyBuf = r.keyBuf[:0]
	for i, d := range r.labels {
		if i > 0 {
			r.keyBuf = append(r.keyBuf, 0x1f)
		}
		v, ok := d.Text()
		if ok {
			r.keyBuf = append(r.keyBuf, v...)
		}
	}
	if r.last != nil && string(r.keyBuf) == r.last.key {
		return r.last, nil
	}
	if s, ok := r.series[string(r.keyBuf)]; ok {
		r.last = s
		return s, nil
	}
	labels := make(map[string]string, len(r.labels))
	for i, d := range r.labels {
		v, _ := d.Text()
		labels[r.names[i]] = v
	}
	s := &seriesRef{key: string(r.keyBuf), labels: labels}
	if len(r.series) > maxSeries {
		return nil, userErrorf("more than %d series: add filters or fewer series columns", maxSeries)
	}
	r.series[s.key] = s
	r.last = s
	return s, nil
}

// maxSeries bounds memory when series columns have unexpectedly many values.
const maxSeries = 10000
