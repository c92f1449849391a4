package cassandra

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"gopkg.in/inf.v0"
)

// D2: map keys that cannot be Go map keys (inet, blob, frozen collections), also nested in
// lists, tuples and UDTs, decode as JSON objects with text keys instead of panicking; D7: a
// decimal with a huge scale (5 bytes on the wire) stays a short value.
func TestDecodeUnhashableKeysAndHugeDecimals(t *testing.T) {
	c := testClient(t)
	exec(t, c, `CREATE KEYSPACE IF NOT EXISTS plugin_decode_test WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`)
	exec(t, c, `CREATE TYPE IF NOT EXISTS plugin_decode_test.hostmap (name text, hosts frozen<map<inet, int>>)`)
	exec(t, c, `CREATE TABLE IF NOT EXISTS plugin_decode_test.odd_keys (
		id int PRIMARY KEY, mi map<inet, text>, mb map<blob, int>, ml map<frozen<list<int>>, int>,
		lm list<frozen<map<inet, int>>>, tm tuple<frozen<map<blob, text>>, int>, u frozen<hostmap>,
		mt map<frozen<tuple<inet, int>>, text>, dec decimal, ld list<decimal>)`)
	exec(t, c, `INSERT INTO plugin_decode_test.odd_keys (id, mi, mb, ml, lm, tm, u, mt, dec, ld) VALUES (1,
		{'10.0.0.1': 'a', '::1': 'b'}, {0xcafe: 1, 0x00: 2}, {[1, 2]: 3, []: 4},
		[{'192.168.1.1': 5}], ({0xff: 'x'}, 6), {name: 'n', hosts: {'10.9.8.7': 7}},
		{('10.0.0.2', 80): 'web'}, ?, ?)`, inf.NewDec(1, 100_000_000), []*inf.Dec{inf.NewDec(1, -100_000_000), inf.NewDec(25, 1)})
	exec(t, c, `INSERT INTO plugin_decode_test.odd_keys (id) VALUES (2)`)

	rows := c.Query(context.Background(), `SELECT * FROM plugin_decode_test.odd_keys WHERE id IN (1, 2)`, nil, QueryOptions{})
	decs := Decoders(rows.Columns())
	var dests []any
	for _, d := range decs {
		dests = append(dests, d.Dests()...)
	}
	got := map[int]map[string]string{}
	for rows.Next(dests...) {
		row := map[string]string{}
		for _, d := range decs {
			v := d.Value()
			f := data.NewFieldFromFieldType(d.FieldType, 1)
			f.Set(0, v) // panics if the value does not suit the field type
			row[d.Column.Name] = render(v)
		}
		got[int(*decs[0].Value().(*int32))] = row
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"id":  "1",
		"mi":  `{"10.0.0.1":"a","::1":"b"}`,
		"mb":  `{"0x00":2,"0xcafe":1}`,
		"ml":  `{"[1,2]":3,"[]":4}`,
		"lm":  `[{"192.168.1.1":5}]`,
		"tm":  `[{"0xff":"x"},6]`,
		"u":   `{"hosts":{"10.9.8.7":7},"name":"n"}`,
		"mt":  `{"[\"10.0.0.2\",80]":"web"}`,
		"dec": "1e-100000000",
		"ld":  `[1e+100000000,2.5]`,
	}
	if diff := cmp.Diff(want, got[1]); diff != "" {
		t.Errorf("row 1 (-want +got):\n%s", diff)
	}
	for col, v := range got[2] {
		if col != "id" && v != "null" {
			t.Errorf("row 2 column %s = %s, want null", col, v)
		}
	}

	// The decimal as a number for binning: 1e-100000000 is 0 as a float64, read in bounded memory.
	rows = c.Query(context.Background(), `SELECT dec FROM plugin_decode_test.odd_keys WHERE id = 1`, nil, QueryOptions{})
	dest, get, err := NumericDest(rows.Columns()[0].TypeInfo)
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next(dest) {
		t.Fatalf("no row: %v", rows.Close())
	}
	if v, ok := get(); !ok || v != 0 {
		t.Errorf("decimal as float = %v, %v; want 0", v, ok)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
}
