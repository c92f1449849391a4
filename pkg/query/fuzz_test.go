package query

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
	"gopkg.in/inf.v0"
)

// Seed corpora live in testdata/fuzz/<target>; `go test` runs them as ordinary cases.

// referenceReadOnly is the guard written the plain way, over a full token list: a second
// checker the streaming guard must agree with.
func referenceReadOnly(cql string) (ok bool, lexErr bool) {
	toks, err := Tokens(cql)
	if err != nil {
		return false, true
	}
	var sig []Token
	for _, t := range toks {
		if t.Significant() {
			sig = append(sig, t)
		}
	}
	if len(sig) == 0 || !sig[0].IsWord("SELECT") {
		return false, false
	}
	for i, t := range sig {
		if t.Kind == TokSemicolon && i+1 < len(sig) {
			return false, false
		}
	}
	return true, false
}

// FuzzCheckReadOnly: the guard agrees with the reference checker on every text, tokens
// give back the text, and what it accepts starts with SELECT.
func FuzzCheckReadOnly(f *testing.F) {
	f.Fuzz(func(t *testing.T, cql string) {
		err := CheckReadOnly(cql)
		if len(cql) > MaxRawCQLBytes {
			if err == nil {
				t.Fatal("text over the bound accepted")
			}
			return
		}
		ok, lexErr := referenceReadOnly(cql)
		if (err == nil) != ok {
			t.Fatalf("CheckReadOnly(%q) = %v, reference accepts: %v", cql, err, ok)
		}
		if err != nil && err.Error() == "" {
			t.Fatal("empty error")
		}
		if lexErr {
			return
		}
		toks, _ := Tokens(cql)
		var sb strings.Builder
		for _, tk := range toks {
			sb.WriteString(tk.Text)
		}
		if sb.String() != cql {
			t.Fatalf("tokens of %q join to %q", cql, sb.String())
		}
	})
}

// FuzzExpandMacros: expansion never changes the text's structure. The comments, strings,
// quoted identifiers and statements of the input are those of the output, a text the guard
// accepts stays accepted, and PrepareRaw returns the same text plus at most a newline.
func FuzzExpandMacros(f *testing.F) {
	f.Fuzz(func(t *testing.T, cql string, fromMs, toMs int64, intervalMs int64) {
		from, to := time.UnixMilli(fromMs).UTC(), time.UnixMilli(toMs).UTC()
		interval := time.Duration(intervalMs%(1<<40)) * time.Millisecond
		out, err := ExpandMacros(cql, from, to, interval)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		in, err := Tokens(cql)
		if err != nil {
			t.Fatalf("ExpandMacros accepted text that does not lex: %v", err)
		}
		got, err := Tokens(out)
		if err != nil {
			t.Fatalf("expanded text does not lex: %v\n in: %q\nout: %q", err, cql, out)
		}
		for _, k := range []TokenKind{TokComment, TokString, TokDollarString, TokSemicolon} {
			if a, b := countKind(in, k), countKind(got, k); a != b {
				t.Fatalf("%d %s tokens in, %d out\n in: %q\nout: %q", a, k, b, cql, out)
			}
		}
		if len(cql) > MaxRawCQLBytes || CheckReadOnly(cql) != nil {
			return
		}
		if err := CheckReadOnly(out); err != nil {
			t.Fatalf("guard accepts %q but refuses its expansion %q: %v", cql, out, err)
		}
		prepared, err := PrepareRaw(&Query{QueryType: QueryTypeCQL, RawCQL: cql}, from, to, interval)
		if err != nil {
			t.Fatalf("PrepareRaw(%q): %v", cql, err)
		}
		if prepared != out && prepared != out+"\n" {
			t.Fatalf("PrepareRaw = %q, ExpandMacros = %q", prepared, out)
		}
	})
}

// FuzzParse: any JSON either gives a clear error or a query that Validate can judge, and
// parsing the parsed query again changes nothing.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		q, err := Parse(raw)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		_ = q.Validate()
		again, err := json.Marshal(q)
		if err != nil {
			t.Fatal(err)
		}
		q2, err := Parse(again)
		if err != nil {
			t.Fatalf("parsed query %s does not parse again: %v", again, err)
		}
		if diff := cmp.Diff(q, q2); diff != "" {
			t.Fatalf("parse is not stable for %q (-first +second):\n%s", raw, diff)
		}
	})
}

var fuzzTables = []func() *schema.Table{seedTimer, seedCounter, samples, latest}

// FuzzBuildPlan: a builder query over one of the test tables, with filters taken from the
// input, plans to single SELECTs whose bind markers match their values, or fails with a
// query error.
func FuzzBuildPlan(f *testing.F) {
	f.Fuzz(func(t *testing.T, table uint8, valueCols, seriesCols, filters string, instant, allowFiltering bool, limit int64, fromMs, spanMs int64) {
		tbl := fuzzTables[int(table)%len(fuzzTables)]()
		q := &Query{
			QueryType: QueryTypeBuilder, Format: FormatTimeSeries, Interval: IntervalAuto, Fill: FillNull,
			Keyspace: tbl.Keyspace, Table: tbl.Name, Instant: instant, AllowFiltering: allowFiltering, Limit: limit,
			ValueColumns: splitList(valueCols, ","), SeriesColumns: splitList(seriesCols, ","),
		}
		for _, c := range tbl.Columns {
			if c.Type == "timestamp" && c.Kind == schema.Clustering {
				q.TimeColumn = c.Name
			}
		}
		// filters: "column op value|value; ..."
		for _, part := range splitList(filters, ";") {
			fields := strings.SplitN(strings.TrimSpace(part), " ", 3)
			if len(fields) < 3 {
				continue
			}
			q.Filters = append(q.Filters, Filter{Column: fields[0], Op: strings.ToUpper(fields[1]), Values: strings.Split(fields[2], "|")})
		}
		from := time.UnixMilli(fromMs).UTC()
		to := from.Add(time.Duration(spanMs%(1<<40)) * time.Millisecond)
		p, err := BuildPlan(context.Background(), q, tbl, from, to, PlanOptions{})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if len(p.Statements) == 0 || len(p.Statements) > MaxFanOut {
			t.Fatalf("%d statements", len(p.Statements))
		}
		for _, st := range p.Statements {
			if err := CheckReadOnly(st.CQL); err != nil {
				t.Fatalf("generated CQL %q refused by the guard: %v", st.CQL, err)
			}
			toks, _ := Tokens(st.CQL)
			markers := 0
			for _, tk := range toks {
				if tk.Kind == TokPunct && tk.Text == "?" {
					markers++
				}
			}
			if markers != len(st.Args) {
				t.Fatalf("%d markers, %d values in %q", markers, len(st.Args), st.CQL)
			}
			for _, a := range st.Args {
				if in, ok := a.([]any); ok && (len(in) == 0 || len(in) > MaxFilterValues) {
					t.Fatalf("IN with %d values", len(in))
				}
			}
		}
	})
}

func splitList(s, sep string) []string {
	var out []string
	for _, x := range strings.Split(s, sep) {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

var fuzzTypes = []string{
	"text", "ascii", "tinyint", "smallint", "int", "bigint", "counter", "varint", "decimal",
	"float", "double", "boolean", "timestamp", "date", "time", "uuid", "timeuuid", "inet", "blob",
}

// FuzzConvertValue: a value either gives an error naming it or converts to the Go type the
// driver binds for the column type, and printing that value and converting it again gives the
// same value.
func FuzzConvertValue(f *testing.F) {
	f.Fuzz(func(t *testing.T, typ uint8, s string) {
		cqlType := fuzzTypes[int(typ)%len(fuzzTypes)]
		v, err := ConvertValue(cqlType, s)
		if err != nil {
			if !strings.Contains(err.Error(), cqlType) {
				t.Fatalf("error %q does not name the type %s", err, cqlType)
			}
			return
		}
		var again string
		switch x := v.(type) {
		case string:
			again = x
		case int8, int16, int32, int64, bool:
			again = strings.TrimSpace(jsonText(t, x))
		case *big.Int:
			again = x.String()
		case *inf.Dec:
			if x.Scale() > maxDecimalScale || x.Scale() < -maxDecimalScale {
				t.Fatalf("decimal scale %d out of bounds", x.Scale())
			}
			again = x.UnscaledBig().String() + "e" + jsonText(t, -int64(x.Scale()))
		case float32, float64:
			return // printing floats loses nothing only with care; ParseFloat is trusted
		case time.Time:
			if x.Year() >= 0 && x.Year() <= 9999 {
				again = x.Format(time.RFC3339Nano)
			} else {
				again = jsonText(t, x.UnixMilli())
			}
		case time.Duration:
			again = (time.Time{}).Add(x).Format("15:04:05.999999999")
		case []byte:
			again = "0x" + hex.EncodeToString(x)
		default:
			t.Fatalf("%s value %q converted to %T", cqlType, s, v)
		}
		w, err := ConvertValue(cqlType, again)
		if err != nil {
			t.Fatalf("%s: %q -> %v -> %q: %v", cqlType, s, v, again, err)
		}
		if valueKey(v) != valueKey(w) {
			t.Fatalf("%s: %q -> %v, but %q -> %v", cqlType, s, v, again, w)
		}
	})
}

func jsonText(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
