package engine

import (
	"context"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/metricsserver/cassandra-datasource/pkg/bincache"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
)

// A raw CQL refresh whose cached bins no longer fit the result (a column was added under
// SELECT *) reads the whole window again: every statement it sends is different, and its
// bins equal a cold query's.
func TestRawRefreshOfAnotherShapeRunsNoStatementTwice(t *testing.T) {
	c := tsClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	readings := tsRows(start, 200, 37*time.Second, time.Millisecond)
	writeRows(t, c, "raw_once",
		`CREATE TABLE `+tsKeyspace+`.raw_once (sensor text, t timestamp, v double, PRIMARY KEY (sensor, t))`,
		`INSERT INTO `+tsKeyspace+`.raw_once (sensor, t, v) VALUES (?, ?, ?)`,
		readings, func(_ int, r tsRow) []any { return []any{r.sensor, r.t, r.v} })

	now := start.Add(3 * time.Hour)
	cache := bincache.New(16 << 20)
	e := New(c, Options{Cache: cache, Now: func() time.Time { return now }, LateWindow: time.Minute})
	var mu sync.Mutex
	var sent []string
	inner := e.query
	e.query = func(ctx context.Context, cql string, args []any, o cassandra.QueryOptions) rows {
		mu.Lock()
		sent = append(sent, cql)
		mu.Unlock()
		return inner(ctx, cql, args, o)
	}
	q := map[string]any{
		"queryType": "cql", "format": "time_series", "binning": true, "interval": "5m", "aggregations": []string{"sum", "count", "max"}, "fill": "none",
		"rawCql": `SELECT * FROM ` + tsKeyspace + `.raw_once WHERE sensor = 's1' AND $__timeFilter(t)`,
	}
	from, to := start.Add(10*time.Minute), start.Add(2*time.Hour)
	if res := run(t, e, dataQuery("A", q, from, to, 100)); res.Error != nil {
		t.Fatal(res.Error)
	}
	// Another value column under SELECT *: the cached bins are of another shape.
	if err := c.Exec(ctx, `ALTER TABLE `+tsKeyspace+`.raw_once ADD w double`); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	sent = nil
	mu.Unlock()
	from2, to2 := from.Add(5*time.Minute), to.Add(5*time.Minute)
	res := run(t, e, dataQuery("A", q, from2, to2, 100))
	if res.Error != nil {
		t.Fatal(res.Error)
	}
	seen := map[string]int{}
	for _, s := range sent {
		seen[s]++
		if seen[s] > 1 {
			t.Errorf("statement sent twice: %s", s)
		}
	}
	if len(sent) < 2 {
		t.Errorf("sent %d statements, want the refresh's first range and the rest of the window", len(sent))
	}
	// The statements' time ranges cover the window once: no range is read twice.
	filter := regexp.MustCompile(`t >= (\d+) AND t < (\d+)`)
	var spans [][2]int64
	for _, s := range sent {
		m := filter.FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("statement without its time filter: %s", s)
		}
		lo, _ := strconv.ParseInt(m[1], 10, 64)
		hi, _ := strconv.ParseInt(m[2], 10, 64)
		spans = append(spans, [2]int64{lo, hi})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	at := from2.UnixMilli()
	for _, sp := range spans {
		if sp[0] != at {
			t.Errorf("statements read %v: a gap or an overlap at %d (want the window %d to %d read once)", spans, at, from2.UnixMilli(), to2.UnixMilli())
			break
		}
		at = sp[1]
	}
	if at != to2.UnixMilli() {
		t.Errorf("statements read %v, ending at %d; want the window to %d", spans, at, to2.UnixMilli())
	}
	cold := New(c, Options{})
	want := run(t, cold, dataQuery("A", q, from2, to2, 100))
	if want.Error != nil {
		t.Fatal(want.Error)
	}
	if diff := cmp.Diff(pointsOf(t, want), pointsOf(t, res)); diff != "" {
		t.Errorf("bins differ from a cold query (-cold +refresh):\n%s", diff)
	}
}

// pointsOf is every number field of an answer as its labels and name -> its values at their
// times, for comparing two answers whatever their frame split.
func pointsOf(t *testing.T, res backend.DataResponse) map[string]map[time.Time]float64 {
	t.Helper()
	out := map[string]map[time.Time]float64{}
	for _, f := range res.Frames {
		var times []time.Time
		for _, fl := range f.Fields {
			if fl.Type() == data.FieldTypeTime {
				for i := range fl.Len() {
					times = append(times, fl.At(i).(time.Time))
				}
			}
		}
		for _, fl := range f.Fields {
			if fl.Type() != data.FieldTypeNullableFloat64 && fl.Type() != data.FieldTypeFloat64 {
				continue
			}
			key := fl.Labels.String() + " " + fl.Name
			if out[key] == nil {
				out[key] = map[time.Time]float64{}
			}
			for i := range fl.Len() {
				if v, ok := fl.ConcreteAt(i); ok && i < len(times) {
					out[key][times[i]] = v.(float64)
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("the answer has no number fields")
	}
	return out
}
