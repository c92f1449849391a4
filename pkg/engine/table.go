package engine

import (
	"context"
	"math/big"
	"sync"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
)

// table returns the rows as they are, every CQL type mapped to a field type, at most
// MaxRows of them (more are cut off with a warning rather than risking the plugin's memory).
// When timeCol names an epoch or timeuuid time column, a time field is added in front of it;
// each derived measure (a builder's interval_count) gets a field computed from its columns.
// scan runs the statements with a row limit; sortBy, when set, orders the rows by that field
// (the rows of parallel statements arrive in any order).
func (e *Engine) table(scan tableScan, limit int64, timeCol tableTime, derived []query.Measure, executed string, ns *notices, sortBy string) (backend.DataResponse, error) {
	maxRows := int64(e.opts.MaxRows)
	scanLimit := maxRows + 1 // one more row tells us there were more
	if limit > 0 && limit < scanLimit {
		scanLimit = limit
	}
	var mu sync.Mutex
	var frame *data.Frame
	var nrows int64
	truncated := false
	_, err := scan(scanLimit, func(cols []cassandra.ColumnInfo) (rowReader, error) {
		decs := cassandra.Decoders(cols)
		mu.Lock()
		if frame == nil {
			frame = data.NewFrame("")
			for _, d := range decs {
				if d.Column.Name == timeCol.column && !convertsToTime(d.Column, timeCol.unit) {
					timeCol.column = "" // a timestamp or date already, or not a time at all
				}
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
		timeCol.column = ""
	}
	if truncated {
		ns.add(noticeTruncated, "Truncated to the first %d rows (the data source's max rows): narrow the query or raise max rows.", maxRows)
	}
	addTimeField(frame, timeCol)
	addDerivedFields(frame, derived)
	if sortBy != "" {
		sortFrameBy(frame, sortBy)
	}
	frame.Meta = &data.FrameMeta{PreferredVisualization: data.VisTypeTable}
	return backend.DataResponse{Frames: withMeta(data.Frames{frame}, executed, *ns, true)}, nil
}

// tableScan reads a table's rows into readers from the factory, at most limit of them.
type tableScan func(limit int64, newReader readerFactory) (int64, error)

// scanStatements is the tableScan of statements run as they are.
func (e *Engine) scanStatements(ctx context.Context, stmts []query.Statement) tableScan {
	return func(limit int64, newReader readerFactory) (int64, error) {
		s, err := e.scanAll(ctx, stmts, limit, newReader)
		return s.rows, err
	}
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

// tableTime names the time column of a table result and its epoch unit ("" for a timeuuid or
// timestamp column); an empty name means none.
type tableTime struct {
	column string
	unit   string
}

// convertsToTime reports whether a table's time column holds time as a number of epoch units
// or a timeuuid, which addTimeField turns into a time field: a time column as binning reads
// it (isTimeColumn) that is not a timestamp or date field already.
func convertsToTime(c cassandra.ColumnInfo, unit string) bool {
	if !isTimeColumn(c, unit) {
		return false
	}
	typ := c.TypeInfo.Type()
	return typ != gocql.TypeTimestamp && typ != gocql.TypeDate
}

// addTimeField puts a time field ("time", or "<column>_time" when a column is named time) in
// front of an epoch or timeuuid time column (see convertsToTime), so Grafana shows and sorts
// the rows by time while the column keeps its own values.
func addTimeField(frame *data.Frame, tc tableTime) {
	if tc.column == "" {
		return
	}
	idx, name := -1, "time"
	for i, f := range frame.Fields {
		if f.Name == tc.column {
			idx = i
		}
		if f.Name == "time" {
			name = tc.column + "_time"
		}
	}
	if idx < 0 {
		return
	}
	src := frame.Fields[idx]
	vals := make([]*time.Time, src.Len())
	for i := range vals {
		ms, ok := int64(0), false
		switch v := src.At(i).(type) {
		case *int32:
			if v != nil && tc.unit != "" {
				ms, ok = query.EpochToMillis(int64(*v), tc.unit)
			}
		case *int64:
			if v != nil && tc.unit != "" {
				ms, ok = query.EpochToMillis(*v, tc.unit)
			}
		case *string: // a varint (decimal digits) or a timeuuid
			if v == nil {
				break
			}
			if tc.unit != "" {
				if n, good := new(big.Int).SetString(*v, 10); good && n.IsInt64() {
					ms, ok = query.EpochToMillis(n.Int64(), tc.unit)
				}
			} else if u, err := gocql.ParseUUID(*v); err == nil {
				ms, ok = timeUUIDMillis(u.Bytes())
			}
		}
		if ok {
			t := time.UnixMilli(ms).UTC()
			vals[i] = &t
		}
	}
	f := data.NewField(name, nil, vals)
	frame.Fields = append(frame.Fields[:idx], append([]*data.Field{f}, frame.Fields[idx:]...)...)
}

// addDerivedFields appends, for each derived measure, a field with its value per row (null
// where one of its columns is null), so a table shows the values the user picked.
func addDerivedFields(frame *data.Frame, measures []query.Measure) {
	for _, m := range measures {
		if !m.Derived || len(frame.Fields) == 0 {
			continue
		}
		var inputs []*data.Field
		for _, c := range m.Columns {
			if f, i := frame.FieldByName(c); i >= 0 {
				inputs = append(inputs, f)
			}
		}
		if len(inputs) != len(m.Columns) {
			continue
		}
		out := make([]*float64, frame.Rows())
		vals := make([]float64, len(inputs))
	rows:
		for r := range out {
			for i, f := range inputs {
				v, err := f.NullableFloatAt(r)
				if err != nil || v == nil {
					continue rows
				}
				vals[i] = *v
			}
			x := m.Eval(vals)
			out[r] = &x
		}
		frame.Fields = append(frame.Fields, data.NewField(m.Name, nil, out))
	}
}
