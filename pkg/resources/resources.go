// Package resources serves the schema lookups the query editor and template variables need
// (keyspaces, tables, columns, measures, partition key values, variable queries, the rollups
// metrics-server wrote of a table), and the editor's checks of raw CQL (validate) and builder
// CQL (preview). The plugin mounts it as CallResource and the standalone server under
// /api/resources/, so both answer the same way.
package resources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/errs"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// Connector returns the data source's client, connecting on first use.
type Connector func(ctx context.Context) (*cassandra.Client, error)

const (
	defaultValuesLimit   = 1000
	maxValuesLimit       = 10000
	defaultVariableLimit = 10000
	// MaxVariableRows bounds the rows a variable query reads, whether or not they bring new
	// values: a query that repeats one value over a whole table stops here.
	MaxVariableRows = 100000
	// MaxVariableBody bounds a POST /variable body: a CQL query and a time range.
	MaxVariableBody = 1 << 20
)

// Options tune the resource handler. Zero values take the defaults.
type Options struct {
	// Timeout bounds each resource call, connecting included; 0 means only the caller's
	// context bounds it.
	Timeout time.Duration
	// Keyspaces are what the lookups and variable queries may read (KeyspacesOf the data
	// source's settings): the keyspaces lookup lists only those, the others are refused.
	Keyspaces query.Keyspaces
	// Rollups reads the rollup keyspace through the request's client (RollupsOf the data
	// source's settings) for the rollups route; nil means the data source reads no rollups
	// (disableRollups), which the route answers as disabled.
	Rollups func(c *cassandra.Client) RollupCoverage
}

// KeyspacesOf is what a data source's user queries may read, from its settings.
func KeyspacesOf(s cassandra.Settings) query.Keyspaces {
	return query.Keyspaces{Default: s.Keyspace, Allowed: s.AllowedKeyspaces}
}

// route is one resource and the methods it answers.
type route struct {
	path    string
	methods []string
	serve   http.HandlerFunc
}

// NewHandler returns the resource routes, relative to the mount point: one chi router, which
// the plugin serves through the SDK's httpadapter (CallResource) and metrics-server mounts under
// /api/resources. A known resource asked with another method answers 405 with an Allow header;
// an unknown one 404.
func NewHandler(connect Connector, opts Options) http.Handler {
	h := &handler{connect: connect, maxVariableRows: MaxVariableRows, ks: opts.Keyspaces, rollupsOf: opts.Rollups}
	get := []string{http.MethodGet, http.MethodHead}
	routes := []route{
		{"/keyspaces", get, h.keyspaces},
		{"/tables", get, h.tables},
		{"/columns", get, h.columns},
		{"/measures", get, h.measures},
		{"/values", get, h.values},
		{"/rollups", get, h.rollups},
		{"/variable", []string{http.MethodGet, http.MethodHead, http.MethodPost}, h.variable},
		{"/validate", []string{http.MethodGet, http.MethodPost}, h.validate},
		{"/preview", []string{http.MethodPost}, h.preview},
	}
	methods := map[string][]string{}
	r := chi.NewRouter()
	r.Use(routeOnDecodedPath)
	r.NotFound(notFound)
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		path := resourcePath(req)
		allowed, ok := methods[path]
		if !ok {
			notFound(w, req) // a method chi does not know, on no resource
			return
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on %s: use %s", req.Method, path, strings.Join(allowed, " or ")))
	})
	r.Group(func(r chi.Router) {
		if opts.Timeout > 0 {
			r.Use(timeout(opts.Timeout))
		}
		for _, rt := range routes {
			methods[rt.path] = rt.methods
			for _, m := range rt.methods {
				r.Method(m, rt.path, rt.serve)
			}
		}
	})
	return r
}

// routeOnDecodedPath makes the router match the decoded path, so that every spelling of a
// resource's path (/%76ariable) reaches that resource, as the standalone server's checks of
// the path expect. Mounted, the path is what follows the mount point.
func routeOnDecodedPath(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rctx := chi.RouteContext(r.Context()); rctx != nil {
			path := r.URL.Path
			if rctx.RoutePath != "" { // mounted: the rest of the raw path after the mount point
				path = rctx.RoutePath
				if d, err := url.PathUnescape(path); err == nil {
					path = d
				}
			}
			rctx.RoutePath = path
		}
		next.ServeHTTP(w, r)
	})
}

// resourcePath is the path the router matched on (the resource's, after the mount point).
func resourcePath(r *http.Request) string {
	if rctx := chi.RouteContext(r.Context()); rctx != nil && rctx.RoutePath != "" {
		return rctx.RoutePath
	}
	return r.URL.Path
}

func notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, fmt.Sprintf("no resource %q: use keyspaces, tables, columns, measures, values, rollups, variable, validate or preview", resourcePath(r)))
}

// timeout bounds each resource call, connecting included.
func timeout(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

type handler struct {
	connect         Connector
	maxVariableRows int
	ks              query.Keyspaces
	rollupsOf       func(c *cassandra.Client) RollupCoverage
}

func (h *handler) client(w http.ResponseWriter, r *http.Request) *cassandra.Client {
	c, err := h.connect(r.Context())
	if err != nil {
		writeErr(w, err)
		return nil
	}
	return c
}

func (h *handler) keyspaces(w http.ResponseWriter, r *http.Request) {
	c := h.client(w, r)
	if c == nil {
		return
	}
	names, err := c.Keyspaces(r.Context())
	allowed := []string{}
	for _, n := range names {
		if h.ks.Allows(n) {
			allowed = append(allowed, n)
		}
	}
	respond(w, allowed, err)
}

func (h *handler) tables(w http.ResponseWriter, r *http.Request) {
	ks, ok := h.keyspace(w, r)
	if !ok {
		return
	}
	c := h.client(w, r)
	if c == nil {
		return
	}
	names, err := c.Tables(r.Context(), ks)
	respond(w, names, err)
}

// keyspace is the required keyspace parameter, refused (400, saying which setting allows it)
// when the data source does not allow it.
func (h *handler) keyspace(w http.ResponseWriter, r *http.Request) (string, bool) {
	ks, ok := required(w, r, "keyspace")
	if !ok {
		return "", false
	}
	if err := h.ks.Check(ks); err != nil {
		writeErr(w, err)
		return "", false
	}
	return ks, true
}

func (h *handler) table(w http.ResponseWriter, r *http.Request) (*cassandra.Client, *schema.Table) {
	ks, ok := h.keyspace(w, r)
	if !ok {
		return nil, nil
	}
	tbl, ok := required(w, r, "table")
	if !ok {
		return nil, nil
	}
	c := h.client(w, r)
	if c == nil {
		return nil, nil
	}
	t, err := c.Table(r.Context(), ks, tbl)
	if err != nil {
		writeErr(w, err)
		return nil, nil
	}
	return c, t
}

func (h *handler) columns(w http.ResponseWriter, r *http.Request) {
	if _, t := h.table(w, r); t != nil {
		respond(w, t.Columns, nil)
	}
}

func (h *handler) measures(w http.ResponseWriter, r *http.Request) {
	if _, t := h.table(w, r); t != nil {
		m := query.Measures(t)
		if m == nil {
			m = []query.MeasureInfo{}
		}
		respond(w, m, nil)
	}
}

func (h *handler) values(w http.ResponseWriter, r *http.Request) {
	col, ok := required(w, r, "column")
	if !ok {
		return
	}
	limit, ok := intParam(w, r, "limit", defaultValuesLimit, maxValuesLimit)
	if !ok {
		return
	}
	c, t := h.table(w, r)
	if t == nil {
		return
	}
	if _, exists := t.Column(col); !exists {
		writeErr(w, &schema.NotFoundError{What: "column", Name: col, In: t.Keyspace + "." + t.Name})
		return
	}
	vals, err := c.DistinctPartitionValues(r.Context(), t, col, limit)
	var ce *cassandra.Error
	if err != nil && !errors.As(err, &ce) {
		err = errs.Wrap(errs.BadInput, err) // the column cannot be listed (not a partition key column)
	}
	respond(w, vals, err)
}

// VariableValue is one option of a template variable.
type VariableValue struct {
	Text  string `json:"text"`
	Value string `json:"value"`
}

// variable runs a raw CQL SELECT and returns the first column as values and the second, if
// any, as their display text. Macros ($__timeFilter, $__timeFrom, ...) are expanded with the
// time range from/to (epoch ms), from the body of a POST or the URL; default the last 6 h.
func (h *handler) variable(w http.ResponseWriter, r *http.Request) {
	cql := r.URL.Query().Get("query")
	var bodyFrom, bodyTo *int64
	if r.Method == http.MethodPost && cql == "" {
		var body struct {
			Query string `json:"query"`
			From  *int64 `json:"from"`
			To    *int64 `json:"to"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxVariableBody)).Decode(&body); err != nil {
			var mb *http.MaxBytesError
			if errors.As(err, &mb) {
				writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes: send a shorter query", mb.Limit))
				return
			}
			writeError(w, http.StatusBadRequest, "body must be JSON like {\"query\": \"SELECT ...\", \"from\": <epoch ms>, \"to\": <epoch ms>}: "+err.Error())
			return
		}
		cql, bodyFrom, bodyTo = body.Query, body.From, body.To
	}
	if cql == "" {
		writeError(w, http.StatusBadRequest, `parameter "query" is required: a CQL SELECT whose first column gives the values`)
		return
	}
	to := time.Now()
	from := to.Add(-6 * time.Hour)
	if v, ok := msParam(w, r, "from"); !ok {
		return
	} else if v != nil {
		from = *v
	}
	if v, ok := msParam(w, r, "to"); !ok {
		return
	} else if v != nil {
		to = *v
	}
	if bodyFrom != nil {
		from = time.UnixMilli(*bodyFrom).UTC()
	}
	if bodyTo != nil {
		to = time.UnixMilli(*bodyTo).UTC()
	}
	if to.Before(from) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("the time range ends (%s) before it starts (%s): swap from and to", to.Format(time.RFC3339), from.Format(time.RFC3339)))
		return
	}
	limit, ok := intParam(w, r, "limit", defaultVariableLimit, defaultVariableLimit)
	if !ok {
		return
	}
	stmt, err := query.PrepareRawIn(&query.Query{QueryType: query.QueryTypeCQL, RawCQL: cql}, from, to, time.Minute, h.ks)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	c := h.client(w, r)
	if c == nil {
		return
	}
	vals, err := variableValues(r.Context(), c, stmt, limit, h.maxVariableRows)
	respond(w, vals, err)
}

// VariableValues runs a vetted SELECT and returns its first two columns as variable options:
// at most limit distinct values, from at most MaxVariableRows rows.
func VariableValues(ctx context.Context, c *cassandra.Client, stmt string, limit int) ([]VariableValue, error) {
	return variableValues(ctx, c, stmt, limit, MaxVariableRows)
}

// TooManyRowsError says a variable query read its row bound without reaching its value limit.
type TooManyRowsError struct {
	Rows, Values int
}

// ErrorKind makes it bad input: the variable query is to narrow.
func (e *TooManyRowsError) ErrorKind() errs.Kind { return errs.BadInput }

func (e *TooManyRowsError) Error() string {
	return fmt.Sprintf("the variable query read %d rows and found only %d distinct values before stopping: "+
		"select fewer rows (SELECT DISTINCT on partition key columns, a WHERE clause or a LIMIT)", e.Rows, e.Values)
}

func variableValues(ctx context.Context, c *cassandra.Client, stmt string, limit, maxRows int) ([]VariableValue, error) {
	rows := c.Query(ctx, stmt, nil, cassandra.QueryOptions{})
	decs := cassandra.Decoders(rows.Columns())
	var dests []any
	for _, d := range decs {
		dests = append(dests, d.Dests()...)
	}
	out := []VariableValue{}
	seen := map[string]bool{}
	read := 0
	for len(out) < limit && rows.Next(dests...) {
		if len(decs) == 0 {
			break
		}
		if read++; read > maxRows {
			_ = rows.Close()
			return nil, &TooManyRowsError{Rows: maxRows, Values: len(out)}
		}
		v, ok := decs[0].Text()
		if !ok || seen[v] {
			continue
		}
		seen[v] = true
		text := v
		if len(decs) > 1 {
			if t, ok := decs[1].Text(); ok {
				text = t
			}
		}
		out = append(out, VariableValue{Text: text, Value: v})
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	return out, nil
}

func required(w http.ResponseWriter, r *http.Request, name string) (string, bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("parameter %q is required", name))
		return "", false
	}
	return v, true
}

func intParam(w http.ResponseWriter, r *http.Request, name string, def, max int) (int, bool) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("parameter %q must be a whole number from 1 to %d, got %q", name, max, s))
		return 0, false
	}
	return n, true
}

func msParam(w http.ResponseWriter, r *http.Request, name string) (*time.Time, bool) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return nil, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("parameter %q must be epoch milliseconds, got %q", name, s))
		return nil, false
	}
	t := time.UnixMilli(n).UTC()
	return &t, true
}

func respond(w http.ResponseWriter, v any, err error) {
	if err != nil {
		writeErr(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// writeErr answers a failure with the status of the one mapping (pkg/errs).
func writeErr(w http.ResponseWriter, err error) { writeError(w, errs.Status(err), err.Error()) }

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// diagnose is query.DiagnoseRaw with the data source's keyspaces: what /validate answers is
// what the query's run would refuse, a keyspace it may not read included, marked where the
// text names it.
func (h *handler) diagnose(cql string, from, to time.Time, interval time.Duration) (string, *query.Problem) {
	stmt, err := query.PrepareRawIn(&query.Query{QueryType: query.QueryTypeCQL, RawCQL: cql}, from, to, interval, h.ks)
	if err != nil {
		return "", query.LocateProblem(cql, err)
	}
	return stmt, nil
}
