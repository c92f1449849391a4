package engine

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"sort"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/google/go-cmp/cmp"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
)

// Keyspace of the time-column and bucket tests: tables whose time is a date, a timeuuid or an
// epoch number, and tables bucketed by hour, day, week and month.
const tsKeyspace = "engine_timeshapes"

var tsSensors = []string{"s1", "s2"}

// tsRow is one reading as the tests write it; t is the time the stored value stands for
// (already cut to the column's resolution).
type tsRow struct {
	sensor string
	t      time.Time
	v      float64
}

// tsRows makes n readings per sensor from start, every step, plus one at each of edges, with
// values that differ per row and sensor; resolution cuts each time to what the column can
// hold. A time that repeats after the cut is kept once, as Cassandra keeps one row per key.
func tsRows(start time.Time, n int, step, resolution time.Duration, edges ...time.Time) []tsRow {
	var out []tsRow
	for si, s := range tsSensors {
		seen := map[time.Time]bool{}
		add := func(t time.Time, v float64) {
			t = t.Truncate(resolution)
			if !seen[t] {
				seen[t] = true
				out = append(out, tsRow{sensor: s, t: t, v: v + 100*float64(si)})
			}
		}
		for i, t := range edges {
			add(t, 50+float64(i))
		}
		for i := 0; i < n; i++ {
			add(start.Add(time.Duration(i)*step).Add(time.Duration(si)*37*time.Millisecond), float64(i%17)+0.25)
		}
	}
	return out
}

// edgeTimes are readings where a wrong bound or a wrong conversion shows: at and around both
// ends of [from, to), and just before a bin boundary.
func edgeTimes(from, to time.Time, binEdge time.Time) []time.Time {
	var out []time.Time
	for _, t := range []time.Time{from, to} {
		out = append(out, t, t.Add(-time.Millisecond), t.Truncate(time.Second), t.Truncate(time.Second).Add(time.Second))
	}
	return append(out, binEdge.Add(-100*time.Nanosecond), binEdge.Add(-time.Microsecond), binEdge.Add(-time.Millisecond), binEdge)
}

// refPoint is one bin as the reference computes it and as the engine answers it.
type refPoint struct {
	Sum, Max float64
	Count    int
}

// refBins bins rows in [from, to) by width, per sensor, straight from the raw rows.
func refBins(rows []tsRow, from, to time.Time, width time.Duration) map[string]map[time.Time]refPoint {
	out := map[string]map[time.Time]refPoint{}
	for _, r := range rows {
		if r.t.Before(from) || !r.t.Before(to) {
			continue
		}
		w := width.Milliseconds()
		ms := r.t.UnixMilli()
		start := time.UnixMilli(ms - ((ms%w)+w)%w).UTC()
		if out[r.sensor] == nil {
			out[r.sensor] = map[time.Time]refPoint{}
		}
		p, seen := out[r.sensor][start]
		if !seen {
			p.Max = math.Inf(-1)
		}
		p.Sum += r.v
		p.Max = math.Max(p.Max, r.v)
		p.Count++
		out[r.sensor][start] = p
	}
	return out
}

// engineBins reads frames of a query with aggregations sum, count, max and fill none.
func engineBins(t *testing.T, res backend.DataResponse) map[string]map[time.Time]refPoint {
	t.Helper()
	if res.Error != nil {
		t.Fatalf("query failed: %v", res.Error)
	}
	out := map[string]map[time.Time]refPoint{}
	for _, f := range joinSeries(res.Frames) { // a frame per series and aggregation
		if len(f.Fields) != 4 {
			t.Fatalf("frame %q has %d fields, want time, sum, count, max", f.Name, len(f.Fields))
		}
		sensor := f.Fields[1].Labels["sensor"]
		m := out[sensor]
		if m == nil {
			m = map[time.Time]refPoint{}
			out[sensor] = m
		}
		times := fieldTimes(f.Fields[0])
		sums, counts, maxes := fieldFloats(f.Fields[1]), fieldFloats(f.Fields[2]), fieldFloats(f.Fields[3])
		for i, ts := range times {
			if sums[i] == nil || counts[i] == nil || maxes[i] == nil {
				t.Fatalf("sensor %s bin %s has a null with fill none", sensor, ts)
			}
			m[ts.UTC()] = refPoint{Sum: *sums[i], Count: int(*counts[i]), Max: *maxes[i]}
		}
	}
	return out
}

// refLatest is each sensor's newest reading in [from, to).
func refLatest(rows []tsRow, from, to time.Time) map[string]tsRow {
	out := map[string]tsRow{}
	for _, r := range rows {
		if r.t.Before(from) || !r.t.Before(to) {
			continue
		}
		if l, ok := out[r.sensor]; !ok || r.t.After(l.t) {
			out[r.sensor] = r
		}
	}
	return out
}

func refCount(rows []tsRow, from, to time.Time) int {
	n := 0
	for _, r := range rows {
		if !r.t.Before(from) && r.t.Before(to) {
			n++
		}
	}
	return n
}

// v1UUID writes a version 1 UUID for t by hand (100 ns ticks since 1582-10-15), with seq as
// clock sequence so every row's uuid is fixed and distinct.
func v1UUID(t time.Time, seq int) gocql.UUID {
	ticks := uint64(t.Unix()*1e7+int64(t.Nanosecond()/100)) + 0x01B21DD213814000
	var u gocql.UUID
	binary.BigEndian.PutUint32(u[0:4], uint32(ticks))
	binary.BigEndian.PutUint16(u[4:6], uint16(ticks>>32))
	binary.BigEndian.PutUint16(u[6:8], uint16(ticks>>48)&0x0FFF|0x1000)
	binary.BigEndian.PutUint16(u[8:10], uint16(seq)&0x3FFF|0x8000)
	copy(u[10:], []byte{0x02, 0x42, 0xac, 0x11, 0x00, 0x02})
	return u
}

func tsClient(t *testing.T) *cassandra.Client {
	t.Helper()
	c := cassandratest.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Exec(ctx, `CREATE KEYSPACE IF NOT EXISTS `+tsKeyspace+` WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`); err != nil {
		t.Fatalf("create keyspace: %v", err)
	}
	return c
}

// writeRows (re)creates table with the DDL's columns and indexes and writes rows, one batch per
// partition; value turns a row (and its index) into the bound values of insert. The table
// starts empty, so rows of an earlier run cannot count twice.
func writeRows(t *testing.T, c *cassandra.Client, table, ddl, insert string, rows []tsRow, value func(i int, r tsRow) []any, indexes ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Indexes come before the rows: an index built over existing rows answers only once its
	// build is done.
	for _, s := range append([]string{"DROP TABLE IF EXISTS " + tsKeyspace + "." + table, ddl}, indexes...) {
		if err := c.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	byPartition := map[string][][]any{}
	var keys []string
	for i, r := range rows {
		vals := value(i, r)
		k := fmt.Sprint(vals[:len(vals)-2]...) // every column before time and value
		if _, ok := byPartition[k]; !ok {
			keys = append(keys, k)
		}
		byPartition[k] = append(byPartition[k], vals)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b := byPartition[k]
		for len(b) > 0 {
			n := min(len(b), 100)
			if err := c.ExecBatch(ctx, insert, b[:n]); err != nil {
				t.Fatalf("%s: %v", insert, err)
			}
			b = b[n:]
		}
	}
}

// TestTimeColumnTypesBinLikeTheReference stores the same readings with each kind of time
// column and checks bins, the latest value and the table rows against the raw readings.
func TestTimeColumnTypesBinLikeTheReference(t *testing.T) {
	c := tsClient(t)
	e := New(c, Options{})
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	// Not on whole seconds: epoch-seconds bounds must round up to stay inside the range.
	from := start.Add(5*time.Hour + 507*time.Millisecond)
	to := start.Add(60*time.Hour + 123*time.Millisecond)
	step := 7*time.Minute + 13*time.Second + 123456789*time.Nanosecond

	for _, tt := range []struct {
		name, typ, unit string
		resolution      time.Duration
		store           func(i int, r tsRow) any
		rows            []tsRow
		interval        string
		from, to        time.Time
	}{
		{name: "timestamp", typ: "timestamp", resolution: time.Millisecond, store: func(_ int, r tsRow) any { return r.t }},
		{name: "timeuuid", typ: "timeuuid", resolution: 100 * time.Nanosecond, store: func(i int, r tsRow) any { return v1UUID(r.t, i) }},
		{name: "bigint_s", typ: "bigint", unit: "s", resolution: time.Second, store: func(_ int, r tsRow) any { return r.t.Unix() }},
		{name: "bigint_ms", typ: "bigint", unit: "ms", resolution: time.Millisecond, store: func(_ int, r tsRow) any { return r.t.UnixMilli() }},
		{name: "bigint_us", typ: "bigint", unit: "us", resolution: time.Microsecond, store: func(_ int, r tsRow) any { return r.t.UnixMicro() }},
		{name: "bigint_ns", typ: "bigint", unit: "ns", resolution: time.Nanosecond, store: func(_ int, r tsRow) any { return r.t.UnixNano() }},
		{name: "int_s", typ: "int", unit: "s", resolution: time.Second, store: func(_ int, r tsRow) any { return int32(r.t.Unix()) }},
		{name: "varint_ms", typ: "varint", unit: "ms", resolution: time.Millisecond, store: func(_ int, r tsRow) any { return big.NewInt(r.t.UnixMilli()) }},
		{
			name: "date", typ: "date", store: func(_ int, r tsRow) any { return r.t },
			// One reading a day for 40 days; the range starts and ends mid-day.
			rows:     tsRows(start, 40, 24*time.Hour, 24*time.Hour),
			interval: "1d", from: start.Add(3*24*time.Hour + 5*time.Hour), to: start.Add(30*24*time.Hour + time.Hour),
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rows, interval, qFrom, qTo := tt.rows, tt.interval, tt.from, tt.to
			if rows == nil {
				rows, interval, qFrom, qTo = tsRows(start, 600, step, tt.resolution, edgeTimes(from, to, start.Add(10*time.Hour))...), "1h", from, to
			}
			table := "tc_" + tt.name
			writeRows(t, c, table,
				fmt.Sprintf(`CREATE TABLE %s.%s (sensor text, t %s, v double, PRIMARY KEY (sensor, t))`, tsKeyspace, table, tt.typ),
				fmt.Sprintf(`INSERT INTO %s.%s (sensor, t, v) VALUES (?, ?, ?)`, tsKeyspace, table),
				rows, func(i int, r tsRow) []any { return []any{r.sensor, tt.store(i, r), r.v} })

			q := map[string]any{
				"queryType": "builder", "keyspace": tsKeyspace, "table": table,
				"timeColumn": "t", "timeUnit": tt.unit, "valueColumns": []string{"v"},
				"filters":      []map[string]any{{"column": "sensor", "op": "IN", "values": tsSensors}},
				"aggregations": []string{"sum", "count", "max"}, "interval": interval, "fill": "none",
			}
			want := refBins(rows, qFrom, qTo, mustInterval(t, interval))
			if len(want) != len(tsSensors) {
				t.Fatalf("the reference has %d sensors in range; the test data is wrong", len(want))
			}
			got := engineBins(t, run(t, e, dataQuery("A", q, qFrom, qTo, 1000)))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("bins differ from the reference (-want +got):\n%s", diff)
			}

			if macro := map[string]string{
				"timestamp": "$__timeFilter(t)", "timeuuid": "$__timeuuidFilter(t)", "bigint_s": "$__timeFilter_s(t)", "int_s": "$__timeFilter_s(t)",
				"bigint_ms": "$__timeFilter_ms(t)", "varint_ms": "$__timeFilter_ms(t)", "bigint_us": "$__timeFilter_us(t)", "bigint_ns": "$__timeFilter_ns(t)",
			}[tt.name]; macro != "" {
				raw := map[string]any{
					"queryType": "cql", "timeColumn": "t", "timeUnit": tt.unit,
					"rawCql":       fmt.Sprintf("SELECT sensor, t, v FROM %s.%s WHERE sensor IN ('s1', 's2') AND %s", tsKeyspace, table, macro),
					"aggregations": []string{"sum", "count", "max"}, "interval": interval, "fill": "none",
				}
				if diff := cmp.Diff(want, engineBins(t, run(t, e, dataQuery("R", raw, qFrom, qTo, 1000)))); diff != "" {
					t.Errorf("raw CQL with %s: bins differ from the reference (-want +got):\n%s", macro, diff)
				}
				// As a table, the time column named by timeColumn gets its time field too.
				raw["format"] = "table"
				res := run(t, e, dataQuery("T", raw, qFrom, qTo, 1000))
				if res.Error != nil {
					t.Fatalf("raw CQL table: %v", res.Error)
				}
				timeField := "t"
				if tt.typ != "timestamp" {
					timeField = "time"
				}
				if got := tableTimes(t, res.Frames[0], timeField); len(got) != refCount(rows, qFrom, qTo) {
					t.Errorf("raw CQL table: %d times, the range holds %d rows", len(got), refCount(rows, qFrom, qTo))
				}
			}

			q["instant"] = true
			res := run(t, e, dataQuery("B", q, qFrom, qTo, 1000))
			if res.Error != nil {
				t.Fatalf("instant: %v", res.Error)
			}
			gotLatest := map[string]float64{}
			for _, f := range res.Frames {
				v := fieldFloats(f.Fields[1])
				if len(v) != 1 || v[0] == nil {
					t.Fatalf("instant frame %q: want one value, got %v", f.Name, v)
				}
				gotLatest[f.Fields[1].Labels["sensor"]] = *v[0]
			}
			wantLatest := map[string]float64{}
			for s, r := range refLatest(rows, qFrom, qTo) {
				wantLatest[s] = r.v
			}
			if diff := cmp.Diff(wantLatest, gotLatest); diff != "" {
				t.Errorf("latest values differ (-want +got):\n%s", diff)
			}

			delete(q, "instant")
			q["format"] = "table"
			res = run(t, e, dataQuery("C", q, qFrom, qTo, 1000))
			if res.Error != nil {
				t.Fatalf("table: %v", res.Error)
			}
			if n, want := res.Frames[0].Rows(), refCount(rows, qFrom, qTo); n != want {
				t.Errorf("table has %d rows, the range holds %d", n, want)
			}
			// The table shows each row's time as a time field: the column itself for a timestamp
			// or date, a "time" field in front of an epoch or timeuuid column.
			timeField := "t"
			if tt.typ != "timestamp" && tt.typ != "date" {
				timeField = "time"
			}
			var wantTimes []int64
			for _, r := range rows {
				if !r.t.Before(qFrom) && r.t.Before(qTo) {
					wantTimes = append(wantTimes, r.t.Truncate(time.Millisecond).UnixMilli())
				}
			}
			sort.Slice(wantTimes, func(i, j int) bool { return wantTimes[i] < wantTimes[j] })
			if diff := cmp.Diff(wantTimes, tableTimes(t, res.Frames[0], timeField)); diff != "" {
				t.Errorf("table times (-want +got):\n%s", diff)
			}
			if timeField == "time" {
				if _, i := res.Frames[0].FieldByName("t"); i < 0 {
					t.Errorf("the table lost its own time column: %v", res.Frames[0].Fields)
				}
			}
		})
	}
}

// tableTimes are the epoch milliseconds of a table frame's time field, sorted; the field must
// be a time field with a value in every row.
func tableTimes(t *testing.T, f *data.Frame, name string) []int64 {
	t.Helper()
	field, i := f.FieldByName(name)
	if i < 0 || !field.Type().Time() {
		t.Fatalf("table: no time field %q in %v", name, f.Fields)
	}
	out := make([]int64, field.Len())
	for r := range out {
		v, ok := field.ConcreteAt(r)
		if !ok {
			t.Fatalf("table: field %q row %d is null", name, r)
		}
		out[r] = v.(time.Time).UnixMilli()
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func mustInterval(t *testing.T, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		if s == "1d" {
			return 24 * time.Hour
		}
		t.Fatalf("interval %q: %v", s, err)
	}
	return d
}
