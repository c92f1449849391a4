package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadConfigFileShapes(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		hosts      []string
	}{
		{"seed's single host", `{"cassandra": {"host": "10.0.0.1"}}`, []string{"10.0.0.1"}},
		{"comma list", `{"cassandra": {"host": "10.0.0.1, 10.0.0.2"}}`, []string{"10.0.0.1", "10.0.0.2"}},
		{"list", `{"cassandra": {"host": ["10.0.0.1", "10.0.0.2:9142"]}}`, []string{"10.0.0.1", "10.0.0.2:9142"}},
		{"hosts alias", `{"cassandra": {"hosts": ["a", "b"]}}`, []string{"a", "b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := LoadConfig(writeFile(t, "c.json", tc.file), envMap(nil))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.hosts, cfg.Cassandra.Hosts); diff != "" {
				t.Fatalf("hosts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := LoadConfig("", envMap(map[string]string{EnvCassandra: "127.0.0.1"}))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Server:    ServerConfig{Host: "0.0.0.0", Port: 8080, Threads: 4, MaxAnswerMiB: 64},
		Cassandra: CassandraConfig{Hosts: []string{"127.0.0.1"}, Keyspace: "metric_data"},
	}
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Fatalf("defaults (-want +got):\n%s", diff)
	}
	s, err := cfg.Settings()
	if err != nil {
		t.Fatal(err)
	}
	if s.Port != 9042 || s.Keyspace != "metric_data" || s.TLS.Enabled || s.Consistency != "LOCAL_ONE" {
		t.Fatalf("settings: %+v", s)
	}
}

func TestEnvironmentOverridesFile(t *testing.T) {
	file := writeFile(t, "config.json", `{
		"debug": false,
		"server": {"host": "127.0.0.1", "port": 9000, "threads": 2, "token": "from-file", "max_answer_mib": 32},
		"cassandra": {"host": "file-host", "port": 9142, "keyspace": "file_ks", "username": "fileuser", "password": "filepw",
		              "consistency": "QUORUM", "query_timeout": "12s"}
	}`)
	// File alone.
	cfg, err := LoadConfig(file, envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.Port != 9000 || cfg.Server.Threads != 2 || cfg.Cassandra.Keyspace != "file_ks" || cfg.Server.Token != "from-file" || cfg.Server.MaxAnswerMiB != 32 || cfg.Debug {
		t.Fatalf("file values: %+v", cfg)
	}
	// Environment wins, field by field; what it leaves unset keeps the file's value.
	cfg, err = LoadConfig(file, envMap(map[string]string{
		EnvCassandra: "e1,e2", EnvDebug: "Yes", EnvHost: "::1", EnvPort: "8181", EnvThreads: "16",
		EnvKeyspace: "env_ks", EnvUsername: "envuser", EnvPassword: " env pw ", EnvToken: "from-env",
		EnvMaxAnswerMiB: "128",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Debug:  true,
		Server: ServerConfig{Host: "::1", Port: 8181, Threads: 16, Token: "from-env", MaxAnswerMiB: 128},
		Cassandra: CassandraConfig{Hosts: []string{"e1", "e2"}, Port: 9142, Keyspace: "env_ks", Username: "envuser",
			Password: " env pw ", Consistency: "QUORUM", QueryTimeout: "12s"},
	}
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Fatalf("env over file (-want +got):\n%s", diff)
	}
	s, err := cfg.Settings()
	if err != nil {
		t.Fatal(err)
	}
	if s.Port != 9142 || s.Username != "envuser" || s.Password != " env pw " || s.Consistency != "QUORUM" || s.QueryTimeout.Std().Seconds() != 12 {
		t.Fatalf("settings: %+v", s)
	}
	if str := cfg.String(); strings.Contains(str, "env pw") || strings.Contains(str, "from-env") {
		t.Fatalf("config description leaks a secret: %s", str)
	}
}

func TestDebugTruthiness(t *testing.T) {
	for v, want := range map[string]bool{"1": true, "true": true, "YES": true, "on": true, "0": false, "false": false, "no": false, "off": false, "maybe": false} {
		cfg, err := LoadConfig("", envMap(map[string]string{EnvCassandra: "h", EnvDebug: v}))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Debug != want {
			t.Errorf("%s=%q: debug %v, want %v", EnvDebug, v, cfg.Debug, want)
		}
	}
	// The environment can also turn off what the file turned on.
	cfg, _ := LoadConfig(writeFile(t, "c.json", `{"debug": true, "cassandra": {"host": "h"}}`), envMap(map[string]string{EnvDebug: "0"}))
	if cfg.Debug {
		t.Fatal("METRICS_SERVER_DEBUG=0 should override the file's debug: true")
	}
}

func TestNoHostIsErrNoHost(t *testing.T) {
	for name, file := range map[string]string{"no file": "", "file without host": `{"server": {"port": 8080}}`, "empty host": `{"cassandra": {"host": " , "}}`} {
		path := ""
		if file != "" {
			path = writeFile(t, "c.json", file)
		}
		_, err := LoadConfig(path, envMap(map[string]string{EnvPort: "9999"}))
		if !errors.Is(err, ErrNoHost) {
			t.Errorf("%s: want ErrNoHost, got %v", name, err)
		}
	}
}

func TestBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		env        map[string]string
		want       string
	}{
		{"port not a number", "", map[string]string{EnvCassandra: "h", EnvPort: "http"}, EnvPort},
		{"port out of range", "", map[string]string{EnvCassandra: "h", EnvPort: "70000"}, "server.port"},
		{"threads zero", `{"server": {"threads": -1}, "cassandra": {"host": "h"}}`, nil, "server.threads"},
		{"not JSON", `{"cassandra": `, nil, "not a valid config file"},
		{"host of wrong type", `{"cassandra": {"host": 12}}`, nil, "cassandra.host"},
		{"cert without key", "", map[string]string{EnvCassandra: "h", EnvTLSCert: "/x.pem"}, "cassandra.tls"},
		{"bad timeout", `{"cassandra": {"host": "h", "query_timeout": "soon"}}`, nil, "query_timeout"},
		{"answer bound not a number", "", map[string]string{EnvCassandra: "h", EnvMaxAnswerMiB: "64MiB"}, EnvMaxAnswerMiB},
		{"answer bound negative", `{"server": {"max_answer_mib": -1}, "cassandra": {"host": "h"}}`, nil, "server.max_answer_mib"},
		{"raw CQL setting misspelt", "", map[string]string{EnvCassandra: "h", EnvEnableRawCQL: "ture"}, EnvEnableRawCQL},
		{"remote setting not a boolean", "", map[string]string{EnvCassandra: "h", EnvAllowUnauthenticatedRemote: "2"}, EnvAllowUnauthenticatedRemote},
		{"missing file", "-", nil, "cannot read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := ""
			switch tc.file {
			case "":
			case "-":
				path = filepath.Join(t.TempDir(), "missing.json")
			default:
				path = writeFile(t, "c.json", tc.file)
			}
			_, err := LoadConfig(path, envMap(tc.env))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error mentioning %q, got %v", tc.want, err)
			}
		})
	}
}

func TestTLSFilesFromEnvironment(t *testing.T) {
	// An unparsable CA file stops the server at start.
	ca := writeFile(t, "ca.pem", "not a certificate")
	cfg, err := LoadConfig("", envMap(map[string]string{EnvCassandra: "h", EnvTLSCA: ca}))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Cassandra.TLS.on() {
		t.Fatal("a CA file should turn TLS on")
	}
	if _, err := cfg.Settings(); err == nil || !strings.Contains(err.Error(), "holds no PEM certificate") {
		t.Fatalf("want the CA certificate rejected, got %v", err)
	}
	cfg.Cassandra.TLS.CAFile = filepath.Join(t.TempDir(), "missing.pem")
	if _, err := cfg.Settings(); err == nil || !strings.Contains(err.Error(), "CA certificate file") {
		t.Fatalf("want a missing file reported, got %v", err)
	}
}

func TestExampleConfigLoads(t *testing.T) {
	cfg, err := LoadConfig("../../example_config.json", envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.Settings(); err != nil {
		t.Fatal(err)
	}
}

func TestTLSFilesReachSettings(t *testing.T) {
	certPEM, keyPEM := selfSigned(t)
	ca := writeFile(t, "ca.pem", string(certPEM))
	cert := writeFile(t, "cert.pem", string(certPEM))
	key := writeFile(t, "key.pem", string(keyPEM))
	cfg, err := LoadConfig("", envMap(map[string]string{EnvCassandra: "h", EnvTLSCA: ca, EnvTLSCert: cert, EnvTLSKey: key}))
	if err != nil {
		t.Fatal(err)
	}
	s, err := cfg.Settings()
	if err != nil {
		t.Fatal(err)
	}
	if !s.TLS.Enabled || s.TLS.CACert != string(certPEM) || s.TLS.ClientCert != string(certPEM) || s.TLSClientKey != string(keyPEM) {
		t.Fatalf("TLS settings not filled from the files: %+v", s.TLS)
	}
	// A key that does not belong to the certificate is caught at start.
	_, otherKey := selfSigned(t)
	cfg.Cassandra.TLS.KeyFile = writeFile(t, "other.pem", string(otherKey))
	if _, err := cfg.Settings(); err == nil || !strings.Contains(err.Error(), "not a matching") {
		t.Fatalf("want a mismatched key reported, got %v", err)
	}
}

func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "cassandra"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
}

// The access settings come from the file or the environment (which wins), and the start-up
// log says who is answered and whether raw CQL runs, with what to set.
func TestAccessSettings(t *testing.T) {
	file := writeFile(t, "c.json", `{"server": {"allow_unauthenticated_remote": true, "enable_raw_cql": true}, "cassandra": {"host": "h"}}`)
	for _, tc := range []struct {
		name             string
		path             string
		env              map[string]string
		remote, raw      bool
		warn             bool
		clients, rawText []string
	}{
		{name: "defaults", clients: []string{"only loopback clients (127.0.0.0/8, ::1)", "403", EnvToken, EnvAllowUnauthenticatedRemote + "=true"},
			rawText: []string{"off", EnvEnableRawCQL + "=true", "server.enable_raw_cql"}},
		{name: "token", env: map[string]string{EnvToken: "t"}, clients: []string{"with the bearer token", "0.0.0.0:8080"}, rawText: []string{"off"}},
		{name: "from the file", path: file, remote: true, raw: true, warn: true,
			clients: []string{"any client that reaches 0.0.0.0:8080, without a token", "set a token"}, rawText: []string{"on", "any SELECT"}},
		{name: "the environment wins", path: file, env: map[string]string{EnvAllowUnauthenticatedRemote: "off", EnvEnableRawCQL: "0"},
			clients: []string{"only loopback clients"}, rawText: []string{"off"}},
		{name: "from the environment", env: map[string]string{EnvAllowUnauthenticatedRemote: "Yes", EnvEnableRawCQL: "true"}, remote: true, raw: true, warn: true,
			clients: []string{"without a token"}, rawText: []string{"on"}},
		{name: "token and remote", env: map[string]string{EnvToken: "t", EnvAllowUnauthenticatedRemote: "1"}, remote: true,
			clients: []string{"with the bearer token"}, rawText: []string{"off"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{EnvCassandra: "h"}
			for k, v := range tc.env {
				env[k] = v
			}
			cfg, err := LoadConfig(tc.path, envMap(env))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Server.AllowUnauthenticatedRemote != tc.remote || cfg.Server.EnableRawCQL != tc.raw {
				t.Fatalf("allow remote %v, raw CQL %v; want %v, %v", cfg.Server.AllowUnauthenticatedRemote, cfg.Server.EnableRawCQL, tc.remote, tc.raw)
			}
			clients, raw, warn := cfg.Access()
			if warn != tc.warn {
				t.Errorf("warn %v, want %v", warn, tc.warn)
			}
			for _, w := range tc.clients {
				if !strings.Contains(clients, w) {
					t.Errorf("clients %q does not say %q", clients, w)
				}
			}
			for _, w := range tc.rawText {
				if !strings.HasPrefix(raw, w) && !strings.Contains(raw, w) {
					t.Errorf("raw CQL %q does not say %q", raw, w)
				}
			}
		})
	}
}
