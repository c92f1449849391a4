package query

import (
	"strings"
	"time"
)

// CheckReadOnly accepts exactly one SELECT statement (SELECT JSON and SELECT DISTINCT
// included), optionally followed by one ';' and comments. Everything else is refused: other
// statements, a second statement after ';', unterminated strings or comments (which could hide
// one) and empty input. It works on tokens, so a ';' or a keyword inside a string, a quoted
// identifier or a comment is just text.
//
// A SELECT cannot write in CQL, and Cassandra runs one statement per request, so the first
// word and the statement count are what matter; the guard still checks both so that the
// plugin never sends anything else, whatever the driver or server does with it.
func CheckReadOnly(cql string) error {
	toks, err := Tokens(cql)
	if err != nil {
		return err
	}
	var sig []Token
	for _, t := range toks {
		if t.Significant() {
			sig = append(sig, t)
		}
	}
	if len(sig) == 0 {
		return errorf("rawCql", "the query is empty: write one SELECT statement")
	}
	first := sig[0]
	if !first.IsWord("SELECT") {
		var found string
		switch first.Kind {
		case TokWord:
			found = strings.ToUpper(first.Text)
		case TokQuotedIdent:
			found = "the quoted identifier " + first.Text
		case TokString, TokDollarString:
			found = "a string"
		case TokVariable:
			found = first.Text
		default:
			found = `"` + first.Text + `"`
		}
		return lexError(cql, first.Pos, "only a single SELECT statement can run: found "+found)
	}
	for i, t := range sig {
		if t.Kind != TokSemicolon {
			continue
		}
		if i+1 < len(sig) {
			return lexError(cql, sig[i+1].Pos, "only one statement can run: remove everything after the first ';'")
		}
	}
	return nil
}

// PrepareRaw turns a raw CQL query into the statement to run: it checks the text is a single
// SELECT, expands the macros and checks the result again (a macro's value can never add a
// statement, but the second check makes that a guarantee rather than an argument).
func PrepareRaw(q *Query, from, to time.Time, interval time.Duration) (string, error) {
	if err := CheckReadOnly(q.RawCQL); err != nil {
		return "", err
	}
	expanded, err := ExpandMacros(q.RawCQL, from, to, interval)
	if err != nil {
		return "", err
	}
	if err := CheckReadOnly(expanded); err != nil {
		return "", err
	}
	// Cassandra's grammar ends a -- or // comment at a newline and rejects one that ends
	// the text instead.
	if toks, err := Tokens(expanded); err == nil && len(toks) > 0 {
		if last := toks[len(toks)-1]; last.Kind == TokComment && !strings.HasPrefix(last.Text, "/*") {
			expanded += "\n"
		}
	}
	return expanded, nil
}
