package server

import (
	"context"
	"errors"
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

	"github.com/metricsserver/cassandra-datasource/pkg/binning"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/engine"
	"github.com/metricsserver/cassandra-datasource/pkg/errs"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
	"github.com/metricsserver/cassandra-datasource/pkg/seed"
)

// The seed's data route answers about DefaultSize rows for the last DefaultWindow unless
// asked otherwise. MaxColumns bounds the distinct names in columns= (a seed table has fewer
// than twenty measures).
const (
	DefaultSize   = 1000
	MaxSize       = 100000
	MaxColumns    = 100
	DefaultWindow = 24 * time.Hour
)

// metricJSON is one metric as /api/v1/metrics lists it: the seed's fields plus the units.
type metricJSON struct {
	Environment   string  `json:"environment"`
	Application   string  `json:"application"`
	Table         string  `json:"table"`
	MetricName    string  `json:"metric_name"`
	LastTimestamp *string `json:"last_timestamp"`
	DurationUnit  *string `json:"duration_unit"`
	RateUnit      *string `json:"rate_unit"`
}

// appMetricJSON is one metric as an application's list shows it: the seed leaves out the
// environment and application there, which the envelope names once.
type appMetricJSON struct {
	Table         string  `json:"table"`
	MetricName    string  `json:"metric_name"`
	LastTimestamp *string `json:"last_timestamp"`
	DurationUnit  *string `json:"duration_unit"`
	RateUnit      *string `json:"rate_unit"`
}

func toJSON(ms []seed.Metric) []metricJSON {
	out := make([]metricJSON, 0, len(ms))
	for _, m := range ms {
		out = append(out, metricJSON{Environment: m.Environment, Application: m.Application, Table: m.Table, MetricName: m.MetricName,
			LastTimestamp: lastTimestamp(m), DurationUnit: m.DurationUnit, RateUnit: m.RateUnit})
	}
	return out
}

func toAppJSON(ms []seed.Metric) []appMetricJSON {
	out := make([]appMetricJSON, 0, len(ms))
	for _, m := range ms {
		out = append(out, appMetricJSON{Table: m.Table, MetricName: m.MetricName,
			LastTimestamp: lastTimestamp(m), DurationUnit: m.DurationUnit, RateUnit: m.RateUnit})
	}
	return out
}

func lastTimestamp(m seed.Metric) *string {
	if m.LastTimestamp == nil {
		return nil
	}
	s := isoTime(*m.LastTimestamp)
	return &s
}

// The seed's list answers, field for field.
type (
	metricsList struct {
		Metrics []metricJSON `json:"metrics"`
	}
	environmentsList struct {
		Environments []string `json:"environments"`
	}
	applicationsList struct {
		Environment  string   `json:"environment"`
		Applications []string `json:"applications"`
	}
	appMetricsList struct {
		Environment string          `json:"environment"`
		Application string          `json:"application"`
		Metrics     []appMetricJSON `json:"metrics"`
	}
)

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
	writeJSON(w, http.StatusOK, dataEnvelope{metricsList{toJSON(ms)}})
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
	if envs == nil {
		envs = []string{}
	}
	writeJSON(w, http.StatusOK, dataEnvelope{environmentsList{envs}})
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
	writeJSON(w, http.StatusOK, dataEnvelope{applicationsList{Environment: env, Applications: apps}})
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
	writeJSON(w, http.StatusOK, dataEnvelope{appMetricsList{Environment: env, Application: app, Metrics: toAppJSON(ms)}})
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
	cols, err := parseColumns(r.Context(), q.Get("columns"))
	if err != nil {
		return p, err
	}
	p.columns = cols
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

// parseColumns splits columns= into distinct names in the order given. It is linear in the
// parameter's length, stops at MaxColumns distinct names, and gives up when the request ends.
func parseColumns(ctx context.Context, v string) ([]string, error) {
	var cols []string
	seen := map[string]bool{}
	i := 0
	for part := range strings.SplitSeq(v, ",") {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("reading parameter columns: %w", err)
			}
		}
		i++
		c := strings.TrimSpace(part)
		if c == "" || seen[c] {
			continue
		}
		if len(cols) == MaxColumns {
			return nil, fmt.Errorf("parameter columns: at most %d distinct names, got more: ask for fewer measures", MaxColumns)
		}
		seen[c] = true
		cols = append(cols, c)
	}
	return cols, nil
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
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			fail(w, err)
			return
		}
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

	base := seedQuery(t, env, app, metric, p)
	// Like the seed: at most size rows in the window come back as they are; more are
	// resampled. Reading size+1 rows tells which, and costs at most one extra page.
	rows, status, err := s.rawRows(r, c, t, base, p)
	if err == nil && rows == nil {
		rows, status, err = s.binnedRows(r, c, base, p)
	}
	if err != nil {
		writeError(w, status, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, dataEnvelope{seriesJSON{
		Environment: env, Application: app, Table: t.Name, Metric: metric,
		Columns: append([]string{seed.ColTimestamp}, p.columns...), Rows: rows,
	}})
}

// seedBuckets returns the bucket width for the parameters, or an error when the window would
// take more buckets than the engine allows (a size near MaxSize over a window of less than
// twice that many seconds: the floor then nearly doubles the count).
func seedBuckets(p dataParams) (time.Duration, error) {
	width := SeedWidth(p.from, p.to, p.size)
	wms := width.Milliseconds()
	bins := floorDiv(p.to.UnixMilli()-1, wms) - floorDiv(p.from.UnixMilli(), wms) + 1
	if bins > binning.DefaultMaxBins {
		return 0, fmt.Errorf("size %d over this window gives %d buckets of %s, more than the limit of %d: ask for a smaller size or a shorter window",
			p.size, bins, width, binning.DefaultMaxBins)
	}
	return width, nil
}

// SeedWidth is the seed's bucket for size rows over a window: floor(window seconds / size)
// seconds, at least one second.
func SeedWidth(from, to time.Time, size int) time.Duration {
	w := to.Sub(from) / time.Duration(size) / time.Second * time.Second
	return max(w, time.Second)
}

// seedQuery is the data route's query of one metric's partition, the requested measures with
// their default aggregations; tableQuery and binnedQuery complete it.
func seedQuery(t *schema.Table, env, app, metric string, p dataParams) query.Query {
	return query.Query{
		RefID: "A", QueryType: query.QueryTypeBuilder, Keyspace: t.Keyspace, Table: t.Name,
		TimeColumn: seed.ColTimestamp, ValueColumns: p.columns,
		Filters: []query.Filter{
			{Column: seed.ColEnvironment, Op: query.OpEq, Values: []string{env}},
			{Column: seed.ColApplication, Op: query.OpEq, Values: []string{app}},
			{Column: seed.ColMetricName, Op: query.OpEq, Values: []string{metric}},
		},
	}
}

// tableQuery reads at most size+1 rows as stored. Its fields are query.Parse's defaults, so
// the engine sees what it would from the JSON of the query.
func tableQuery(base query.Query, p dataParams) query.Query {
	q := base
	q.Format = query.FormatTable
	q.Interval = query.IntervalAuto
	q.Fill = query.FillNull
	q.Limit = int64(p.size) + 1
	return q
}

// binnedQuery resamples the window in buckets of width, empty ones filled as asked.
func binnedQuery(base query.Query, p dataParams, width time.Duration) query.Query {
	q := base
	q.Format = query.FormatTimeSeries
	q.Interval = strconv.FormatInt(int64(width/time.Second), 10) + "s"
	q.Fill = p.fill
	return q
}

// runOne runs one builder query through the engine's typed entry and returns its frames, or
// the error with the HTTP status of the one mapping (pkg/errs).
func (s *Server) runOne(r *http.Request, e *engine.Engine, q query.Query, p dataParams) (data.Frames, int, error) {
	frames, err := e.RunQuery(r.Context(), engine.Request{Query: &q, From: p.from, To: p.to, MaxDataPoints: int64(p.size)})
	status := http.StatusOK
	if err != nil {
		status = errs.Status(err)
	}
	s.logQuery(r, q.RefID, frames, status, err)
	if err != nil {
		return nil, status, err
	}
	return frames, http.StatusOK, nil
}

// rawRows reads at most size+1 of the window's rows as they are stored. It returns them as
// answer rows when there are size or fewer, nil rows when there are more. The engine's table
// has a field per requested column: the column itself, or a derived measure (interval_count)
// computed per row.
func (s *Server) rawRows(r *http.Request, c *cassandra.Client, t *schema.Table, base query.Query, p dataParams) ([][]any, int, error) {
	q := tableQuery(base, p)
	opts := engine.OptionsFrom(s.settings)
	opts.MaxRows = max(opts.MaxRows, p.size+1) // size is bounded by MaxSize
	frames, status, err := s.runOne(r, engine.New(c, opts), q, p)
	if err != nil {
		return nil, status, err
	}
	if len(frames) == 0 || frames[0].Rows() == 0 {
		return [][]any{}, http.StatusOK, nil
	}
	f := frames[0]
	if f.Rows() > p.size {
		return nil, http.StatusOK, nil
	}
	fields := make([]*data.Field, 0, len(p.columns)+1)
	for _, name := range append([]string{seed.ColTimestamp}, p.columns...) {
		fld, _ := f.FieldByName(name)
		if fld == nil {
			return nil, http.StatusInternalServerError, fmt.Errorf("the raw rows of %s.%s have no column %s", t.Keyspace, t.Name, name)
		}
		fields = append(fields, fld)
	}
	rows := make([][]any, 0, f.Rows())
	for i := 0; i < f.Rows(); i++ {
		tv, ok := fields[0].ConcreteAt(i)
		if !ok {
			continue // a clustering column is never null; nothing to place a row at
		}
		row := make([]any, len(fields))
		row[0] = isoTime(tv.(time.Time))
		for j, fld := range fields[1:] {
			if v, err := fld.NullableFloatAt(i); err == nil && v != nil {
				row[j+1] = *v
			}
		}
		rows = append(rows, row)
	}
	slices.SortStableFunc(rows, func(a, b []any) int { return strings.Compare(a[0].(string), b[0].(string)) })
	return rows, http.StatusOK, nil
}

// binnedRows resamples the window into the seed's buckets, aligned to multiples of the width
// from the epoch, each measure with its default aggregation; empty buckets are null rows.
func (s *Server) binnedRows(r *http.Request, c *cassandra.Client, base query.Query, p dataParams) ([][]any, int, error) {
	width, err := seedBuckets(p)
	if err != nil {
		return nil, http.StatusBadRequest, err
	}
	frames, status, err := s.runOne(r, s.engine(c), binnedQuery(base, p, width), p)
	if err != nil {
		return nil, status, err
	}
	rows, err := framesToRows(frames, p.columns)
	if err != nil {
		return nil, http.StatusInternalServerError, err
	}
	return rows, http.StatusOK, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// logQueries counts the engine's answers and, in debug mode, logs what each query did (bin
// width, rows read, truncation): the notices, never the query's values.
func (s *Server) logQueries(r *http.Request, resp *backend.QueryDataResponse) {
	for refID, dr := range resp.Responses {
		status := http.StatusOK
		if dr.Error != nil {
			status = errs.ResponseStatus(dr)
		}
		s.logQuery(r, refID, dr.Frames, status, dr.Error)
	}
}

// logQuery counts one answer and, in debug mode, logs it.
func (s *Server) logQuery(r *http.Request, refID string, frames data.Frames, status int, err error) {
	label := "ok"
	if err != nil {
		label = strconv.Itoa(status)
	}
	s.metrics.queryResults.WithLabelValues(label).Inc()
	if !s.log.Enabled(r.Context(), slog.LevelDebug) {
		return
	}
	var notices []string
	for _, f := range frames {
		if f.Meta != nil {
			for _, n := range f.Meta.Notices {
				notices = append(notices, n.Text)
			}
		}
	}
	attrs := []any{"path", r.URL.Path, "refId", refID, "frames", len(frames), "notices", notices}
	if err != nil {
		attrs = append(attrs, "status", status, "error", err.Error())
	}
	s.log.DebugContext(r.Context(), "query", attrs...)
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
