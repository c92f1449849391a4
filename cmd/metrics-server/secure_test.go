package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
	"github.com/metricsserver/cassandra-datasource/internal/seedtest"
	"github.com/metricsserver/cassandra-datasource/pkg/seed"
)

// These tests run metrics-server as its command does (run with the environment and a config
// file, TLS material as file paths) against the secure node that scripts/secure-test.sh starts
// (password authentication, required client TLS). They skip when CASSANDRA_SECURE_HOSTS is unset.

const secureKeyspace = "metric_data_secure_server"

type secureFixture struct {
	node           cassandratest.SecureNode
	user, password string
	token          string
}

func secureSetup(t *testing.T) secureFixture {
	t.Helper()
	n := cassandratest.Secure(t)
	admin := n.Admin(t)
	seedtest.Load(t, admin, secureKeyspace)
	user, pw := n.Reader(t, admin, "metrics_server_test", secureKeyspace)
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return secureFixture{node: n, user: user, password: pw, token: "tok-" + hex.EncodeToString(b)}
}

// env is the environment of a metrics-server for the secure node: credentials, the TLS files,
// a token and debug logging (the most log lines); overrides change it ("" removes a variable).
func (f secureFixture) env(t *testing.T, port int, overrides map[string]string) map[string]string {
	m := map[string]string{
		"METRICS_SERVER_CASSANDRA": strings.Join(f.node.Hosts, ","), "METRICS_SERVER_HOST": "127.0.0.1",
		"METRICS_SERVER_PORT": fmt.Sprint(port), "METRICS_SERVER_KEYSPACE": secureKeyspace,
		"METRICS_SERVER_USERNAME": f.user, "METRICS_SERVER_PASSWORD": f.password,
		"METRICS_SERVER_TLS_CA": f.node.CAFile, "METRICS_SERVER_TLS_CERT": f.node.ClientCertFile, "METRICS_SERVER_TLS_KEY": f.node.ClientKeyFile,
		"METRICS_SERVER_TOKEN": f.token, "METRICS_SERVER_DEBUG": "1",
		"METRICS_SERVER_ENABLE_RAW_CQL": "1", // the secrets check runs raw CQL too
	}
	for k, v := range overrides {
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

// syncBuffer collects a server's output while it runs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// runningServer is metrics-server started by run, as the command starts it.
type runningServer struct {
	url    string
	token  string
	stop   func() string // stops the server and returns everything it wrote
	record *strings.Builder
}

func startServer(t *testing.T, f secureFixture, overrides map[string]string, configFile string) *runningServer {
	t.Helper()
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan int, 1)
	args := []string{}
	if configFile != "" {
		args = append(args, "--config", configFile)
	}
	go func() { done <- run(ctx, args, env(f.env(t, port, overrides)), &out, &out) }()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	var stopped bool
	stop := func() string {
		if !stopped {
			stopped = true
			cancel()
			select {
			case <-done:
			case <-time.After(time.Minute):
				t.Errorf("metrics-server did not stop within a minute of its context ending")
			}
		}
		return out.String()
	}
	t.Cleanup(func() { stop() })
	// Listening comes before any request: wait for the port, at most a minute.
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case code := <-done:
			t.Fatalf("metrics-server exited with %d before listening:\n%s", code, out.String())
		default:
		}
		if i == 600 {
			t.Fatalf("metrics-server does not listen on %s:\n%s", addr, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return &runningServer{url: "http://" + addr, token: f.token, stop: stop, record: &strings.Builder{}}
}

// do sends a request (with the token when withToken) and records the whole answer, headers
// included, for the secrets check.
func (s *runningServer) do(t *testing.T, method, path, body string, withToken bool) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if withToken {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	client := &http.Client{Timeout: 2 * time.Minute}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(s.record, "%s %s -> %d\n", method, path, res.StatusCode)
	_ = res.Header.Write(s.record)
	s.record.Write(b)
	s.record.WriteString("\n")
	return res.StatusCode, string(b)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func writeConfig(t *testing.T, cfg map[string]any) string {
	t.Helper()
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// healthError is /api/health's error with the token.
func healthError(t *testing.T, s *runningServer) (int, string) {
	t.Helper()
	code, body := s.do(t, http.MethodGet, "/api/health", "", true)
	var h struct {
		Status, Error, Message string
	}
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatalf("health: %v\n%s", err, body)
	}
	if h.Error != "" {
		return code, h.Error
	}
	return code, h.Message
}

// TestSecureServerHealth: metrics-server with the TLS files and the password connects, and a
// wrong password, a missing CA and a wrong server name each get their own health message.
func TestSecureServerHealth(t *testing.T) {
	f := secureSetup(t)
	tests := []struct {
		name   string
		env    map[string]string
		config map[string]any
		ok     bool
		want   []string
	}{
		{name: "right credentials", ok: true, want: []string{"Connected to Cassandra 5.0.", `keyspace "` + secureKeyspace + `" exists`}},
		{name: "right server name", config: map[string]any{"cassandra": map[string]any{"tls": map[string]any{"server_name": f.node.ServerName}}}, ok: true,
			want: []string{"Connected to Cassandra 5.0."}},
		{name: "wrong password", env: map[string]string{"METRICS_SERVER_PASSWORD": "wrong-" + f.password},
			want: []string{fmt.Sprintf("authentication failed for user %q: check the username and password", f.user)}},
		{name: "missing CA", env: map[string]string{"METRICS_SERVER_TLS_CA": ""},
			want: []string{"is not signed by a CA this data source trusts: set the CA certificate"}},
		{name: "wrong server name", config: map[string]any{"cassandra": map[string]any{"tls": map[string]any{"server_name": "wrong.example"}}},
			want: []string{`is not valid for "wrong.example": set the server name`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ""
			if tt.config != nil {
				cfg = writeConfig(t, tt.config)
			}
			s := startServer(t, f, tt.env, cfg)
			code, msg := healthError(t, s)
			t.Logf("%d: %s", code, msg)
			if wantCode := map[bool]int{true: 200, false: 503}[tt.ok]; code != wantCode {
				t.Fatalf("status %d, want %d: %s", code, wantCode, msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("health does not say %q", w)
				}
			}
			// Without the token, health says only ok or error.
			_, body := s.do(t, http.MethodGet, "/api/health", "", false)
			if want := map[bool]string{true: `{"status":"ok"}`, false: `{"status":"error"}`}[tt.ok]; strings.TrimSpace(body) != want {
				t.Errorf("health without the token: %s, want %s", body, want)
			}
		})
	}
}

// TestSecretsNeverLeakFromServer runs health, queries, resources and failures through
// metrics-server with a known password, token and TLS key, and looks for them in every
// answer (status line, headers, body) and every line the server logs, at debug level.
func TestSecretsNeverLeakFromServer(t *testing.T) {
	f := secureSetup(t)
	wrongPassword := "wrong-" + f.password
	wrongToken := "wrong-" + f.token
	var everything strings.Builder

	envName, app, metric := seed.Environments(1)[0], seed.Applications(1)[0], seed.MetricNames(1)[0]
	from, to := seedtest.End.Add(-time.Hour).UnixMilli(), seedtest.End.UnixMilli()
	builder := fmt.Sprintf(`{"from": %d, "to": %d, "maxDataPoints": 60, "queries": [
		{"refId": "A", "queryType": "builder", "keyspace": %q, "table": %q, "timeColumn": %q, "valueColumns": ["p95"],
		 "filters": [{"column": %q, "op": "=", "values": [%q]}, {"column": %q, "op": "=", "values": [%q]}, {"column": %q, "op": "=", "values": [%q]}]},
		{"refId": "B", "queryType": "cql", "format": "table", "rawCql": "SELECT * FROM system_auth.roles"},
		{"refId": "C", "queryType": "cql", "format": "table", "rawCql": "SELECT * FROM %s.no_such_table"},
		{"refId": "D", "queryType": "cql", "format": "table", "rawCql": "DROP ROLE cassandra"},
		{"refId": "E", "queryType": "cql", "format": "table", "rawCql": "SELECT * FROM %s"}]}`,
		from, to, secureKeyspace, seed.TimerWithInterval, seed.ColTimestamp,
		seed.ColEnvironment, envName, seed.ColApplication, app, seed.ColMetricName, metric, secureKeyspace,
		cassandratest.PrivateTable(t, f.node.Admin(t))) // E: Cassandra's own refusal (system_auth never reaches Cassandra now)
	q := url.Values{"keyspace": {secureKeyspace}, "table": {seed.TimerWithInterval}, "column": {seed.ColEnvironment}}.Encode()
	requests := []struct {
		method, path, body string
		token              bool
	}{
		{"GET", "/api/health", "", false},
		{"GET", "/api/health", "", true},
		{"GET", "/api/v1/environments", "", true},
		{"GET", "/api/v1/environments/" + envName + "/applications/" + app + "/metrics", "", true},
		{"GET", fmt.Sprintf("/api/v1/environments/%s/applications/%s/metrics/%s/%s?columns=p95&from=%d&to=%d", envName, app, seed.TimerWithInterval, metric, from, to), "", true},
		{"POST", "/api/query", builder, true},
		{"POST", "/api/query", `{"queries": [`, true},
		{"GET", "/api/resources/keyspaces", "", true},
		{"GET", "/api/resources/tables?" + q, "", true},
		{"GET", "/api/resources/columns?" + q, "", true},
		{"GET", "/api/resources/values?" + q, "", true},
		{"POST", "/api/resources/variable", `{"query": "SELECT role, salted_hash FROM system_auth.roles"}`, true},
		{"GET", "/api/resources/tables?keyspace=system_auth", "", true},
		{"GET", "/api/v1/environments", "", false},
		{"GET", "/metrics", "", false},
	}

	// The good server: everything above, then a request with a wrong token.
	s := startServer(t, f, nil, "")
	for _, r := range requests {
		s.do(t, r.method, r.path, r.body, r.token)
	}
	s.token = wrongToken
	if code, _ := s.do(t, "GET", "/api/v1/environments", "", true); code != http.StatusUnauthorized {
		t.Errorf("a wrong token answered %d, want 401", code)
	}
	s.token = f.token
	if code, body := s.do(t, "POST", "/api/query", builder, true); code != 200 || !strings.Contains(body, `"frames"`) {
		t.Fatalf("the builder query failed on the secure node: %d %.300s", code, body)
	}
	everything.WriteString(s.record.String())
	everything.WriteString(s.stop())

	// Failing servers: wrong password, missing CA, wrong server name; each answers the same
	// requests with errors.
	wrongName := writeConfig(t, map[string]any{"cassandra": map[string]any{"tls": map[string]any{"server_name": "wrong.example"}}})
	for _, tc := range []struct {
		env    map[string]string
		config string
	}{
		{env: map[string]string{"METRICS_SERVER_PASSWORD": wrongPassword}},
		{env: map[string]string{"METRICS_SERVER_TLS_CA": ""}},
		{config: wrongName},
	} {
		s := startServer(t, f, tc.env, tc.config)
		for _, r := range requests {
			s.do(t, r.method, r.path, r.body, r.token)
		}
		if code, _ := healthError(t, s); code != http.StatusServiceUnavailable {
			t.Errorf("%v %s: health %d, want 503", tc.env, tc.config, code)
		}
		everything.WriteString(s.record.String())
		everything.WriteString(s.stop())
	}

	// A key file that is not a key for the certificate stops the server at start: the message
	// names the files, not their content.
	badKey := filepath.Join(t.TempDir(), "bad.key")
	badKeyPEM := "-----BEGIN PRIVATE KEY-----\nTUVUUklDUy1TRVJWRVItQkFELUtFWS1TRUNSRVQtMDEyMzQ1Njc4OQ==\n-----END PRIVATE KEY-----\n"
	if err := os.WriteFile(badKey, []byte(badKeyPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	code := run(context.Background(), nil, env(f.env(t, freePort(t), map[string]string{"METRICS_SERVER_TLS_KEY": badKey})), &out, &out)
	if code != exitConfig || !strings.Contains(out.String(), badKey) {
		t.Errorf("bad key file: exit %d, output %q; want exit %d naming the file", code, out.String(), exitConfig)
	}
	everything.WriteString(out.String())

	all := everything.String()
	// The failures happened as planned, and the logs were captured: a check that finds
	// nothing because nothing ran would prove nothing.
	for _, want := range []string{"authentication failed", "not signed by a CA", "is not valid for", "no SELECT permission",
		`"msg":"starting metrics-server"`, `"status":401`, "are not a matching PEM certificate and key"} {
		if !strings.Contains(all, want) {
			t.Errorf("no answer or log line says %s", want)
		}
	}
	var leaks []string
	for name, secret := range map[string]string{"password": f.password, "wrong password": wrongPassword, "token": f.token, "wrong token": wrongToken} {
		if strings.Contains(all, secret) {
			leaks = append(leaks, name)
		}
	}
	for _, key := range []string{f.node.ClientKey, badKeyPEM} {
		for i, line := range strings.Split(key, "\n") {
			if line = strings.TrimSpace(line); len(line) >= 16 && !strings.HasPrefix(line, "-----") && strings.Contains(all, line) {
				leaks = append(leaks, fmt.Sprintf("line %d of a TLS key", i+1))
			}
		}
	}
	if len(leaks) > 0 {
		t.Fatalf("secrets in answers or logs: %v", leaks)
	}
	t.Logf("checked %d bytes of answers and log lines", len(all))
}
