package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"go.yaml.in/yaml/v3"
)

// provisionedAlertModel is the model of the provisioned alert rule's Cassandra query
// (provisioning/alerting/alerts.yml), pointed at the fixture's table: the demo's metric
// becomes the fixture's, the rest of the shape (measures, aggregations, interval, no format)
// stays as provisioned.
func provisionedAlertModel(t *testing.T) (map[string]any, time.Duration) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "provisioning", "alerting", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Groups []struct {
			Rules []struct {
				Data []struct {
					DatasourceUID     string               `yaml:"datasourceUid"`
					RelativeTimeRange struct{ From int64 } `yaml:"relativeTimeRange"`
					Model             map[string]any       `yaml:"model"`
				} `yaml:"data"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	for _, g := range file.Groups {
		for _, r := range g.Rules {
			for _, d := range r.Data {
				if d.DatasourceUID == "__expr__" {
					continue
				}
				m := d.Model
				m["keyspace"] = fixtureKeyspace
				filters, _ := m["filters"].([]any)
				for _, f := range filters {
					f := f.(map[string]any)
					switch f["column"] {
					case "application":
						f["values"] = []string{"api"}
					case "metric_name":
						f["values"] = []string{fixtureMetrics[0]}
					}
				}
				// Alerting's defaults for a query without them.
				m["intervalMs"], m["maxDataPoints"] = 1000, 43200
				return m, time.Duration(d.RelativeTimeRange.From) * time.Second
			}
		}
	}
	t.Fatal("no Cassandra query in the provisioned alert rules")
	return nil, 0
}

// TestEveryQueryKindKeepsTheDataplaneContract runs a query of every kind on the fixture and
// reads each answer with readDataplane (the contract's rules): the type, the number of series
// a dataplane reader sees, and for alerting a number per series from reduce(last).
func TestEveryQueryKindKeepsTheDataplaneContract(t *testing.T) {
	e := New(fixtureClient(t), Options{})
	oneMetric := []map[string]any{
		{"column": "environment", "op": "=", "values": []string{"prod"}},
		{"column": "application", "op": "=", "values": []string{"api"}},
		{"column": "metric_name", "op": "=", "values": []string{"m1"}},
	}
	rawTS := `SELECT metric_name, metric_timestamp, p99, mean FROM engine_test.raw_timer_with_interval WHERE environment = 'prod' AND application = 'api' AND metric_name IN ('m1', 'm2', 'm3') AND $__timeFilter(metric_timestamp)`
	alert, alertRange := provisionedAlertModel(t)
	ts, nm, table := string(data.FrameTypeTimeSeriesMulti), string(data.FrameTypeNumericMulti), "table"
	for _, tt := range []struct {
		name     string
		q        map[string]any
		from, to time.Time
		kind     string
		series   int  // what a dataplane reader sees
		noData   bool // a typed empty answer
		display  string
	}{
		{name: "builder, 1 measure x 1 series", q: seedBuilder(map[string]any{"valueColumns": []string{"p99"}, "filters": oneMetric}), kind: ts, series: 1},
		{name: "builder, 1 measure x 3 series", q: seedBuilder(map[string]any{"valueColumns": []string{"p99"}}), kind: ts, series: 3},
		{name: "builder, 2 measures x 1 series", q: seedBuilder(map[string]any{"filters": oneMetric}), kind: ts, series: 2, display: "p99"},
		{name: "a 2-measure x 3-series builder query gives 6 series to a dataplane reader", q: seedBuilder(nil), kind: ts, series: 6, display: "m1 p99 m1"},
		{name: "builder, 1 measure x 2 aggregations x 3 series", q: seedBuilder(map[string]any{"valueColumns": []string{"p99"}, "aggregations": []string{"max", "avg"}}), kind: ts, series: 6, display: "m1 p99 max m1"},
		{name: "builder with an alias", q: seedBuilder(map[string]any{"alias": "{{metric_name}}/{{measure}}"}), kind: ts, series: 6, display: "m1/p99"},
		{name: "raw CQL time series, binned", q: map[string]any{"queryType": "cql", "format": "time_series", "rawCql": rawTS, "interval": "1m"}, kind: ts, series: 6, display: "m1 p99 m1"},
		{name: "raw CQL time series, unbinned", q: map[string]any{"queryType": "cql", "format": "time_series", "binning": false, "rawCql": rawTS}, to: fixtureStart.Add(5 * time.Minute), kind: ts, series: 6},
		{name: "instant, 2 measures x 3 series", q: seedBuilder(map[string]any{"instant": true}), kind: nm, series: 6, display: "m1 p99 m1"},
		{name: "instant, 1 measure x 1 series", q: seedBuilder(map[string]any{"instant": true, "valueColumns": []string{"p99"}, "filters": oneMetric}), kind: nm, series: 1},
		{name: "table", q: seedBuilder(map[string]any{"format": "table", "filters": oneMetric, "limit": 5}), kind: table},
		{name: "raw CQL table", q: map[string]any{"queryType": "cql", "format": "table", "rawCql": `SELECT * FROM engine_test.samples WHERE tenant = 'acme' AND day = '2026-01-01'`}, kind: table},
		{name: "annotations", q: map[string]any{"queryType": "cql", "format": "table",
			"rawCql": `SELECT ts AS time, note AS title, label AS text, tags FROM engine_test.samples WHERE tenant = 'acme' AND day = '2026-01-01' AND $__timeFilter(ts)`}, kind: table},
		{name: "no data, builder", q: seedBuilder(nil), from: fixtureEnd.Add(time.Hour), to: fixtureEnd.Add(2 * time.Hour), kind: ts, noData: true},
		{name: "no data, builder without a statement", q: seedBuilder(map[string]any{"filters": append(append([]map[string]any{}, oneMetric...),
			map[string]any{"column": "metric_name", "op": "=", "values": []string{"m2"}})}), kind: ts, noData: true},
		{name: "no data, instant", q: seedBuilder(map[string]any{"instant": true}), from: fixtureEnd.Add(time.Hour), to: fixtureEnd.Add(2 * time.Hour), kind: nm, noData: true},
		{name: "no data, raw CQL time series", q: map[string]any{"queryType": "cql", "format": "time_series", "rawCql": rawTS}, from: fixtureEnd.Add(time.Hour), to: fixtureEnd.Add(2 * time.Hour), kind: ts, noData: true},
		{name: "no data, table", q: seedBuilder(map[string]any{"format": "table"}), from: fixtureEnd.Add(time.Hour), to: fixtureEnd.Add(2 * time.Hour), kind: table},
		{name: "error", q: seedBuilder(map[string]any{"table": "no_such_table"}), kind: "error"},
		{name: "error, raw CQL", q: map[string]any{"queryType": "cql", "format": "time_series", "rawCql": `SELECT note FROM engine_test.samples WHERE tenant = 'acme' AND day = '2026-01-01'`}, kind: "error"},
		{name: "hidden", q: seedBuilder(map[string]any{"hide": true}), kind: ts, series: 6},
		{name: "hidden instant", q: seedBuilder(map[string]any{"hide": true, "instant": true}), kind: nm, series: 6},
		{name: "the provisioned alert rule's query", q: alert, from: fixtureEnd.Add(-alertRange), kind: ts, series: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			from, to := fixtureStart, fixtureEnd
			if !tt.from.IsZero() {
				from = tt.from
			}
			if !tt.to.IsZero() {
				to = tt.to
			}
			res := run(t, e, dataQuery("A", tt.q, from, to, 200))
			a, err := readDataplane(res)
			if err != nil {
				t.Fatalf("the answer breaks the contract: %v (error %v)", err, res.Error)
			}
			if a.kind != tt.kind || a.noData != tt.noData || len(a.series) != tt.series {
				t.Fatalf("%s (no data %v) with %d series [%s], want %s (no data %v) with %d (error %v)",
					a.kind, a.noData, len(a.series), sortedKeys(a), tt.kind, tt.noData, tt.series, res.Error)
			}
			if tt.kind == "error" {
				return
			}
			// The executed query and notices still reach the query inspector.
			if m := res.Frames[0].Meta; m == nil || m.ExecutedQueryString == "" {
				t.Errorf("the first frame has no executed query: %+v", m)
			}
			if tt.display != "" && a.series[0].display != tt.display {
				t.Errorf("the first series is displayed as %q, want %q", a.series[0].display, tt.display)
			}
			// Alerting's reduce(last) then threshold: a finite number per series.
			if tt.kind == ts || tt.kind == nm {
				for _, s := range a.series {
					if s.last == nil && !strings.Contains(tt.name, "unbinned") {
						t.Errorf("series %s%s reduces to no value", s.name, s.labels)
					}
					if tt.kind == nm && s.points != 1 {
						t.Errorf("numeric series %s has %d rows", s.name, s.points)
					}
				}
			}
		})
	}
}
