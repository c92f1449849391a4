package cassandratest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
)

// SecureNode is the node started by "scripts/local-cassandra.sh start --secure": password
// authentication and required client TLS, with the certificates that start wrote.
type SecureNode struct {
	Hosts []string // host:port, e.g. 127.0.2.1:9142

	CAFile, ClientCertFile, ClientKeyFile string
	CA, ClientCert, ClientKey             string // the files' PEM

	// ServerName is the DNS name in the node's certificate (besides its IP address).
	ServerName string
}

// The superuser the node creates at first start.
const (
	secureAdminUser     = "cassandra"
	secureAdminPassword = "cassandra"
)

// Secure returns the secure node named by CASSANDRA_SECURE_HOSTS, or skips the test when it is
// unset; scripts/secure-test.sh always sets it. The certificates are read from
// CASSANDRA_SECURE_CERTS, by default <repo>/.local/cassandra/secure/certs.
func Secure(t testing.TB) SecureNode {
	t.Helper()
	v := strings.TrimSpace(os.Getenv("CASSANDRA_SECURE_HOSTS"))
	if v == "" {
		t.Skip("CASSANDRA_SECURE_HOSTS is not set: run scripts/secure-test.sh, or start scripts/local-cassandra.sh start --secure and export CASSANDRA_SECURE_HOSTS=127.0.2.1:9142")
	}
	dir := strings.TrimSpace(os.Getenv("CASSANDRA_SECURE_CERTS"))
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			t.Fatalf("CASSANDRA_SECURE_CERTS is not set and the repository root is unknown: %v", err)
		}
		dir = filepath.Join(root, ".local", "cassandra", "secure", "certs")
	}
	n := SecureNode{
		Hosts:  strings.Split(v, ","),
		CAFile: filepath.Join(dir, "ca.pem"), ClientCertFile: filepath.Join(dir, "client.pem"), ClientKeyFile: filepath.Join(dir, "client.key"),
		ServerName: "cassandra.test",
	}
	for _, f := range []struct {
		path string
		dst  *string
	}{{n.CAFile, &n.CA}, {n.ClientCertFile, &n.ClientCert}, {n.ClientKeyFile, &n.ClientKey}} {
		b, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatalf("reading the secure node's certificates (CASSANDRA_SECURE_CERTS): %v", err)
		}
		*f.dst = string(b)
	}
	return n
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// JSONData is data source jsonData for the secure node as user, with the CA and client
// certificate inline, and overrides merged in (a nil value deletes a key).
func (n SecureNode) JSONData(t testing.TB, user string, overrides map[string]any) []byte {
	t.Helper()
	m := map[string]any{
		"hosts": n.Hosts, "username": user, "connectTimeout": "10s", "queryTimeout": "60s",
		"tls": map[string]any{"enabled": true, "caCert": n.CA, "clientCert": n.ClientCert},
	}
	for k, v := range overrides {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("marshal jsonData: %v", err)
	}
	return b
}

// Settings are data source settings for the secure node as user with password.
func (n SecureNode) Settings(t testing.TB, user, password string, overrides map[string]any) cassandra.Settings {
	t.Helper()
	s, err := cassandra.LoadSettings(n.JSONData(t, user, overrides), map[string]string{"password": password, "tlsClientKey": n.ClientKey})
	if err != nil {
		t.Fatalf("secure node settings: %v", err)
	}
	return s
}

// Admin connects as the superuser; the session closes when the test ends.
func (n SecureNode) Admin(t testing.TB) *cassandra.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := cassandra.Connect(ctx, n.Settings(t, secureAdminUser, secureAdminPassword, nil))
	if err != nil {
		t.Fatalf("connect to the secure node as %s: %v", secureAdminUser, err)
	}
	t.Cleanup(c.Close)
	return c
}

// Reader creates a login role named prefix plus a random suffix, with a fresh random password,
// allowed to read keyspace (when not empty), and returns the role and password once the node
// accepts them. The role is dropped when the test ends.
func (n SecureNode) Reader(t testing.TB, admin *cassandra.Client, prefix, keyspace string) (role, password string) {
	t.Helper()
	b := make([]byte, 15)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	role = prefix + "_" + hex.EncodeToString(b[:3])
	password = "pw-" + hex.EncodeToString(b[3:])
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Role options take no bind markers: the role is the caller's identifier plus hex, the
	// password hex.
	stmts := []string{fmt.Sprintf(`CREATE ROLE %s WITH LOGIN = true AND PASSWORD = '%s'`, role, password)}
	if keyspace != "" {
		stmts = append(stmts, fmt.Sprintf(`GRANT SELECT ON KEYSPACE %s TO %s`, keyspace, role))
	}
	for _, q := range stmts {
		if err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", strings.Replace(q, password, "***", 1), err)
		}
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := admin.Exec(ctx, `DROP ROLE IF EXISTS `+role); err != nil {
			t.Errorf("dropping role %s: %v", role, err)
		}
	})
	// The node caches roles for a few seconds: wait until the new one logs in.
	s := n.Settings(t, role, password, map[string]any{"connectTimeout": "5s"})
	var err error
	for i := 0; i < 30; i++ {
		var c *cassandra.Client
		if c, err = cassandra.Connect(ctx, s); err == nil {
			c.Close()
			return role, password
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("role %s cannot log in with its password: %v", role, err)
	return "", ""
}
