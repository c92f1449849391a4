package engine

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/metricsserver/cassandra-datasource/pkg/binning"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
)

// Answers follow Grafana's dataplane contract, so that server-side expressions, alert rules,
// recording rules and SQL expressions read every series, not only the first frame's:
//
//   - a time series query answers timeseries-multi: one frame per series x measure x
//     aggregation, each a time field and one number field;
//   - an instant (latest value) query answers numeric-multi: the same frames with one row,
//     their time field kept as remainder data (the contract lets a numeric frame carry it), so
//     alerting reads a number per series without a reduce step and panels still show when
//     the value was written;
//   - a table has no type;
//   - no data is one frame of the query's type without fields (noDataFrames), so that alerting
//     tells "no data" from an error, which has no frame.
//
// When a series has one value (one measure, one aggregation) its frame is what it always was:
// the series labels, the field named after the measure. With several values per series the
// frames carry the measure (and, for a measure with several aggregations, the aggregation) as
// labels too, so that no two of a query's series share their labels (alerting tells series
// apart by labels only), and a display name that keeps the legend the one-frame-per-series
// answer had (see legacyDisplayName).
var frameTypeVersion = data.FrameTypeVersion{0, 1}

// Label names for the value of a frame when a series has several; a series column of the same
// name keeps its label and the value's label gets underscores in front (see valueLabelKey).
const (
	measureLabel     = "measure"
	aggregationLabel = "aggregation"
)

// seriesFrames answers a time series query: timeseries-multi, one frame per series and value.
func seriesFrames(results []binning.SeriesResult, measures []query.Measure, alias string) data.Frames {
	return multiFrames(results, measures, alias, data.FrameTypeTimeSeriesMulti)
}

// instantFrames answers an instant query: numeric-multi, one frame per series and value, each
// with one row: the number and, as remainder data, the time of the row it comes from.
func instantFrames(results []binning.SeriesResult, measures []query.Measure, alias string) data.Frames {
	return multiFrames(results, measures, alias, data.FrameTypeNumericMulti)
}

// noDataFrames is the answer of a query that has no data: a single frame without fields, of
// the type the query's data would have had (none for a table).
func noDataFrames(q *query.Query) data.Frames {
	switch {
	case q.Format == query.FormatTable:
		return data.Frames{data.NewFrame("")}
	case q.Instant && q.QueryType != query.QueryTypeCQL:
		return data.Frames{typedFrame("", data.FrameTypeNumericMulti)}
	}
	return data.Frames{typedFrame("", data.FrameTypeTimeSeriesMulti)}
}

func typedFrame(name string, typ data.FrameType, fields ...*data.Field) *data.Frame {
	return data.NewFrame(name, fields...).SetMeta(&data.FrameMeta{Type: typ, TypeVersion: frameTypeVersion})
}

func multiFrames(results []binning.SeriesResult, measures []query.Measure, alias string, typ data.FrameType) data.Frames {
	if len(results) == 0 {
		return data.Frames{typedFrame("", typ)}
	}
	multiAgg := map[string]bool{}
	for _, m := range measures {
		multiAgg[m.Name] = len(m.Aggregations) > 1
	}
	legacy := newLegacyNames(results, multiAgg)
	measureKey, aggKey := valueLabelKey(results, measureLabel), valueLabelKey(results, aggregationLabel)
	frames := make(data.Frames, 0, len(results))
	for _, res := range results {
		name := frameName(res, alias)
		split := len(res.Names) > 1
		for i, out := range res.Names {
			labels := data.Labels{}
			for k, v := range res.Labels {
				labels[k] = v
			}
			if split {
				labels[measureKey] = out.Column
				if multiAgg[out.Column] {
					labels[aggKey] = string(out.Agg)
				}
			}
			if len(labels) == 0 {
				labels = nil
			}
			f := data.NewField(fieldName(out, multiAgg), labels, res.Values[i])
			switch {
			case alias != "":
				f.Config = &data.FieldConfig{DisplayNameFromDS: expandAlias(alias, res.Labels, out.Column, string(out.Agg))}
			case split:
				f.Config = &data.FieldConfig{DisplayNameFromDS: legacy.displayName(res, i)}
			}
			frames = append(frames, typedFrame(name, typ, data.NewField("time", nil, res.Times), f))
		}
	}
	if len(frames) == 0 {
		return data.Frames{typedFrame("", typ)}
	}
	return frames
}

// fieldName is a value's field name: the measure, and its aggregation when it has several.
func fieldName(out binning.Output, multiAgg map[string]bool) string {
	if multiAgg[out.Column] {
		return out.Column + " " + string(out.Agg)
	}
	return out.Column
}

// valueLabelKey is the label name for a value's measure or aggregation: name, or name with
// underscores in front when a series column is called that.
func valueLabelKey(results []binning.SeriesResult, name string) string {
	for {
		taken := false
		for _, res := range results {
			if _, ok := res.Labels[name]; ok {
				taken = true
				break
			}
		}
		if !taken {
			return name
		}
		name = "_" + name
	}
}

// legacyNames computes the display names Grafana gave the fields of the one-frame-per-series
// answer (a time field and a number field per value, all with the series labels): Grafana's
// calculateFieldDisplayName (@grafana/data, field/fieldState) over this query's frames. The
// split frames carry it as DisplayNameFromDS, so a legend stays what it was.
type legacyNames struct {
	multiAgg     map[string]bool
	namesDiffer  bool   // the frames' names are not all the same
	singleLabel  string // the one label name all the series have, if there is one
	singleLabels bool
}

func newLegacyNames(results []binning.SeriesResult, multiAgg map[string]bool) *legacyNames {
	l := &legacyNames{multiAgg: multiAgg, singleLabels: true}
	for i, res := range results {
		if i > 0 && frameName(res, "") != frameName(results[i-1], "") {
			l.namesDiffer = true
		}
		if len(res.Names) == 0 {
			continue // no value field, so no labels to look at
		}
		for k := range res.Labels {
			switch {
			case l.singleLabel == "":
				l.singleLabel = k
			case k != l.singleLabel:
				l.singleLabels = false
			}
		}
	}
	if l.singleLabel == "" {
		l.singleLabels = false
	}
	return l
}

// displayName is the name the i-th value field of res's frame was displayed under.
func (l *legacyNames) displayName(res binning.SeriesResult, i int) string {
	const valueName = "Value" // Grafana's TIME_SERIES_VALUE_FIELD_NAME
	name := fieldName(res.Names[i], l.multiAgg)
	frame := frameName(res, "")
	var parts []string
	frameAdded, labelsAdded := false, false
	if l.namesDiffer && frame != "" {
		parts = append(parts, frame)
		frameAdded = true
	}
	if name != "" && name != valueName {
		parts = append(parts, name)
	}
	if len(res.Labels) > 0 {
		if !l.singleLabels {
			parts = append(parts, formatLabels(res.Labels))
			labelsAdded = true
		} else if v := res.Labels[l.singleLabel]; v != "" {
			parts = append(parts, v)
			labelsAdded = true
		}
	}
	if !frameAdded && !labelsAdded && name == valueName && frame != "" {
		parts = append(parts, frame)
	}
	display := name
	switch {
	case len(parts) > 0:
		display = strings.Join(parts, " ")
	case name == "":
		display = valueName
	}
	if display == name {
		display = l.uniqueName(res, i, name)
	}
	return display
}

// uniqueName is Grafana's getUniqueFieldName: a field named like another field of its frame
// (the time field came first) gets a number.
func (l *legacyNames) uniqueName(res binning.SeriesResult, i int, name string) string {
	fields := []string{"time"}
	for _, out := range res.Names {
		fields = append(fields, fieldName(out, l.multiAgg))
	}
	self := i + 1
	dupes, foundSelf := 0, false
	for j, other := range fields {
		if j == self {
			foundSelf = true
			if dupes > 0 {
				dupes++
				break
			}
		} else if other == name {
			dupes++
			if foundSelf {
				break
			}
		}
	}
	if dupes > 0 {
		return name + " " + strconv.Itoa(dupes)
	}
	return name
}

// formatLabels is Grafana's formatLabels: {a="1", b="2"}, the names sorted.
func formatLabels(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + `="` + labels[k] + `"`
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func frameName(res binning.SeriesResult, alias string) string {
	if len(res.Labels) == 0 {
		return ""
	}
	keys := make([]string, 0, len(res.Labels))
	for k := range res.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = res.Labels[k]
	}
	return strings.Join(parts, "/")
}

var aliasVar = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}`)

// expandAlias fills an alias template per series: {{column}} is the series' label value,
// {{measure}} and {{aggregation}} the field's. Unknown names become empty, as in other
// Grafana data sources' legend templates.
func expandAlias(alias string, labels map[string]string, measure, agg string) string {
	return aliasVar.ReplaceAllStringFunc(alias, func(m string) string {
		name := aliasVar.FindStringSubmatch(m)[1]
		switch name {
		case "measure":
			return measure
		case "aggregation":
			return agg
		}
		return labels[name]
	})
}

// withMeta puts the executed CQL and the notices on the first frame, or on an empty frame
// when there is no data so the query inspector still shows them.
func withMeta(frames data.Frames, executed string, notes notices, hasData bool) data.Frames {
	if !hasData || len(frames) == 0 {
		frames = data.Frames{data.NewFrame("")}
	}
	ns := notes.frame()
	for i, f := range frames {
		if f.Meta == nil {
			f.Meta = &data.FrameMeta{}
		}
		f.Meta.ExecutedQueryString = executed
		if i == 0 {
			f.Meta.Notices = ns
		}
	}
	return frames
}

func sortResults(rs []binning.SeriesResult) {
	sort.Slice(rs, func(i, j int) bool { return rs[i].Key < rs[j].Key })
}

// upperFirst starts a message with a capital letter, for a notice that is a sentence.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
