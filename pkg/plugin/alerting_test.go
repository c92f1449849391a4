package plugin

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"go.yaml.in/yaml/v3"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
	"github.com/metricsserver/cassandra-datasource/pkg/seed"
)

// provisioned reads a file of provisioning/.
func provisioned(t *testing.T, rel string, into any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "provisioning", rel))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
}

type alertRule struct {
	Title     string `yaml:"title"`
	Condition string `yaml:"condition"`
	Data      []struct {
		RefID             string `yaml:"refId"`
		DatasourceUID     string `yaml:"datasourceUid"`
		RelativeTimeRange struct {
			From int64 `yaml:"from"`
			To   int64 `yaml:"to"`
		} `yaml:"relativeTimeRange"`
		Model map[string]any `yaml:"model"`
	} `yaml:"data"`
}

// alertQuery builds the query Grafana's alerting sends for one data step of a rule: the model
// as saved, the interval and data point defaults alerting applies (1 s, 43200), the rule's
// relative time range, and no front end (so no template variables) on the way.
func alertQuery(t *testing.T, refID string, model map[string]any, from, to int64, now time.Time) backend.DataQuery {
	t.Helper()
	m := map[string]any{"intervalMs": 1000, "maxDataPoints": 43200}
	for k, v := range model {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return backend.DataQuery{
		RefID:         refID,
		JSON:          b,
		Interval:      time.Duration(m["intervalMs"].(int)) * time.Millisecond,
		MaxDataPoints: 43200,
		TimeRange:     backend.TimeRange{From: now.Add(-time.Duration(from) * time.Second), To: now.Add(-time.Duration(to) * time.Second)},
	}
}

// reduceLast is the rule's reduce step (last, dropping nulls and NaN): one value per series,
// keyed by the series labels, as Grafana's server-side expressions compute it.
func reduceLast(t *testing.T, frames data.Frames) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, f := range frames {
		if f.Meta == nil || (f.Meta.Type != data.FrameTypeTimeSeriesMulti && f.Meta.Type != data.FrameTypeTimeSeriesWide) {
			t.Fatalf("frame %q has no time series type (%v): alerting would not read it as numeric data", f.Name, f.Meta)
		}
		for _, fld := range f.Fields {
			if fld.Type() == data.FieldTypeTime || fld.Type() == data.FieldTypeNullableTime {
				continue
			}
			if !fld.Type().Numeric() {
				t.Fatalf("field %s is %s, not numeric", fld.Name, fld.Type())
			}
			key := fld.Name + fld.Labels.String()
			if _, dup := out[key]; dup {
				t.Fatalf("two series share the labels %s: alerting cannot tell them apart", key)
			}
			for i := fld.Len() - 1; i >= 0; i-- {
				v, ok := fld.ConcreteAt(i)
				if !ok {
					continue
				}
				f, _ := v.(float64)
				if fv, isF32 := v.(float32); isF32 {
					f = float64(fv)
				}
				out[key] = f
				break
			}
		}
	}
	return out
}

// TestProvisionedAlertRulesAnswer sends each provisioned alert rule's Cassandra query over the
// plugin protocol the way alerting does, to the data source as provisioned, and checks that the
// rule's reduce and threshold steps get one number per labelled series.
func TestProvisionedAlertRulesAnswer(t *testing.T) {
	var ds struct {
		Datasources []struct {
			UID      string         `yaml:"uid"`
			Type     string         `yaml:"type"`
			JSONData map[string]any `yaml:"jsonData"`
		} `yaml:"datasources"`
	}
	provisioned(t, "datasources/datasources.yml", &ds)
	if len(ds.Datasources) == 0 {
		t.Fatal("no provisioned data source")
	}
	pds := ds.Datasources[0]
	// The provisioned settings, with the hosts Grafana would expand from $CASSANDRA_HOSTS.
	jsonData := map[string]any{}
	for k, v := range pds.JSONData {
		jsonData[k] = v
	}
	jsonData["hosts"] = cassandratest.Hosts(t)
	settings := &backend.DataSourceInstanceSettings{UID: pds.UID, Name: "Cassandra Metrics", JSONData: cassandratest.JSONData(t, jsonData)}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := cassandratest.Client(t)
	if err := seed.CreateSchema(ctx, c, seed.SchemaOptions{}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	// The demo's first environment, application and metric: prod, checkout, http.requests.
	if _, err := seed.Generate(ctx, c, seed.Options{Span: 30 * time.Minute, End: now, Environments: 1, Applications: 1, Metrics: 1, Seed: 1}); err != nil {
		t.Fatal(err)
	}

	var rules struct {
		Groups []struct {
			Rules []alertRule `yaml:"rules"`
		} `yaml:"groups"`
	}
	provisioned(t, "alerting/alerts.yml", &rules)
	tp := grpcPlugin(t)
	n := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			for _, d := range r.Data {
				if d.DatasourceUID != pds.UID {
					continue
				}
				n++
				t.Run(r.Title+"/"+d.RefID, func(t *testing.T) {
					q := alertQuery(t, d.RefID, d.Model, d.RelativeTimeRange.From, d.RelativeTimeRange.To, now)
					if strings.Contains(string(q.JSON), "$") && !strings.Contains(string(q.JSON), "$__") {
						t.Fatalf("alert queries get no template variables, but this one has one: %s", q.JSON)
					}
					resp, err := tp.Client.QueryData(ctx, &backend.QueryDataRequest{
						PluginContext: backend.PluginContext{DataSourceInstanceSettings: settings},
						Headers:       map[string]string{"FromAlert": "true"},
						Queries:       []backend.DataQuery{q},
					})
					if err != nil {
						t.Fatalf("QueryData: %v", err)
					}
					res := resp.Responses[d.RefID]
					if res.Error != nil {
						t.Fatalf("query failed: %v\n%s", res.Error, q.JSON)
					}
					values := reduceLast(t, res.Frames)
					if len(values) == 0 {
						t.Fatalf("reduce(last) gives no series from %d frames: the rule would see no data", len(res.Frames))
					}
					for series, v := range values {
						// The threshold step compares each value; it needs a finite number.
						if v != v || v <= 0 {
							t.Errorf("series %s reduces to %v", series, v)
						}
					}
				})
			}
		}
	}
	if n == 0 {
		t.Fatal("the alert rules query nothing from the provisioned Cassandra Metrics data source")
	}
}
