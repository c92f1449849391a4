package cassandra

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Each TLS failure gets advice about the one setting that fixes it, whether the driver keeps
// the error's type or only its text. The secure node test (scripts/secure-test.sh) sees these
// errors from a real Cassandra.
func TestTLSFailuresGetTheirOwnAdvice(t *testing.T) {
	s := Settings{Hosts: []string{"127.0.2.1:9142"}, Port: 9042, TLS: TLSSettings{Enabled: true, ServerName: "wrong.example"}}
	plain := Settings{Hosts: []string{"127.0.2.1:9142"}, Port: 9042}
	wrap := func(err error) error {
		return fmt.Errorf("gocql: unable to create session: unable to discover protocol version: %w", err)
	}
	tests := []struct {
		name string
		s    Settings
		err  error
		kind Kind
		want string
	}{
		{"unknown CA, typed", s, wrap(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), KindTLS,
			"the certificate of Cassandra at 127.0.2.1:9142 is not signed by a CA this data source trusts: set the CA certificate to the one that signed the node's certificate"},
		{"unknown CA, text", s, errors.New("x: tls: failed to verify certificate: x509: certificate signed by unknown authority"), KindTLS,
			"the certificate of Cassandra at 127.0.2.1:9142 is not signed by a CA this data source trusts: set the CA certificate to the one that signed the node's certificate"},
		{"wrong server name", s, wrap(x509.HostnameError{Certificate: &x509.Certificate{DNSNames: []string{"cassandra.test"}}, Host: "wrong.example"}), KindTLS,
			`the certificate of Cassandra at 127.0.2.1:9142 is not valid for "wrong.example": set the server name to a name the certificate holds, or leave it empty to check the host address`},
		{"host address not in the certificate", Settings{Hosts: s.Hosts, Port: 9042, TLS: TLSSettings{Enabled: true}},
			errors.New("x509: certificate is valid for cassandra.test, not 127.0.2.1"), KindTLS,
			"the certificate of Cassandra at 127.0.2.1:9142 is not valid for the host address: set the server name to a name the certificate holds, or leave it empty to check the host address"},
		{"no client certificate", s, errors.New("remote error: tls: certificate required"), KindTLS,
			"Cassandra at 127.0.2.1:9142 requires a client certificate: set the client certificate and its key"},
		{"no client certificate, connection closed at start-up", s, wrap(errors.New("gocql: no response to connection startup within timeout")), KindTLS,
			"Cassandra at 127.0.2.1:9142 closed the TLS connection before start-up: it likely requires a client certificate: set the client certificate and its key"},
		{"client certificate refused", s, errors.New("remote error: tls: bad certificate"), KindTLS,
			"Cassandra at 127.0.2.1:9142 refused the client certificate: use one signed by a CA the node trusts"},
		{"plaintext node", s, wrap(tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}), KindTLS,
			"Cassandra at 127.0.2.1:9142 does not speak TLS on this port: turn TLS off for it, or turn client encryption on at the node"},
		{"TLS node, plaintext client", plain, errors.New("read tcp 127.0.0.1:5->127.0.2.1:9142: read: connection reset by peer"), KindUnreachable,
			"Cassandra at 127.0.2.1:9142 closed the connection at once: if the node requires client encryption, enable TLS and set its CA certificate"},
		{"other TLS failure", s, errors.New("tls: handshake failure"), KindTLS,
			"TLS handshake with 127.0.2.1:9142 failed: check that the node has client encryption on, the CA certificate and the server name (or skip verify)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ce *Error
			if !errors.As(classifyConnectError(tt.err, tt.s), &ce) {
				t.Fatal("not a *Error")
			}
			if ce.Kind != tt.kind {
				t.Errorf("kind %v, want %v", ce.Kind, tt.kind)
			}
			if diff := cmp.Diff(tt.want, ce.Msg); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
