package engine

import (
	"regexp"
	"sort"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/metricsserver/cassandra-datasource/pkg/binning"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
)

// seriesFrames makes one frame per series: a time field and one number field per
// (measure, aggregation), each carrying the series labels. A frame with one number field is
// the dataplane's multi format; with several it is a wide frame, which Grafana's alerting
// also reads (one series per number field).
func seriesFrames(results []binning.SeriesResult, measures []query.Measure, alias string) data.Frames {
	multiAgg := map[string]bool{}
	for _, m := range measures {
		multiAgg[m.Name] = len(m.Aggregations) > 1
	}
	frames := make(data.Frames, 0, len(results))
	for _, res := range results {
		labels := data.Labels(res.Labels)
		if len(labels) == 0 {
			labels = nil
		}
		fields := []*data.Field{data.NewField("time", nil, res.Times)}
		for i, out := range res.Names {
			name := out.Column
			if multiAgg[out.Column] {
				name = out.Column + " " + string(out.Agg)
			}
			f := data.NewField(name, labels.Copy(), res.Values[i])
			if alias != "" {
				f.Config = &data.FieldConfig{DisplayNameFromDS: expandAlias(alias, res.Labels, out.Column, string(out.Agg))}
			}
			fields = append(fields, f)
		}
		frame := data.NewFrame(frameName(res, alias), fields...)
		typ := data.FrameTypeTimeSeriesMulti
		if len(fields) > 2 {
			typ = data.FrameTypeTimeSeriesWide
		}
		frame.SetMeta(&data.FrameMeta{Type: typ, TypeVersion: data.FrameTypeVersion{0, 1}})
		frames = append(frames, frame)
	}
	return frames
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
func withMeta(frames data.Frames, executed string, notices []string, hasData bool) data.Frames {
	if !hasData || len(frames) == 0 {
		frames = data.Frames{data.NewFrame("")}
	}
	var ns []data.Notice
	for _, n := range notices {
		sev := data.NoticeSeverityInfo
		if strings.HasPrefix(n, "Stopped") || strings.HasPrefix(n, "Truncated") {
			sev = data.NoticeSeverityWarning
		}
		ns = append(ns, data.Notice{Severity: sev, Text: n})
	}
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
