package query

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestExpandUnitMacros(t *testing.T) {
	// 1700000000.5005 s: half a second and half a millisecond past a whole second.
	from := time.Date(2023, 11, 14, 22, 13, 20, 500_500_000, time.UTC)
	to := time.Date(2023, 11, 14, 23, 13, 20, 0, time.UTC) // 1700003600 s
	tests := []struct{ name, cql, want string }{
		{"timeFrom in each unit rounds up", `$__timeFrom_s $__timeFrom_ms $__timeFrom_us $__timeFrom_ns`,
			`1700000001 1700000000501 1700000000500500 1700000000500500000`},
		{"timeTo in each unit", `$__timeTo_s $__timeTo_ms $__timeTo_us $__timeTo_ns()`,
			`1700003600 1700003600000 1700003600000000 1700003600000000000`},
		{"timeFilter_s", `SELECT v FROM t WHERE k = 1 AND $__timeFilter_s(ts)`,
			`SELECT v FROM t WHERE k = 1 AND ts >= 1700000001 AND ts < 1700003600`},
		{"timeFilter_ms", `SELECT v FROM t WHERE $__timeFilter_ms("Ts")`,
			`SELECT v FROM t WHERE "Ts" >= 1700000000501 AND "Ts" < 1700003600000`},
		{"timeFilter_us", `SELECT v FROM t WHERE $__timeFilter_us( ts )`,
			`SELECT v FROM t WHERE ts >= 1700000000500500 AND ts < 1700003600000000`},
		{"timeFilter_ns", `SELECT v FROM t WHERE $__timeFilter_ns(ts)`,
			`SELECT v FROM t WHERE ts >= 1700000000500500000 AND ts < 1700003600000000000`},
		{"timeuuidFilter", `SELECT v FROM t WHERE $__timeuuidFilter(id)`,
			`SELECT v FROM t WHERE id >= minTimeuuid(1700000000501) AND id < minTimeuuid(1700003600000)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ExpandMacros(tt.cql, from, to, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestExpandUnitMacroErrors(t *testing.T) {
	from := time.UnixMilli(0).UTC()
	for _, tt := range []struct{ cql, want string }{
		{`SELECT v FROM t WHERE $__timeFilter_s`, `$__timeFilter_s: write one column name, e.g. $__timeFilter_s(ts)`},
		{`SELECT v FROM t WHERE $__timeuuidFilter(a, b)`, `$__timeuuidFilter: write one column name, e.g. $__timeuuidFilter(event_id)`},
		{`SELECT v FROM t WHERE ts > $__timeFrom_min`, `unknown macro $__timeFrom_min`},
	} {
		_, err := ExpandMacros(tt.cql, from, from.Add(time.Hour), time.Minute)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.cql, err, tt.want)
		}
	}
}
