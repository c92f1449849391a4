package query

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCheckReadOnlyRefuses(t *testing.T) {
	const (
		onlySelect = "only a single SELECT statement can run: found "
		oneStmt    = "only one statement can run: remove everything after the first ';'"
	)
	tests := []struct {
		name, cql, want string
	}{
		{"insert", `INSERT INTO ks.t (a) VALUES (1)`, onlySelect + "INSERT"},
		{"update", `UPDATE ks.t SET a = 1 WHERE k = 1`, onlySelect + "UPDATE"},
		{"delete", `DELETE FROM ks.t WHERE k = 1`, onlySelect + "DELETE"},
		{"batch", `BATCH`, onlySelect + "BATCH"},
		{"begin batch", `BEGIN BATCH INSERT INTO t (a) VALUES (1); APPLY BATCH`, onlySelect + "BEGIN"},
		{"begin unlogged batch", "BEGIN UNLOGGED BATCH\n UPDATE t SET a = 1 WHERE k = 1;\nAPPLY BATCH;", onlySelect + "BEGIN"},
		{"apply", `APPLY BATCH`, onlySelect + "APPLY"},
		{"truncate", `TRUNCATE metric_data.raw_timer`, onlySelect + "TRUNCATE"},
		{"drop", `DROP TABLE metric_data.raw_timer`, onlySelect + "DROP"},
		{"alter", `ALTER TABLE t ADD x int`, onlySelect + "ALTER"},
		{"create", `CREATE TABLE t (k int PRIMARY KEY)`, onlySelect + "CREATE"},
		{"grant", `GRANT ALL ON KEYSPACE ks TO bob`, onlySelect + "GRANT"},
		{"revoke", `REVOKE SELECT ON ks.t FROM bob`, onlySelect + "REVOKE"},
		{"use", `USE system_auth`, onlySelect + "USE"},
		{"list", `LIST ROLES`, onlySelect + "LIST"},
		{"lowercase", `drop keyspace metric_data`, onlySelect + "DROP"},
		{"mixed case", `TrUnCaTe t`, onlySelect + "TRUNCATE"},
		{"describe", `DESCRIBE KEYSPACES`, onlySelect + "DESCRIBE"},
		{"leading line comment", "-- SELECT\nDELETE FROM t WHERE k = 1", onlySelect + "DELETE"},
		{"leading // comment", "// harmless\nINSERT INTO t (a) VALUES (1)", onlySelect + "INSERT"},
		{"leading block comment", `/* SELECT */ DROP TABLE t`, onlySelect + "DROP"},
		{"leading spaces and comments", "  \n\t/* a */ -- b\n  update t set a = 1 where k = 1", onlySelect + "UPDATE"},
		{"select then drop", `SELECT * FROM t; DROP TABLE t`, oneStmt},
		{"select then drop lowercase", `select * from t;drop table t`, oneStmt},
		{"two selects", `SELECT a FROM t; SELECT b FROM t`, oneStmt},
		{"line comment ended by a carriage return", "SELECT a FROM t -- x\r; DROP TABLE t", oneStmt},
		{"statement after a comment after ;", "SELECT a FROM t; -- done\nDROP TABLE t", oneStmt},
		{"block comment before second statement", `SELECT a FROM t /* ; */; /* x */ INSERT INTO t (a) VALUES (1)`, oneStmt},
		{"string with ; then real ;", `SELECT a FROM t WHERE k = 'x;y'; TRUNCATE t`, oneStmt},
		{"escaped quote does not end the string", `SELECT a FROM t WHERE k = 'it''s'; DROP TABLE t`, oneStmt},
		{"$$ string then real ;", `SELECT a FROM t WHERE k = $$ ; $$; DROP TABLE t`, oneStmt},
		{"quoted identifier with ;", `SELECT "a;b" FROM t; DELETE FROM t WHERE k = 1`, oneStmt},
		{"double ;", `SELECT a FROM t;;`, oneStmt},
		{"string closing trick", `SELECT a FROM t WHERE k = '';DROP TABLE t;--'`, oneStmt},
		{"comment closing trick", `SELECT a FROM t /* */ */ ; DROP TABLE t`, oneStmt},
		{"quoted verb is not a statement", `"SELECT" FROM t`, onlySelect + `the quoted identifier "SELECT"`},
		{"parenthesis first", `(SELECT a FROM t)`, onlySelect + `"("`},
		{"select inside a string", `'SELECT' ; DROP TABLE t`, onlySelect + "a string"},
		{"selectx is not select", `SELECTX a FROM t`, onlySelect + "SELECTX"},
		{"unterminated string", `SELECT a FROM t WHERE k = 'abc`, "unterminated string: close it with ' (write '' for a quote inside it) (line 1, column 27)"},
		{"unterminated string hiding a statement", "SELECT a FROM t WHERE k = 'a'';\nDROP TABLE t", "unterminated string: close it with ' (write '' for a quote inside it) (line 1, column 27)"},
		{"unterminated block comment", `SELECT a FROM t /* ; DROP TABLE t`, "unterminated /* comment: close it with */ (line 1, column 17)"},
		{"unterminated $$", `SELECT a FROM t WHERE k = $$abc`, "unterminated $$ string: close it with $$ (line 1, column 27)"},
		{"unterminated quoted identifier", `SELECT "a FROM t; DROP TABLE t`, `unterminated quoted identifier: close it with " (write "" for a quote inside it) (line 1, column 8)`},
		{"empty", ``, "the query is empty: write one SELECT statement"},
		{"only spaces", " \n\t ", "the query is empty: write one SELECT statement"},
		{"only comments", "-- SELECT * FROM t\n/* SELECT */", "the query is empty: write one SELECT statement"},
		{"only ;", ";", onlySelect + `";"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckReadOnly(tt.cql)
			if err == nil {
				t.Fatalf("CheckReadOnly(%q) accepted it", tt.cql)
			}
			var qe *Error
			if !errors.As(err, &qe) || qe.Field != "rawCql" {
				t.Errorf("error %#v is not a *Error for rawCql", err)
				return
			}
			got := qe.Msg
			if i := strings.Index(got, " (line "); i >= 0 && !strings.Contains(tt.want, "(line ") {
				got = got[:i]
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("message mismatch for %q (-want +got):\n%s", tt.cql, diff)
			}
		})
	}
}

func TestCheckReadOnlyAllows(t *testing.T) {
	for _, cql := range []string{
		`SELECT * FROM metric_data.raw_timer`,
		`select count(*) from t`,
		`SELECT a FROM t;`,
		"SELECT a FROM t ;  \n -- trailing comment\n",
		`SELECT a FROM t; /* ; DROP TABLE t */`,
		"SELECT a FROM t; // DROP TABLE t",
		`SELECT a FROM t /* ; */ WHERE k = 1`,
		`SELECT a FROM t WHERE k = 'a;b'`,
		`SELECT a FROM t WHERE k = 'DROP TABLE t; --'`,
		`SELECT a FROM t WHERE k = 'it''s; fine'`,
		`SELECT a FROM t WHERE k = $$ ; DROP TABLE t; $$`,
		`SELECT "weird;name", "x""y" FROM t`,
		"-- leading comment\nSELECT a FROM t",
		"/* leading\n block */ SELECT a FROM t",
		`SELECT JSON * FROM t`,
		`SELECT DISTINCT environment, application, metric_name FROM metric_data.raw_timer`,
		`SELECT a FROM t WHERE $__timeFilter(ts) AND k = '$__unknown'`,
		`SELECT environment, floor(metric_timestamp, 5m), max(p99) FROM t WHERE k = ? GROUP BY environment, floor(metric_timestamp, 5m)`,
		`SELECT a FROM t WHERE k = -- comment with ' and "
			1`,
		"SELECT a /* nested /* is not nesting */ FROM t",
		`SELECT a FROM t WHERE k = 'é;ü'`,
	} {
		if err := CheckReadOnly(cql); err != nil {
			t.Errorf("CheckReadOnly(%q) = %v, want nil", cql, err)
		}
	}
}

func TestPrepareRaw(t *testing.T) {
	from := time.UnixMilli(1700000000000).UTC()
	to := time.UnixMilli(1700003600000).UTC()
	tests := []struct {
		name, cql, want, wantErr string
	}{
		{
			name: "macros expanded",
			cql:  `SELECT metric_timestamp, p99 FROM metric_data.raw_timer WHERE environment = 'prod' AND application = 'api' AND metric_name = 'm' AND $__timeFilter(metric_timestamp);`,
			want: `SELECT metric_timestamp, p99 FROM metric_data.raw_timer WHERE environment = 'prod' AND application = 'api' AND metric_name = 'm' AND metric_timestamp >= 1700000000000 AND metric_timestamp < 1700003600000;`,
		},
		{name: "refused before expansion", cql: `DELETE FROM t WHERE ts < $__timeTo`, wantErr: "rawCql: only a single SELECT statement can run: found DELETE (line 1, column 1)"},
		{name: "unknown macro", cql: `SELECT a FROM t WHERE ts > $__from`, wantErr: "rawCql: unknown macro $__from; the macros are $__timeFrom, $__timeTo, $__unixEpochFrom, $__unixEpochTo, $__timeFilter, $__interval, $__interval_ms, $__timeFilter_<unit>, $__timeFrom_<unit>, $__timeTo_<unit> (unit s, ms, us or ns), $__timeuuidFilter (line 1, column 28)"},
		{name: "second statement", cql: `SELECT a FROM t WHERE ts > $__timeFrom; DROP TABLE t`, wantErr: "rawCql: only one statement can run: remove everything after the first ';' (line 1, column 41)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PrepareRaw(&Query{QueryType: QueryTypeCQL, RawCQL: tt.cql}, from, to, time.Minute)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// The guard's second look at the expanded text must see everything after a negative value:
// here the second statement that follows it.
func TestPrepareRawNegativeMacroKeepsTheLine(t *testing.T) {
	from := time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC)
	to := from.Add(time.Hour)
	q := &Query{QueryType: QueryTypeCQL, RawCQL: "SELECT a FROM t WHERE x = -$__timeFrom AND k = 'v'"}
	got, err := PrepareRaw(q, from, to, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if want := "SELECT a FROM t WHERE x = - -3600000 AND k = 'v'"; got != want {
		t.Errorf("PrepareRaw = %q, want %q", got, want)
	}
	toks, err := Tokens(got)
	if err != nil {
		t.Fatal(err)
	}
	if last := toks[len(toks)-1]; last.Kind != TokString || last.Text != "'v'" {
		t.Errorf("last token is %v %q, want the string 'v' (the line was cut)", last.Kind, last.Text)
	}
}

func TestRawCQLSizeBound(t *testing.T) {
	from := time.UnixMilli(1700000000000).UTC()
	within := rawOfSize(MaxRawCQLBytes)
	if len(within) > MaxRawCQLBytes {
		t.Fatalf("test text is %d bytes, over the bound", len(within))
	}
	if _, err := PrepareRaw(&Query{QueryType: QueryTypeCQL, RawCQL: within}, from, from.Add(time.Hour), time.Minute); err != nil {
		t.Fatalf("text of %d bytes refused: %v", len(within), err)
	}
	over := within + strings.Repeat(" ", MaxRawCQLBytes-len(within)+1)
	want := fmt.Sprintf("rawCql: the query is %d bytes long; at most %d (256 KiB) are accepted: shorten it (move long IN lists into a builder filter or a template variable)", MaxRawCQLBytes+1, MaxRawCQLBytes)
	for name, check := range map[string]func() error{
		"CheckReadOnly": func() error { return CheckReadOnly(over) },
		"PrepareRaw": func() error {
			_, err := PrepareRaw(&Query{QueryType: QueryTypeCQL, RawCQL: over}, from, from.Add(time.Hour), time.Minute)
			return err
		},
		"Validate": func() error {
			return (&Query{QueryType: QueryTypeCQL, RawCQL: over, Format: FormatTable, Fill: FillNull}).Validate()
		},
	} {
		if err := check(); err == nil || err.Error() != want {
			t.Errorf("%s: error = %v, want %q", name, err, want)
		}
	}
}
