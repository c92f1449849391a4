package cassandra

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"strconv"
	"strings"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"gopkg.in/inf.v0"
)

// cqlValue is a scan destination for collections, UDTs and tuple elements. The driver would
// build a Go value from the CQL type (a Go map for a CQL map, which panics when the key type
// cannot be a Go map key, e.g. inet, blob or a frozen list) and trusts each collection's
// element count before checking the bytes. cqlValue decodes the bytes itself instead, into
// JSON-ready values, and checks every count and length against the data it has.
type cqlValue struct {
	v     any
	valid bool
}

// UnmarshalCQL implements gocql.Unmarshaler; nil data is a CQL null.
func (c *cqlValue) UnmarshalCQL(info gocql.TypeInfo, data []byte) error {
	c.v, c.valid = nil, false
	if data == nil {
		return nil
	}
	v, err := decodeValue(info, data, 0)
	if err != nil {
		return err
	}
	c.v, c.valid = v, true
	return nil
}

// get returns the value and clears it, so that a null in the next row is not confused with
// this row's value.
func (c *cqlValue) get() (any, bool) {
	v, ok := c.v, c.valid
	c.v, c.valid = nil, false
	return v, ok
}

// maxNesting bounds recursion through nested collection types (the type comes from the
// server's metadata, the only input here besides the bytes).
const maxNesting = 64

// decodeValue decodes one non-null CQL value of type ti into a JSON-ready Go value: lists,
// sets and tuples become []any, maps and UDTs map[string]any, scalars what jsonable makes of
// the driver's value.
func decodeValue(ti gocql.TypeInfo, data []byte, depth int) (any, error) {
	if depth > maxNesting {
		return nil, fmt.Errorf("decode %s: types nested more than %d deep", TypeName(ti), maxNesting)
	}
	switch t := ti.(type) {
	case gocql.CollectionType:
		return decodeCollection(t, data, depth)
	case gocql.TupleTypeInfo:
		out := make([]any, len(t.Elems))
		for i, el := range t.Elems {
			if len(data) == 0 {
				break // trailing elements missing: null
			}
			b, rest, err := readElem(data, ti)
			if err != nil {
				return nil, err
			}
			data = rest
			if out[i], err = decodeNullable(el, b, depth); err != nil {
				return nil, err
			}
		}
		return out, nil
	case gocql.UDTTypeInfo:
		out := make(map[string]any, len(t.Elements))
		for _, f := range t.Elements {
			var v any
			if len(data) > 0 { // fields added to the type after the value was written are null
				b, rest, err := readElem(data, ti)
				if err != nil {
					return nil, err
				}
				data = rest
				if v, err = decodeNullable(f.Type, b, depth); err != nil {
					return nil, err
				}
			}
			out[f.Name] = v
		}
		return out, nil
	}
	return decodeScalar(ti, data)
}

func decodeNullable(ti gocql.TypeInfo, b []byte, depth int) (any, error) {
	if b == nil {
		return nil, nil
	}
	return decodeValue(ti, b, depth+1)
}

func decodeCollection(t gocql.CollectionType, data []byte, depth int) (any, error) {
	if len(data) < 4 {
		return nil, fmt.Errorf("decode %s: %d bytes, too short for an element count", TypeName(t), len(data))
	}
	// #nosec G115 -- the protocol's [int] is a signed 32-bit big-endian value: reinterpreting the bits is the decoding, and a negative count is refused below
	n := int32(binary.BigEndian.Uint32(data))
	data = data[4:]
	// Every element takes at least its 4-byte length (a map entry two of them): a count the
	// bytes cannot hold is refused before anything is allocated for it.
	per := 4
	if t.Type() == gocql.TypeMap {
		per = 8
	}
	if n < 0 || int64(n) > int64(len(data)/per) {
		return nil, fmt.Errorf("decode %s: the value claims %d elements in %d bytes", TypeName(t), n, len(data))
	}
	if t.Type() != gocql.TypeMap {
		out := make([]any, n)
		for i := range out {
			b, rest, err := readElem(data, t)
			if err != nil {
				return nil, err
			}
			data = rest
			if out[i], err = decodeNullable(t.Elem, b, depth); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	// A JSON object: scalar keys as their text, composite keys (frozen collections, tuples,
	// UDTs) as their JSON text, so any CQL key type works.
	out := make(map[string]any, n)
	for i := int32(0); i < n; i++ {
		kb, rest, err := readElem(data, t)
		if err != nil {
			return nil, err
		}
		vb, rest, err := readElem(rest, t)
		if err != nil {
			return nil, err
		}
		data = rest
		k, err := decodeNullable(t.Key, kb, depth)
		if err != nil {
			return nil, err
		}
		v, err := decodeNullable(t.Elem, vb, depth)
		if err != nil {
			return nil, err
		}
		out[keyText(k)] = v
	}
	return out, nil
}

// readElem reads one [int32 length][bytes] element; a negative length is null (nil).
func readElem(data []byte, in gocql.TypeInfo) (elem, rest []byte, err error) {
	if len(data) < 4 {
		return nil, nil, fmt.Errorf("decode %s: the value ends inside an element length", TypeName(in))
	}
	// #nosec G115 -- the protocol's [int] is a signed 32-bit big-endian value: reinterpreting the bits is the decoding, and a negative length (null) is handled below
	m := int32(binary.BigEndian.Uint32(data))
	data = data[4:]
	if m < 0 {
		return nil, data, nil
	}
	if int64(m) > int64(len(data)) {
		return nil, nil, fmt.Errorf("decode %s: an element claims %d bytes, %d remain", TypeName(in), m, len(data))
	}
	return data[:m:m], data[m:], nil
}

func keyText(k any) string {
	switch x := k.(type) {
	case nil:
		return "null"
	case string:
		return x
	case json.Number:
		return string(x)
	case []any, map[string]any:
		b, err := json.Marshal(x)
		if err == nil {
			return string(b)
		}
	}
	return fmt.Sprint(k)
}

// decodeScalar decodes a non-collection value with the driver into its natural Go type.
// Types without one (unknown custom types) become hex.
func decodeScalar(ti gocql.TypeInfo, data []byte) (any, error) {
	zero := safeZero(ti)
	if zero == nil {
		return "0x" + hex.EncodeToString(data), nil
	}
	p := reflect.New(reflect.TypeOf(zero))
	if err := gocql.Unmarshal(ti, data, p.Interface()); err != nil {
		return nil, fmt.Errorf("decode %s: %w", TypeName(ti), err)
	}
	return jsonable(p.Elem().Interface()), nil
}

// safeZero is ti.Zero(), or nil when the driver cannot make one (it panics for a map whose
// key type cannot be a Go map key, also inside vectors).
func safeZero(ti gocql.TypeInfo) (zero any) {
	if ti == nil {
		return nil
	}
	defer func() {
		if recover() != nil {
			zero = nil
		}
	}()
	return ti.Zero()
}

// Decimals whose plain digits would run longer than this past their significant digits are
// written in scientific notation: a 5-byte decimal with scale 1e8 must not become 100 MB of
// zeros.
const maxDecimalPadding = 32

// formatDecimal writes d in plain notation when that is at most maxDecimalPadding characters
// longer than its significant digits, and as 1.2345e+N otherwise. Either form is a valid
// JSON number and parses with strconv.ParseFloat.
func formatDecimal(d *inf.Dec) string {
	scale := int64(d.Scale())
	unscaled := d.UnscaledBig()
	digits := new(big.Int).Abs(unscaled).String()
	if -maxDecimalPadding <= scale && scale <= int64(len(digits))+maxDecimalPadding {
		return d.String()
	}
	if unscaled.Sign() == 0 {
		return "0"
	}
	exp := int64(len(digits)) - 1 - scale // of the first digit
	digits = strings.TrimRight(digits, "0")
	var b strings.Builder
	if unscaled.Sign() < 0 {
		b.WriteByte('-')
	}
	b.WriteString(digits[:1])
	if len(digits) > 1 {
		b.WriteByte('.')
		b.WriteString(digits[1:])
	}
	b.WriteByte('e')
	if exp >= 0 {
		b.WriteByte('+')
	}
	b.WriteString(strconv.FormatInt(exp, 10))
	return b.String()
}

// decimalFloat is d as a float64 without building its plain digits (0 or ±Inf out of range).
func decimalFloat(d *inf.Dec) float64 {
	f, _ := strconv.ParseFloat(formatDecimal(d), 64)
	return f
}
