package cassandra

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"gopkg.in/inf.v0"
)

// fuzzTypes are the column types FuzzDecodeValue decodes bytes as: collections with keys the
// driver cannot handle, nesting, tuples, UDT-like structures and scalars inside them.
var fuzzTypes = []string{
	"list<int>", "set<text>", "map<text, double>", "map<inet, text>", "map<blob, int>",
	"map<frozen<list<int>>, int>", "list<frozen<map<inet, int>>>", "tuple<int, text, frozen<map<blob, int>>>",
	"list<decimal>", "map<timestamp, varint>", "set<frozen<tuple<inet, int>>>", "list<frozen<list<frozen<list<date>>>>>",
	"map<uuid, duration>", "list<time>", "list<boolean>",
}

// FuzzDecodeValue: any bytes, as any of fuzzTypes, decode to a JSON value or give an error;
// never a panic, and never more elements than the bytes can hold.
func FuzzDecodeValue(f *testing.F) {
	f.Add(uint8(0), be32(-1))
	f.Add(uint8(0), cat(be32(1<<31-1), elem(be32(1))))
	f.Add(uint8(3), cat(be32(1), elem([]byte{10, 0, 0, 1}), elem([]byte("a"))))
	f.Add(uint8(5), cat(be32(1), elem(cat(be32(2), elem(be32(1)), elem(be32(2)))), elem(be32(5))))
	f.Add(uint8(8), cat(be32(1), elem(cat(be32(100_000_000), []byte{1}))))
	types := make([]gocql.TypeInfo, len(fuzzTypes))
	for i, s := range fuzzTypes {
		types[i] = gocql.NewNativeType(4, gocql.TypeCustom, s)
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		ti := types[int(which)%len(types)]
		v, err := decodeValue(ti, data, 0)
		if err != nil {
			return
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: %v does not marshal: %v", TypeName(ti), v, err)
		}
		// Each element costs at least 4 bytes of input, so the output cannot be much larger
		// than the input: the decoded value is bounded by what was sent.
		if l, ok := v.([]any); ok && ti.Type() != gocql.TypeTuple && len(l) > len(data)/4 {
			t.Fatalf("%s: %d elements from %d bytes", TypeName(ti), len(l), len(data))
		}
		if len(b) > 64*len(data)+64 {
			t.Fatalf("%s: %d bytes of JSON from %d bytes", TypeName(ti), len(b), len(data))
		}
	})
}

// FuzzFormatDecimal: the text of any decimal is bounded by its digits, is a JSON number, and
// reads back as the same value.
func FuzzFormatDecimal(f *testing.F) {
	f.Add([]byte{1}, int32(100_000_000))
	f.Add([]byte{0xff, 0x85}, int32(-100_000_000))
	f.Add([]byte{0x30, 0x39}, int32(2))
	f.Add([]byte{}, int32(7))
	f.Fuzz(func(t *testing.T, unscaled []byte, scale int32) {
		if len(unscaled) > 64 {
			unscaled = unscaled[:64]
		}
		u := new(big.Int).SetBytes(unscaled)
		if len(unscaled) > 0 && unscaled[0]&0x80 != 0 { // two's complement, as on the wire
			u.Sub(u, new(big.Int).Lsh(big.NewInt(1), uint(8*len(unscaled))))
		}
		d := inf.NewDecBig(u, inf.Scale(scale))
		s := formatDecimal(d)
		digits := len(new(big.Int).Abs(u).String())
		if len(s) > digits+2*maxDecimalPadding+16 {
			t.Fatalf("%d digits at scale %d gave %d characters", digits, scale, len(s))
		}
		var n json.Number
		if err := json.Unmarshal([]byte(s), &n); err != nil {
			t.Fatalf("%q is not a JSON number", s)
		}
		if _, err := strconv.ParseFloat(s, 64); err != nil && !strings.Contains(err.Error(), "range") {
			t.Fatalf("%q: %v", s, err)
		}
		if u.Sign() == 0 {
			if s != "0" && !strings.HasPrefix(s, "0.") && s != "0e+0" {
				t.Fatalf("zero at scale %d written %q", scale, s)
			}
			return // comparing zeros at far apart scales rescales by 10^scale: slow and pointless
		}
		// Read back exactly: mantissa digits and exponent give the same decimal.
		mant, exp := s, int64(0)
		if i := strings.IndexByte(s, 'e'); i >= 0 {
			mant = s[:i]
			e, err := strconv.ParseInt(s[i+1:], 10, 64)
			if err != nil {
				t.Fatalf("%q: exponent: %v", s, err)
			}
			exp = e
		}
		frac := ""
		if i := strings.IndexByte(mant, '.'); i >= 0 {
			mant, frac = mant[:i], mant[i+1:]
		}
		back, ok := new(big.Int).SetString(mant+frac, 10)
		if !ok {
			t.Fatalf("%q: mantissa does not parse", s)
		}
		if inf.NewDecBig(back, inf.Scale(int64(len(frac))-exp)).Cmp(d) != 0 {
			t.Fatalf("%q reads back as another value than %v at scale %d", s, u, scale)
		}
	})
}

// FuzzDecodeTimestamp: any 8 bytes read as a timestamp (in a collection, as JSON text) and
// through the column decoder give the instant the bytes hold, in UTC.
func FuzzDecodeTimestamp(f *testing.F) {
	f.Add(int64(0))
	f.Add(int64(1_767_225_600_123))
	f.Add(int64(-62_135_596_800_000))
	f.Add(int64(math.MaxInt64))
	f.Add(int64(math.MinInt64))
	ts := gocql.NewNativeType(4, gocql.TypeTimestamp, "")
	list := gocql.NewNativeType(4, gocql.TypeCustom, "list<timestamp>")
	f.Fuzz(func(t *testing.T, ms int64) {
		raw := binary.BigEndian.AppendUint64(nil, uint64(ms))
		v, err := decodeValue(list, cat(be32(1), elem(raw)), 0)
		if err != nil {
			t.Fatalf("list<timestamp> of %d: %v", ms, err)
		}
		text, ok := v.([]any)[0].(string)
		if !ok {
			t.Fatalf("timestamp %d decoded as %T", ms, v.([]any)[0])
		}
		// The column decoder gives a time a frame can hold, the same instant.
		d := NewDecoder(ColumnInfo{Name: "ts", TypeInfo: ts})
		if err := gocql.Unmarshal(ts, raw, d.Dests()[0]); err != nil {
			t.Fatal(err)
		}
		got, _ := d.Value().(*time.Time)
		if got == nil || got.Location() != time.UTC {
			t.Fatalf("timestamp %d: column value %v", ms, got)
		}
		if got.UnixMilli() != ms {
			t.Fatalf("timestamp %d read back as %d", ms, got.UnixMilli())
		}
		// Years 0-9999 round-trip through the JSON text as well.
		if y := got.Year(); y >= 0 && y <= 9999 {
			back, err := time.Parse(time.RFC3339Nano, text)
			if err != nil || !back.Equal(*got) {
				t.Fatalf("timestamp %d: JSON text %q reads back as %v (%v)", ms, text, back, err)
			}
		}
	})
}

// FuzzNumericDest: any bytes scanned as a numeric column give a float64 or an error, in
// bounded time and memory (a decimal's scale is not expanded into digits).
func FuzzNumericDest(f *testing.F) {
	f.Add(uint8(6), cat(be32(100_000_000), []byte{1}))
	f.Add(uint8(6), cat(be32(-100_000_000), []byte{7}))
	f.Add(uint8(5), []byte{0x01, 0x00})
	f.Add(uint8(3), binary.BigEndian.AppendUint64(nil, math.Float64bits(1.5)))
	types := []gocql.Type{gocql.TypeTinyInt, gocql.TypeSmallInt, gocql.TypeInt, gocql.TypeDouble, gocql.TypeFloat, gocql.TypeVarint, gocql.TypeDecimal, gocql.TypeBigInt, gocql.TypeCounter}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		ti := gocql.NewNativeType(4, types[int(which)%len(types)], "")
		dest, get, err := NumericDest(ti)
		if err != nil {
			t.Fatal(err)
		}
		if err := gocql.Unmarshal(ti, data, dest); err != nil {
			return
		}
		v, ok := get()
		if !ok && len(data) > 0 {
			t.Fatalf("%s %x: a value read as null", TypeName(ti), data)
		}
		if ti.Type() == gocql.TypeDecimal && len(data) >= 5 {
			// The float's order of magnitude follows the scale: 0 or ±Inf far out, finite near.
			scale := int32(binary.BigEndian.Uint32(data))
			if scale > 400+int32(3*len(data)) && v != 0 {
				t.Fatalf("decimal %x at scale %d read as %v, want 0", data, scale, v)
			}
		}
	})
}
