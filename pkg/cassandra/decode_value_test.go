package cassandra

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/big"
	"runtime"
	"strings"
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/google/go-cmp/cmp"
	"gopkg.in/inf.v0"
)

func cqlType(t testing.TB, s string) gocql.TypeInfo {
	t.Helper()
	return gocql.NewNativeType(4, gocql.TypeCustom, s)
}

// be32 is a CQL [int] / [bytes] length prefix.
func be32(n int32) []byte { return binary.BigEndian.AppendUint32(nil, uint32(n)) }

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func elem(b []byte) []byte { return cat(be32(int32(len(b))), b) }

func TestFormatDecimal(t *testing.T) {
	tests := []struct {
		unscaled string
		scale    inf.Scale
		want     string
	}{
		{"123456", 2, "1234.56"},
		{"-5", 0, "-5"},
		{"1", 33, "0.000000000000000000000000000000001"},         // within the padding: plain
		{"1", 100_000_000, "1e-100000000"},                       // the 5-byte decimal
		{"-12300", 100_000_000, "-1.23e-99999996"},               // trailing zeros dropped
		{"7", -100_000_000, "7e+100000000"},                      // negative scale: huge plain number
		{"12", -3, "12000"},                                      // small negative scale stays plain
		{"0", 1_000_000, "0"},                                    //
		{"98765432109876543210", 60, "9.876543210987654321e-41"}, //
		{"98765432109876543210", 40, "0.0000000000000000000098765432109876543210"},
	}
	for _, tt := range tests {
		u, _ := new(big.Int).SetString(tt.unscaled, 10)
		d := inf.NewDecBig(u, tt.scale)
		got := formatDecimal(d)
		if got != tt.want {
			t.Errorf("formatDecimal(%s, scale %d) = %q, want %q", tt.unscaled, tt.scale, got, tt.want)
		}
		// Both notations are JSON numbers.
		var n json.Number
		if err := json.Unmarshal([]byte(got), &n); err != nil {
			t.Errorf("%q is not a JSON number: %v", got, err)
		}
	}
	// The bound is what matters: a 5-byte value stays a short string and a float.
	huge := inf.NewDec(1, 100_000_000)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	s, f := formatDecimal(huge), decimalFloat(huge)
	runtime.ReadMemStats(&after)
	if len(s) > 20 || f != 0 {
		t.Errorf("1e-100000000 gave %d characters and float %v", len(s), f)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("formatting allocated %d bytes", alloc)
	}
}

// D14 and D2 at the byte level: counts and lengths are checked against the bytes before
// anything is allocated, and map keys of any type decode.
func TestDecodeValue(t *testing.T) {
	inet := func(a, b, c, d byte) []byte { return []byte{a, b, c, d} }
	tests := []struct {
		typ     string
		data    []byte
		want    string // JSON
		wantErr string
	}{
		{"list<int>", cat(be32(2), elem(be32(7)), elem(be32(-1))), `[7,-1]`, ""},
		{"map<inet, text>", cat(be32(1), elem(inet(10, 0, 0, 1)), elem([]byte("a"))), `{"10.0.0.1":"a"}`, ""},
		{"map<blob, int>", cat(be32(1), elem([]byte{0xca, 0xfe}), elem(be32(3))), `{"0xcafe":3}`, ""},
		{"map<frozen<list<int>>, int>", cat(be32(1), elem(cat(be32(2), elem(be32(1)), elem(be32(2)))), elem(be32(5))), `{"[1,2]":5}`, ""},
		{"list<frozen<map<inet, int>>>", cat(be32(1), elem(cat(be32(1), elem(inet(1, 2, 3, 4)), elem(be32(9))))), `[{"1.2.3.4":9}]`, ""},
		{"tuple<int, text, int>", cat(elem(be32(1)), be32(-1)), `[1,null,null]`, ""},
		{"list<int>", be32(-1), "", "claims -1 elements"},
		{"list<int>", cat(be32(1<<31-1), elem(be32(1))), "", "claims 2147483647 elements in 8 bytes"},
		{"map<text, int>", cat(be32(2), elem([]byte("a")), elem(be32(1))), "", "claims 2 elements"},
		{"list<text>", cat(be32(1), be32(1000), []byte("ab")), "", "claims 1000 bytes, 2 remain"},
		{"list<int>", []byte{0, 0}, "", "too short"},
		{"set<decimal>", cat(be32(1), elem(cat(be32(100_000_000), []byte{1}))), `[1e-100000000]`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			v, err := decodeValue(cqlType(t, tt.typ), tt.data, 0)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(v)
			if diff := cmp.Diff(tt.want, string(b)); diff != "" {
				t.Errorf("JSON (-want +got):\n%s", diff)
			}
		})
	}
}

// scannerFunc is a gocql.Scanner whose Scan runs f, to put the driver's own decoding
// behind Rows without a server that sends malformed data.
type scannerFunc struct {
	f    func(dest ...any) error
	done bool
}

func (s *scannerFunc) Next() bool             { return !s.done }
func (s *scannerFunc) Scan(dest ...any) error { s.done = true; return s.f(dest...) }
func (s *scannerFunc) Err() error             { return nil }

// D14: the driver trusts a collection's element count; -1 makes it panic in reflect.MakeSlice.
// Rows turns that panic into the result's error.
func TestRowsRecoverDriverPanic(t *testing.T) {
	list := cqlType(t, "list<int>")
	r := &Rows{ctx: context.Background(), scanner: &scannerFunc{f: func(dest ...any) error {
		return gocql.Unmarshal(list, be32(-1), dest[0])
	}}}
	var got []int
	if r.Next(&got) {
		t.Fatal("Next reported a row for a malformed value")
	}
	err := r.Close()
	var ce *Error
	if err == nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), "malformed value") {
		t.Fatalf("Close() = %v, want a decode error", err)
	}
	if r.Next(&got) {
		t.Error("Next after the error reported a row")
	}
}
