package query

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Problem is what keeps a raw CQL text from running, and where it is: the place an editor
// marks. Lines and columns start at 1 and count characters, as the error messages do; the
// end is exclusive. A problem of the whole text (too long, empty) spans all of it.
type Problem struct {
	Message   string `json:"message"`
	Offset    int    `json:"offset"` // byte offset of the start
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	EndLine   int    `json:"endLine"`
	EndColumn int    `json:"endColumn"`
}

// positionSuffix is how lexError ends a message: the place the editor should mark.
var positionSuffix = regexp.MustCompile(`^(.*) \(line (\d+), column (\d+)\)$`)

// DiagnoseRaw runs raw CQL through what a query goes through before it reaches Cassandra
// (PrepareRaw: the size bound, the lexer, the read-only guard and the macros) and returns the
// statement that would run, or the problem with its place in the text.
func DiagnoseRaw(cql string, from, to time.Time, interval time.Duration) (string, *Problem) {
	stmt, err := PrepareRaw(&Query{QueryType: QueryTypeCQL, RawCQL: cql}, from, to, interval)
	if err == nil {
		return stmt, nil
	}
	return "", LocateProblem(cql, err)
}

// LocateProblem turns an error about cql into a Problem. Errors that name a line and column
// mark the token there (everything after the first ';' for a second statement, the rest of
// the text for an unterminated string or comment); any other error marks the whole text.
func LocateProblem(cql string, err error) *Problem {
	msg := err.Error()
	var qe *Error
	if errors.As(err, &qe) {
		msg = qe.Msg
	}
	m := positionSuffix.FindStringSubmatch(msg)
	if m == nil {
		p := span(cql, 0, len(cql))
		p.Message = msg
		return p
	}
	line, _ := strconv.Atoi(m[2])
	col, _ := strconv.Atoi(m[3])
	start := offsetOf(cql, line, col)
	end := len(cql)
	if !strings.HasPrefix(m[1], "only one statement") {
		lx := lexer{src: cql, pos: start}
		if t, ok := lx.next(); ok {
			end = start + len(t.Text)
		}
	}
	if end == start && end < len(cql) {
		end++
	}
	p := span(cql, start, end)
	p.Message = m[1]
	return p
}

func span(cql string, start, end int) *Problem {
	l1, c1 := lineCol(cql, start)
	l2, c2 := lineCol(cql, end)
	return &Problem{Offset: start, Line: l1, Column: c1, EndLine: l2, EndColumn: c2}
}

// offsetOf is the byte offset of a 1-based line and character column, the inverse of lineCol.
func offsetOf(s string, line, col int) int {
	l, c := 1, 1
	for i, r := range s {
		if l == line && c == col {
			return i
		}
		if r == '\n' {
			if l == line {
				return i // the column is past the end of its line
			}
			l++
			c = 1
		} else {
			c++
		}
	}
	return len(s)
}
