package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
	"github.com/metricsserver/cassandra-datasource/internal/seedtest"
	"github.com/metricsserver/cassandra-datasource/pkg/seed"
)

// The tests in this file run against the secure node (password authentication, required
// client TLS) that scripts/secure-test.sh starts; they skip when CASSANDRA_SECURE_HOSTS is unset.

const secureKeyspace = "metric_data_secure_plugin"

var secureUID atomic.Int64

// secureFixture is the secure node with the test keyspace loaded and a reader role that may
// read only that keyspace.
type secureFixture struct {
	node     cassandratest.SecureNode
	user     string
	password string
}

func secureSetup(t *testing.T) secureFixture {
	t.Helper()
	n := cassandratest.Secure(t)
	admin := n.Admin(t)
	seedtest.Load(t, admin, secureKeyspace)
	user, pw := n.Reader(t, admin, "metrics_plugin_test", secureKeyspace)
	return secureFixture{node: n, user: user, password: pw}
}

// settings are instance settings for the secure node with the PEM inline (CA and client
// certificate in jsonData, the key in secureJsonData); tlsOverrides change the tls object
// (nil deletes a key), secure overrides secureJsonData. Each call gets its own UID, so the
// plugin makes a new instance for it as Grafana does for a new data source.
func (f secureFixture) settings(t *testing.T, overrides, tlsOverrides map[string]any, secure map[string]string) *backend.DataSourceInstanceSettings {
	t.Helper()
	tlsJSON := map[string]any{"enabled": true, "caCert": f.node.CA, "clientCert": f.node.ClientCert}
	for k, v := range tlsOverrides {
		if v == nil {
			delete(tlsJSON, k)
		} else {
			tlsJSON[k] = v
		}
	}
	ov := map[string]any{"tls": tlsJSON, "keyspace": secureKeyspace}
	for k, v := range overrides {
		ov[k] = v
	}
	sec := map[string]string{"password": f.password, "tlsClientKey": f.node.ClientKey}
	for k, v := range secure {
		sec[k] = v
	}
	return &backend.DataSourceInstanceSettings{
		UID:  fmt.Sprintf("cassandra-secure-%d", secureUID.Add(1)),
		Name: "Cassandra Metrics (secure)", JSONData: f.node.JSONData(t, f.user, ov), DecryptedSecureJSONData: sec,
	}
}

func grpcHealth(t *testing.T, s *backend.DataSourceInstanceSettings) *backend.CheckHealthResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := grpcPlugin(t).Client.CheckHealth(ctx, &backend.CheckHealthRequest{PluginContext: backend.PluginContext{DataSourceInstanceSettings: s}})
	if err != nil {
		t.Fatalf("CheckHealth over gRPC: %v", err)
	}
	return res
}

// TestSecureHealthMessages: right credentials work, and each wrong part of the setup gets its
// own message that says what to change, over the plugin protocol.
func TestSecureHealthMessages(t *testing.T) {
	f := secureSetup(t)
	// clue is what only that failure's message says; every other message must not say it.
	tests := []struct {
		name      string
		overrides map[string]any
		tls       map[string]any
		secure    map[string]string
		ok        bool
		clue      string
		wantIn    []string
	}{
		{name: "right credentials", ok: true, wantIn: []string{"Connected to Cassandra 5.0.", `cluster "Cassandra Metrics Secure"`, `keyspace "` + secureKeyspace + `" exists`}},
		{name: "right server name", tls: map[string]any{"serverName": f.node.ServerName}, ok: true, wantIn: []string{"Connected to Cassandra 5.0."}},
		{name: "wrong password", secure: map[string]string{"password": "wrong-" + f.password}, clue: "authentication failed",
			wantIn: []string{fmt.Sprintf("authentication failed for user %q", f.user), "check the username and password"}},
		{name: "missing CA", tls: map[string]any{"caCert": nil}, clue: "not signed by a CA this data source trusts",
			wantIn: []string{f.node.Hosts[0], "set the CA certificate"}},
		{name: "wrong server name", tls: map[string]any{"serverName": "wrong.example"}, clue: "is not valid for",
			wantIn: []string{`not valid for "wrong.example"`, "set the server name", "valid for " + f.node.ServerName}},
		{name: "no client certificate", tls: map[string]any{"clientCert": nil}, secure: map[string]string{"tlsClientKey": ""}, clue: "requires a client certificate",
			wantIn: []string{"set the client certificate and its key"}},
		{name: "TLS off", tls: map[string]any{"enabled": false, "caCert": nil, "clientCert": nil}, secure: map[string]string{"tlsClientKey": ""},
			clue: "closed the connection at once", wantIn: []string{"enable TLS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := grpcHealth(t, f.settings(t, tt.overrides, tt.tls, tt.secure))
			t.Logf("%v: %s", res.Status, res.Message)
			if want := map[bool]backend.HealthStatus{true: backend.HealthStatusOk, false: backend.HealthStatusError}[tt.ok]; res.Status != want {
				t.Fatalf("status %v, want %v: %s", res.Status, want, res.Message)
			}
			for _, s := range append(tt.wantIn, tt.clue) {
				if !strings.Contains(res.Message, s) {
					t.Errorf("message does not say %q", s)
				}
			}
			for _, other := range tests {
				if other.clue != "" && other.clue != tt.clue && strings.Contains(res.Message, other.clue) {
					t.Errorf("message says %q, which belongs to %q", other.clue, other.name)
				}
			}
			if leaks := secretsIn(res.Message, f.password, f.node.ClientKey); len(leaks) > 0 {
				t.Errorf("message leaks %v", leaks)
			}
		})
	}
}

// TestSecureQueryAndResources: with the PEM in the settings, panel queries and the editor's
// resource calls work over the plugin protocol.
func TestSecureQueryAndResources(t *testing.T) {
	f := secureSetup(t)
	s := f.settings(t, nil, nil, nil)
	tp := grpcPlugin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	env, app, metric := seed.Environments(1)[0], seed.Applications(1)[0], seed.MetricNames(1)[0]
	model, _ := json.Marshal(map[string]any{
		"queryType": "builder", "keyspace": secureKeyspace, "table": seed.TimerWithInterval,
		"timeColumn": seed.ColTimestamp, "valueColumns": []string{"p95"},
		"filters": []map[string]any{
			{"column": seed.ColEnvironment, "op": "=", "values": []string{env}},
			{"column": seed.ColApplication, "op": "=", "values": []string{app}},
			{"column": seed.ColMetricName, "op": "=", "values": []string{metric}},
		},
	})
	resp, err := tp.Client.QueryData(ctx, &backend.QueryDataRequest{
		PluginContext: backend.PluginContext{DataSourceInstanceSettings: s},
		Queries: []backend.DataQuery{{RefID: "A", JSON: model, MaxDataPoints: 60, Interval: time.Minute,
			TimeRange: backend.TimeRange{From: seedtest.End.Add(-time.Hour), To: seedtest.End}}},
	})
	if err != nil {
		t.Fatalf("QueryData over gRPC: %v", err)
	}
	a := resp.Responses["A"]
	if a.Error != nil || len(a.Frames) != 1 {
		t.Fatalf("A: error %v, %d frames", a.Error, len(a.Frames))
	}
	if rows, _ := a.Frames[0].RowLen(); rows < 30 {
		t.Errorf("A: %d points for an hour of data every 10 s in one-minute bins, want about 60", rows)
	}

	var got []string
	status := callResource(t, tp.Client, s, "tables?keyspace="+secureKeyspace, &got)
	if status != 200 || !contains(got, seed.TimerWithInterval) {
		t.Fatalf("tables: status %d, %v", status, got)
	}
}

func callResource(t *testing.T, tp interface {
	CallResource(context.Context, *backend.CallResourceRequest, backend.CallResourceResponseSender) error
}, s *backend.DataSourceInstanceSettings, path string, out any) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var res *backend.CallResourceResponse
	err := tp.CallResource(ctx, &backend.CallResourceRequest{
		PluginContext: backend.PluginContext{DataSourceInstanceSettings: s},
		// As Grafana sends it: the path without the query, the URL with it.
		Path: strings.SplitN(path, "?", 2)[0], Method: "GET", URL: path,
	}, backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error {
		res = r
		return nil
	}))
	if err != nil || res == nil {
		t.Fatalf("CallResource %s: %v", path, err)
	}
	if out != nil && res.Status == 200 {
		if err := json.Unmarshal(res.Body, out); err != nil {
			t.Fatalf("%s: %v\n%s", path, err, res.Body)
		}
	}
	return res.Status
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// secretsIn names the secrets that occur in text: the password as a whole, and of a PEM
// key any of its base64 lines (a leak of part of a key is a leak).
func secretsIn(text string, password, pemKey string, more ...string) []string {
	var found []string
	for _, s := range append([]string{password}, more...) {
		if s != "" && strings.Contains(text, s) {
			found = append(found, fmt.Sprintf("secret %q", s))
		}
	}
	for i, line := range strings.Split(pemKey, "\n") {
		line = strings.TrimSpace(line)
		if len(line) >= 16 && !strings.HasPrefix(line, "-----") && strings.Contains(text, line) {
			found = append(found, fmt.Sprintf("line %d of the TLS key", i+1))
		}
	}
	return found
}
