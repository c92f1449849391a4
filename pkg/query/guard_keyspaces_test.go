package query

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFindRawTable(t *testing.T) {
	tests := []struct {
		name, cql string
		want      RawTable
		wantErr   string
	}{
		{name: "qualified", cql: `SELECT * FROM metric_data.raw_timer`, want: RawTable{Keyspace: "metric_data", Table: "raw_timer", Pos: 14}},
		{name: "unqualified", cql: `SELECT a FROM raw_timer WHERE k = 1`, want: RawTable{Table: "raw_timer", Pos: 14}},
		{name: "unquoted names fold to lower case", cql: `select a from SYSTEM_AUTH.Roles`, want: RawTable{Keyspace: "system_auth", Table: "roles", Pos: 14}},
		{name: "quoted names keep their case", cql: `SELECT a FROM "Metrics"."Raw ""x"""`, want: RawTable{Keyspace: "Metrics", Table: `Raw "x"`, Pos: 14}},
		{name: "quoted keyspace, plain table", cql: `SELECT a FROM "system_auth".roles`, want: RawTable{Keyspace: "system_auth", Table: "roles", Pos: 14}},
		{name: "spaces and comments around the dot", cql: "SELECT a FROM /* x */ system_auth -- y\n . /* z */ roles", want: RawTable{Keyspace: "system_auth", Table: "roles", Pos: 22}},
		{name: "FROM in strings, comments and quoted names is text", cql: `SELECT "from", 'FROM system_auth.roles' /* FROM system.local */ FROM ks.t`, want: RawTable{Keyspace: "ks", Table: "t", Pos: 69}},
		{name: "a macro after the table", cql: `SELECT a FROM t WHERE $__timeFilter(ts)`, want: RawTable{Table: "t", Pos: 14}},
		{name: "no FROM", cql: `SELECT now()`, wantErr: "rawCql: the query names no table: write FROM keyspace.table (or FROM table, read from the data source's keyspace)"},
		{name: "a template variable after FROM", cql: `SELECT a FROM $ks.t`, wantErr: "rawCql: write the table after FROM as keyspace.table or table (a plain or double-quoted name), found $ks (line 1, column 15)"},
		{name: "a macro argument named from", cql: `SELECT $__timeFilter(from) FROM system_auth.roles`, wantErr: "rawCql: write the table after FROM as keyspace.table or table (a plain or double-quoted name), found ) (line 1, column 26)"},
		{name: "nothing after FROM", cql: `SELECT a FROM `, wantErr: "rawCql: write the table after FROM as keyspace.table or table (a plain or double-quoted name), found nothing (line 1, column 15)"},
		{name: "no table after the dot", cql: `SELECT a FROM ks.`, wantErr: "rawCql: write the table after FROM as keyspace.table: the name after ks. is missing (line 1, column 15)"},
		{name: "a number is no name", cql: `SELECT a FROM 1ks.t`, wantErr: "rawCql: write the table after FROM as keyspace.table or table (a plain or double-quoted name), found 1ks (line 1, column 15)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FindRawTable(tt.cql)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
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

func TestKeyspacesCheck(t *testing.T) {
	const never = "is one of Cassandra's system keyspaces, which queries of this data source never read"
	tests := []struct {
		name     string
		ks       Keyspaces
		keyspace string
		wantErr  string // substring; "" accepts
	}{
		{name: "any user keyspace by default", keyspace: "metric_data"},
		{name: "system_auth", keyspace: "system_auth", wantErr: "keyspace system_auth " + never},
		{name: "system_views", keyspace: "system_views", wantErr: "keyspace system_views " + never},
		{name: "system", keyspace: "system", wantErr: "keyspace system " + never},
		{name: "system_schema", keyspace: "system_schema", wantErr: never},
		{name: "system_distributed", keyspace: "system_distributed", wantErr: never},
		{name: "system_traces", keyspace: "system_traces", wantErr: never},
		{name: "system_virtual_schema", keyspace: "system_virtual_schema", wantErr: never},
		{name: "a system keyspace even when allowed", ks: Keyspaces{Allowed: []string{"system_auth"}}, keyspace: "system_auth", wantErr: "no setting allows them"},
		{name: "an allowed keyspace", ks: Keyspaces{Allowed: []string{"metric_data", "metrics_rollups"}}, keyspace: "metrics_rollups"},
		{name: "a keyspace not allowed", ks: Keyspaces{Allowed: []string{"metric_data", "metrics_rollups"}}, keyspace: "billing",
			wantErr: "keyspace: keyspace billing is not allowed: the data source's allowedKeyspaces setting lists only metric_data, metrics_rollups; add billing there to read it"},
		{name: "names are compared as stored", ks: Keyspaces{Allowed: []string{"metric_data"}}, keyspace: "Metric_Data", wantErr: "allowedKeyspaces"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.ks.Check(tt.keyspace)
			if allows := tt.ks.Allows(tt.keyspace); allows != (tt.wantErr == "") {
				t.Errorf("Allows(%q) = %v, Check says %v", tt.keyspace, allows, err)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Check(%q) = %v", tt.keyspace, err)
				}
				return
			}
			var qe *Error
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &qe) || qe.Field != "keyspace" {
				t.Fatalf("Check(%q) = %v, want a keyspace error with %q", tt.keyspace, err, tt.wantErr)
			}
		})
	}
}

func TestPrepareRawIn(t *testing.T) {
	from := time.UnixMilli(1700000000000).UTC()
	to := time.UnixMilli(1700003600000).UTC()
	withDefault := Keyspaces{Default: "metric_data"}
	tests := []struct {
		name, cql string
		ks        Keyspaces
		want      string
		wantErr   string
	}{
		{name: "an unqualified table reads the data source's keyspace", ks: withDefault,
			cql:  `SELECT metric_timestamp, p99 FROM raw_timer WHERE environment = 'prod' AND $__timeFilter(metric_timestamp)`,
			want: `SELECT metric_timestamp, p99 FROM "metric_data".raw_timer WHERE environment = 'prod' AND metric_timestamp >= 1700000000000 AND metric_timestamp < 1700003600000`},
		{name: "a quoted unqualified table", ks: withDefault, cql: `SELECT a FROM "Raw"`, want: `SELECT a FROM "metric_data"."Raw"`},
		{name: "a qualified table is left as written", ks: withDefault, cql: `SELECT a FROM other.t`, want: `SELECT a FROM other.t`},
		{name: "a trailing line comment still ends with its newline", ks: withDefault, cql: "SELECT a FROM t -- note", want: "SELECT a FROM \"metric_data\".t -- note\n"},
		{name: "no keyspace anywhere", cql: `SELECT a FROM raw_timer`,
			wantErr: "rawCql: table raw_timer names no keyspace and the data source has no keyspace setting: write keyspace.raw_timer, or set the data source's keyspace (line 1, column 15)"},
		{name: "system_auth refused", ks: withDefault, cql: `SELECT role, salted_hash FROM system_auth.roles`,
			wantErr: "rawCql: keyspace system_auth is one of Cassandra's system keyspaces, which queries of this data source never read (they hold roles, password hashes, node settings and schema, not metrics; no setting allows them): query a keyspace that holds metrics (line 1, column 31)"},
		{name: "system_views refused", ks: withDefault, cql: "SELECT name, value\nFROM system_views.settings", wantErr: "keyspace system_views is one of Cassandra's system keyspaces"},
		{name: "system.local refused", cql: `SELECT * FROM system.local`, wantErr: "keyspace system is one of"},
		{name: "quoted and upper case system names refused", cql: `SELECT * FROM "system_auth".roles`, wantErr: "keyspace system_auth is one of"},
		{name: "upper case", cql: `SELECT * FROM SYSTEM_VIEWS.clients`, wantErr: "keyspace system_views is one of"},
		{name: "a system default keyspace is refused too", ks: Keyspaces{Default: "system_auth"}, cql: `SELECT * FROM roles`, wantErr: "keyspace system_auth is one of"},
		{name: "a keyspace outside allowedKeyspaces", ks: Keyspaces{Default: "metric_data", Allowed: []string{"metric_data"}}, cql: `SELECT * FROM billing.invoices`,
			wantErr: "rawCql: keyspace billing is not allowed: the data source's allowedKeyspaces setting lists only metric_data; add billing there to read it (line 1, column 15)"},
		{name: "the guard speaks first", ks: withDefault, cql: `DROP TABLE system_auth.roles`, wantErr: "only a single SELECT statement can run: found DROP"},
		{name: "macro errors mark the user's text", ks: withDefault, cql: `SELECT a FROM t WHERE $__nope`, wantErr: "unknown macro $__nope; the macros are"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PrepareRawIn(&Query{QueryType: QueryTypeCQL, RawCQL: tt.cql}, from, to, time.Minute, tt.ks)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(tt.wantErr, "(line") && err.Error() != tt.wantErr {
					t.Fatalf("error = %q, want %q", err, tt.wantErr)
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

// The refusal marks the keyspace the user wrote, for the editor.
func TestKeyspaceRefusalLocated(t *testing.T) {
	cql := "SELECT role, salted_hash\nFROM system_auth.roles"
	_, err := PrepareRawIn(&Query{QueryType: QueryTypeCQL, RawCQL: cql}, time.Unix(0, 0), time.Unix(3600, 0), time.Minute, Keyspaces{})
	if err == nil {
		t.Fatal("accepted")
	}
	p := LocateProblem(cql, err)
	want := Problem{Message: p.Message, Offset: 30, Line: 2, Column: 6, EndLine: 2, EndColumn: 17}
	if diff := cmp.Diff(want, *p); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(p.Message, "keyspace system_auth is one of Cassandra's system keyspaces") {
		t.Errorf("message %q", p.Message)
	}
}
