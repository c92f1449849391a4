package cassandra

import (
	"errors"
	"net"
	"strings"
	"testing"
)

// FuzzLoadSettings: any jsonData either gives a *SettingsError that never shows a secret, or
// settings that validate, have a usable port and connect config, and use TLS whenever TLS
// material is set. The seed corpus is in testdata/fuzz/FuzzLoadSettings.
func FuzzLoadSettings(f *testing.F) {
	const password, key = "pw-SECRET-1f2e", "key-SECRET-9a8b"
	f.Fuzz(func(t *testing.T, jsonData []byte, withSecrets bool) {
		var secure map[string]string
		if withSecrets {
			secure = map[string]string{"password": password, "tlsClientKey": key}
		}
		s, err := LoadSettings(jsonData, secure)
		if err != nil {
			var se *SettingsError
			if !errors.As(err, &se) || se.Field == "" || se.Msg == "" {
				t.Fatalf("error %#v is not a *SettingsError naming a field", err)
			}
			if strings.Contains(err.Error(), password) || strings.Contains(err.Error(), key) {
				t.Fatalf("error shows a secret: %v", err)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("loaded settings do not validate: %v", err)
		}
		if s.Port < 1 || s.Port > 65535 || len(s.Hosts) == 0 {
			t.Fatalf("port %d, hosts %q", s.Port, s.Hosts)
		}
		if (s.TLS.CACert != "" || s.TLS.ClientCert != "" || s.TLSClientKey != "") && !s.TLS.Enabled {
			t.Fatal("TLS material without TLS")
		}
		// Each contact point is one host:port (hosts hold no spaces, so ", " separates them).
		addrs := strings.Split(s.Addresses(), ", ")
		if len(addrs) != len(s.Hosts) {
			t.Fatalf("addresses %q for hosts %q", addrs, s.Hosts)
		}
		for _, a := range addrs {
			if _, port, err := net.SplitHostPort(a); err != nil || port == "" {
				t.Fatalf("address %q of hosts %q is not host:port", a, s.Hosts)
			}
		}
		cluster, err := clusterConfig(s)
		if err != nil {
			if strings.Contains(err.Error(), password) || strings.Contains(err.Error(), key) {
				t.Fatalf("error shows a secret: %v", err)
			}
			return
		}
		if (cluster.SslOpts != nil) != s.UsesTLS() {
			t.Fatalf("cluster TLS %v, settings TLS %v", cluster.SslOpts != nil, s.UsesTLS())
		}
	})
}
