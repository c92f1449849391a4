package plugin

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
)

func instanceSettings(t *testing.T, overrides map[string]any, secure map[string]string) *backend.DataSourceInstanceSettings {
	return &backend.DataSourceInstanceSettings{
		UID: "cassandra-test", Name: "Cassandra Metrics", JSONData: cassandratest.JSONData(t, overrides),
		DecryptedSecureJSONData: secure,
	}
}

func checkHealth(t *testing.T, s *backend.DataSourceInstanceSettings) *backend.CheckHealthResult {
	t.Helper()
	inst, err := NewDatasource(context.Background(), *s)
	if err != nil {
		t.Fatalf("NewDatasource: %v", err)
	}
	ds := inst.(*Datasource)
	defer ds.Dispose()
	res, err := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{PluginContext: backend.PluginContext{DataSourceInstanceSettings: s}})
	if err != nil {
		t.Fatalf("CheckHealth returned a Go error instead of a result: %v", err)
	}
	return res
}

// freePort returns a local port nobody listens on.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

func TestHealthIntegration(t *testing.T) {
	cassandratest.Hosts(t)
	tests := []struct {
		name       string
		overrides  map[string]any
		secure     map[string]string
		wantStatus backend.HealthStatus
		wantIn     []string
		wantNotIn  []string
	}{
		{name: "ok without keyspace", wantStatus: backend.HealthStatusOk, wantIn: []string{"Connected to Cassandra 5.0.", "cluster", "data center"}},
		{name: "ok with system keyspace", overrides: map[string]any{"keyspace": "system"}, wantStatus: backend.HealthStatusOk, wantIn: []string{`keyspace "system" exists`}},
		{name: "keyspace missing", overrides: map[string]any{"keyspace": "no_such_keyspace"}, wantStatus: backend.HealthStatusError,
			wantIn: []string{`keyspace "no_such_keyspace" does not exist`, "Cassandra 5.0."}},
		{name: "unreachable port", overrides: map[string]any{"port": freePort(t), "connectTimeout": "3s"},
			secure: map[string]string{"password": "pa55-not-shown"}, wantStatus: backend.HealthStatusError,
			wantIn: []string{"cannot reach Cassandra", "port"}, wantNotIn: []string{"pa55-not-shown"}},
		{name: "no hosts", overrides: map[string]any{"hosts": []string{}}, wantStatus: backend.HealthStatusError, wantIn: []string{`"hosts"`, "no Cassandra hosts configured"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := checkHealth(t, instanceSettings(t, tt.overrides, tt.secure))
			if res.Status != tt.wantStatus {
				t.Fatalf("status = %v, want %v; message: %s", res.Status, tt.wantStatus, res.Message)
			}
			for _, s := range tt.wantIn {
				if !strings.Contains(res.Message, s) {
					t.Errorf("message %q does not contain %q", res.Message, s)
				}
			}
			for _, s := range tt.wantNotIn {
				if strings.Contains(res.Message, s) {
					t.Errorf("message %q leaks %q", res.Message, s)
				}
			}
		})
	}
}

// TestHealthOverGRPC goes through the real plugin protocol, as Grafana does.
func TestHealthOverGRPC(t *testing.T) {
	s := instanceSettings(t, map[string]any{"keyspace": "system"}, nil)
	tp := grpcPlugin(t)
	res, err := tp.Client.CheckHealth(context.Background(), &backend.CheckHealthRequest{
		PluginContext: backend.PluginContext{DataSourceInstanceSettings: s},
	})
	if err != nil {
		t.Fatalf("CheckHealth over gRPC: %v", err)
	}
	if res.Status != backend.HealthStatusOk || !strings.Contains(res.Message, "Cassandra 5.0.") {
		t.Fatalf("got %v %q, want OK with the version", res.Status, res.Message)
	}
}
