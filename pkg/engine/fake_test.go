package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
)

// fakeRows is a result made in memory: rows[i] holds one value per column, given to Next's
// destinations the way the driver fills **T. next, when set, replaces the rows entirely.
type fakeRows struct {
	cols   []cassandra.ColumnInfo
	rows   [][]any
	i      int
	next   func(dest []any) bool
	closed bool
}

func (r *fakeRows) Columns() []cassandra.ColumnInfo { return r.cols }

func (r *fakeRows) Next(dest ...any) bool {
	if r.next != nil {
		return r.next(dest)
	}
	if r.i >= len(r.rows) {
		return false
	}
	for j, v := range r.rows[r.i] {
		switch d := dest[j].(type) {
		case **string:
			s := v.(string)
			*d = &s
		case *time.Time:
			*d = v.(time.Time)
		case **float64:
			f := v.(float64)
			*d = &f
		case **int32:
			n := v.(int32)
			*d = &n
		default:
			panic(fmt.Sprintf("fakeRows: no fill for %T", dest[j]))
		}
	}
	r.i++
	return true
}

func (r *fakeRows) Close() error { r.closed = true; return nil }

func col(name string, typ gocql.Type) cassandra.ColumnInfo {
	ti := gocql.NewNativeType(4, typ, "")
	return cassandra.ColumnInfo{Name: name, Type: cassandra.TypeName(ti), TypeInfo: ti}
}

// fakeEngine answers every statement with what result returns for its CQL.
func fakeEngine(opts Options, result func(cql string) rows) *Engine {
	e := New(nil, opts)
	e.query = func(_ context.Context, cql string, _ []any, _ cassandra.QueryOptions) rows { return result(cql) }
	return e
}

func rawQuery(refID, cql string, extra map[string]any, from, to time.Time) backend.DataQuery {
	q := map[string]any{"queryType": "cql", "rawCql": cql}
	for k, v := range extra {
		q[k] = v
	}
	b, _ := json.Marshal(q)
	return backend.DataQuery{RefID: refID, JSON: b, TimeRange: backend.TimeRange{From: from, To: to}, MaxDataPoints: 1000, Interval: time.Second}
}
