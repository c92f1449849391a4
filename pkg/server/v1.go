package server

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/metricsserver/cassandra-datasource/pkg/query"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
	"github.com/metricsserver/cassandra-datasource/pkg/seed"
)

// The seed's data route answers about DefaultSize rows for the last DefaultWindow unless
// asked otherwise.
const (
	DefaultSize   = 500
	MaxSize       = 100000
	DefaultWindow = 24 * time.Hour
)

// metricJSON is one metric as /api/v1/metrics lists it.
type metricJSON struct {
	Environment   string  `json:"environment"`
	Application   string  `json:"application"`
	Table         string  `json:"table"`
	MetricName    string  `json:"metric_name"`
	LastTimestamp *string `json:"last_timestamp"`
	DurationUnit  *string `json:"duration_unit"`
	RateUnit      *string `json:"rate_unit"`
}

func toJSON(ms []seed.Metric) []metricJSON {
	out := make([]metricJSON, 0, len(ms))
	for _, m := range ms {
		j := metricJSON{Environment: m.Environment, Application: m.Application, Table: m.Table, MetricName: m.MetricName,
			DurationUnit: m.DurationUnit, RateUnit: m.RateUnit}
		if m.LastTimestamp != nil {
			s := isoTime(*m.LastTimestamp)
			j.LastTimestamp = &s
		}
		out = append(out, j)
	}
	return out
}

// isoTime is how every route writes times: UTC, RFC 3339, milliseconds when there are any.
func isoTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.999Z07:00")
}

type dataEnvelope struct {
	Data any `json:"data"`
}

// pathParam returns a decoded path parameter. The router matches on the escaped path when
// the request escaped something (a "/" inside a metric name as %2F), so decode it then.
func pathParam(r *http.Request, name string) (string, error) {
	v := chi.URLParam(r, name)
	if r.URL.RawPath == "" {
		return v, nil
	}
	d, err := url.PathUnescape(v)
	if err != nil {
		return "", fmt.Errorf("path parameter %s: %q is not a valid escaped path segment", name, v)
	}
	return d, nil
}

func (s *Server) listMetrics(w http.ResponseWriter, r *http.Request) {
	c, err := s.Client(r.Context())
	if err != nil {
		fail(w, err)
		return
	}
	ms, err := s.catalog(c).Metrics(r.Context(), "", "")
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{toJSON(ms)})
}

func (s *Server) listEnvironments(w http.ResponseWriter, r *http.Request) {
	c, err := s.Client(r.Context())
	if err != nil {
		fail(w, err)
		return
	}
	envs, err := s.catalog(c).Environments(r.Context())
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{envs})
}

func (s *Server) listApplications(w http.ResponseWriter, r *http.Request) {
	env, err := pathParam(r, "env")
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	c, err := s.Client(r.Context())
	if err != nil {
		fail(w, err)
		return
	}
	apps, err := s.catalog(c).Applications(r.Context(), env)
	if err != nil {
		fail(w, err)
		return
	}
	if len(apps) == 0 {
		writeError(w, http.StatusNotFound, fmt.Sprintf("environment %q not found in keyspace %s", env, s.settings.Keyspace))
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{apps})
}

func (s *Server) listAppMetrics(w http.ResponseWriter, r *http.Request) {
	env, err := pathParam(r, "env")
	if err == nil {
		var app string
		app, err = pathParam(r, "app")
		if err == nil {
			s.appMetrics(w, r, env, app)
			return
		}
	}
	writeError(w, http.StatusBadRequest, err.Error())
}

func (s *Server) appMetrics(w http.ResponseWriter, r *http.Request, env, app string) {
	c, err := s.Client(r.Context())
	if err != nil {
		fail(w, err)
		return
	}
	cat := s.catalog(c)
	ms, err := cat.Metrics(r.Context(), env, app)
	if err != nil {
		fail(w, err)
		return
	}
	if len(ms) == 0 {
		// Say which of the two is unknown; this costs a second listing only on this path.
		apps, err := cat.Applications(r.Context(), env)
		if err != nil {
			fail(w, err)
			return
		}
		if len(apps) == 0 {
			writeError(w, http.StatusNotFound, fmt.Sprintf("environment %q not found in keyspace %s", env, s.settings.Keyspace))
			return
		}
		writeError(w, http.StatusNotFound, fmt.Sprintf("application %q not found in environment %q", app, env))
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{toJSON(ms)})
}

// seriesJSON is the data route's answer: the seed's shape plus the column names of the rows.
type seriesJSON struct {
	Environment string   `json:"environment"`
	Application string   `json:"application"`
	Table       string   `json:"table"`
	Metric      string   `json:"metric"`
	Columns     []string `json:"columns"`
	Rows        [][]any  `json:"rows"`
}

// dataParams are the data route's query parameters, checked.
type dataParams struct {
	columns  []string
	size     int
	from, to time.Time
	fill     string
}

func (s *Server) parseDataParams(r *http.Request) (dataParams, error) {
	q := r.URL.Query()
	var p dataParams
	for _, c := range strings.Split(q.Get("columns"), ",") {
		if c = strings.TrimSpace(c); c != "" && !containsString(p.columns, c) {
			p.columns = append(p.columns, c)
		}
	}
	if len(p.columns) == 0 {
		return p, fmt.Errorf("parameter columns: list the measures to read, e.g. columns=count,p95")
	}
	p.size = DefaultSize
	if v := q.Get("size"); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 || n > MaxSize {
			return p, fmt.Errorf("parameter size: want a whole number from 1 to %d, got %q", MaxSize, v)
		}
		p.size = n
	}
	now := s.opts.Now().UTC()
	var hasFrom, hasTo bool
	if v := q.Get("start_timestamp"); v != "" {
		t, err := parseISO(v)
		if err != nil {
			return p, fmt.Errorf("parameter start_timestamp: %v", err)
		}
		p.from, hasFrom = t, true
	}
	if v := q.Get("end_timestamp"); v != "" {
		t, err := parseISO(v)
		if err != nil {
			return p, fmt.Errorf("parameter end_timestamp: %v", err)
		}
		p.to, hasTo = t, true
	}
	switch {
	case !hasFrom && !hasTo:
		p.to, p.from = now, now.Add(-DefaultWindow)
	case !hasTo:
		p.to = now
	case !hasFrom:
		p.from = p.to.Add(-DefaultWindow)
	}
	if !p.to.After(p.from) {
		return p, fmt.Errorf("start_timestamp %s must be before end_timestamp %s", isoTime(p.from), isoTime(p.to))
	}
	p.fill = query.FillNull
	if v := q.Get("fill"); v != "" {
		switch v {
		case query.FillNull, query.FillNone, query.FillPrevious, query.FillZero:
			p.fill = v
		default:
			return p, fmt.Errorf("parameter fill: use null (default), none, previous or zero, got %q", v)
		}
	}
	return p, nil
}

// metricData is the seed's data route. It builds a builder query (the metric's partition,
// the requested measures with their default aggregations, interval auto at about size bins)
// and runs it through the engine like the plugin would; the only work here is checking the
// parameters and turning the frame into rows.
func (s *Server) metricData(w http.ResponseWriter, r *http.Request) {
	var ids [4]string
	for i, name := range []string{"env", "app", "table", "metric"} {
		v, err := pathParam(r, name)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		ids[i] = v
	}
	env, app, table, metric := ids[0], ids[1], ids[2], ids[3]
	p, err := s.parseDataParams(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	c, err := s.Client(r.Context())
	if err != nil {
		fail(w, err)
		return
	}
	t, err := s.catalog(c).Table(r.Context(), table)
	if err != nil {
		fail(w, err)
		return
	}
	// Unknown measures are the caller's 404, told apart from columns that exist but are not
	// numbers (400), before the engine turns both into one query error.
	measures := map[string]bool{}
	for _, m := range query.Measures(t) {
		measures[m.Name] = true
	}
	for _, col := range p.columns {
		if measures[col] {
			continue
		}
		if sc, ok := t.Column(col); ok {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("column %q of %s.%s is %s %s, not a measure: use one of %s",
				col, t.Keyspace, t.Name, sc.Kind, sc.Type, strings.Join(measureNames(t), ", ")))
			return
		}
		writeError(w, http.StatusNotFound, (&schema.NotFoundError{What: "column", Name: col, In: t.Keyspace + "." + t.Name}).Error())
		return
	}

	q := query.Query{
		RefID: "A", QueryType: query.QueryTypeBuilder, Keyspace: t.Keyspace, Table: t.Name,
		TimeColumn: seed.ColTimestamp, ValueColumns: p.columns,
		Filters: []query.Filter{
			{Column: seed.ColEnvironment, Op: query.OpEq, Values: []string{env}},
			{Column: seed.ColApplication, Op: query.OpEq, Values: []string{app}},
			{Column: seed.ColMetricName, Op: query.OpEq, Values: []string{metric}},
		},
		Interval: query.IntervalAuto, Fill: p.fill, Format: query.FormatTimeSeries,
	}
	raw, err := json.Marshal(q)
	if err != nil {
		fail(w, err)
		return
	}
	req := &backend.QueryDataRequest{Queries: []backend.DataQuery{{
		RefID: "A", QueryType: string(query.QueryTypeBuilder), JSON: raw, MaxDataPoints: int64(p.size),
		TimeRange: backend.TimeRange{From: p.from, To: p.to},
	}}}
	resp := s.engine(c).QueryData(r.Context(), req)
	s.logQueries(r, resp)
	dr := resp.Responses["A"]
	if dr.Error != nil {
		writeError(w, responseStatus(dr), dr.Error.Error())
		return
	}
	rows, err := framesToRows(dr.Frames, p.columns)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{seriesJSON{
		Environment: env, Application: app, Table: t.Name, Metric: metric,
		Columns: append([]string{seed.ColTimestamp}, p.columns...), Rows: rows,
	}})
}

// logQueries counts the engine's answers and, in debug mode, logs what each query did (bin
// width, rows read, truncation): the notices, never the query's values.
func (s *Server) logQueries(r *http.Request, resp *backend.QueryDataResponse) {
	debug := s.log.Enabled(r.Context(), slog.LevelDebug)
	for refID, dr := range resp.Responses {
		s.countResult(dr)
		if !debug {
			continue
		}
		var notices []string
		for _, f := range dr.Frames {
			if f.Meta != nil {
				for _, n := range f.Meta.Notices {
					notices = append(notices, n.Text)
				}
			}
		}
		attrs := []any{"path", r.URL.Path, "refId", refID, "frames", len(dr.Frames), "notices", notices}
		if dr.Error != nil {
			attrs = append(attrs, "status", int(dr.Status), "error", dr.Error.Error())
		}
		s.log.DebugContext(r.Context(), "query", attrs...)
	}
}

func (s *Server) countResult(dr backend.DataResponse) {
	status := "ok"
	if dr.Error != nil {
		status = strconv.Itoa(responseStatus(dr))
	}
	s.metrics.queryResults.WithLabelValues(status).Inc()
}

func measureNames(t *schema.Table) []string {
	var out []string
	for _, m := range query.Measures(t) {
		out = append(out, m.Name)
	}
	return out
}

// framesToRows joins the engine's frames on time into rows [iso time, value per column...],
// in time order. The engine makes one frame per series (here one: the route reads one
// partition) with a time field and a number field per measure named after the column;
// frames of one number field each (the multi format) join the same way.
func framesToRows(frames data.Frames, columns []string) ([][]any, error) {
	colIdx := map[string]int{}
	for i, c := range columns {
		colIdx[c] = i + 1
	}
	byTime := map[int64][]any{}
	for _, f := range frames {
		var times []time.Time
		for _, fld := range f.Fields {
			if fld.Type() == data.FieldTypeTime || fld.Type() == data.FieldTypeNullableTime {
				times = make([]time.Time, fld.Len())
				for i := range times {
					if v, ok := fld.ConcreteAt(i); ok {
						times[i] = v.(time.Time)
					}
				}
				break
			}
		}
		if times == nil {
			continue // the empty frame the engine sends when there is no data
		}
		for _, fld := range f.Fields {
			ci, ok := colIdx[fld.Name]
			if !ok {
				continue
			}
			for i, ts := range times {
				ms := ts.UnixMilli()
				row := byTime[ms]
				if row == nil {
					row = make([]any, len(columns)+1)
					row[0] = isoTime(ts)
					byTime[ms] = row
				}
				if v, ok := fld.ConcreteAt(i); ok {
					row[ci] = v
				}
			}
		}
	}
	keys := make([]int64, 0, len(byTime))
	for k := range byTime {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	rows := make([][]any, len(keys))
	for i, k := range keys {
		rows[i] = byTime[k]
	}
	return rows, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
