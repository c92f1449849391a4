package plugin

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/proxy"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
)

// socksServer is a minimal SOCKS5 server (RFC 1928 CONNECT, RFC 1929 username/password) on
// 127.0.0.1 that records every CONNECT it is asked for. refuse answers every CONNECT with
// "connection not allowed by ruleset", as a proxy whose rules leave Cassandra out does.
type socksServer struct {
	ln       net.Listener
	user     string // the credentials it accepts; empty accepts no authentication
	password string
	refuse   bool

	mu      sync.Mutex
	targets []string // host:port of each CONNECT
	users   []string // the user of each authenticated session
	conns   sync.WaitGroup
}

func startSocks(t *testing.T, user, password string, refuse bool) *socksServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &socksServer{ln: ln, user: user, password: password, refuse: refuse}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			go func() {
				defer s.conns.Done()
				s.serve(c)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return s
}

func (s *socksServer) addr() string { return s.ln.Addr().String() }

func (s *socksServer) seen() (targets, users []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.targets...), append([]string(nil), s.users...)
}

func (s *socksServer) serve(c net.Conn) {
	defer c.Close()
	// Greeting: version, methods. Username/password (2) when the server wants credentials,
	// else no authentication (0); 0xff when the client offers neither.
	hdr := make([]byte, 2)
	if _, err := io.ReadFull(c, hdr); err != nil || hdr[0] != 5 {
		return
	}
	methods := make([]byte, hdr[1])
	if _, err := io.ReadFull(c, methods); err != nil {
		return
	}
	want := byte(0)
	if s.user != "" {
		want = 2
	}
	if !strings.ContainsRune(string(methods), rune(want)) {
		_, _ = c.Write([]byte{5, 0xff})
		return
	}
	if _, err := c.Write([]byte{5, want}); err != nil {
		return
	}
	if want == 2 {
		user, pass, err := readUserPass(c)
		if err != nil {
			return
		}
		if user != s.user || pass != s.password {
			_, _ = c.Write([]byte{1, 1})
			return
		}
		if _, err := c.Write([]byte{1, 0}); err != nil {
			return
		}
		s.mu.Lock()
		s.users = append(s.users, user)
		s.mu.Unlock()
	}
	// Request: version, command, reserved, address type, address, port.
	req := make([]byte, 4)
	if _, err := io.ReadFull(c, req); err != nil || req[1] != 1 {
		return
	}
	var host string
	switch req[3] {
	case 1, 4:
		ip := make([]byte, map[byte]int{1: 4, 4: 16}[req[3]])
		if _, err := io.ReadFull(c, ip); err != nil {
			return
		}
		host = net.IP(ip).String()
	case 3:
		n := make([]byte, 1)
		if _, err := io.ReadFull(c, n); err != nil {
			return
		}
		name := make([]byte, n[0])
		if _, err := io.ReadFull(c, name); err != nil {
			return
		}
		host = string(name)
	default:
		return
	}
	port := make([]byte, 2)
	if _, err := io.ReadFull(c, port); err != nil {
		return
	}
	target := net.JoinHostPort(host, strconv.Itoa(int(binary.BigEndian.Uint16(port))))
	s.mu.Lock()
	s.targets = append(s.targets, target)
	s.mu.Unlock()
	reply := func(code byte) error {
		_, err := c.Write([]byte{5, code, 0, 1, 127, 0, 0, 1, 0, 0})
		return err
	}
	if s.refuse {
		_ = reply(2) // connection not allowed by ruleset
		return
	}
	up, err := net.DialTimeout("tcp", target, 10*time.Second)
	if err != nil {
		_ = reply(5) // connection refused
		return
	}
	defer up.Close()
	if reply(0) != nil {
		return
	}
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done
}

func readUserPass(c net.Conn) (user, pass string, err error) {
	b := make([]byte, 2)
	if _, err := io.ReadFull(c, b); err != nil {
		return "", "", err
	}
	if b[0] != 1 {
		return "", "", errors.New("bad auth version")
	}
	u := make([]byte, b[1])
	if _, err := io.ReadFull(c, u); err != nil {
		return "", "", err
	}
	if _, err := io.ReadFull(c, b[:1]); err != nil {
		return "", "", err
	}
	p := make([]byte, b[0])
	if _, err := io.ReadFull(c, p); err != nil {
		return "", "", err
	}
	return string(u), string(p), nil
}

// grafanaProxyCtx is the context Grafana sends with a request when its secure socks proxy is
// on: the proxy's address, here without TLS to the proxy (allow_insecure).
func grafanaProxyCtx(addr string) context.Context {
	return backend.WithGrafanaConfig(context.Background(), backend.NewGrafanaCfg(map[string]string{
		proxy.PluginSecureSocksProxyEnabled:       "true",
		proxy.PluginSecureSocksProxyProxyAddress:  addr,
		proxy.PluginSecureSocksProxyAllowInsecure: "true",
	}))
}

const proxyPassword = "proxy-pw-7f3a91c2"

func proxiedDatasource(t *testing.T, ctx context.Context, enabled bool) (*Datasource, *backend.DataSourceInstanceSettings) {
	t.Helper()
	s := instanceSettings(t, map[string]any{"enableSecureSocksProxy": enabled}, map[string]string{"secureSocksProxyPassword": proxyPassword})
	inst, err := NewDatasource(ctx, *s)
	if err != nil {
		t.Fatalf("NewDatasource: %v", err)
	}
	ds := inst.(*Datasource)
	t.Cleanup(ds.Dispose)
	return ds, s
}

// TestSocksProxyCarriesQueries connects through a local SOCKS5 proxy as Grafana's private
// data source connect does: the health check, a query and a resource call reach the local
// Cassandra, and the proxy saw each connection, authenticated as the data source.
func TestSocksProxyCarriesQueries(t *testing.T) {
	hosts := cassandratest.Hosts(t)
	pluginTable(t)
	// The data source's UID is the proxy user unless jsonData names one (the SDK's rule).
	px := startSocks(t, "cassandra-test", proxyPassword, false)
	ctx := grafanaProxyCtx(px.addr())
	ds, s := proxiedDatasource(t, ctx, true)

	res, err := ds.CheckHealth(ctx, &backend.CheckHealthRequest{PluginContext: backend.PluginContext{DataSourceInstanceSettings: s}})
	if err != nil || res.Status != backend.HealthStatusOk {
		t.Fatalf("health through the proxy: %v %+v", err, res)
	}
	qctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	body, _ := json.Marshal(map[string]any{"queryType": "cql", "format": "table", "rawCql": "SELECT k FROM " + pluginKeyspace + ".info"})
	now := time.Now()
	resp, err := ds.QueryData(qctx, &backend.QueryDataRequest{Queries: []backend.DataQuery{{RefID: "A", JSON: body, TimeRange: backend.TimeRange{From: now.Add(-time.Hour), To: now}}}})
	if err != nil {
		t.Fatal(err)
	}
	if a := resp.Responses["A"]; a.Error != nil || len(a.Frames) != 1 || a.Frames[0].Rows() != 1 {
		t.Fatalf("query through the proxy: error %v, frames %v", a.Error, a.Frames)
	}
	var keyspaces []string
	if status := callResource(t, ds, s, "keyspaces", &keyspaces); status != 200 || !contains(keyspaces, pluginKeyspace) {
		t.Fatalf("keyspaces through the proxy: status %d, %v", status, keyspaces)
	}

	targets, users := px.seen()
	if len(targets) == 0 {
		t.Fatal("the proxy saw no connection: the session dialed Cassandra directly")
	}
	want := map[string]bool{}
	for _, h := range hosts {
		want[net.JoinHostPort(h, "9042")] = true
	}
	for _, tg := range targets {
		if !want[tg] {
			t.Errorf("the proxy was asked for %s, want only the configured nodes %v", tg, hosts)
		}
	}
	for _, u := range users {
		if u != "cassandra-test" {
			t.Errorf("proxy user %q, want the data source's UID", u)
		}
	}
}

// TestSocksProxyFailures: each way the proxy path fails gets a health message saying
// what to change, without the proxy password; with the switch off, the proxy sees nothing.
func TestSocksProxyFailures(t *testing.T) {
	cassandratest.Hosts(t)
	refusing := startSocks(t, "", "", true)
	strict := startSocks(t, "cassandra-test", "another-password", false)
	idle := startSocks(t, "cassandra-test", proxyPassword, false)
	tests := []struct {
		name    string
		ctx     context.Context
		enabled bool
		status  backend.HealthStatus
		wantIn  []string
	}{
		{name: "proxy refuses by its rules", ctx: grafanaProxyCtx(refusing.addr()), enabled: true, status: backend.HealthStatusError,
			wantIn: []string{"the secure socks proxy refused to connect to Cassandra at 127.0.0.1:9042", "allow these hosts and ports"}},
		{name: "proxy rejects the credentials", ctx: grafanaProxyCtx(strict.addr()), enabled: true, status: backend.HealthStatusError,
			wantIn: []string{"did not accept this data source's credentials"}},
		{name: "proxy not running", ctx: grafanaProxyCtx(fmt.Sprintf("127.0.0.1:%d", freePort(t))), enabled: true, status: backend.HealthStatusError,
			wantIn: []string{"cannot reach the secure socks proxy", "proxy_address"}},
		{name: "Grafana's proxy off", ctx: context.Background(), enabled: true, status: backend.HealthStatusError,
			wantIn: []string{"Grafana's secure socks proxy is off", "enableSecureSocksProxy"}},
		{name: "switch off: direct", ctx: grafanaProxyCtx(idle.addr()), enabled: false, status: backend.HealthStatusOk,
			wantIn: []string{"Connected to Cassandra"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds, s := proxiedDatasource(t, tc.ctx, tc.enabled)
			res, err := ds.CheckHealth(tc.ctx, &backend.CheckHealthRequest{PluginContext: backend.PluginContext{DataSourceInstanceSettings: s}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tc.status {
				t.Fatalf("status %v, want %v: %s", res.Status, tc.status, res.Message)
			}
			for _, w := range tc.wantIn {
				if !strings.Contains(res.Message, w) {
					t.Errorf("message %q lacks %q", res.Message, w)
				}
			}
			if strings.Contains(res.Message, proxyPassword) {
				t.Errorf("message shows the proxy password: %q", res.Message)
			}
		})
	}
	if targets, _ := idle.seen(); len(targets) != 0 {
		t.Errorf("with the switch off the proxy was asked for %v", targets)
	}
	if targets, _ := refusing.seen(); len(targets) == 0 {
		t.Error("the refusing proxy was never asked")
	}
}
