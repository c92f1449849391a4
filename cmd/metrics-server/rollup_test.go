package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
	"github.com/metricsserver/cassandra-datasource/pkg/rollup"
)

func TestRollupFlagsAndConfigErrors(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.json")
	if err := os.WriteFile(cfg, []byte(`{"cassandra": {"host": "127.0.0.1"}, "rollup": {"sources": [{"table": "metric_data.raw_timer_with_interval", "timeColumn": "metric_timestamp", "valueColumns": ["p99"]}]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	noSources := filepath.Join(dir, "none.json")
	if err := os.WriteFile(noSources, []byte(`{"cassandra": {"host": "127.0.0.1"}, "rollup": {"widths": ["1m", "90s"]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"rollup", "--config", cfg, "--source", "metric_data.other"}, "not in the config's rollup.sources"},
		{[]string{"rollup", "--config", cfg, "--shard", "2/2"}, "0 <= i < n"},
		{[]string{"rollup", "--config", cfg, "--rebuild", "2026-01-01T00:00:00Z"}, "--rebuild takes two times"},
		{[]string{"rollup", "--config", cfg, "--rebuild", "2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z"}, "the second later"},
		{[]string{"rollup", "--config", noSources, "--once"}, "multiple of the finest"},
		{[]string{"rollup", "--config", cfg, "extra"}, "usage"},
		{[]string{"rollup", "--config", cfg, "--metrics-addr", "0.0.0.0:9464"}, "only on a loopback address"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), tc.args, env(nil), &out, &errOut)
		if code != exitConfig || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%v: exit %d (want %d), stderr %q should mention %q", tc.args, code, exitConfig, errOut.String(), tc.want)
		}
	}
}

// The writer's commands against the local Cassandra: the schema, one pass, and the
// checkpoints it leaves.
func TestRollupCommandWritesRollups(t *testing.T) {
	hosts := cassandratest.Hosts(t)
	c := cassandratest.Client(t)
	const ks, rks = "metric_data_rollup_cli", "metric_rollups_cli"
	for _, k := range []string{ks, rks} {
		if err := c.Exec(t.Context(), "DROP KEYSPACE IF EXISTS "+k); err != nil {
			t.Fatal(err)
		}
	}
	vars := env(map[string]string{"METRICS_SERVER_CASSANDRA": strings.Join(hosts, ","), "METRICS_SERVER_KEYSPACE": ks})
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"demo-data", "--span", "3h", "--environments", "1", "--applications", "1", "--metrics", "2",
		"--tables", "raw_timer_with_interval"}, vars, &out, &errOut); code != 0 {
		t.Fatalf("demo-data: exit %d: %s", code, errOut.String())
	}
	cfg := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(cfg, []byte(`{"rollup": {"keyspace": "`+rks+`", "backfill": "4h", "sources": [
		{"table": "`+ks+`.raw_timer_with_interval", "timeColumn": "metric_timestamp", "valueColumns": ["p99", "interval_count"]}]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run(t.Context(), []string{"rollup", "--config", cfg, "--create-schema"}, vars, &out, &errOut); code != 0 {
		t.Fatalf("--create-schema: exit %d: %s", code, errOut.String())
	}
	if code := run(t.Context(), []string{"rollup", "--config", cfg, "--once"}, vars, &out, &errOut); code != 0 {
		t.Fatalf("--once: exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "rollup "+ks+".raw_timer_with_interval 1m: 2 series") {
		t.Errorf("no summary of the 1m pass in %q", out.String())
	}
	cps, err := rollup.Store{Keyspace: rks}.Checkpoints(t.Context(), c, ks+".raw_timer_with_interval")
	if err != nil {
		t.Fatal(err)
	}
	cov := rollup.Covered(cps)
	if len(cov) != 2 || cov[0].WidthMs != 3600000 || cov[1].WidthMs != 60000 {
		t.Fatalf("coverage after a pass: %+v, want 1h and 1m", cov)
	}
	if got := cov[1].To.Sub(cov[1].From); got < 3*time.Hour+50*time.Minute {
		t.Errorf("1m rollups cover %s, want about the 4h backfill up to 5m ago", got)
	}
}
