// Package resources serves the schema lookups the query editor and template variables need
// (keyspaces, tables, columns, measures, partition key values, variable queries). The plugin
// mounts it as CallResource and the standalone server under /api/resources/, so both answer
// the same way.
package resources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// Connector returns the data source's client, connecting on first use.
type Connector func(ctx context.Context) (*cassandra.Client, error)

const (
	defaultValuesLimit   = 1000
	maxValuesLimit       = 10000
	defaultVariableLimit = 10000
)

// NewHandler returns the resource routes, relative to the mount point.
func NewHandler(connect Connector) http.Handler {
	h := &handler{connect: connect}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /keyspaces", h.keyspaces)
	mux.HandleFunc("GET /tables", h.tables)
	mux.HandleFunc("GET /columns", h.columns)
	mux.HandleFunc("GET /measures", h.measures)
	mux.HandleFunc("GET /values", h.values)
	mux.HandleFunc("GET /variable", h.variable)
	mux.HandleFunc("POST /variable", h.variable)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no resource %q: use keyspaces, tables, columns, measures, values or variable", r.URL.Path))
	})
	return mux
}

type handler struct {
	connect Connector
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
	respond(w, names, err)
}

func (h *handler) tables(w http.ResponseWriter, r *http.Request) {
	ks, ok := required(w, r, "keyspace")
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

func (h *handler) table(w http.ResponseWriter, r *http.Request) (*cassandra.Client, *schema.Table) {
	ks, ok := required(w, r, "keyspace")
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
	if err != nil {
		var ce *cassandra.Error
		if !errors.As(err, &ce) {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	respond(w, vals, err)
}

// VariableValue is one option of a template variable.
type VariableValue struct {
	Text  string `json:"text"`
	Value string `json:"value"`
}

// variable runs a raw CQL SELECT and returns the first column as values and the second, if
// any, as their display text. Macros are expanded with the optional from/to (epoch ms).
func (h *handler) variable(w http.ResponseWriter, r *http.Request) {
	cql := r.URL.Query().Get("query")
	if r.Method == http.MethodPost && cql == "" {
		var body struct {
			Query string `json:"query"`
			From  int64  `json:"from"`
			To    int64  `json:"to"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
			writeError(w, http.StatusBadRequest, "body must be JSON like {\"query\": \"SELECT ...\"}: "+err.Error())
			return
		}
		cql = body.Query
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
	limit, ok := intParam(w, r, "limit", defaultVariableLimit, defaultVariableLimit)
	if !ok {
		return
	}
	stmt, err := query.PrepareRaw(&query.Query{QueryType: query.QueryTypeCQL, RawCQL: cql}, from, to, time.Minute)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	c := h.client(w, r)
	if c == nil {
		return
	}
	vals, err := VariableValues(r.Context(), c, stmt, limit)
	respond(w, vals, err)
}

// VariableValues runs a vetted SELECT and returns its first two columns as variable options.
func VariableValues(ctx context.Context, c *cassandra.Client, stmt string, limit int) ([]VariableValue, error) {
	rows := c.Query(ctx, stmt, nil, cassandra.QueryOptions{})
	decs := cassandra.Decoders(rows.Columns())
	var dests []any
	for _, d := range decs {
		dests = append(dests, d.Dests()...)
	}
	out := []VariableValue{}
	seen := map[string]bool{}
	for len(out) < limit && rows.Next(dests...) {
		if len(decs) == 0 {
			break
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

func writeErr(w http.ResponseWriter, err error) { writeError(w, ErrorStatus(err), err.Error()) }

// ErrorStatus maps a failure to an HTTP status: unknown names 404, bad input or settings 400,
// Cassandra too slow 504, Cassandra unreachable or refusing 502 (the server is its gateway),
// anything else 500. The standalone server uses it for its own routes too.
func ErrorStatus(err error) int {
	var nf *schema.NotFoundError
	var qe *query.Error
	var se *cassandra.SettingsError
	var ce *cassandra.Error
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &mb):
		return http.StatusRequestEntityTooLarge
	case errors.As(err, &nf):
		return http.StatusNotFound
	case errors.As(err, &qe), errors.As(err, &se):
		return http.StatusBadRequest
	case errors.As(err, &ce):
		switch ce.Kind {
		case cassandra.KindTimeout, cassandra.KindCanceled:
			return http.StatusGatewayTimeout
		case cassandra.KindKeyspaceMissing:
			return http.StatusNotFound
		}
		return http.StatusBadGateway
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
