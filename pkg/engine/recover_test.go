package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
)

// A decoder that panics in a scan worker (its own goroutine) fails only its query: the
// process survives, the query gets a plugin error, the result is closed, and the other
// query of the request is answered.
func TestPanickingDecoderIsThatQueryError(t *testing.T) {
	var bad *fakeRows
	e := fakeEngine(Options{}, func(cql string) rows {
		r := &fakeRows{cols: []cassandra.ColumnInfo{col("id", gocql.TypeInt)}, rows: [][]any{{int32(7)}}}
		if strings.Contains(cql, "bad") {
			r.next = func([]any) bool { panic("decoder exploded on a malformed value") }
			bad = r
		}
		return r
	})
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	table := map[string]any{"format": "table"}
	resp := e.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
		rawQuery("A", "SELECT id FROM ks.bad", table, from, from.Add(time.Hour)),
		rawQuery("B", "SELECT id FROM ks.good", table, from, from.Add(time.Hour)),
	}})
	a, b := resp.Responses["A"], resp.Responses["B"]
	if a.Error == nil || !strings.Contains(a.Error.Error(), "decoder exploded") || !strings.Contains(a.Error.Error(), "internal error while reading rows") {
		t.Errorf("query A error = %v, want the recovered panic", a.Error)
	}
	if a.Status != backend.StatusInternal || a.ErrorSource != backend.ErrorSourcePlugin {
		t.Errorf("query A status %v source %q, want an internal plugin error", a.Status, a.ErrorSource)
	}
	if bad == nil || !bad.closed {
		t.Error("the panicking result was not closed")
	}
	if b.Error != nil || len(b.Frames) != 1 || b.Frames[0].Rows() != 1 {
		t.Errorf("query B = %v with %d frames, want its one row", b.Error, len(b.Frames))
	}
}

// Every parallel worker of scanAll recovers: tested without Run's own recover, which cannot
// catch a panic in another goroutine anyway.
func TestScanWorkersRecover(t *testing.T) {
	e := fakeEngine(Options{MaxConcurrency: 3}, func(cql string) rows {
		return &fakeRows{cols: []cassandra.ColumnInfo{col("id", gocql.TypeInt)}, rows: [][]any{{int32(1)}, {int32(2)}}}
	})
	stmts := []query.Statement{{CQL: "SELECT 1"}, {CQL: "SELECT 2"}, {CQL: "SELECT 3"}, {CQL: "SELECT 4"}}
	_, err := e.scanAll(context.Background(), stmts, 0, func(cols []cassandra.ColumnInfo) (rowReader, error) {
		return panicReader{}, nil
	})
	if err == nil || !strings.Contains(err.Error(), "row reader bug") {
		t.Fatalf("scanAll error = %v, want the recovered panic", err)
	}
}

type panicReader struct{}

func (panicReader) dests() []any { return []any{new(*int32)} }
func (panicReader) row() error   { panic("row reader bug") }
