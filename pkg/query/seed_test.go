package query

import (
	"math/big"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
	"gopkg.in/inf.v0"
)

func TestDefaultAggregation(t *testing.T) {
	seed := seedTimer()
	for measure, want := range map[string]string{
		"count": "max", "previous_count": "max", "interval_count": "sum",
		"p75": "max", "p95": "max", "p98": "max", "p99": "max", "p999": "max", "median": "max", "max": "max", "std_dev": "max",
		"one_min_rate": "max", "five_min_rate": "max", "fifteen_min_rate": "max",
		"min": "min", "mean": "avg", "mean_rate": "avg", "something_else": "avg",
	} {
		if got := DefaultAggregation(seed, measure); got != want {
			t.Errorf("seed table: DefaultAggregation(%q) = %q, want %q", measure, got, want)
		}
	}
	generic := samples()
	for measure, want := range map[string]string{"min": "min", "max": "max", "count": "avg", "p99": "avg", "value": "avg"} {
		if got := DefaultAggregation(generic, measure); got != want {
			t.Errorf("generic table: DefaultAggregation(%q) = %q, want %q", measure, got, want)
		}
	}
}

func TestMeasures(t *testing.T) {
	want := []MeasureInfo{
		{Name: "count", Type: "bigint", DefaultAggregation: "max"},
		{Name: "previous_count", Type: "bigint", DefaultAggregation: "max"},
		{Name: "interval_count", Type: "bigint", Derived: true, DefaultAggregation: "sum"},
	}
	if diff := cmp.Diff(want, Measures(seedCounter())); diff != "" {
		t.Errorf("counter (-want +got):\n%s", diff)
	}

	got := Measures(seedTimer())
	var names []string
	for _, m := range got {
		names = append(names, m.Name)
	}
	wantNames := []string{"count", "fifteen_min_rate", "five_min_rate", "max", "mean", "mean_rate", "median", "min",
		"one_min_rate", "p75", "p95", "p98", "p99", "p999", "previous_count", "std_dev", "interval_count"}
	if diff := cmp.Diff(wantNames, names); diff != "" {
		t.Errorf("timer (-want +got):\n%s", diff)
	}

	// Key columns are labels, not measures, even when numeric.
	if diff := cmp.Diff([]MeasureInfo{{Name: "Temp C", Type: "float", DefaultAggregation: "avg"}}, Measures(latest())); diff != "" {
		t.Errorf("latest (-want +got):\n%s", diff)
	}
	// A real interval_count column wins over the derived one.
	withColumn := seedCounter()
	withColumn.Columns = append(withColumn.Columns, regCol("interval_count", "bigint"))
	got = Measures(withColumn)
	if last := got[len(got)-1]; last.Derived || last.Name != "interval_count" {
		t.Errorf("last measure %+v, want the real interval_count column", last)
	}
	if n := len(got); n != 3 {
		t.Errorf("%d measures, want 3", n)
	}
}

func TestIsSeedShaped(t *testing.T) {
	if !IsSeedShaped(seedTimer()) || !IsSeedShaped(seedCounter()) {
		t.Error("seed tables not recognised")
	}
	textCount := &schema.Table{Keyspace: "k", Name: "t", Columns: []schema.Column{regCol("count", "text"), regCol("previous_count", "bigint")}}
	if IsSeedShaped(samples()) || IsSeedShaped(textCount) || IsSeedShaped(nil) {
		t.Error("non-seed table recognised")
	}
}

func TestConvertValue(t *testing.T) {
	ts := time.Date(2024, 1, 2, 15, 4, 5, 0, time.UTC)
	huge, _ := new(big.Int).SetString("-98765432109876543210", 10)
	tests := []struct {
		typ, in string
		want    any
	}{
		{"text", " a b ", " a b "},
		{"varchar", "x", "x"},
		{"ascii", "plain", "plain"},
		{"tinyint", "-128", int8(-128)},
		{"smallint", "32767", int16(32767)},
		{"int", "42", int32(42)},
		{"bigint", "9223372036854775807", int64(9223372036854775807)},
		{"counter", "7", int64(7)},
		{"varint", "-98765432109876543210", huge},
		{"decimal", "3.14", inf.NewDec(314, 2)},
		{"decimal", "1e5", inf.NewDec(1, -5)},
		{"decimal", "-1.25E+3", inf.NewDec(-125, -1)},
		{"decimal", "15e-1", inf.NewDec(15, 1)},
		{"decimal", " 2.5e0 ", inf.NewDec(25, 1)},
		{"float", "1.5", float32(1.5)},
		{"double", "-2.25e3", float64(-2250)},
		{"boolean", "False", false},
		{"timestamp", "2024-01-02T15:04:05Z", ts},
		{"timestamp", "2024-01-02T16:04:05+01:00", ts},
		{"timestamp", "1704207845000", ts},
		{"date", "2024-01-02", "2024-01-02"},
		{"time", "15:04:05.5", 15*time.Hour + 4*time.Minute + 5*time.Second + 500*time.Millisecond},
		{"uuid", "123E4567-E89B-12D3-A456-426614174000", "123e4567-e89b-12d3-a456-426614174000"},
		{"timeuuid", "50554d6e-29bb-11e5-b345-feff819cdc9f", "50554d6e-29bb-11e5-b345-feff819cdc9f"},
		{"inet", "::1", "::1"},
		{"inet", "192.168.0.1", "192.168.0.1"},
		{"blob", "0xCAFE", []byte{0xca, 0xfe}},
		{"BIGINT", "1", int64(1)},
	}
	for _, tt := range tests {
		got, err := ConvertValue(tt.typ, tt.in)
		if err != nil {
			t.Errorf("ConvertValue(%s, %q): %v", tt.typ, tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmpValues); diff != "" {
			t.Errorf("ConvertValue(%s, %q) (-want +got):\n%s", tt.typ, tt.in, diff)
		}
	}

	bad := []struct{ typ, in, want string }{
		{"bigint", "abc", `"abc" is not a bigint`},
		{"bigint", "1.0", `"1.0" is not a bigint`},
		{"tinyint", "128", `"128" is not a tinyint (out of range)`},
		{"int", "2147483648", `"2147483648" is not an int (out of range)`},
		{"varint", "1e3", `"1e3" is not a varint`},
		{"decimal", "twelve", `"twelve" is not a decimal (use a decimal number such as 12.5 or 1.25e3)`},
		{"decimal", "1e", `"1e" is not a decimal (use a decimal number such as 12.5 or 1.25e3)`},
		{"decimal", "e5", `"e5" is not a decimal (use a decimal number such as 12.5 or 1.25e3)`},
		{"decimal", "1e5e5", `"1e5e5" is not a decimal (use a decimal number such as 12.5 or 1.25e3)`},
		{"decimal", "1e-2000000000", `"1e-2000000000" is not a decimal (out of range: at most 1000 digits after the point, and an exponent of at most 1000)`},
		{"decimal", "1e99999999999", `"1e99999999999" is not a decimal (out of range: at most 1000 digits after the point, and an exponent of at most 1000)`},
		{"float", "x", `"x" is not a float`},
		{"double", "", `"" is not a double`},
		{"boolean", "yes", `"yes" is not a boolean (use true or false)`},
		{"timestamp", "yesterday", `"yesterday" is not a timestamp (use RFC 3339 like 2024-01-02T15:04:05Z or epoch milliseconds)`},
		{"date", "2024-13-01", `"2024-13-01" is not a date (use YYYY-MM-DD)`},
		{"time", "25:00:00", `"25:00:00" is not a time (use HH:MM:SS or HH:MM:SS.fff)`},
		{"uuid", "not-a-uuid", `"not-a-uuid" is not a uuid (use the form 123e4567-e89b-12d3-a456-426614174000)`},
		{"inet", "300.1.1.1", `"300.1.1.1" is not an inet (use an IPv4 or IPv6 address)`},
		{"ascii", "é", `"é" is not an ascii (only ASCII characters)`},
		{"blob", "cafe", `"cafe" is not a blob (use hex bytes such as 0xcafe)`},
		{"list<int>", "1", `filtering on list<int> columns is not supported`},
		{"duration", "1h", `filtering on duration columns is not supported`},
	}
	for _, tt := range bad {
		_, err := ConvertValue(tt.typ, tt.in)
		if err == nil {
			t.Errorf("ConvertValue(%s, %q) succeeded", tt.typ, tt.in)
			continue
		}
		if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
			t.Errorf("ConvertValue(%s, %q) (-want +got):\n%s", tt.typ, tt.in, diff)
		}
	}
}

// The planner asks the table's rules for derived measures and defaults: the reporters' rules
// on their tables, none on others, and a real column of a derived measure's name wins.
func TestMeasureRulesOfATable(t *testing.T) {
	withColumn := seedCounter()
	withColumn.Columns = append(withColumn.Columns, regCol(IntervalCount, "bigint"))
	for _, tt := range []struct {
		name        string
		table       *schema.Table
		wantDerived bool
		wantDefault string // of interval_count
	}{
		{"reporters' table", seedCounter(), true, "sum"},
		{"generic table", samples(), false, "avg"},
		{"a real interval_count column wins", withColumn, false, "sum"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, derived := derivedOf(tt.table, IntervalCount)
			if derived != tt.wantDerived {
				t.Errorf("derived interval_count: %v, want %v", derived, tt.wantDerived)
			}
			if got := DefaultAggregation(tt.table, IntervalCount); got != tt.wantDefault {
				t.Errorf("default aggregation %q, want %q", got, tt.wantDefault)
			}
		})
	}
}
