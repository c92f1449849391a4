package query

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// Keyspaces says which keyspaces a data source's user queries (builder, raw CQL, variable
// queries, the editor's lookups) may read, and where raw CQL finds a table named without its
// keyspace. The plugin's own reads (schema discovery in system_schema, the health check's
// system.local) do not go through it.
type Keyspaces struct {
	// Default is the data source's keyspace setting: raw CQL that names a table without its
	// keyspace reads it from there.
	Default string
	// Allowed is the allowedKeyspaces setting: when not empty, only these keyspaces are read.
	// Empty allows every keyspace but the system ones (schema.SystemKeyspaces), which are
	// never read.
	Allowed []string
}

// Allows reports whether user queries may read keyspace: what the keyspaces lookup lists.
func (k Keyspaces) Allows(keyspace string) bool {
	return keyspace != "" && k.refusal(keyspace) == ""
}

// Check returns nil when user queries may read keyspace (or it is empty, which other checks
// refuse), else an error for the keyspace field that says why not and which setting allows it.
func (k Keyspaces) Check(keyspace string) error {
	if msg := k.refusal(keyspace); msg != "" {
		return errorf("keyspace", "%s", msg)
	}
	return nil
}

func (k Keyspaces) refusal(keyspace string) string {
	switch {
	case keyspace == "":
		return ""
	case schema.IsSystemKeyspace(keyspace):
		return fmt.Sprintf("keyspace %s is one of Cassandra's system keyspaces, which queries of this data source never read "+
			"(they hold roles, password hashes, node settings and schema, not metrics; no setting allows them): query a keyspace that holds metrics", keyspace)
	case len(k.Allowed) > 0 && !slices.Contains(k.Allowed, keyspace):
		return fmt.Sprintf("keyspace %s is not allowed: the data source's allowedKeyspaces setting lists only %s; add %s there to read it",
			keyspace, strings.Join(k.Allowed, ", "), keyspace)
	}
	return ""
}

// RawTable is the table a raw CQL SELECT reads: the name after its FROM.
type RawTable struct {
	// Keyspace and Table are the names as Cassandra reads them: an unquoted name in lower case,
	// a quoted one as written. Keyspace is empty when the text names none.
	Keyspace, Table string
	// Pos is the byte offset of the name's first token (the keyspace, or the table).
	Pos int
}

// FindRawTable finds the table a raw CQL SELECT reads, with the lexer: the first FROM outside
// strings, quoted identifiers and comments (FROM is reserved in CQL, so no selector holds one),
// then keyspace.table or table, each part plain or double-quoted, with spaces or comments
// around the dot if the text has them. A FROM followed by anything else (a template variable
// left in the text, a macro) is refused: the keyspace it reads must be known before it runs.
func FindRawTable(cql string) (RawTable, error) {
	lx := lexer{src: cql}
	next := func() (Token, bool) {
		for {
			t, ok := lx.next()
			if !ok || t.Significant() {
				return t, ok
			}
		}
	}
	for {
		t, ok := next()
		if !ok {
			if lx.err != nil {
				return RawTable{}, lx.err
			}
			return RawTable{}, errorf("rawCql", "the query names no table: write FROM keyspace.table (or FROM table, read from the data source's keyspace)")
		}
		if t.IsWord("FROM") {
			break
		}
	}
	first, ok := next()
	name1, isName := identName(first)
	if !ok || !isName {
		if lx.err != nil {
			return RawTable{}, lx.err
		}
		found := "nothing"
		if ok {
			found = first.Text
		}
		pos := len(cql)
		if ok {
			pos = first.Pos
		}
		return RawTable{}, lexError(cql, pos, "write the table after FROM as keyspace.table or table (a plain or double-quoted name), found "+found)
	}
	if dot, ok := next(); !ok || dot.Kind != TokPunct || dot.Text != "." {
		return RawTable{Table: name1, Pos: first.Pos}, nil
	}
	second, ok := next()
	name2, isName := identName(second)
	if !ok || !isName {
		if lx.err != nil {
			return RawTable{}, lx.err
		}
		return RawTable{}, lexError(cql, first.Pos, "write the table after FROM as keyspace.table: the name after "+first.Text+". is missing")
	}
	return RawTable{Keyspace: name1, Table: name2, Pos: first.Pos}, nil
}

// identName is the name a token stands for as an identifier: a plain word in lower case (CQL
// folds unquoted names), a quoted identifier without its quotes.
func identName(t Token) (string, bool) {
	switch {
	case t.Kind == TokWord && isPlainIdent(t.Text):
		return strings.ToLower(t.Text), true
	case t.Kind == TokQuotedIdent && len(t.Text) > 2:
		return strings.ReplaceAll(t.Text[1:len(t.Text)-1], `""`, `"`), true
	}
	return "", false
}

// QualifyRaw checks the keyspace raw CQL reads and names the table with the data source's
// keyspace when the text names none. It writes the keyspace into the statement rather than
// setting it on the session: one session serves every query of the data source, a session
// keyspace would make connecting fail while that keyspace is missing, and the statement
// shown as executed then says which table was read. Errors mark the name in cql.
func (k Keyspaces) QualifyRaw(cql string) (string, error) {
	t, err := FindRawTable(cql)
	if err != nil {
		return "", err
	}
	ks := t.Keyspace
	if ks == "" {
		if k.Default == "" {
			return "", lexError(cql, t.Pos, fmt.Sprintf("table %s names no keyspace and the data source has no keyspace setting: write keyspace.%s, or set the data source's keyspace", t.Table, t.Table))
		}
		ks = k.Default
	}
	if msg := k.refusal(ks); msg != "" {
		return "", lexError(cql, t.Pos, msg)
	}
	if t.Keyspace != "" {
		return cql, nil
	}
	return cql[:t.Pos] + schema.QuoteIdent(ks) + "." + cql[t.Pos:], nil
}

// PrepareRawIn is PrepareRaw for a statement that runs against a data source: after the guard
// and the macros, the table the SELECT reads is found in the user's text (so an error marks
// what they wrote), refused unless ks allows its keyspace, and named with the data source's
// keyspace in the statement when the text names none. Macros replace only $__ tokens and a
// FROM followed by one is refused, so the statement names the same table as the text.
func PrepareRawIn(q *Query, from, to time.Time, interval time.Duration, ks Keyspaces) (string, error) {
	stmt, err := PrepareRaw(q, from, to, interval)
	if err != nil {
		return "", err
	}
	if _, err := ks.QualifyRaw(q.RawCQL); err != nil {
		return "", err
	}
	return ks.QualifyRaw(stmt)
}
