package cassandra

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// testClient connects to CASSANDRA_HOSTS (this package cannot use internal/cassandratest,
// which imports it).
func testClient(t *testing.T) *Client {
	t.Helper()
	hosts := os.Getenv("CASSANDRA_HOSTS")
	if hosts == "" {
		t.Skip("CASSANDRA_HOSTS is not set")
	}
	s, err := LoadSettings([]byte(`{"hosts":"`+hosts+`","queryTimeout":"60s","connectTimeout":"10s"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Connect(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func exec(t *testing.T, c *Client, cql string, args ...any) {
	t.Helper()
	if err := c.session.Query(cql, args...).Exec(); err != nil {
		t.Fatalf("%s: %v", cql, err)
	}
}

// TestDecodeEveryType reads one row holding every CQL type and one row of nulls.
func TestDecodeEveryType(t *testing.T) {
	c := testClient(t)
	exec(t, c, `CREATE KEYSPACE IF NOT EXISTS plugin_test WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`)
	exec(t, c, `CREATE TYPE IF NOT EXISTS plugin_test.address (street text, zip int)`)
	exec(t, c, `CREATE TABLE IF NOT EXISTS plugin_test.decode_types (
		id int PRIMARY KEY, a ascii, t text, vc varchar, ti tinyint, si smallint, i int, bi bigint, vi varint,
		f float, d double, dec decimal, b boolean, ts timestamp, dt date, tm time, du duration,
		u uuid, tu timeuuid, ip inet, bl blob, l list<int>, s set<text>, m map<text, double>,
		tup tuple<int, text>, addr frozen<address>, fl frozen<list<text>>)`)
	exec(t, c, `INSERT INTO plugin_test.decode_types (id, a, t, vc, ti, si, i, bi, vi, f, d, dec, b, ts, dt, tm, du, u, tu, ip, bl, l, s, m, tup, addr, fl)
		VALUES (1, 'ascii', 'text ✓', 'varchar', -8, 1600, -32000, 9007199254740993, 123456789012345678901234567890,
		1.5, 2.25, 12345.6789012345678901, true, '2026-01-02T03:04:05.678Z', '2026-01-02', '13:14:15.123456789', 1mo2d3h4m,
		5b6962dd-3f90-4c93-8f61-eabfa4a803e2, 50554d6e-29bb-11e5-b345-feff819cdc9f, '10.1.2.3', 0xcafe,
		[3, 1, 2], {'b', 'a'}, {'x': 1.5}, (7, 'seven'), {street: 'Main', zip: 12345}, ['p', 'q'])`)
	exec(t, c, `INSERT INTO plugin_test.decode_types (id) VALUES (2)`)

	ctx := context.Background()
	rows := c.Query(ctx, `SELECT * FROM plugin_test.decode_types WHERE id IN (1, 2)`, nil, QueryOptions{})
	decs := Decoders(rows.Columns())
	var dests []any
	for _, d := range decs {
		dests = append(dests, d.Dests()...)
	}
	got := map[int]map[string]string{}
	types := map[string]string{}
	for rows.Next(dests...) {
		row := map[string]string{}
		for _, d := range decs {
			v := d.Value()
			// Every value must be one a frame field of the declared type accepts.
			f := data.NewFieldFromFieldType(d.FieldType, 1)
			f.Set(0, v)
			types[d.Column.Name] = d.Column.Type + " -> " + d.FieldType.String()
			row[d.Column.Name] = render(v)
		}
		got[int(*decs[0].Value().(*int32))] = row
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	want1 := map[string]string{
		"id": "1", "a": "ascii", "t": "text ✓", "vc": "varchar", "ti": "-8", "si": "1600", "i": "-32000",
		"bi": "9007199254740993", "vi": "123456789012345678901234567890", "f": "1.5", "d": "2.25",
		"dec": "12345.6789012345678901", "b": "true", "ts": "2026-01-02T03:04:05.678Z", "dt": "2026-01-02T00:00:00Z",
		"tm": "13:14:15.123456789", "du": "1mo2d3h4m0s", "u": "5b6962dd-3f90-4c93-8f61-eabfa4a803e2",
		"tu": "50554d6e-29bb-11e5-b345-feff819cdc9f", "ip": "10.1.2.3", "bl": "0xcafe",
		"l": "[3,1,2]", "s": `["a","b"]`, "m": `{"x":1.5}`, "tup": `[7,"seven"]`,
		"addr": `{"street":"Main","zip":12345}`, "fl": `["p","q"]`,
	}
	if diff := cmp.Diff(want1, got[1]); diff != "" {
		t.Errorf("row 1 (-want +got):\n%s\ntypes: %v", diff, types)
	}
	for col, v := range got[2] {
		if col != "id" && v != "null" {
			t.Errorf("row 2 column %s = %s, want null", col, v)
		}
	}
}

func render(v any) string {
	switch x := v.(type) {
	case *time.Time:
		if x == nil {
			return "null"
		}
		return x.Format(time.RFC3339Nano)
	case *json.RawMessage:
		if x == nil {
			return "null"
		}
		return string(*x)
	}
	b, _ := json.Marshal(v)
	return strings.Trim(string(b), `"`)
}
