package pluginhost

import (
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
)

// TestBuiltBinaryHealth builds the real executable and talks to it over the plugin protocol.
func TestBuiltBinaryHealth(t *testing.T) {
	cassandratest.Hosts(t)
	bin := filepath.Join(t.TempDir(), "gpx_cassandra")
	build := exec.Command("go", "build", "-o", bin, "github.com/metricsserver/cassandra-datasource/pkg")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build plugin: %v\n%s", err, out)
	}
	p, err := Start(bin, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := l.Addr().(*net.TCPAddr).Port
	l.Close()

	tests := []struct {
		name   string
		over   map[string]any
		status backend.HealthStatus
		want   string
	}{
		{"ok", nil, backend.HealthStatusOk, "Connected to Cassandra 5.0."},
		{"wrong port", map[string]any{"port": closedPort, "connectTimeout": "3s"}, backend.HealthStatusError, "cannot reach Cassandra"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			res, err := p.CheckHealth(ctx, &backend.DataSourceInstanceSettings{
				UID: "binary-" + tt.name, ID: int64(i + 1), JSONData: cassandratest.JSONData(t, tt.over),
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tt.status || !strings.Contains(res.Message, tt.want) {
				t.Fatalf("got %v %q, want %v containing %q", res.Status, res.Message, tt.status, tt.want)
			}
		})
	}
}
