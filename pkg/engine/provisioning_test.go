package engine

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/metricsserver/cassandra-datasource/pkg/query"
	"github.com/metricsserver/cassandra-datasource/pkg/resources"
	"github.com/metricsserver/cassandra-datasource/pkg/seed"
)

// TestProvisioningExamplesAnswer runs every query of the provisioned dashboard and alert rule
// against demo data, so the examples in provisioning/ stay true.
func TestProvisioningExamplesAnswer(t *testing.T) {
	c := fixtureClient(t)
	ctx := context.Background()
	if err := seed.CreateSchema(ctx, c, seed.SchemaOptions{}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Minute)
	if _, err := seed.Generate(ctx, c, seed.Options{Span: 2 * time.Hour, End: now, Environments: 1, Applications: 1, Metrics: 1, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	vars := strings.NewReplacer("$environment", "prod", "$application", "checkout", "$metric", "http.requests")
	e := New(c, Options{DefaultKeyspace: "metric_data"})
	check := func(name string, target json.RawMessage) {
		t.Run(name, func(t *testing.T) {
			raw := json.RawMessage(vars.Replace(string(target)))
			res := run(t, e, withJSON(dataQuery("A", nil, now.Add(-time.Hour), now, 200), raw))
			if res.Error != nil {
				t.Fatalf("query failed: %v\n%s", res.Error, raw)
			}
			if !hasValue(res.Frames) {
				t.Fatalf("no values in %d frames for %s", len(res.Frames), raw)
			}
		})
	}

	root := filepath.Join("..", "..", "provisioning")
	b, err := os.ReadFile(filepath.Join(root, "dashboards", "cassandra-metrics-demo.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string            `json:"title"`
			Targets []json.RawMessage `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Query struct {
					Query  string `json:"query"`
					RawCQL string `json:"rawCql"`
				} `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	for _, p := range dash.Panels {
		for _, target := range p.Targets {
			check("dashboard/"+p.Title, target)
		}
	}
	want := map[string]string{"environment": "prod", "application": "checkout", "metric": "http.requests"}
	for _, v := range dash.Templating.List {
		t.Run("variable/"+v.Name, func(t *testing.T) {
			raw := v.Query.RawCQL // the variable editor's form; older dashboards used "query"
			if raw == "" {
				raw = v.Query.Query
			}
			stmt, err := query.PrepareRaw(&query.Query{QueryType: query.QueryTypeCQL, RawCQL: vars.Replace(raw)}, now.Add(-time.Hour), now, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			vals, err := resources.VariableValues(ctx, c, stmt, 100)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, x := range vals {
				found = found || x.Value == want[v.Name]
			}
			if !found {
				t.Fatalf("values %v do not include %q", vals, want[v.Name])
			}
		})
	}

	b, err = os.ReadFile(filepath.Join(root, "alerting", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var alerts struct {
		Groups []struct {
			Rules []struct {
				Title string `yaml:"title"`
				Data  []struct {
					DatasourceUID string         `yaml:"datasourceUid"`
					Model         map[string]any `yaml:"model"`
				} `yaml:"data"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &alerts); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range alerts.Groups {
		for _, r := range g.Rules {
			for _, d := range r.Data {
				if d.DatasourceUID != "cassandra-metrics" {
					continue
				}
				m, _ := json.Marshal(d.Model)
				check("alert/"+r.Title, m)
				n++
			}
		}
	}
	if n == 0 {
		t.Fatal("the alert rules query nothing from Cassandra Metrics")
	}
}

func hasValue(frames data.Frames) bool {
	for _, f := range frames {
		for _, fld := range f.Fields {
			if fld.Type() == data.FieldTypeTime {
				continue
			}
			for i := 0; i < fld.Len(); i++ {
				if v, ok := fld.ConcreteAt(i); ok && v != nil {
					return true
				}
			}
		}
	}
	return false
}
