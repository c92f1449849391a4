//go:build linux

package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
	"github.com/metricsserver/cassandra-datasource/internal/seedtest"
	"github.com/metricsserver/cassandra-datasource/pkg/seed"
)

// captureStderr sends everything the process writes to file descriptor 2 (the plugin's log
// lines, the SDK's and anything else) to a file until the returned function is called, which
// gives back what was written.
func captureStderr(t *testing.T) func() string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	saved, err := syscall.Dup(2)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Dup3(int(f.Fd()), 2, 0); err != nil {
		t.Fatal(err)
	}
	done := false
	restore := func() string {
		if !done {
			done = true
			_ = syscall.Dup3(saved, 2, 0)
			_ = syscall.Close(saved)
		}
		b, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	t.Cleanup(func() { restore() })
	return restore
}

// TestSecretsNeverLeakFromPlugin runs health checks, queries and resource calls over the
// plugin protocol against the secure node, with right and wrong credentials and TLS
// settings, and looks for the password, the wrong password and the TLS keys in every
// answer (messages, errors, notices, frames, resource bodies and headers) and in everything
// the process logs.
func TestSecretsNeverLeakFromPlugin(t *testing.T) {
	f := secureSetup(t)
	tp := grpcPlugin(t)
	wrongPassword := "wrong-" + f.password
	// Not a key at all, but secret all the same: an error must not quote it.
	badKey := "-----BEGIN PRIVATE KEY-----\nUExVR0lOLUJBRC1LRVktU0VDUkVULTAxMjM0NTY3ODlhYmNkZWY=\n-----END PRIVATE KEY-----\n"

	env, app, metric := seed.Environments(1)[0], seed.Applications(1)[0], seed.MetricNames(1)[0]
	query := func(refID string, m map[string]any) backend.DataQuery {
		b, _ := json.Marshal(m)
		return backend.DataQuery{RefID: refID, JSON: b, MaxDataPoints: 60, Interval: time.Minute,
			TimeRange: backend.TimeRange{From: seedtest.End.Add(-time.Hour), To: seedtest.End}}
	}
	queries := []backend.DataQuery{
		query("A", map[string]any{"queryType": "builder", "keyspace": secureKeyspace, "table": seed.TimerWithInterval,
			"timeColumn": seed.ColTimestamp, "valueColumns": []string{"p95"},
			"filters": []map[string]any{
				{"column": seed.ColEnvironment, "op": "=", "values": []string{env}},
				{"column": seed.ColApplication, "op": "=", "values": []string{app}},
				{"column": seed.ColMetricName, "op": "=", "values": []string{metric}},
			}}),
		query("B", map[string]any{"queryType": "cql", "format": "table", "rawCql": "SELECT * FROM system_auth.roles"}),
		// Cassandra's own refusal: the plugin refuses system_auth before it reaches Cassandra.
		query("E", map[string]any{"queryType": "cql", "format": "table", "rawCql": "SELECT * FROM " + cassandratest.PrivateTable(t, f.node.Admin(t))}),
		query("C", map[string]any{"queryType": "cql", "format": "table", "rawCql": "SELECT * FROM " + secureKeyspace + ".no_such_table"}),
		query("D", map[string]any{"queryType": "cql", "format": "table", "rawCql": "DROP ROLE cassandra"}),
	}
	resourcePaths := []string{
		"keyspaces", "tables?keyspace=" + secureKeyspace, "tables?keyspace=system_auth",
		"columns?keyspace=" + secureKeyspace + "&table=" + seed.TimerWithInterval,
		"values?keyspace=" + secureKeyspace + "&table=" + seed.TimerWithInterval + "&column=" + seed.ColEnvironment,
		"validate?rawCql=" + "SELECT%20*%20FROM%20system_auth.roles",
	}
	cases := []struct {
		name   string
		tls    map[string]any
		secure map[string]string
	}{
		{name: "right credentials"},
		{name: "wrong password", secure: map[string]string{"password": wrongPassword}},
		{name: "missing CA", tls: map[string]any{"caCert": nil}},
		{name: "wrong server name", tls: map[string]any{"serverName": "wrong.example"}},
		{name: "bad key", secure: map[string]string{"tlsClientKey": badKey}},
	}

	stop := captureStderr(t)
	var answers strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var frames int
	for _, c := range cases {
		s := f.settings(t, nil, c.tls, c.secure)
		pc := backend.PluginContext{DataSourceInstanceSettings: s}
		h, err := tp.Client.CheckHealth(ctx, &backend.CheckHealthRequest{PluginContext: pc})
		fmt.Fprintf(&answers, "%s: health %+v %v\n", c.name, h, err)
		resp, err := tp.Client.QueryData(ctx, &backend.QueryDataRequest{PluginContext: pc, Queries: queries})
		if err != nil {
			fmt.Fprintf(&answers, "%s: QueryData error %v\n", c.name, err)
		} else {
			for _, r := range resp.Responses {
				frames += len(r.Frames)
			}
			b, err := json.Marshal(resp)
			if err != nil {
				t.Fatalf("%s: marshal the response: %v", c.name, err)
			}
			answers.Write(b)
		}
		for _, p := range resourcePaths {
			err := tp.Client.CallResource(ctx, &backend.CallResourceRequest{
				PluginContext: pc, Path: strings.SplitN(p, "?", 2)[0], Method: "GET", URL: p,
			}, backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error {
				fmt.Fprintf(&answers, "%s %s: %d %v %s\n", c.name, p, r.Status, r.Headers, r.Body)
				return nil
			}))
			fmt.Fprintf(&answers, "%s %s: %v\n", c.name, p, err)
		}
		body, _ := json.Marshal(map[string]any{"query": "SELECT role, salted_hash FROM system_auth.roles"})
		err = tp.Client.CallResource(ctx, &backend.CallResourceRequest{PluginContext: pc, Path: "variable", Method: "POST", URL: "variable", Body: body},
			backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error {
				fmt.Fprintf(&answers, "%s variable: %d %v %s\n", c.name, r.Status, r.Headers, r.Body)
				return nil
			}))
		fmt.Fprintf(&answers, "%s variable: %v\n", c.name, err)
	}
	logs := stop()
	all := answers.String() + logs
	if os.Getenv("SECRETS_DUMP") != "" {
		_ = os.WriteFile(os.Getenv("SECRETS_DUMP"), []byte(all), 0o600)
	}

	// The failures happened as planned, and the capture saw the plugin's log lines: a check
	// that finds nothing because nothing ran would prove nothing.
	for _, want := range []string{"authentication failed", "not signed by a CA", `not valid for "wrong.example"`, "do not form a valid PEM key pair", "no SELECT permission"} {
		if !strings.Contains(all, want) {
			t.Errorf("no answer says %q", want)
		}
	}
	if !strings.Contains(logs, "Health check failed") {
		t.Errorf("the captured log has no health check failure; captured:\n%.2000s", logs)
	}
	if frames == 0 {
		t.Errorf("no query returned a frame")
	}
	if leaks := secretsIn(all, f.password, f.node.ClientKey, wrongPassword); len(leaks) > 0 {
		t.Errorf("secrets in answers or logs: %v", leaks)
	}
	if leaks := secretsIn(all, "", badKey); len(leaks) > 0 {
		t.Errorf("the bad key appears in answers or logs: %v", leaks)
	}
	t.Logf("checked %d bytes of answers and %d bytes of log", answers.Len(), len(logs))
}
