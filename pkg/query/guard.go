package query

import (
	"strings"
	"time"
)

// MaxRawCQLBytes bounds the text of a raw CQL query. Real queries are a few hundred bytes; a
// long IN list belongs in a builder filter or a template variable. The bound keeps the guard
// and the macros cheap whatever a request holds.
const MaxRawCQLBytes = 256 << 10

// CheckReadOnly accepts exactly one SELECT statement (SELECT JSON and SELECT DISTINCT
// included), optionally followed by one ';' and comments. Everything else is refused: other
// statements, a second statement after ';', unterminated strings or comments (which could hide
// one), empty input and text longer than MaxRawCQLBytes. It works on tokens, so a ';' or a
// keyword inside a string, a quoted identifier or a comment is just text.
//
// A SELECT cannot write in CQL, and Cassandra runs one statement per request, so the first
// word and the statement count are what matter; the guard still checks both so that the
// plugin never sends anything else, whatever the driver or server does with it.
func CheckReadOnly(cql string) error {
	if err := checkSize(cql); err != nil {
		return err
	}
	_, err := checkText(cql)
	return err
}

// checkText runs the guard over cql in one pass and returns what it saw. It does not bound
// the size: expanded macros may lengthen a text that was within the bound.
func checkText(cql string) (guard, error) {
	var g guard
	lx := lexer{src: cql}
	for {
		t, ok := lx.next()
		if !ok {
			break
		}
		g.feed(t)
	}
	if lx.err != nil {
		return g, lx.err
	}
	return g, g.check(cql)
}

func checkSize(cql string) error {
	if len(cql) > MaxRawCQLBytes {
		return errorf("rawCql", "the query is %d bytes long; at most %d (%d KiB) are accepted: shorten it (move long IN lists into a builder filter or a template variable)", len(cql), MaxRawCQLBytes, MaxRawCQLBytes>>10)
	}
	return nil
}

// guard follows the tokens of a text and remembers what the read-only check needs: the
// first significant token and the first significant token after a ';'.
type guard struct {
	n         int   // significant tokens seen
	first     Token // first significant token
	semicolon bool  // a ';' was seen
	extra     *Token
	last      Token   // last token of any kind
	in        inLists // the statement's IN lists, multiplied
}

func (g *guard) feed(t Token) {
	g.last = t
	if !t.Significant() {
		return
	}
	if g.n == 0 {
		g.first = t
	}
	g.n++
	g.in.feed(t)
	if g.semicolon && g.extra == nil {
		t := t
		g.extra = &t
	}
	if t.Kind == TokSemicolon {
		g.semicolon = true
	}
}

// check says what is wrong with the text the guard saw, or nil for a single SELECT.
func (g *guard) check(cql string) error {
	if g.n == 0 {
		return errorf("rawCql", "the query is empty: write one SELECT statement")
	}
	first := g.first
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
	if g.extra != nil {
		return lexError(cql, g.extra.Pos, "only one statement can run: remove everything after the first ';'")
	}
	return g.in.check()
}

// PrepareRaw turns a raw CQL query into the statement to run: it checks the text is a single
// SELECT and expands the macros in the same pass, then checks the result again when a macro
// changed it (a macro's value can never add a statement, but the second check makes that a
// guarantee rather than an argument).
func PrepareRaw(q *Query, from, to time.Time, interval time.Duration) (string, error) {
	if err := checkSize(q.RawCQL); err != nil {
		return "", err
	}
	var g guard
	expanded, macroErr, err := expand(q.RawCQL, from, to, interval, &g)
	if err != nil {
		return "", err // the text does not lex
	}
	if err := g.check(q.RawCQL); err != nil {
		return "", err
	}
	if macroErr != nil {
		return "", macroErr
	}
	if expanded != q.RawCQL {
		if g, err = checkText(expanded); err != nil {
			return "", err
		}
	}
	// Cassandra's grammar ends a -- or // comment at a newline and rejects one that ends
	// the text instead.
	if last := g.last; last.Kind == TokComment && !strings.HasPrefix(last.Text, "/*") {
		expanded += "\n"
	}
	return expanded, nil
}
