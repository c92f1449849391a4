package plugin

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
	"github.com/metricsserver/cassandra-datasource/internal/seedtest"
	"github.com/metricsserver/cassandra-datasource/pkg/engine"
	"github.com/metricsserver/cassandra-datasource/pkg/rollup"
)

// The plugin reads rollups over its gRPC protocol as Grafana calls it: from the rollup keyspace
// of its settings, and not when allowedKeyspaces leaves that keyspace out.
func TestRollupsOverGRPC(t *testing.T) {
	const ks, rks = "plugin_rollup_src", "plugin_rollups"
	c := cassandratest.Client(t)
	if err := c.Exec(t.Context(), "DROP KEYSPACE IF EXISTS "+rks); err != nil {
		t.Fatal(err)
	}
	seedtest.Load(t, c, ks)
	if err := rollup.CreateSchema(t.Context(), c, rks, 1); err != nil {
		t.Fatal(err)
	}
	cfg := rollup.Config{Keyspace: rks, Backfill: 2 * time.Hour, Sources: []rollup.SourceConfig{{Table: ks + ".raw_timer_with_interval",
		TimeColumn: "metric_timestamp", ValueColumns: []string{"p99"}}}}
	if err := cfg.Check(); err != nil {
		t.Fatal(err)
	}
	w := rollup.NewWriter(cfg, engine.New(c, engine.Options{}), c)
	w.Now = func() time.Time { return seedtest.End.Add(10 * time.Minute) }
	if err := w.Pass(t.Context()); err != nil {
		t.Fatal(err)
	}
	q, _ := json.Marshal(map[string]any{"queryType": "builder", "keyspace": ks, "table": "raw_timer_with_interval", "timeColumn": "metric_timestamp",
		"valueColumns": []string{"p99"}, "aggregations": []string{"max"}, "interval": "10m", "cache": false,
		"filters": []map[string]any{
			{"column": "environment", "op": "=", "values": []string{"prod"}},
			{"column": "application", "op": "=", "values": []string{"checkout"}},
			{"column": "metric_name", "op": "=", "values": []string{"http.requests"}},
		}})
	tp := grpcPlugin(t)
	notices := func(uid string, overrides map[string]any) string {
		t.Helper()
		s := instanceSettings(t, overrides, nil)
		s.UID = uid // an instance per settings: Grafana makes a new one when settings change
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		resp, err := tp.Client.QueryData(ctx, &backend.QueryDataRequest{
			PluginContext: backend.PluginContext{DataSourceInstanceSettings: s},
			Queries: []backend.DataQuery{{RefID: "A", JSON: q, MaxDataPoints: 100,
				TimeRange: backend.TimeRange{From: seedtest.End.Add(-time.Hour), To: seedtest.End}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		a := resp.Responses["A"]
		if a.Error != nil || len(a.Frames) == 0 || a.Frames[0].Meta == nil {
			t.Fatalf("A: error %v, frames %v", a.Error, a.Frames)
		}
		var out []string
		for _, n := range a.Frames[0].Meta.Notices {
			out = append(out, n.Text)
		}
		return strings.Join(out, " | ")
	}
	if got := notices("rollups-on", map[string]any{"rollupKeyspace": rks}); !strings.Contains(got, "60 bins from 1m rollups, 0 rows raw") {
		t.Errorf("rollup keyspace set: notices %q, want the hour from 60 1m rollup bins (10m is no multiple of 1h)", got)
	}
	if got := notices("rollups-not-allowed", map[string]any{"rollupKeyspace": rks, "allowedKeyspaces": []string{ks}}); strings.Contains(got, "rollups") {
		t.Errorf("rollup keyspace not allowed: notices %q mention rollups", got)
	}
	if got := notices("rollups-off", map[string]any{"rollupKeyspace": rks, "disableRollups": true}); strings.Contains(got, "rollups") {
		t.Errorf("disableRollups: notices %q mention rollups", got)
	}
}
