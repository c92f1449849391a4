package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/experimental/datasourcetest"
)

// TestQueryDataOverGRPC sends one valid and one invalid query in one request over the real
// plugin protocol: the valid one returns a frame, the invalid one only its own error.
func TestQueryDataOverGRPC(t *testing.T) {
	pluginTable(t)
	s := instanceSettings(t, nil, nil)
	tp := grpcPlugin(t)
	to := time.Now()
	from := to.Add(-time.Hour)
	q := func(refID string, m map[string]any) backend.DataQuery {
		b, _ := json.Marshal(m)
		return backend.DataQuery{RefID: refID, JSON: b, TimeRange: backend.TimeRange{From: from, To: to}, MaxDataPoints: 100, Interval: time.Second}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	resp, err := tp.Client.QueryData(ctx, &backend.QueryDataRequest{
		PluginContext: backend.PluginContext{DataSourceInstanceSettings: s},
		Queries: []backend.DataQuery{
			q("A", map[string]any{"queryType": "cql", "format": "table", "rawCql": "SELECT v, k FROM " + pluginKeyspace + ".info"}),
			q("B", map[string]any{"queryType": "cql", "format": "table", "rawCql": "DROP KEYSPACE system_auth"}),
		},
	})
	if err != nil {
		t.Fatalf("QueryData over gRPC: %v", err)
	}
	a, b := resp.Responses["A"], resp.Responses["B"]
	if a.Error != nil || len(a.Frames) != 1 || a.Frames[0].Rows() != 1 {
		t.Fatalf("A: error %v, frames %v", a.Error, a.Frames)
	}
	if v, _ := a.Frames[0].Fields[0].ConcreteAt(0); fmt.Sprint(v) != "b" {
		t.Errorf("A: v = %v, want b", v)
	}
	if b.Error == nil || !strings.Contains(b.Error.Error(), "SELECT") || b.ErrorSource != backend.ErrorSourceDownstream {
		t.Errorf("B: want a downstream error asking for a SELECT, got %v (%v)", b.Error, b.ErrorSource)
	}
}

var (
	grpcOnce sync.Once
	grpcTP   datasourcetest.TestPlugin
	grpcErr  error
)

// grpcPlugin serves the plugin over gRPC once per test binary: the SDK registers process-wide
// metrics when it starts serving, so a second server in the same process would panic.
func grpcPlugin(t *testing.T) datasourcetest.TestPlugin {
	t.Helper()
	grpcOnce.Do(func() {
		grpcTP, grpcErr = datasourcetest.Manage(NewDatasource, datasourcetest.ManageOpts{Address: fmt.Sprintf("127.0.0.1:%d", freePort(t))})
	})
	if grpcErr != nil {
		t.Fatalf("start test plugin: %v", grpcErr)
	}
	return grpcTP
}
