package cassandra

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"gopkg.in/inf.v0"

	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// Decoder scans one result column and converts each value to a type a data frame field can
// hold. Every CQL type has a mapping; exact types that frames lack (varint, decimal, uuid,
// inet, time, duration, blob) become text so nothing is rounded or lost, and collections,
// tuples and UDTs become JSON. Nulls stay nulls.
type Decoder struct {
	Column    ColumnInfo
	FieldType data.FieldType
	dest      any
	tuple     []any
	convert   func() any
	dateOnly  bool
}

// Text renders the current row's value as plain text (for labels and variable options); false
// for null. Dates read as 2006-01-02, not as midnight timestamps.
func (d *Decoder) Text() (string, bool) {
	v := d.Value()
	if t, ok := v.(*time.Time); ok && t != nil && d.dateOnly {
		return t.Format(time.DateOnly), true
	}
	return Text(v)
}

// Dests are the pointers to pass to Rows.Scan for this column, reused for every row. It is
// one pointer except for tuples, which the driver scans one element at a time.
func (d *Decoder) Dests() []any {
	if d.tuple != nil {
		return d.tuple
	}
	return []any{d.dest}
}

// Value returns the current row's value as a nullable frame value (a pointer, nil for null).
func (d *Decoder) Value() any { return d.convert() }

// Decoders builds one decoder per column.
func Decoders(cols []ColumnInfo) []*Decoder {
	out := make([]*Decoder, len(cols))
	for i, c := range cols {
		out[i] = NewDecoder(c)
	}
	return out
}

// NewDecoder picks the scan destination and conversion for a column's CQL type. It is one
// switch over the CQL types, longer than most functions: one table of every type and its
// frame field reads better than the same cases spread over helpers.
func NewDecoder(c ColumnInfo) *Decoder {
	d := &Decoder{Column: c}
	var typ gocql.Type = gocql.TypeCustom
	if c.TypeInfo != nil {
		typ = c.TypeInfo.Type()
	}
	switch typ {
	case gocql.TypeAscii, gocql.TypeText, gocql.TypeVarchar:
		d.setPtr(data.FieldTypeNullableString, new(*string))
	case gocql.TypeTinyInt:
		d.setPtr(data.FieldTypeNullableInt8, new(*int8))
	case gocql.TypeSmallInt:
		d.setPtr(data.FieldTypeNullableInt16, new(*int16))
	case gocql.TypeInt:
		d.setPtr(data.FieldTypeNullableInt32, new(*int32))
	case gocql.TypeBigInt, gocql.TypeCounter:
		d.setPtr(data.FieldTypeNullableInt64, new(*int64))
	case gocql.TypeFloat:
		d.setPtr(data.FieldTypeNullableFloat32, new(*float32))
	case gocql.TypeDouble:
		d.setPtr(data.FieldTypeNullableFloat64, new(*float64))
	case gocql.TypeBoolean:
		d.setPtr(data.FieldTypeNullableBool, new(*bool))
	case gocql.TypeTimestamp, gocql.TypeDate:
		d.dateOnly = typ == gocql.TypeDate
		p := new(*time.Time)
		d.dest, d.FieldType = p, data.FieldTypeNullableTime
		d.convert = func() any {
			if *p == nil {
				return (*time.Time)(nil)
			}
			t := (*p).UTC()
			return &t
		}
	case gocql.TypeVarint:
		p := new(*big.Int)
		d.stringer(p, func() (string, bool) {
			if *p == nil {
				return "", false
			}
			return (*p).String(), true
		})
	case gocql.TypeDecimal:
		p := new(*inf.Dec)
		d.stringer(p, func() (string, bool) {
			if *p == nil {
				return "", false
			}
			return formatDecimal(*p), true
		})
	case gocql.TypeUUID, gocql.TypeTimeUUID:
		// Raw bytes: the driver cannot scan a null uuid into **UUID.
		p := new([]byte)
		d.stringer(p, func() (string, bool) {
			if len(*p) == 0 {
				return "", false
			}
			u, err := gocql.UUIDFromBytes(*p)
			if err != nil {
				return "0x" + hex.EncodeToString(*p), true
			}
			return u.String(), true
		})
	case gocql.TypeInet:
		p := new(*net.IP)
		d.stringer(p, func() (string, bool) {
			if *p == nil {
				return "", false
			}
			return (*p).String(), true
		})
	case gocql.TypeBlob:
		p := new([]byte)
		d.stringer(p, func() (string, bool) {
			if *p == nil {
				return "", false
			}
			return "0x" + hex.EncodeToString(*p), true
		})
	case gocql.TypeTime:
		p := new(*time.Duration)
		d.stringer(p, func() (string, bool) {
			if *p == nil {
				return "", false
			}
			return FormatTimeOfDay(**p), true
		})
	case gocql.TypeDuration:
		p := new(*gocql.Duration)
		d.stringer(p, func() (string, bool) {
			if *p == nil {
				return "", false
			}
			return formatCQLDuration(**p), true
		})
	case gocql.TypeTuple:
		tt, _ := c.TypeInfo.(gocql.TupleTypeInfo)
		d.FieldType = data.FieldTypeNullableJSON
		elems := make([]*cqlValue, len(tt.Elems))
		for i := range tt.Elems {
			elems[i] = new(cqlValue)
			d.tuple = append(d.tuple, elems[i])
		}
		d.convert = func() any {
			vals := make([]any, len(elems))
			allNull := true
			for i, el := range elems {
				if v, ok := el.get(); ok {
					vals[i], allNull = v, false
				}
			}
			if allNull {
				return (*json.RawMessage)(nil)
			}
			b, _ := json.Marshal(vals)
			raw := json.RawMessage(b)
			return &raw
		}
	default:
		// Collections, UDTs, vectors and custom types: decoded from their bytes (see
		// cqlValue) and handed to the table as JSON.
		dest := new(cqlValue)
		d.dest, d.FieldType = dest, data.FieldTypeNullableJSON
		d.convert = func() any {
			v, ok := dest.get()
			if !ok {
				return (*json.RawMessage)(nil)
			}
			b, err := json.Marshal(v)
			if err != nil {
				b, _ = json.Marshal(fmt.Sprint(v))
			}
			raw := json.RawMessage(b)
			return &raw
		}
	}
	return d
}

// setPtr handles types whose pointer-to-pointer destination is already the frame's type.
func (d *Decoder) setPtr(ft data.FieldType, p any) {
	d.dest, d.FieldType = p, ft
	switch pp := p.(type) {
	case **string:
		d.convert = func() any { return copyPtr(*pp) }
	case **int8:
		d.convert = func() any { return copyPtr(*pp) }
	case **int16:
		d.convert = func() any { return copyPtr(*pp) }
	case **int32:
		d.convert = func() any { return copyPtr(*pp) }
	case **int64:
		d.convert = func() any { return copyPtr(*pp) }
	case **float32:
		d.convert = func() any { return copyPtr(*pp) }
	case **float64:
		d.convert = func() any { return copyPtr(*pp) }
	case **bool:
		d.convert = func() any { return copyPtr(*pp) }
	}
}

// copyPtr detaches the value from the driver, which may reuse the pointee on the next row.
func copyPtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func (d *Decoder) stringer(dest any, f func() (string, bool)) {
	d.dest, d.FieldType = dest, data.FieldTypeNullableString
	d.convert = func() any {
		s, ok := f()
		if !ok {
			return (*string)(nil)
		}
		return &s
	}
}

// jsonable converts driver values inside collections into JSON-friendly ones.
func jsonable(v any) any {
	switch x := v.(type) {
	case gocql.UUID:
		return x.String()
	case *inf.Dec:
		if x == nil {
			return nil
		}
		return json.Number(formatDecimal(x))
	case *big.Int:
		if x == nil {
			return nil
		}
		return json.Number(x.String())
	case net.IP:
		return x.String()
	case []byte:
		return "0x" + hex.EncodeToString(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case gocql.Duration:
		return formatCQLDuration(x)
	case time.Duration: // the driver's value for CQL time
		return FormatTimeOfDay(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonable(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonable(e)
		}
		return out
	}
	return reflectJSONable(v)
}

// FormatTimeOfDay writes a CQL time value (nanoseconds since midnight) as 15:04:05.000000000.
func FormatTimeOfDay(d time.Duration) string {
	h := d / time.Hour
	d -= h * time.Hour
	m := d / time.Minute
	d -= m * time.Minute
	s := d / time.Second
	d -= s * time.Second
	return fmt.Sprintf("%02d:%02d:%02d.%09d", h, m, s, d)
}

// formatCQLDuration writes a duration the way CQL literals do, e.g. 1mo2d3h4m5s.
func formatCQLDuration(d gocql.Duration) string {
	out := ""
	neg := d.Months < 0 || d.Days < 0 || d.Nanoseconds < 0
	abs := func(v int64) int64 {
		if v < 0 {
			return -v
		}
		return v
	}
	if d.Months != 0 {
		out += fmt.Sprintf("%dmo", abs(int64(d.Months)))
	}
	if d.Days != 0 {
		out += fmt.Sprintf("%dd", abs(int64(d.Days)))
	}
	if d.Nanoseconds != 0 {
		out += time.Duration(abs(d.Nanoseconds)).String()
	}
	if out == "" {
		out = "0s"
	}
	if neg {
		out = "-" + out
	}
	return out
}

// Text renders a decoded value (from Decoder.Value) as plain text, e.g. for variable options.
// It reports false for null.
func Text(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case *string:
		if x == nil {
			return "", false
		}
		return *x, true
	case *time.Time:
		if x == nil {
			return "", false
		}
		return x.Format(time.RFC3339Nano), true
	case *json.RawMessage:
		if x == nil {
			return "", false
		}
		return string(*x), true
	}
	rv := reflectJSONable(v)
	if rv == nil {
		return "", false
	}
	return fmt.Sprint(rv), true
}

// NumericDest returns a scan destination for a numeric column and a reader that gives the
// current row's value as float64 (false for null). Binning reads every value as float64;
// typed destinations keep the scan free of interface conversions on the hot path.
func NumericDest(ti gocql.TypeInfo) (any, func() (float64, bool), error) {
	if ti == nil {
		return nil, nil, fmt.Errorf("column has no type")
	}
	switch ti.Type() {
	case gocql.TypeTinyInt:
		p := new(*int8)
		return p, func() (float64, bool) { return numOf(*p) }, nil
	case gocql.TypeSmallInt:
		p := new(*int16)
		return p, func() (float64, bool) { return numOf(*p) }, nil
	case gocql.TypeInt:
		p := new(*int32)
		return p, func() (float64, bool) { return numOf(*p) }, nil
	case gocql.TypeBigInt, gocql.TypeCounter:
		p := new(*int64)
		return p, func() (float64, bool) { return numOf(*p) }, nil
	case gocql.TypeFloat:
		p := new(*float32)
		return p, func() (float64, bool) { return numOf(*p) }, nil
	case gocql.TypeDouble:
		p := new(*float64)
		return p, func() (float64, bool) { return numOf(*p) }, nil
	case gocql.TypeVarint:
		p := new(*big.Int)
		return p, func() (float64, bool) {
			if *p == nil {
				return 0, false
			}
			f, _ := new(big.Float).SetInt(*p).Float64()
			return f, true
		}, nil
	case gocql.TypeDecimal:
		p := new(*inf.Dec)
		return p, func() (float64, bool) {
			if *p == nil {
				return 0, false
			}
			return decimalFloat(*p), true
		}, nil
	}
	return nil, nil, fmt.Errorf("CQL type %s is not numeric", TypeName(ti))
}

func numOf[T int8 | int16 | int32 | int64 | float32 | float64](p *T) (float64, bool) {
	if p == nil {
		return 0, false
	}
	return float64(*p), true
}

// IsNumericType reports whether NumericDest accepts the type.
func IsNumericType(ti gocql.TypeInfo) bool {
	_, _, err := NumericDest(ti)
	return err == nil
}

// IsTimeType reports whether the column holds its own time (a timestamp, date or timeuuid:
// schema.IsTime, the one classifier) usable as a time axis.
func IsTimeType(ti gocql.TypeInfo) bool {
	return ti != nil && schema.IsTime(TypeName(ti))
}
