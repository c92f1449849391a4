package engine

import (
	"context"
	"fmt"
	"sync"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
)

// table returns the rows as they are, every CQL type mapped to a field type, at most
// MaxRows of them (more are cut off with a warning rather than risking the plugin's memory).
func (e *Engine) table(ctx context.Context, stmts []query.Statement, limit int64, executed string, notices []string) (backend.DataResponse, error) {
	maxRows := int64(e.opts.MaxRows)
	scanLimit := maxRows + 1 // one more row tells us there were more
	if limit > 0 && limit < scanLimit {
		scanLimit = limit
	}
	var mu sync.Mutex
	var frame *data.Frame
	var nrows int64
	truncated := false
	_, err := e.scanAll(ctx, stmts, scanLimit, func(cols []cassandra.ColumnInfo) (rowReader, error) {
		decs := cassandra.Decoders(cols)
		mu.Lock()
		if frame == nil {
			frame = data.NewFrame("")
			for _, d := range decs {
				frame.Fields = append(frame.Fields, data.NewFieldFromFieldType(d.FieldType, 0))
				frame.Fields[len(frame.Fields)-1].Name = d.Column.Name
			}
		}
		mu.Unlock()
		return &tableReader{decs: decs, add: func(vals []any) {
			mu.Lock()
			defer mu.Unlock()
			if nrows >= maxRows {
				truncated = true
				return
			}
			frame.AppendRow(vals...)
			nrows++
		}}, nil
	})
	if err != nil {
		return backend.DataResponse{}, err
	}
	if frame == nil {
		frame = data.NewFrame("")
	}
	if truncated {
		notices = append(notices, fmt.Sprintf("Truncated to the first %d rows (the data source's max rows): narrow the query or raise max rows.", maxRows))
	}
	frame.Meta = &data.FrameMeta{PreferredVisualization: data.VisTypeTable}
	return backend.DataResponse{Frames: withMeta(data.Frames{frame}, executed, notices, true)}, nil
}

type tableReader struct {
	decs []*cassandra.Decoder
	ds   []any
	vals []any
	add  func([]any)
}

func (t *tableReader) dests() []any {
	if t.ds == nil {
		for _, d := range t.decs {
			t.ds = append(t.ds, d.Dests()...)
		}
		t.vals = make([]any, len(t.decs))
	}
	return t.ds
}

func (t *tableReader) row() error {
	for i, d := range t.decs {
		t.vals[i] = d.Value()
	}
	t.add(t.vals)
	return nil
}
