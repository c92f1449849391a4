package query

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// TokenKind classifies a piece of CQL text.
type TokenKind int

const (
	// TokWord is an unquoted identifier, keyword, number or other bare literal (a duration
	// such as 5m, a hex blob, part of a UUID).
	TokWord TokenKind = iota
	// TokQuotedIdent is a double-quoted identifier, quotes included ("" escapes a quote).
	TokQuotedIdent
	// TokString is a '...' string literal, quotes included ('' escapes a quote).
	TokString
	// TokDollarString is a $$...$$ string literal.
	TokDollarString
	// TokComment is a -- or // line comment (without its newline) or a /* */ block comment.
	TokComment
	// TokSpace is a run of whitespace.
	TokSpace
	// TokSemicolon ends a statement.
	TokSemicolon
	// TokVariable is $name: a macro ($__name) or a template variable the front end left.
	TokVariable
	// TokPunct is any other single character: operators, parentheses, commas, bind markers.
	TokPunct
)

func (k TokenKind) String() string {
	switch k {
	case TokWord:
		return "word"
	case TokQuotedIdent:
		return "quoted identifier"
	case TokString:
		return "string"
	case TokDollarString:
		return "$$ string"
	case TokComment:
		return "comment"
	case TokSpace:
		return "space"
	case TokSemicolon:
		return "semicolon"
	case TokVariable:
		return "variable"
	case TokPunct:
		return "punctuation"
	}
	return fmt.Sprintf("TokenKind(%d)", int(k))
}

// Token is one piece of CQL. Text is the exact source text, so joining the Text of all tokens
// gives back the input.
type Token struct {
	Kind TokenKind
	Text string
	Pos  int // byte offset in the input
}

// Significant reports whether the token matters to the statement (not space or a comment).
func (t Token) Significant() bool { return t.Kind != TokSpace && t.Kind != TokComment }

// IsWord reports whether the token is the unquoted word w, ignoring case as CQL does.
func (t Token) IsWord(w string) bool { return t.Kind == TokWord && strings.EqualFold(t.Text, w) }

// Tokens splits CQL into tokens following Cassandra's lexer for everything that can hide text
// from a reader: string literals, $$ strings, quoted identifiers and comments. Unterminated
// ones are errors, so nothing after them can slip past the guard or the macros.
func Tokens(cql string) ([]Token, error) {
	var out []Token
	lx := lexer{src: cql}
	for {
		t, ok := lx.next()
		if !ok {
			break
		}
		out = append(out, t)
	}
	if lx.err != nil {
		return nil, lx.err
	}
	return out, nil
}

// lexer reads tokens one at a time, so the guard and the macros walk the text without
// holding a token list: a token costs nothing to keep, and copying a lexer (a small value)
// is how a caller looks ahead.
type lexer struct {
	src string
	pos int
	err *Error
}

// next returns the next token, or false at the end of the text or at an error (then err is
// set and stays set).
func (lx *lexer) next() (Token, bool) {
	cql := lx.src
	i := lx.pos
	if lx.err != nil || i >= len(cql) {
		return Token{}, false
	}
	start := i
	c := cql[i]
	kind := TokPunct
	switch {
	case isSpace(c):
		for i < len(cql) && isSpace(cql[i]) {
			i++
		}
		kind = TokSpace
	case c == '-' && peek(cql, i+1) == '-', c == '/' && peek(cql, i+1) == '/':
		// Line comment; it ends before the newline (\n or \r).
		for i < len(cql) && cql[i] != '\n' && cql[i] != '\r' {
			i++
		}
		kind = TokComment
	case c == '/' && peek(cql, i+1) == '*':
		// Block comments do not nest in CQL: the first */ closes it.
		end := strings.Index(cql[i+2:], "*/")
		if end < 0 {
			lx.err = lexError(cql, start, "unterminated /* comment: close it with */")
			return Token{}, false
		}
		i += 2 + end + 2
		kind = TokComment
	case c == '\'':
		j, ok := scanQuoted(cql, i, '\'')
		if !ok {
			lx.err = lexError(cql, start, "unterminated string: close it with ' (write '' for a quote inside it)")
			return Token{}, false
		}
		i = j
		kind = TokString
	case c == '"':
		j, ok := scanQuoted(cql, i, '"')
		if !ok {
			lx.err = lexError(cql, start, `unterminated quoted identifier: close it with " (write "" for a quote inside it)`)
			return Token{}, false
		}
		i = j
		kind = TokQuotedIdent
	case c == '$' && peek(cql, i+1) == '$':
		end := strings.Index(cql[i+2:], "$$")
		if end < 0 {
			lx.err = lexError(cql, start, "unterminated $$ string: close it with $$")
			return Token{}, false
		}
		i += 2 + end + 2
		kind = TokDollarString
	case c == '$' && isWordStart(peek(cql, i+1)):
		i++
		for i < len(cql) && isWordChar(cql[i]) {
			i++
		}
		kind = TokVariable
	case c == ';':
		i++
		kind = TokSemicolon
	case isWordChar(c):
		for i < len(cql) && isWordChar(cql[i]) {
			i++
		}
		kind = TokWord
	default:
		_, size := utf8.DecodeRuneInString(cql[i:])
		i += size
	}
	lx.pos = i
	return Token{Kind: kind, Text: cql[start:i], Pos: start}, true
}

// skipSpace advances past whitespace tokens.
func (lx *lexer) skipSpace() {
	for lx.pos < len(lx.src) && isSpace(lx.src[lx.pos]) {
		lx.pos++
	}
}

// scanQuoted returns the offset just after the closing quote of the literal opening at i,
// where a doubled quote stands for one quote.
func scanQuoted(s string, i int, q byte) (int, bool) {
	for j := i + 1; j < len(s); j++ {
		if s[j] == q {
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			return j + 1, true
		}
	}
	return 0, false
}

func peek(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isWordStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isWordChar(c byte) bool { return isWordStart(c) || (c >= '0' && c <= '9') }

// isPlainIdent reports whether s is an identifier CQL accepts without quotes.
func isPlainIdent(s string) bool {
	if s == "" || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isWordChar(s[i]) {
			return false
		}
	}
	return true
}

// lexError reports a problem at a byte offset as line and column, which is what a user can
// find in the editor.
func lexError(cql string, pos int, msg string) *Error {
	line, col := lineCol(cql, pos)
	return &Error{Field: "rawCql", Msg: fmt.Sprintf("%s (line %d, column %d)", msg, line, col)}
}

func lineCol(s string, pos int) (int, int) {
	line, col := 1, 1
	for i, r := range s {
		if i >= pos {
			break
		}
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
