package cassandra

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// testCA is a self-signed CA certificate in PEM, made for the test.
func testCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// A CA or client certificate turns TLS on even when "enabled" is not set, so the password
// never goes out in plaintext.
func TestTLSMaterialTurnsTLSOn(t *testing.T) {
	ca := testCA(t)
	caJSON := strings.ReplaceAll(ca, "\n", `\n`)
	tests := []struct {
		name    string
		json    string
		secure  map[string]string
		wantTLS bool
	}{
		{"nothing", `{"hosts":["h"]}`, nil, false},
		{"enabled", `{"hosts":["h"],"tls":{"enabled":true}}`, nil, true},
		{"CA certificate only", `{"hosts":["h"],"tls":{"caCert":"` + caJSON + `"}}`, map[string]string{"password": "pw"}, true},
		{"CA certificate, enabled false", `{"hosts":["h"],"tls":{"enabled":false,"caCert":"` + caJSON + `"}}`, nil, true},
		{"server name only", `{"hosts":["h"],"tls":{"serverName":"db"}}`, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := LoadSettings([]byte(tt.json), tt.secure)
			if err != nil {
				t.Fatal(err)
			}
			if s.TLS.Enabled != tt.wantTLS || s.UsesTLS() != tt.wantTLS {
				t.Errorf("TLS.Enabled = %v, UsesTLS = %v; want %v", s.TLS.Enabled, s.UsesTLS(), tt.wantTLS)
			}
			cluster, err := clusterConfig(s)
			if err != nil {
				t.Fatal(err)
			}
			if got := cluster.SslOpts != nil; got != tt.wantTLS {
				t.Errorf("cluster TLS = %v, want %v", got, tt.wantTLS)
			}
		})
	}

	// Settings made in code (not through LoadSettings) follow the same rule.
	s := Settings{Hosts: []string{"h"}, Port: 9042, Consistency: "ONE", TLS: TLSSettings{CACert: ca}}
	cluster, err := clusterConfig(s)
	if err != nil {
		t.Fatal(err)
	}
	if cluster.SslOpts == nil || cluster.SslOpts.Config == nil || cluster.SslOpts.Config.RootCAs == nil {
		t.Errorf("a CA certificate without enabled: TLS options %+v, want TLS with the CA", cluster.SslOpts)
	}
}

// Against the local node, which speaks plaintext, a data source with a CA certificate must
// fail the TLS handshake rather than log in without encryption.
func TestTLSMaterialRefusesPlaintextNode(t *testing.T) {
	hosts := os.Getenv("CASSANDRA_HOSTS")
	if hosts == "" {
		t.Skip("CASSANDRA_HOSTS is not set")
	}
	caJSON := strings.ReplaceAll(testCA(t), "\n", `\n`)
	s, err := LoadSettings([]byte(`{"hosts":"`+hosts+`","connectTimeout":"10s","tls":{"caCert":"`+caJSON+`"}}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := Connect(ctx, s)
	if err == nil {
		c.Close()
		t.Fatal("connected to a plaintext node although a CA certificate is configured")
	}
	var ce *Error
	if !errors.As(err, &ce) || ce.Kind != KindTLS {
		t.Errorf("error %v, want a TLS error", err)
	}
}

func TestConnectErrorNamesEachHostPortOnce(t *testing.T) {
	s := Settings{Hosts: []string{"127.0.0.1:1", "db.example", "::1"}, Port: 9042, ConnectTimeout: Duration(time.Second)}
	tests := []struct {
		err  error
		want string
	}{
		{errors.New("dial tcp 127.0.0.1:1: connect: connection refused"),
			"cannot reach Cassandra at 127.0.0.1:1, db.example:9042, [::1]:9042: check the hosts, the ports and that Cassandra is running"},
		{errors.New("dial tcp: i/o timeout"),
			"connecting to 127.0.0.1:1, db.example:9042, [::1]:9042 timed out after 1s: check that the hosts and ports are reachable, or raise the connect timeout"},
		{errors.New("something else"), "cannot connect to Cassandra at 127.0.0.1:1, db.example:9042, [::1]:9042"},
	}
	for _, tt := range tests {
		var ce *Error
		if !errors.As(classifyConnectError(tt.err, s), &ce) {
			t.Fatalf("%v: not a *Error", tt.err)
		}
		if diff := cmp.Diff(tt.want, ce.Msg); diff != "" {
			t.Errorf("%v (-want +got):\n%s", tt.err, diff)
		}
	}
}

// A real refused connection to a host written with its own port names that port only.
func TestConnectRefusedMessage(t *testing.T) {
	s, err := LoadSettings([]byte(`{"hosts":["127.0.0.1:1"],"connectTimeout":"5s"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := Connect(ctx, s)
	if err == nil {
		c.Close()
		t.Fatal("connected to 127.0.0.1:1")
	}
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v is not a *Error", err)
	}
	if !strings.Contains(ce.Msg, "127.0.0.1:1") || strings.Contains(ce.Msg, "9042") {
		t.Errorf("message %q should name 127.0.0.1:1 and not the default port", ce.Msg)
	}
}
