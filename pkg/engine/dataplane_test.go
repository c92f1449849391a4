package engine

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/google/go-cmp/cmp"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/metricsserver/cassandra-datasource/pkg/binning"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
)

// The rules of Grafana's dataplane contract (grafana/dataplane, docs/contract: contract-spec,
// timeseries and numeric), as the readers of Grafana's server-side expressions apply them, and
// a little stricter where this data source promises more: readDataplane reads an answer the
// way alert rules, recording rules and SQL expressions do and says what they see, or why
// they would refuse it.

// dpSeries is one item of a typed answer: a time series, or a number.
type dpSeries struct {
	name    string
	labels  data.Labels
	display string   // the field's DisplayNameFromDS
	points  int      // the value field's length
	last    *float64 // its last value that is not null or NaN: what reduce(last, dropNN) gives
}

// dpAnswer is what a dataplane reader makes of one query's answer.
type dpAnswer struct {
	kind   string // "error", "table" or the frame type
	noData bool
	series []dpSeries
	// remainder counts the frames a reader ignores (a wide answer's frames after the first).
	remainder int
}

func (a dpAnswer) key(i int) string {
	return a.series[i].name + " {" + a.series[i].labels.String() + "}"
}

var typeVersion01 = data.FrameTypeVersion{0, 1}

// readDataplane applies the contract to an answer:
//   - an error is DataResponse.Error, with no frame or one frame without fields (for the
//     executed query), never "no data";
//   - a frame without a type is a table (or an annotation's rows): a single untyped frame;
//   - timeseries-multi: every frame typed, version 0.1; a single frame without fields is
//     "no data" and never sits beside data; otherwise every frame has one time field
//     ([]time.Time, no labels, strictly ascending: sorted, no duplicate times) and one number
//     field (this data source promises exactly these two), all fields of one length;
//   - timeseries-wide: one frame; its first time field with every number field; frames after
//     the first are remainder data, not series;
//   - numeric-multi: every frame typed, version 0.1; a single frame without fields is "no
//     data"; otherwise no more than one row per frame and one number field (a time field may
//     come along as remainder data, a string field may not);
//   - every item is told apart by its name and labels, and (for alerting, which keys the
//     results of a query by labels only) by its labels alone.
func readDataplane(res backend.DataResponse) (dpAnswer, error) {
	var a dpAnswer
	if res.Error != nil {
		a.kind = "error"
		switch {
		case len(res.Frames) > 1:
			return a, fmt.Errorf("an error answer has %d frames: at most one, without fields", len(res.Frames))
		case len(res.Frames) == 1 && len(res.Frames[0].Fields) > 0:
			return a, fmt.Errorf("an error answer's frame has %d fields: none are allowed", len(res.Frames[0].Fields))
		}
		return a, nil
	}
	if len(res.Frames) == 0 {
		return a, errors.New("no frame and no error: neither typed no data nor an error")
	}
	for i, f := range res.Frames {
		if f == nil {
			return a, fmt.Errorf("frame %d is nil", i)
		}
		for j, fld := range f.Fields {
			if fld == nil {
				return a, fmt.Errorf("frame %d field %d is nil", i, j)
			}
			if fld.Len() != f.Fields[0].Len() {
				return a, fmt.Errorf("frame %d: field %q has %d values, field %q %d", i, fld.Name, fld.Len(), f.Fields[0].Name, f.Fields[0].Len())
			}
		}
	}
	first := res.Frames[0]
	if first.Meta == nil || first.Meta.Type == "" {
		a.kind = "table"
		if len(res.Frames) != 1 {
			return a, fmt.Errorf("an untyped answer has %d frames, want one table", len(res.Frames))
		}
		return a, nil
	}
	a.kind = string(first.Meta.Type)
	switch first.Meta.Type {
	case data.FrameTypeTimeSeriesMulti:
		if err := readMulti(&a, res.Frames, data.FrameTypeTimeSeriesMulti, readTimeSeriesFrame); err != nil {
			return a, err
		}
	case data.FrameTypeNumericMulti:
		if err := readMulti(&a, res.Frames, data.FrameTypeNumericMulti, readNumericFrame); err != nil {
			return a, err
		}
	case data.FrameTypeTimeSeriesWide:
		if err := readWide(&a, res.Frames); err != nil {
			return a, err
		}
	default:
		return a, fmt.Errorf("frame type %q is not one this data source answers", first.Meta.Type)
	}
	names, labels := map[string]bool{}, map[string]bool{}
	for i, s := range a.series {
		if names[a.key(i)] {
			return a, fmt.Errorf("two items are named %s", a.key(i))
		}
		names[a.key(i)] = true
		if labels[s.labels.String()] {
			return a, fmt.Errorf("two items have the labels %s: alerting tells a query's results apart by labels only", s.labels)
		}
		labels[s.labels.String()] = true
	}
	return a, nil
}

func readMulti(a *dpAnswer, frames data.Frames, typ data.FrameType, frame func(int, *data.Frame) (dpSeries, error)) error {
	for i, f := range frames {
		if f.Meta == nil || f.Meta.Type != typ {
			return fmt.Errorf("frame %d has no %s type (%v): every frame of the answer must have it", i, typ, f.Meta)
		}
		if f.Meta.TypeVersion != typeVersion01 {
			return fmt.Errorf("frame %d has type version %v, want %v", i, f.Meta.TypeVersion, typeVersion01)
		}
	}
	if len(frames[0].Fields) == 0 {
		if len(frames) > 1 {
			return fmt.Errorf("a no data frame beside %d more frames", len(frames)-1)
		}
		a.noData = true
		return nil
	}
	for i, f := range frames {
		if len(f.Fields) == 0 {
			return fmt.Errorf("frame %d has no fields beside data", i)
		}
		s, err := frame(i, f)
		if err != nil {
			return err
		}
		a.series = append(a.series, s)
	}
	return nil
}

func readTimeSeriesFrame(i int, f *data.Frame) (dpSeries, error) {
	if len(f.Fields) != 2 {
		return dpSeries{}, fmt.Errorf("frame %d has %d fields, want a time field and one number field", i, len(f.Fields))
	}
	if err := checkTimeField(i, f.Fields[0]); err != nil {
		return dpSeries{}, err
	}
	return valueSeries(i, f.Fields[1])
}

func readNumericFrame(i int, f *data.Frame) (dpSeries, error) {
	if f.Rows() > 1 {
		return dpSeries{}, fmt.Errorf("numeric frame %d has %d rows, at most one", i, f.Rows())
	}
	var values []*data.Field
	for _, fld := range f.Fields {
		switch {
		case fld.Type().Time():
			// remainder data
		case fld.Type().Numeric() || fld.Type() == data.FieldTypeBool || fld.Type() == data.FieldTypeNullableBool:
			values = append(values, fld)
		default:
			return dpSeries{}, fmt.Errorf("numeric frame %d has a %s field %q", i, fld.Type(), fld.Name)
		}
	}
	if len(values) != 1 {
		return dpSeries{}, fmt.Errorf("numeric frame %d has %d number fields, want one", i, len(values))
	}
	return valueSeries(i, values[0])
}

func readWide(a *dpAnswer, frames data.Frames) error {
	f := frames[0]
	var timeField *data.Field
	for _, fld := range f.Fields {
		if fld.Type().Time() {
			timeField = fld
			break
		}
	}
	if timeField == nil {
		return errors.New("a wide frame without a time field")
	}
	if err := checkTimeField(0, timeField); err != nil {
		return err
	}
	for _, fld := range f.Fields {
		if fld.Type().Numeric() {
			s, err := valueSeries(0, fld)
			if err != nil {
				return err
			}
			a.series = append(a.series, s)
		}
	}
	if len(a.series) == 0 {
		return errors.New("a wide frame without a number field")
	}
	a.remainder = len(frames) - 1
	return nil
}

func checkTimeField(i int, fld *data.Field) error {
	if fld.Type() != data.FieldTypeTime {
		return fmt.Errorf("frame %d: the first field %q is %s, want []time.Time (a time field has no nulls)", i, fld.Name, fld.Type())
	}
	if len(fld.Labels) > 0 {
		return fmt.Errorf("frame %d: the time field has labels %s", i, fld.Labels)
	}
	for j := 1; j < fld.Len(); j++ {
		if !fld.At(j).(time.Time).After(fld.At(j - 1).(time.Time)) {
			return fmt.Errorf("frame %d: times are not strictly ascending at row %d", i, j)
		}
	}
	return nil
}

func valueSeries(i int, fld *data.Field) (dpSeries, error) {
	if !fld.Type().Numeric() && fld.Type() != data.FieldTypeBool && fld.Type() != data.FieldTypeNullableBool {
		return dpSeries{}, fmt.Errorf("frame %d: the value field %q is %s, not a number", i, fld.Name, fld.Type())
	}
	s := dpSeries{name: fld.Name, labels: fld.Labels, points: fld.Len()}
	if fld.Config != nil {
		s.display = fld.Config.DisplayNameFromDS
	}
	for j := fld.Len() - 1; j >= 0; j-- {
		if v, err := fld.NullableFloatAt(j); err == nil && v != nil && !math.IsNaN(*v) {
			s.last = v
			break
		}
	}
	return s, nil
}

// joinSeries turns a time series answer back into one frame per series with a value field
// per measure (the frames' labels without the measure and aggregation), for tests that read
// a series' values side by side.
func joinSeries(frames data.Frames) data.Frames {
	var out data.Frames
	byKey := map[string]*data.Frame{}
	for _, f := range frames {
		if len(f.Fields) < 2 {
			out = append(out, f)
			continue
		}
		v := f.Fields[1]
		labels := data.Labels{}
		for k, l := range v.Labels {
			if k != measureLabel && k != aggregationLabel {
				labels[k] = l
			}
		}
		key := f.Name + labels.String()
		j := byKey[key]
		if j == nil {
			j = data.NewFrame(f.Name, f.Fields[0])
			j.Meta = f.Meta
			byKey[key] = j
			out = append(out, j)
		}
		if len(labels) == 0 {
			labels = nil
		}
		vf := data.NewFieldFromFieldType(v.Type(), v.Len())
		vf.Name, vf.Labels, vf.Config = v.Name, labels, v.Config
		for r := 0; r < v.Len(); r++ {
			vf.Set(r, v.At(r))
		}
		j.Fields = append(j.Fields, vf)
	}
	return out
}

func result(key string, labels map[string]string, n int, outs ...binning.Output) binning.SeriesResult {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	res := binning.SeriesResult{Key: key, Labels: labels, Names: outs}
	for i := range n {
		res.Times = append(res.Times, t0.Add(time.Duration(i)*time.Minute))
	}
	for o := range outs {
		vals := make([]*float64, n)
		for i := range vals {
			x := float64(10*o + i)
			vals[i] = &x
		}
		res.Values = append(res.Values, vals)
	}
	return res
}

// The bug of issue 21: one wide frame per series. A dataplane reader reads a wide answer as
// its first frame, so of 2 measures x 3 series it saw 2 series, and alerting could not tell
// those 2 apart (the same labels).
func TestDataplaneReaderSeesTwoOfSixSeriesInTheWideAnswer(t *testing.T) {
	var frames data.Frames
	for _, m := range []string{"m1", "m2", "m3"} {
		res := result(m, map[string]string{"metric_name": m}, 4, binning.Output{Column: "p99"}, binning.Output{Column: "interval_count"})
		frames = append(frames, data.NewFrame(m, data.NewField("time", nil, res.Times),
			data.NewField("p99", data.Labels(res.Labels), res.Values[0]), data.NewField("interval_count", data.Labels(res.Labels), res.Values[1])).
			SetMeta(&data.FrameMeta{Type: data.FrameTypeTimeSeriesWide, TypeVersion: typeVersion01}))
	}
	a, err := readDataplane(backend.DataResponse{Frames: frames})
	if err == nil || !strings.Contains(err.Error(), "labels") {
		t.Errorf("want the labels refused, got %v", err)
	}
	if len(a.series) != 2 || a.remainder != 2 {
		t.Fatalf("the wide answer gives %d series and %d remainder frames, want 2 and 2", len(a.series), a.remainder)
	}
}

// seriesFrames answers timeseries-multi, every series x measure its own frame.
func TestSeriesFramesTwoMeasuresThreeSeriesAreSixSeries(t *testing.T) {
	var results []binning.SeriesResult
	for _, m := range []string{"m1", "m2", "m3"} {
		results = append(results, result(m, map[string]string{"metric_name": m}, 4, binning.Output{Column: "p99", Agg: "max"}, binning.Output{Column: "interval_count", Agg: "sum"}))
	}
	measures := []query.Measure{{Name: "p99", Aggregations: []string{"max"}}, {Name: "interval_count", Aggregations: []string{"sum"}}}
	a, err := readDataplane(backend.DataResponse{Frames: seriesFrames(results, measures, "")})
	if err != nil {
		t.Fatal(err)
	}
	if a.kind != string(data.FrameTypeTimeSeriesMulti) || len(a.series) != 6 {
		t.Fatalf("%s with %d series, want timeseries-multi with 6", a.kind, len(a.series))
	}
	var got []string
	for i := range a.series {
		got = append(got, a.key(i)+" as "+a.series[i].display)
	}
	want := []string{
		`p99 {measure=p99, metric_name=m1} as m1 p99 m1`, `interval_count {measure=interval_count, metric_name=m1} as m1 interval_count m1`,
		`p99 {measure=p99, metric_name=m2} as m2 p99 m2`, `interval_count {measure=interval_count, metric_name=m2} as m2 interval_count m2`,
		`p99 {measure=p99, metric_name=m3} as m3 p99 m3`, `interval_count {measure=interval_count, metric_name=m3} as m3 interval_count m3`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("series (-want +got):\n%s", diff)
	}
}

// The display names of split frames are the names Grafana gave the fields of the frame per
// series before: the expected names are @grafana/data 12.4.2's getFieldDisplayName over those
// frames (run with node on the same shapes).
func TestSplitFramesKeepTheLegend(t *testing.T) {
	p99, ic := binning.Output{Column: "p99"}, binning.Output{Column: "interval_count"}
	lbl := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tt := range []struct {
		name     string
		results  []binning.SeriesResult
		measures []query.Measure
		want     []string
	}{
		{"three series of one label", []binning.SeriesResult{
			result("m1", lbl("metric_name", "m1"), 2, p99, ic), result("m2", lbl("metric_name", "m2"), 2, p99, ic), result("m3", lbl("metric_name", "m3"), 2, p99, ic),
		}, nil, []string{"m1 p99 m1", "m1 interval_count m1", "m2 p99 m2", "m2 interval_count m2", "m3 p99 m3", "m3 interval_count m3"}},
		{"one series without labels", []binning.SeriesResult{result("", nil, 2, p99, ic)}, nil, []string{"p99", "interval_count"}},
		{"one series of one label", []binning.SeriesResult{result("m1", lbl("metric_name", "m1"), 2, p99, ic)}, nil, []string{"p99 m1", "interval_count m1"}},
		{"two labels", []binning.SeriesResult{
			result("a", lbl("application", "checkout", "metric_name", "db.query"), 2, binning.Output{Column: "p95"}, ic),
			result("b", lbl("application", "search", "metric_name", "db.query"), 2, binning.Output{Column: "p95"}, ic),
		}, nil, []string{
			`checkout/db.query p95 {application="checkout", metric_name="db.query"}`, `checkout/db.query interval_count {application="checkout", metric_name="db.query"}`,
			`search/db.query p95 {application="search", metric_name="db.query"}`, `search/db.query interval_count {application="search", metric_name="db.query"}`,
		}},
		{"two aggregations of one measure", []binning.SeriesResult{
			result("m1", lbl("metric_name", "m1"), 2, binning.Output{Column: "p99", Agg: "max"}, binning.Output{Column: "p99", Agg: "avg"}),
			result("m2", lbl("metric_name", "m2"), 2, binning.Output{Column: "p99", Agg: "max"}, binning.Output{Column: "p99", Agg: "avg"}),
		}, []query.Measure{{Name: "p99", Aggregations: []string{"max", "avg"}}}, []string{"m1 p99 max m1", "m1 p99 avg m1", "m2 p99 max m2", "m2 p99 avg m2"}},
		{"an empty label value", []binning.SeriesResult{
			result("", lbl("region", ""), 2, binning.Output{Column: "value"}, binning.Output{Column: "hits"}),
			result("eu", lbl("region", "eu"), 2, binning.Output{Column: "value"}, binning.Output{Column: "hits"}),
		}, nil, []string{"value", "hits", "eu value eu", "eu hits eu"}},
		{"a field named Value", []binning.SeriesResult{
			result("a", lbl("host", "a"), 2, binning.Output{Column: "Value"}, binning.Output{Column: "other"}),
			result("b", lbl("host", "b"), 2, binning.Output{Column: "Value"}, binning.Output{Column: "other"}),
		}, nil, []string{"a a", "a other a", "b b", "b other b"}},
		{"one series, a field named Value", []binning.SeriesResult{result("x", lbl("host", "x"), 2, binning.Output{Column: "Value"}, binning.Output{Column: "y"})}, nil, []string{"x", "y x"}},
		{"one column twice", []binning.SeriesResult{result("", nil, 2, binning.Output{Column: "value"}, binning.Output{Column: "value"})}, nil, []string{"value 1", "value 2"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range seriesFrames(tt.results, tt.measures, "") {
				got = append(got, f.Fields[1].Config.DisplayNameFromDS)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("display names (-want +got):\n%s", diff)
			}
		})
	}
}

// One value per series: the frames are as they always were (no measure label, no display
// name but the alias').
func TestOneValuePerSeriesKeepsItsFrame(t *testing.T) {
	results := []binning.SeriesResult{result("m1", map[string]string{"metric_name": "m1"}, 3, binning.Output{Column: "p99", Agg: "max"})}
	frames := seriesFrames(results, []query.Measure{{Name: "p99", Aggregations: []string{"max"}}}, "")
	if len(frames) != 1 || frames[0].Name != "m1" || frames[0].Fields[1].Config != nil || frames[0].Fields[1].Labels.String() != "metric_name=m1" {
		t.Fatalf("frames: %v", frames)
	}
}

// A series column named measure keeps its label; the measure's label moves aside.
func TestMeasureLabelGivesWayToASeriesColumn(t *testing.T) {
	results := []binning.SeriesResult{
		result("a", map[string]string{"measure": "a"}, 2, binning.Output{Column: "x"}, binning.Output{Column: "y"}),
		result("b", map[string]string{"measure": "b"}, 2, binning.Output{Column: "x"}, binning.Output{Column: "y"}),
	}
	a, err := readDataplane(backend.DataResponse{Frames: seriesFrames(results, nil, "")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := range a.series {
		got = append(got, a.series[i].labels.String())
	}
	want := []string{"_measure=x, measure=a", "_measure=y, measure=a", "_measure=x, measure=b", "_measure=y, measure=b"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("labels (-want +got):\n%s", diff)
	}
}

// Instant answers are numeric-multi: one number per series and measure, the time kept.
func TestInstantFramesAreNumericMulti(t *testing.T) {
	var results []binning.SeriesResult
	for _, m := range []string{"m1", "m2", "m3"} {
		results = append(results, result(m, map[string]string{"metric_name": m}, 1, binning.Output{Column: "p99", Agg: "last"}, binning.Output{Column: "interval_count", Agg: "last"}))
	}
	frames := instantFrames(results, instantMeasures([]query.Measure{{Name: "p99"}, {Name: "interval_count"}}), "")
	a, err := readDataplane(backend.DataResponse{Frames: frames})
	if err != nil {
		t.Fatal(err)
	}
	if a.kind != string(data.FrameTypeNumericMulti) || len(a.series) != 6 {
		t.Fatalf("%s with %d series, want numeric-multi with 6", a.kind, len(a.series))
	}
	if frames[0].Fields[0].Type() != data.FieldTypeTime {
		t.Fatalf("the instant frame lost its time field: %v", frames[0].Fields)
	}
}

// No data is one typed frame without fields, of the query's kind.
func TestNoDataFrames(t *testing.T) {
	for _, tt := range []struct {
		q    query.Query
		want data.FrameType
	}{
		{query.Query{QueryType: query.QueryTypeBuilder, Format: query.FormatTimeSeries}, data.FrameTypeTimeSeriesMulti},
		{query.Query{QueryType: query.QueryTypeBuilder, Format: query.FormatTimeSeries, Instant: true}, data.FrameTypeNumericMulti},
		{query.Query{QueryType: query.QueryTypeCQL, Format: query.FormatTimeSeries}, data.FrameTypeTimeSeriesMulti},
		{query.Query{QueryType: query.QueryTypeBuilder, Format: query.FormatTable}, ""},
	} {
		frames := noDataFrames(&tt.q)
		var got data.FrameType
		if frames[0].Meta != nil {
			got = frames[0].Meta.Type
		}
		if len(frames) != 1 || len(frames[0].Fields) != 0 || got != tt.want {
			t.Errorf("%+v: %d frames, type %q, want one empty %q frame", tt.q, len(frames), got, tt.want)
		}
	}
	for name, frames := range map[string]data.Frames{
		"time series": seriesFrames(nil, nil, ""),
		"instant":     instantFrames(nil, nil, ""),
	} {
		a, err := readDataplane(backend.DataResponse{Frames: withMeta(frames, "SELECT", nil, len(frames) > 0)})
		if err != nil || !a.noData {
			t.Errorf("%s: %+v %v, want no data", name, a, err)
		}
	}
}

// A raw CQL time series without rows is no data of its type, not an untyped frame.
func TestRawCQLWithoutRowsIsTypedNoData(t *testing.T) {
	e := fakeEngine(Options{}, func(string) rows {
		return &fakeRows{cols: []cassandra.ColumnInfo{col("host", gocql.TypeText), col("ts", gocql.TypeTimestamp), col("v", gocql.TypeDouble)}}
	})
	for _, binned := range []bool{true, false} {
		res := e.Run(t.Context(), rawQuery("A", "SELECT host, ts, v FROM ks.t", map[string]any{"format": "time_series", "binning": binned}, fixtureStart, fixtureEnd))
		a, err := readDataplane(res)
		if err != nil || a.kind != string(data.FrameTypeTimeSeriesMulti) || !a.noData {
			t.Errorf("binning %v: %+v %v, want timeseries-multi no data", binned, a, err)
		}
		if res.Frames[0].Meta.ExecutedQueryString == "" {
			t.Errorf("binning %v: the no data frame lost the executed query", binned)
		}
	}
}

// A hidden query is answered: Grafana runs those an expression or alert condition refers to.
func TestHiddenQueryIsAnswered(t *testing.T) {
	row := func(host string, sec int, v float64) []any {
		return []any{host, fixtureStart.Add(time.Duration(sec) * time.Second), v}
	}
	e := fakeEngine(Options{}, func(string) rows {
		return &fakeRows{cols: []cassandra.ColumnInfo{col("host", gocql.TypeText), col("ts", gocql.TypeTimestamp), col("v", gocql.TypeDouble)},
			rows: [][]any{row("a", 1, 1), row("b", 2, 2)}}
	})
	res := e.Run(t.Context(), rawQuery("A", "SELECT host, ts, v FROM ks.t", map[string]any{"format": "time_series", "hide": true, "interval": "1m"}, fixtureStart, fixtureEnd))
	a, err := readDataplane(res)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.series) != 2 {
		t.Fatalf("a hidden query gives %d series, want 2", len(a.series))
	}
}

// sortedKeys lists what a reader saw, for messages.
func sortedKeys(a dpAnswer) string {
	var ks []string
	for i := range a.series {
		ks = append(ks, a.key(i))
	}
	sort.Strings(ks)
	return strings.Join(ks, " ")
}
