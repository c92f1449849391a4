package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestNoHostExitsWithStatus2(t *testing.T) {
	for _, args := range [][]string{nil, {"demo-data", "--span", "1h"}} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), args, env(map[string]string{"METRICS_SERVER_PORT": "9090"}), &out, &errOut)
		if code != 2 {
			t.Fatalf("%v: exit status %d, want 2", args, code)
		}
		if !strings.Contains(errOut.String(), "no Cassandra host configured") || !strings.Contains(errOut.String(), "METRICS_SERVER_CASSANDRA") {
			t.Fatalf("%v: stderr should say how to configure a host, got %q", args, errOut.String())
		}
	}
}

func TestUsageErrors(t *testing.T) {
	hosts := env(map[string]string{"METRICS_SERVER_CASSANDRA": "127.0.0.1"})
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--nope"}, 2, "flag provided but not defined"},
		{[]string{"a.json", "b.json"}, 2, "usage"},
		{[]string{"--help"}, 0, "usage"},
		{[]string{filepath.Join(os.TempDir(), "no-such-config.json")}, 2, "cannot read the config file"},
		{[]string{"demo-data", "--step", "1500ms"}, 2, "step"},
		{[]string{"demo-data", "--end", "tomorrow"}, 2, "--end"},
		{[]string{"demo-data", "--tables", "raw_gauge"}, 2, "raw_gauge"},
		{[]string{"demo-data", "extra"}, 2, "usage"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), tc.args, hosts, &out, &errOut)
		if code != tc.code || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%v: exit %d (want %d), stderr %q should mention %q", tc.args, code, tc.code, errOut.String(), tc.want)
		}
	}
}

func TestDemoDataLoads(t *testing.T) {
	hosts := cassandratest.Hosts(t)
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"demo-data", "--span", "10m", "--environments", "1", "--applications", "1", "--metrics", "1",
		"--end", "2026-01-15T12:00:00Z", "--seed", "3"},
		env(map[string]string{"METRICS_SERVER_CASSANDRA": strings.Join(hosts, ","), "METRICS_SERVER_KEYSPACE": "metric_data_cli_test"}), &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	// 4 tables x 1 series x 120 reports.
	if !strings.Contains(out.String(), "wrote 480 rows in 4 partitions of keyspace metric_data_cli_test") {
		t.Fatalf("summary: %q", out.String())
	}
}
