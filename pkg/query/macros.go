package query

import (
	"strconv"
	"strings"
	"time"
)

// Macro names. They expand in the backend (not the browser) so alert rules get them too.
const (
	MacroTimeFrom      = "$__timeFrom"
	MacroTimeTo        = "$__timeTo"
	MacroUnixEpochFrom = "$__unixEpochFrom"
	MacroUnixEpochTo   = "$__unixEpochTo"
	MacroTimeFilter    = "$__timeFilter"
	MacroInterval      = "$__interval"
	MacroIntervalMs    = "$__interval_ms"
	// Unit forms for epoch columns: the range's bounds in s, ms, us or ns, each rounded up to
	// a whole unit so that col >= from AND col < to holds exactly the range.
	MacroTimeFilterPrefix = "$__timeFilter_"
	MacroTimeFromPrefix   = "$__timeFrom_"
	MacroTimeToPrefix     = "$__timeTo_"
	// MacroTimeUUIDFilter keeps a timeuuid column to the range with minTimeuuid bounds.
	MacroTimeUUIDFilter = "$__timeuuidFilter"
	macroPrefix         = "$__"
	macroTimeFilterHelp = `write one column name, e.g. $__timeFilter(metric_timestamp) or $__timeFilter("Time")`
)

// Macros lists the macro names, for help texts and the editor.
func Macros() []string {
	out := []string{MacroTimeFrom, MacroTimeTo, MacroUnixEpochFrom, MacroUnixEpochTo, MacroTimeFilter, MacroInterval, MacroIntervalMs}
	for _, prefix := range []string{MacroTimeFilterPrefix, MacroTimeFromPrefix, MacroTimeToPrefix} {
		for _, u := range timeUnits {
			out = append(out, prefix+u)
		}
	}
	return append(out, MacroTimeUUIDFilter)
}

// MacroHelp names the macros for error messages, the unit forms folded into one entry each.
func MacroHelp() string { return macroHelp }

var macroHelp = strings.Join([]string{MacroTimeFrom, MacroTimeTo, MacroUnixEpochFrom, MacroUnixEpochTo, MacroTimeFilter, MacroInterval, MacroIntervalMs,
	MacroTimeFilterPrefix + "<unit>", MacroTimeFromPrefix + "<unit>", MacroTimeToPrefix + "<unit> (unit s, ms, us or ns)", MacroTimeUUIDFilter}, ", ")

// unitMacro splits a unit form such as $__timeFilter_us into its base and unit.
func unitMacro(name string) (base, unit string, ok bool) {
	for _, prefix := range []string{MacroTimeFilterPrefix, MacroTimeFromPrefix, MacroTimeToPrefix} {
		if u, found := strings.CutPrefix(name, prefix); found && contains(timeUnits, u) {
			return prefix, u, true
		}
	}
	return "", "", false
}

// ExpandMacros replaces the macros in raw CQL:
//
//	$__timeFrom, $__timeTo            the time range in epoch milliseconds
//	$__unixEpochFrom, $__unixEpochTo  the time range in epoch seconds
//	$__timeFilter(col)                col >= <from ms> AND col < <to ms>
//	$__interval                       the interval as a CQL duration literal (30s, 5m, 1h)
//	$__interval_ms                    the interval in milliseconds
//	$__timeFrom_s, _ms, _us, _ns      the range's start in epoch s, ms, µs or ns, rounded up
//	$__timeTo_s, _ms, _us, _ns        the range's end, rounded up the same way
//	$__timeFilter_s(col) (_ms _us _ns) col >= $__timeFrom_s AND col < $__timeTo_s: an epoch column
//	$__timeuuidFilter(col)            col >= minTimeuuid(from ms) AND col < minTimeuuid(to ms)
//
// Text inside string literals, quoted identifiers and comments is left alone. A macro name ends
// where an identifier would, so $__timeFromX is the (unknown) macro $__timeFromX, an error,
// rather than $__timeFrom followed by X. Zero-argument macros may be written with empty
// parentheses, $__timeFrom(), as other Grafana SQL data sources allow.
//
// A value never joins the text around it into another token: where it would (a negative
// number right after '-' would start a -- comment and hide the rest of the line), a space
// goes between them.
func ExpandMacros(cql string, from, to time.Time, interval time.Duration) (string, error) {
	out, macroErr, err := expand(cql, from, to, interval, nil)
	if err != nil {
		return "", err
	}
	if macroErr != nil {
		return "", macroErr
	}
	return out, nil
}

// expand walks the text once, writing it out with the macros replaced and feeding every
// token to g when g is not nil. err is a lexing error. macroErr is the first macro that
// cannot expand; after it the walk goes on for g's sake, so a caller can report a refused
// statement before a macro problem. It is one loop over the tokens with a case per macro,
// longer than most functions: the cases share the walk's state (position, output, guard).
func expand(cql string, from, to time.Time, interval time.Duration, g *guard) (out string, macroErr, err error) {
	// Most text has no macros: nothing is copied until the first one, and text without any
	// comes back as it is.
	var b strings.Builder
	started := false
	var last byte // last byte written
	write := func(s string) {
		if s == "" {
			return
		}
		b.WriteString(s)
		last = s[len(s)-1]
	}
	lx := lexer{src: cql}
	for {
		t, ok := lx.next()
		if !ok {
			break
		}
		if g != nil {
			g.feed(t)
		}
		if macroErr != nil {
			continue
		}
		if t.Kind != TokVariable || !strings.HasPrefix(t.Text, macroPrefix) {
			if started {
				write(t.Text)
			}
			continue
		}
		if !started {
			started = true
			b.Grow(len(cql) + 64)
			write(cql[:t.Pos])
		}
		var value string
		isFilter := t.Text == MacroTimeFilter || t.Text == MacroTimeUUIDFilter
		base, unit, isUnit := unitMacro(t.Text)
		switch {
		case isUnit && base == MacroTimeFilterPrefix:
			isFilter = true
			col, ok := macroArg(&lx)
			if !ok {
				macroErr = lexError(cql, t.Pos, t.Text+": write one column name, e.g. "+t.Text+"(ts)")
				continue
			}
			value = col + " >= " + EpochCeil(from, unit).String() + " AND " + col + " < " + EpochCeil(to, unit).String()
		case isUnit && base == MacroTimeFromPrefix:
			value = EpochCeil(from, unit).String()
		case isUnit:
			value = EpochCeil(to, unit).String()
		case t.Text == MacroTimeUUIDFilter:
			col, ok := macroArg(&lx)
			if !ok {
				macroErr = lexError(cql, t.Pos, MacroTimeUUIDFilter+": write one column name, e.g. $__timeuuidFilter(event_id)")
				continue
			}
			value = col + " >= minTimeuuid(" + EpochCeil(from, UnitMillis).String() + ") AND " + col + " < minTimeuuid(" + EpochCeil(to, UnitMillis).String() + ")"
		}
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
				macroErr = lexError(cql, t.Pos, t.Text+" has no value here: the query has no interval")
				continue
			}
			if t.Text == MacroInterval {
				value = DurationLiteral(interval)
			} else {
				value = strconv.FormatInt(interval.Milliseconds(), 10)
			}
		case MacroTimeFilter:
			// The argument's tokens are not fed to g: they follow a significant token (the
			// macro) and hold no ';', so they cannot change what the guard decides.
			col, ok := macroArg(&lx)
			if !ok {
				macroErr = lexError(cql, t.Pos, MacroTimeFilter+": "+macroTimeFilterHelp)
				continue
			}
			value = col + " >= " + strconv.FormatInt(from.UnixMilli(), 10) + " AND " + col + " < " + strconv.FormatInt(to.UnixMilli(), 10)
		default:
			if value != "" {
				break // a unit form or the timeuuid filter, expanded above
			}
			macroErr = lexError(cql, t.Pos, "unknown macro "+t.Text+"; the macros are "+macroHelp)
			continue
		}
		if !isFilter {
			emptyParens(&lx)
		}
		if joins(last, value[0]) {
			write(" ")
		}
		write(value)
		if lx.pos < len(cql) && joins(last, cql[lx.pos]) {
			write(" ")
		}
	}
	if lx.err != nil {
		return "", nil, lx.err
	}
	if macroErr != nil {
		return "", macroErr, nil
	}
	if !started {
		return cql, nil, nil
	}
	return b.String(), nil, nil
}

// joins reports whether the bytes a and b, side by side, would lex as one token where the
// source had two: "--" starts a comment, and word characters (or a '.' after digits) run on.
func joins(a, b byte) bool {
	switch {
	case a == '-' && b == '-':
		return true
	case (isWordChar(a) || a == '.') && isWordChar(b):
		return true
	case isWordChar(a) && b == '.':
		return true
	}
	return false
}

// macroArg reads "(column)" at the lexer's position, allowing spaces around the column, and
// on success moves the lexer past ")". The column must be a plain or double-quoted
// identifier and is kept as written.
func macroArg(lx *lexer) (string, bool) {
	l := *lx
	if t, ok := l.next(); !ok || t.Text != "(" {
		return "", false
	}
	l.skipSpace()
	col, ok := l.next()
	if !ok || !(col.Kind == TokQuotedIdent || (col.Kind == TokWord && isPlainIdent(col.Text))) {
		return "", false
	}
	l.skipSpace()
	if t, ok := l.next(); !ok || t.Text != ")" {
		return "", false
	}
	*lx = l
	return col.Text, true
}

// emptyParens moves the lexer past "()" (spaces allowed inside) right after a zero-argument
// macro, if that is what follows.
func emptyParens(lx *lexer) {
	l := *lx
	if t, ok := l.next(); !ok || t.Text != "(" {
		return
	}
	l.skipSpace()
	if t, ok := l.next(); !ok || t.Text != ")" {
		return
	}
	*lx = l
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
