package query

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestExpandMacros(t *testing.T) {
	from := time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC) // 1700000000000 ms
	to := from.Add(time.Hour)                                // 1700003600000 ms
	tests := []struct {
		name     string
		cql      string
		interval time.Duration
		want     string
	}{
		{"timeFrom", `SELECT a FROM t WHERE ts >= $__timeFrom`, time.Minute, `SELECT a FROM t WHERE ts >= 1700000000000`},
		{"timeTo", `SELECT a FROM t WHERE ts < $__timeTo`, time.Minute, `SELECT a FROM t WHERE ts < 1700003600000`},
		{"unixEpochFrom", `SELECT a FROM t WHERE s >= $__unixEpochFrom`, time.Minute, `SELECT a FROM t WHERE s >= 1700000000`},
		{"unixEpochTo", `SELECT a FROM t WHERE s < $__unixEpochTo`, time.Minute, `SELECT a FROM t WHERE s < 1700003600`},
		{"empty parentheses", `SELECT a FROM t WHERE ts >= $__timeFrom() AND ts < $__timeTo( )`, time.Minute, `SELECT a FROM t WHERE ts >= 1700000000000 AND ts < 1700003600000`},
		{"timeFilter", `SELECT a FROM t WHERE k = 1 AND $__timeFilter(metric_timestamp)`, time.Minute,
			`SELECT a FROM t WHERE k = 1 AND metric_timestamp >= 1700000000000 AND metric_timestamp < 1700003600000`},
		{"timeFilter with spaces", `SELECT a FROM t WHERE $__timeFilter( ts )`, time.Minute,
			`SELECT a FROM t WHERE ts >= 1700000000000 AND ts < 1700003600000`},
		{"timeFilter with a quoted identifier", `SELECT a FROM t WHERE $__timeFilter("Time ""UTC""")`, time.Minute,
			`SELECT a FROM t WHERE "Time ""UTC""" >= 1700000000000 AND "Time ""UTC""" < 1700003600000`},
		{"interval", `SELECT floor(ts, $__interval), max(v) FROM t GROUP BY floor(ts, $__interval)`, 5 * time.Minute,
			`SELECT floor(ts, 5m), max(v) FROM t GROUP BY floor(ts, 5m)`},
		{"interval of mixed units", `SELECT floor(ts, $__interval) FROM t`, 90 * time.Second, `SELECT floor(ts, 1m30s) FROM t`},
		{"interval_ms", `SELECT a FROM t LIMIT $__interval_ms`, 30 * time.Second, `SELECT a FROM t LIMIT 30000`},
		{"interval and interval_ms side by side", `$__interval_ms $__interval`, time.Hour, `3600000 1h`},
		{"inside strings untouched", `SELECT a FROM t WHERE k = '$__timeFrom' AND j = 'it''s $__timeTo' AND ts > $__timeFrom`, time.Minute,
			`SELECT a FROM t WHERE k = '$__timeFrom' AND j = 'it''s $__timeTo' AND ts > 1700000000000`},
		{"inside $$ strings untouched", `SELECT a FROM t WHERE k = $$ $__timeFilter(x) $__nope $$`, time.Minute,
			`SELECT a FROM t WHERE k = $$ $__timeFilter(x) $__nope $$`},
		{"inside comments untouched", "SELECT a FROM t -- $__timeFrom\n// $__nope\nWHERE /* $__timeFilter(x) */ ts > $__timeFrom", time.Minute,
			"SELECT a FROM t -- $__timeFrom\n// $__nope\nWHERE /* $__timeFilter(x) */ ts > 1700000000000"},
		{"inside quoted identifiers untouched", `SELECT "$__timeFrom" FROM t`, time.Minute, `SELECT "$__timeFrom" FROM t`},
		{"template variables left alone", `SELECT a FROM t WHERE k = $env`, time.Minute, `SELECT a FROM t WHERE k = $env`},
		{"no interval needed when unused", `SELECT a FROM t WHERE ts > $__timeFrom`, 0, `SELECT a FROM t WHERE ts > 1700000000000`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ExpandMacros(tt.cql, from, to, tt.interval)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestExpandMacrosErrors(t *testing.T) {
	from := time.UnixMilli(0).UTC()
	to := from.Add(time.Hour)
	tests := []struct {
		name, cql string
		interval  time.Duration
		want      string
	}{
		{"unknown macro", `SELECT a FROM t WHERE ts > $__from`, time.Minute, "rawCql: unknown macro $__from;"},
		{"longer name is another macro", `SELECT a FROM t WHERE ts > $__timeFromX`, time.Minute, "rawCql: unknown macro $__timeFromX;"},
		{"timeFilter without argument", `SELECT a FROM t WHERE $__timeFilter`, time.Minute, "rawCql: $__timeFilter: write one column name"},
		{"timeFilter with empty argument", `SELECT a FROM t WHERE $__timeFilter()`, time.Minute, "rawCql: $__timeFilter: write one column name"},
		{"timeFilter with an expression", `SELECT a FROM t WHERE $__timeFilter(ts) OR 1=1)`, time.Minute, ""},
		{"timeFilter with two words", `SELECT a FROM t WHERE $__timeFilter(ts; DROP TABLE t)`, time.Minute, "rawCql: $__timeFilter: write one column name"},
		{"timeFilter with a string", `SELECT a FROM t WHERE $__timeFilter('ts')`, time.Minute, "rawCql: $__timeFilter: write one column name"},
		{"timeFilter unclosed", `SELECT a FROM t WHERE $__timeFilter(ts`, time.Minute, "rawCql: $__timeFilter: write one column name"},
		{"interval without one", `SELECT floor(ts, $__interval) FROM t`, 0, "rawCql: $__interval has no value here: the query has no interval (line 1, column 18)"},
		{"unterminated string", `SELECT a FROM t WHERE k = '$__timeFrom`, time.Minute, "rawCql: unterminated string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ExpandMacros(tt.cql, from, to, tt.interval)
			if tt.want == "" {
				// Expands (the rest is Cassandra's to reject), keeping the text after it as is.
				if err != nil || !strings.HasSuffix(got, " OR 1=1)") {
					t.Errorf("got %q, %v", got, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("expanded to %q; want error %q", got, tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error = %q, want prefix %q", err, tt.want)
			}
		})
	}
}

func TestDurationLiteral(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Second:                           "1s",
		30 * time.Second:                      "30s",
		5 * time.Minute:                       "5m",
		time.Hour:                             "1h",
		24 * time.Hour:                        "1d",
		7 * 24 * time.Hour:                    "7d",
		90 * time.Minute:                      "1h30m",
		1500 * time.Millisecond:               "1s500ms",
		2*time.Millisecond + time.Microsecond: "2ms1us",
		0:                                     "0s",
	} {
		if got := DurationLiteral(d); got != want {
			t.Errorf("DurationLiteral(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestTokensRoundTrip(t *testing.T) {
	cql := "SELECT \"a\"\"b\", 'x''y', $$z$$ -- c\n/* d */ FROM ks.t WHERE ts > $__timeFrom AND v = -1.5e3;\r\n"
	toks, err := Tokens(cql)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var kinds []TokenKind
	for _, tk := range toks {
		b.WriteString(tk.Text)
		if tk.Significant() {
			kinds = append(kinds, tk.Kind)
		}
	}
	if b.String() != cql {
		t.Errorf("tokens join to %q, want %q", b.String(), cql)
	}
	want := []TokenKind{
		TokWord, TokQuotedIdent, TokPunct, TokString, TokPunct, TokDollarString,
		TokWord, TokWord, TokPunct, TokWord, TokWord, TokWord, TokPunct, TokVariable, TokWord, TokWord, TokPunct,
		TokPunct, TokWord, TokPunct, TokWord, TokSemicolon,
	}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("kinds (-want +got):\n%s", diff)
	}
}

// A negative value right after '-' must not turn into a "--" comment that hides the rest of
// the line from Cassandra (and from the guard's second look).
func TestExpandMacrosNegativeValues(t *testing.T) {
	from := time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC) // -3600000 ms
	to := time.Date(1969, 12, 31, 23, 30, 0, 0, time.UTC)  // -1800000 ms
	tests := []struct {
		name, cql, want string
	}{
		{"after minus", "SELECT a FROM t WHERE x = -$__timeFrom AND y = 1", "SELECT a FROM t WHERE x = - -3600000 AND y = 1"},
		{"after minus, seconds", "SELECT a FROM t WHERE x = -$__unixEpochTo; DROP TABLE t", "SELECT a FROM t WHERE x = - -1800; DROP TABLE t"},
		{"after minus with parentheses", "SELECT a FROM t WHERE x > -$__timeTo() AND y = 2", "SELECT a FROM t WHERE x > - -1800000 AND y = 2"},
		{"after a space", "SELECT a FROM t WHERE x = - $__timeFrom", "SELECT a FROM t WHERE x = - -3600000"},
		{"plain", "SELECT a FROM t WHERE x >= $__timeFrom AND y = 1", "SELECT a FROM t WHERE x >= -3600000 AND y = 1"},
		{"word before", "SELECT a FROM t WHERE x = y$__unixEpochFrom", "SELECT a FROM t WHERE x = y-3600"},
		{"word before a positive value", "SELECT a FROM t WHERE x = y$__interval_ms", "SELECT a FROM t WHERE x = y 60000"},
		{"word after empty parentheses", "SELECT a FROM t LIMIT $__interval_ms()0", "SELECT a FROM t LIMIT 60000 0"},
		{"dot after", "SELECT a FROM t WHERE x = $__timeFrom().5", "SELECT a FROM t WHERE x = -3600000 .5"},
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
			// Every token of the input outside the macros is still there: no comment appeared.
			in, _ := Tokens(tt.cql)
			out, err := Tokens(got)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := countKind(in, TokComment), countKind(out, TokComment); a != b {
				t.Errorf("%d comments in, %d out: %q", a, b, got)
			}
		})
	}
}

func countKind(toks []Token, k TokenKind) int {
	n := 0
	for _, t := range toks {
		if t.Kind == k {
			n++
		}
	}
	return n
}
