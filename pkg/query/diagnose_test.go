package query

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDiagnoseRaw(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.Add(time.Hour)
	tests := []struct {
		name string
		cql  string
		want *Problem // Message checked by prefix below
		msg  string
	}{
		{name: "a second statement marks everything after the ';'",
			cql:  "SELECT * FROM t;\nDROP TABLE t",
			want: &Problem{Offset: 17, Line: 2, Column: 1, EndLine: 2, EndColumn: 13},
			msg:  "only one statement can run"},
		{name: "another statement marks its first word",
			cql:  "  INSERT INTO t (a) VALUES (1)",
			want: &Problem{Offset: 2, Line: 1, Column: 3, EndLine: 1, EndColumn: 9},
			msg:  "only a single SELECT statement can run: found INSERT"},
		{name: "an unterminated string marks the rest of the text",
			cql:  "SELECT * FROM t\nWHERE a = 'x\n  AND b = 1",
			want: &Problem{Offset: 26, Line: 2, Column: 11, EndLine: 3, EndColumn: 12},
			msg:  "unterminated string"},
		{name: "an unknown macro marks the macro",
			cql:  "SELECT * FROM t WHERE $__timeFilterx(ts)",
			want: &Problem{Offset: 22, Line: 1, Column: 23, EndLine: 1, EndColumn: 37},
			msg:  "unknown macro $__timeFilterx"},
		{name: "a bad $__timeFilter argument marks the macro",
			cql:  "SELECT * FROM t\nWHERE $__timeFilter(a, b)",
			want: &Problem{Offset: 22, Line: 2, Column: 7, EndLine: 2, EndColumn: 20},
			msg:  "$__timeFilter: write one column name"},
		{name: "columns count characters, not bytes",
			cql:  "SELECT 'é' FROM t; SELECT 1",
			want: &Problem{Offset: 20, Line: 1, Column: 20, EndLine: 1, EndColumn: 28},
			msg:  "only one statement"},
		{name: "an empty query marks the whole (empty) text",
			cql:  "  -- nothing",
			want: &Problem{Offset: 0, Line: 1, Column: 1, EndLine: 1, EndColumn: 13},
			msg:  "the query is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stmt, p := DiagnoseRaw(tt.cql, from, to, time.Minute)
			if p == nil {
				t.Fatalf("no problem found; statement %q", stmt)
			}
			if !strings.HasPrefix(p.Message, tt.msg) || strings.Contains(p.Message, "(line ") {
				t.Errorf("message %q: want it to start with %q and carry no position", p.Message, tt.msg)
			}
			got := *p
			got.Message = ""
			if diff := cmp.Diff(*tt.want, got); diff != "" {
				t.Errorf("problem (-want +got):\n%s", diff)
			}
			// The marked text is what the message is about.
			if _, err := PrepareRaw(&Query{QueryType: QueryTypeCQL, RawCQL: tt.cql}, from, to, time.Minute); err == nil {
				t.Error("PrepareRaw accepts what DiagnoseRaw refuses")
			}
		})
	}
}

func TestDiagnoseRawAccepts(t *testing.T) {
	from := time.UnixMilli(1_700_000_000_000).UTC()
	to := from.Add(time.Hour)
	stmt, p := DiagnoseRaw("SELECT * FROM t WHERE $__timeFilter(ts) -- end", from, to, time.Minute)
	if p != nil {
		t.Fatalf("problem %+v", p)
	}
	want, err := PrepareRaw(&Query{QueryType: QueryTypeCQL, RawCQL: "SELECT * FROM t WHERE $__timeFilter(ts) -- end"}, from, to, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if stmt != want {
		t.Errorf("statement %q, PrepareRaw runs %q", stmt, want)
	}
}

func TestLocateProblemWithoutPosition(t *testing.T) {
	p := LocateProblem("SELECT x\nFROM t", errors.New("table t does not exist"))
	want := Problem{Message: "table t does not exist", Offset: 0, Line: 1, Column: 1, EndLine: 2, EndColumn: 7}
	if diff := cmp.Diff(want, *p); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
