package cassandra

import (
	"errors"
	"strings"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/google/go-cmp/cmp"
)

func TestLoadSettings(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		secure  map[string]string
		want    Settings
		wantErr string // substring; field name must appear
	}{
		{
			name: "defaults",
			json: `{"hosts":["10.0.0.1"]}`,
			want: Settings{Hosts: []string{"10.0.0.1"}, Port: 9042, Consistency: "LOCAL_ONE",
				ConnectTimeout: Duration(5 * time.Second), QueryTimeout: Duration(30 * time.Second),
				PageSize: 5000, MaxRows: 10000, MaxConcurrency: 8, MaxQueryMemoryMiB: 256,
				BinCacheMiB: 256, LateDataWindow: Duration(5 * time.Minute), RollupKeyspace: "metrics_rollups"},
		},
		{
			name: "everything set, numbers as strings, comma hosts, secrets",
			json: `{"hosts":"a.example, b.example:9142","port":"9043","keyspace":"metric_data","username":"grafana",
			        "consistency":"QUORUM","localDatacenter":"dc1","connectTimeout":"2s","queryTimeout":45,
			        "pageSize":100,"maxRows":"50","maxConcurrency":4,"maxQueryMemoryMiB":"64",
			        "binCacheMiB":"32","disableBinCache":true,"lateDataWindow":"2m","disableWideSplit":true,"rollupKeyspace":"rolled","disableRollups":true,
			        "tls":{"enabled":true,"skipVerify":true,"serverName":"cass"}}`,
			secure: map[string]string{"password": "s3cret", "tlsClientKey": "KEY"},
			want: Settings{Hosts: []string{"a.example", "b.example:9142"}, Port: 9043, Keyspace: "metric_data",
				Username: "grafana", Consistency: "QUORUM", LocalDatacenter: "dc1",
				ConnectTimeout: Duration(2 * time.Second), QueryTimeout: Duration(45 * time.Second),
				PageSize: 100, MaxRows: 50, MaxConcurrency: 4, MaxQueryMemoryMiB: 64,
				BinCacheMiB: 32, DisableBinCache: true, LateDataWindow: Duration(2 * time.Minute), DisableWideSplit: true,
				RollupKeyspace: "rolled", DisableRollups: true,
				TLS:      TLSSettings{Enabled: true, SkipVerify: true, ServerName: "cass"},
				Password: "s3cret", TLSClientKey: "KEY"},
		},
		{name: "no hosts", json: `{}`, wantErr: `"hosts"`},
		{name: "empty host list", json: `{"hosts":[" ", ""]}`, wantErr: `"hosts"`},
		{name: "hosts wrong type", json: `{"hosts":42}`, wantErr: `"hosts"`},
		{name: "port out of range", json: `{"hosts":["h"],"port":70000}`, wantErr: `"port"`},
		{name: "port not a number", json: `{"hosts":["h"],"port":"abc"}`, wantErr: `"port"`},
		{name: "port fractional", json: `{"hosts":["h"],"port":90.5}`, wantErr: `"port"`},
		{name: "host with bad port", json: `{"hosts":["h:99999"]}`, wantErr: `"hosts"`},
		{name: "host with a stray bracket", json: `{"hosts":["]"]}`, wantErr: `"hosts"`},
		{name: "unclosed IPv6 bracket", json: `{"hosts":["[::1"]}`, wantErr: `"hosts"`},
		{name: "bad consistency", json: `{"hosts":["h"],"consistency":"MOST"}`, wantErr: `"consistency"`},
		{name: "bad timeout", json: `{"hosts":["h"],"queryTimeout":"soon"}`, wantErr: `"queryTimeout"`},
		{name: "negative page size", json: `{"hosts":["h"],"pageSize":-1}`, wantErr: `"pageSize"`},
		{name: "negative query memory", json: `{"hosts":["h"],"maxQueryMemoryMiB":-1}`, wantErr: `"maxQueryMemoryMiB"`},
		{name: "negative bin cache", json: `{"hosts":["h"],"binCacheMiB":-1}`, wantErr: `"binCacheMiB"`},
		{name: "negative late-data window", json: `{"hosts":["h"],"lateDataWindow":"-1m"}`, wantErr: `"lateDataWindow"`},
		{name: "rollup keyspace not a name", json: `{"hosts":["h"],"rollupKeyspace":"a.b"}`, wantErr: `"rollupKeyspace": "a.b" is not a keyspace name`},
		{name: "zero late-data window", json: `{"hosts":["h"],"lateDataWindow":"0s"}`, wantErr: `"lateDataWindow": 0 would cache each bin as soon as it ends`},
		{name: "zero late-data window in seconds", json: `{"hosts":["h"],"lateDataWindow":0}`, wantErr: `"lateDataWindow": 0 would cache each bin as soon as it ends`},
		{name: "bin cache switch not a bool", json: `{"hosts":["h"],"disableBinCache":"yes"}`, wantErr: `"disableBinCache"`},
		{name: "tls wrong type", json: `{"hosts":["h"],"tls":"yes"}`, wantErr: `"tls"`},
		{name: "not an object", json: `[1,2]`, wantErr: `"jsonData"`},
		{name: "client cert without key", json: `{"hosts":["h"],"tls":{"enabled":true,"clientCert":"PEM"}}`, wantErr: `"tls.clientCert"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadSettings([]byte(tt.json), tt.secure)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("want error mentioning %s, got none", tt.wantErr)
				}
				var se *SettingsError
				if !errors.As(err, &se) {
					t.Fatalf("want *SettingsError, got %T: %v", err, err)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %q does not name %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("settings mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	const secret = "hunter2-very-secret"
	_, err := LoadSettings([]byte(`{"hosts":["h"],"tls":{"enabled":true,"clientCert":"not pem"}}`), map[string]string{"password": secret, "tlsClientKey": secret})
	if err != nil && strings.Contains(err.Error(), secret) {
		t.Fatalf("error leaks a secret: %v", err)
	}
	s, err := LoadSettings([]byte(`{"hosts":["h"],"tls":{"enabled":true,"clientCert":"not pem"}}`), map[string]string{"tlsClientKey": secret})
	if err != nil {
		t.Fatalf("settings: %v", err)
	}
	_, err = clusterConfig(s)
	if err == nil {
		t.Fatal("want an error for an invalid key pair")
	}
	if strings.Contains(err.Error(), secret) {
		t.Fatalf("error leaks the client key: %v", err)
	}
}

func TestRetryPolicyRethrowsRefusedStatements(t *testing.T) {
	p := nextReplicaRetry{retries: 2}
	if got := p.GetRetryType(errors.New("i/o timeout")); got != gocql.RetryNextHost {
		t.Errorf("network error: %v, want RetryNextHost", got)
	}
	if got := p.GetRetryType(refused{code: gocql.ErrCodeSyntax}); got != gocql.Rethrow {
		t.Errorf("syntax error: %v, want Rethrow", got)
	}
	if got := p.GetRetryType(refused{code: gocql.ErrCodeReadTimeout}); got != gocql.RetryNextHost {
		t.Errorf("read timeout: %v, want RetryNextHost", got)
	}
}

type refused struct{ code int }

func (r refused) Code() int       { return r.code }
func (r refused) Message() string { return "refused" }
func (r refused) Error() string   { return "refused" }

func TestRollupsReadable(t *testing.T) {
	for _, tc := range []struct {
		s    Settings
		want bool
	}{
		{Settings{RollupKeyspace: "metrics_rollups"}, true},
		{Settings{RollupKeyspace: "metrics_rollups", DisableRollups: true}, false},
		{Settings{RollupKeyspace: "metrics_rollups", AllowedKeyspaces: []string{"metric_data"}}, false},
		{Settings{RollupKeyspace: "metrics_rollups", AllowedKeyspaces: []string{"metric_data", "metrics_rollups"}}, true},
	} {
		if got := tc.s.RollupsReadable(); got != tc.want {
			t.Errorf("%+v: readable %v, want %v", tc.s, got, tc.want)
		}
	}
}
