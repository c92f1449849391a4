package query

import (
	"strconv"
	"strings"
	"time"
)

// Macro names. They expand in the backend (not the browser) so alert rules get them too.
const (
	MacroTimeFrom       = "$__timeFrom"
	MacroTimeTo         = "$__timeTo"
	MacroUnixEpochFrom  = "$__unixEpochFrom"
	MacroUnixEpochTo    = "$__unixEpochTo"
	MacroTimeFilter     = "$__timeFilter"
	MacroInterval       = "$__interval"
	MacroIntervalMs     = "$__interval_ms"
	macroPrefix         = "$__"
	macroTimeFilterHelp = `write one column name, e.g. $__timeFilter(metric_timestamp) or $__timeFilter("Time")`
)

// Macros lists the macro names, for help texts and the editor.
func Macros() []string {
	return []string{MacroTimeFrom, MacroTimeTo, MacroUnixEpochFrom, MacroUnixEpochTo, MacroTimeFilter, MacroInterval, MacroIntervalMs}
}

// ExpandMacros replaces the macros in raw CQL:
//
//	$__timeFrom, $__timeTo            the time range in epoch milliseconds
//	$__unixEpochFrom, $__unixEpochTo  the time range in epoch seconds
//	$__timeFilter(col)                col >= <from ms> AND col < <to ms>
//	$__interval                       the interval as a CQL duration literal (30s, 5m, 1h)
//	$__interval_ms                    the interval in milliseconds
//
// Text inside string literals, quoted identifiers and comments is left alone. A macro name ends
// where an identifier would, so $__timeFromX is the (unknown) macro $__timeFromX, an error,
// rather than $__timeFrom followed by X. Zero-argument macros may be written with empty
// parentheses, $__timeFrom(), as other Grafana SQL data sources allow.
func ExpandMacros(cql string, from, to time.Time, interval time.Duration) (string, error) {
	toks, err := Tokens(cql)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.Kind != TokVariable || !strings.HasPrefix(t.Text, macroPrefix) {
			b.WriteString(t.Text)
			continue
		}
		var value string
		switch t.Text {
		case MacroTimeFrom:
			value = strconv.FormatInt(from.UnixMilli(), 10)
		case MacroTimeTo:
			value = strconv.FormatInt(to.UnixMilli(), 10)
		case MacroUnixEpochFrom:
			value = strconv.FormatInt(from.Unix(), 10)
		case MacroUnixEpochTo:
			value = strconv.FormatInt(to.Unix(), 10)
		case MacroInterval, MacroIntervalMs:
			if interval <= 0 {
				return "", lexError(cql, t.Pos, t.Text+" has no value here: the query has no interval")
			}
			if t.Text == MacroInterval {
				value = DurationLiteral(interval)
			} else {
				value = strconv.FormatInt(interval.Milliseconds(), 10)
			}
		case MacroTimeFilter:
			col, next, ok := macroArg(toks, i+1)
			if !ok {
				return "", lexError(cql, t.Pos, MacroTimeFilter+": "+macroTimeFilterHelp)
			}
			value = col + " >= " + strconv.FormatInt(from.UnixMilli(), 10) + " AND " + col + " < " + strconv.FormatInt(to.UnixMilli(), 10)
			b.WriteString(value)
			i = next - 1
			continue
		default:
			return "", lexError(cql, t.Pos, "unknown macro "+t.Text+"; the macros are "+strings.Join(Macros(), ", "))
		}
		b.WriteString(value)
		if next, ok := emptyParens(toks, i+1); ok {
			i = next - 1
		}
	}
	return b.String(), nil
}

// macroArg reads "(column)" starting at toks[i], allowing spaces around the column. The column
// must be a plain or double-quoted identifier and is kept as written. It returns the column
// text and the index after ")".
func macroArg(toks []Token, i int) (string, int, bool) {
	if i >= len(toks) || toks[i].Text != "(" {
		return "", 0, false
	}
	i = skipSpace(toks, i+1)
	if i >= len(toks) {
		return "", 0, false
	}
	col := toks[i]
	if !(col.Kind == TokQuotedIdent || (col.Kind == TokWord && isPlainIdent(col.Text))) {
		return "", 0, false
	}
	i = skipSpace(toks, i+1)
	if i >= len(toks) || toks[i].Text != ")" {
		return "", 0, false
	}
	return col.Text, i + 1, true
}

// emptyParens matches "()" (spaces allowed inside) right after a zero-argument macro.
func emptyParens(toks []Token, i int) (int, bool) {
	if i >= len(toks) || toks[i].Text != "(" {
		return 0, false
	}
	i = skipSpace(toks, i+1)
	if i >= len(toks) || toks[i].Text != ")" {
		return 0, false
	}
	return i + 1, true
}

func skipSpace(toks []Token, i int) int {
	for i < len(toks) && toks[i].Kind == TokSpace {
		i++
	}
	return i
}

// DurationLiteral writes d as a CQL duration literal, largest units first: 30s, 5m, 1h30m, 1d,
// 1s500ms. Cassandra accepts it wherever a duration goes, e.g. floor(ts, 5m).
func DurationLiteral(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	var b strings.Builder
	if d < 0 {
		b.WriteByte('-')
		d = -d
	}
	units := []struct {
		name string
		size time.Duration
	}{
		{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second},
		{"ms", time.Millisecond}, {"us", time.Microsecond}, {"ns", time.Nanosecond},
	}
	for _, u := range units {
		if n := d / u.size; n > 0 {
			b.WriteString(strconv.FormatInt(int64(n), 10))
			b.WriteString(u.name)
			d -= n * u.size
		}
	}
	return b.String()
}
