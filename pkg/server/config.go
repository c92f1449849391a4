package server

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/rollup"
	"github.com/metricsserver/cassandra-datasource/pkg/seed"
)

// Defaults of the standalone server, the seed's where it had one.
const (
	DefaultHost    = "0.0.0.0"
	DefaultPort    = 8080
	DefaultThreads = 4
)

// Config is the standalone server's configuration: the seed's file shape
//
//	{"debug": false, "server": {"host", "port", "threads"}, "cassandra": {"host", ...}}
//
// with new fields for the keyspace, credentials, TLS and a bearer token.
type Config struct {
	Debug     bool            `json:"debug"`
	Server    ServerConfig    `json:"server"`
	Cassandra CassandraConfig `json:"cassandra"`
	Rollup    RollupConfig    `json:"rollup"`
}

// RollupConfig is the rollup writer's section (metrics-server rollup), and where the server's
// own queries read rollups from.
type RollupConfig struct {
	// Keyspace holds the rollups (default metrics_rollups).
	Keyspace string `json:"keyspace"`
	// Disable makes the server's queries read raw rows only.
	Disable bool `json:"disable"`
	// Widths, finest first (default 1m and 1h); each a whole multiple of the finest.
	Widths  []string              `json:"widths"`
	Sources []rollup.SourceConfig `json:"sources"`
	// LateDataWindow (default 5m): bins ending later than now minus this wait for the next pass.
	LateDataWindow string `json:"late_data_window"`
	// Reroll (default 1h) is rolled up again on every pass, so late rows are counted.
	Reroll string `json:"reroll"`
	// Backfill (default 720h) is how far back a source's first pass starts.
	Backfill string `json:"backfill"`
	// Parallel is how many series are rolled up at once (default 4).
	Parallel int `json:"parallel"`
	// Interval is the time between passes of a writer that keeps running (default 1m).
	Interval string `json:"interval"`
	// Username and Password, when set, are the writer's own credentials (it needs SELECT on
	// the sources and MODIFY on the rollup keyspace); otherwise the cassandra section's.
	Username string `json:"username"`
	Password string `json:"password"`
	// ReplicationFactor of the rollup keyspace that --create-schema creates (default 1).
	ReplicationFactor int `json:"replication_factor"`
}

// Writer turns the section into the writer's configuration, checked.
func (r RollupConfig) Writer() (rollup.Config, error) {
	cfg := rollup.Config{Keyspace: r.Keyspace, Sources: r.Sources, Parallel: r.Parallel}
	for _, w := range r.Widths {
		d, err := time.ParseDuration(w)
		if err != nil {
			return cfg, &ConfigError{Source: "rollup.widths", Msg: fmt.Sprintf("%q is not a duration such as 1m", w)}
		}
		cfg.Widths = append(cfg.Widths, d)
	}
	for _, f := range []struct {
		name, v string
		dst     *time.Duration
	}{{"rollup.late_data_window", r.LateDataWindow, &cfg.LateDataWindow}, {"rollup.reroll", r.Reroll, &cfg.Reroll}, {"rollup.backfill", r.Backfill, &cfg.Backfill}} {
		if f.v == "" {
			continue
		}
		d, err := time.ParseDuration(f.v)
		if err != nil || d <= 0 {
			return cfg, &ConfigError{Source: f.name, Msg: fmt.Sprintf("%q is not a positive duration such as 1h", f.v)}
		}
		*f.dst = d
	}
	if err := cfg.Check(); err != nil {
		return cfg, &ConfigError{Source: "rollup", Msg: err.Error()}
	}
	return cfg, nil
}

// PassInterval is the time between a running writer's passes.
func (r RollupConfig) PassInterval() (time.Duration, error) {
	if r.Interval == "" {
		return time.Minute, nil
	}
	d, err := time.ParseDuration(r.Interval)
	if err != nil || d < time.Second {
		return 0, &ConfigError{Source: "rollup.interval", Msg: fmt.Sprintf("%q is not a duration of at least 1s such as 1m", r.Interval)}
	}
	return d, nil
}

// ServerConfig is how the HTTP side listens.
type ServerConfig struct {
	Host string `json:"host"`
	Port int    `json:"port"`
	// Threads is how many requests may query Cassandra at once; the others wait their turn.
	Threads int `json:"threads"`
	// Token, when set, is required as "Authorization: Bearer <token>" on every route except
	// /metrics and /api/health.
	Token string `json:"token"`
	// MaxAnswerMiB bounds the JSON answer of one POST /api/query (default 64); a larger one
	// fails with 422 and what to ask for less of.
	MaxAnswerMiB int `json:"max_answer_mib"`
	// AllowUnauthenticatedRemote serves clients from the network when no token is set; by
	// default only loopback clients (127.0.0.0/8, ::1) are answered then, others get 403.
	AllowUnauthenticatedRemote bool `json:"allow_unauthenticated_remote"`
	// EnableRawCQL runs raw CQL (cql queries in /api/query, /api/resources/variable), which
	// reads any table the Cassandra user may read; off by default, both answer 403.
	EnableRawCQL bool `json:"enable_raw_cql"`
}

// CassandraConfig is how to reach the cluster.
type CassandraConfig struct {
	// Hosts are the contact points; the file's "host" takes one name, a comma list or a list.
	Hosts           []string  `json:"-"`
	Port            int       `json:"port"`
	Keyspace        string    `json:"keyspace"`
	Username        string    `json:"username"`
	Password        string    `json:"password"`
	Consistency     string    `json:"consistency"`
	LocalDatacenter string    `json:"local_datacenter"`
	ConnectTimeout  string    `json:"connect_timeout"`
	QueryTimeout    string    `json:"query_timeout"`
	TLS             TLSConfig `json:"tls"`
	// AllowedKeyspaces, when not empty, are the only keyspaces queries and lookups read (the
	// plugin's allowedKeyspaces); Cassandra's system keyspaces are never read.
	AllowedKeyspaces []string `json:"allowed_keyspaces"`
}

// TLSConfig names PEM files; setting any of the files turns TLS on.
type TLSConfig struct {
	Enabled    bool   `json:"enabled"`
	CAFile     string `json:"ca_file"`
	CertFile   string `json:"cert_file"`
	KeyFile    string `json:"key_file"`
	ServerName string `json:"server_name"`
	SkipVerify bool   `json:"insecure_skip_verify"`
}

func (t TLSConfig) on() bool {
	return t.Enabled || t.CAFile != "" || t.CertFile != "" || t.KeyFile != ""
}

// UnmarshalJSON accepts "host" as a string (one host or a comma list) or a list of strings.
func (c *CassandraConfig) UnmarshalJSON(b []byte) error {
	type plain CassandraConfig
	var aux struct {
		plain
		Host  json.RawMessage `json:"host"`
		Hosts json.RawMessage `json:"hosts"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*c = CassandraConfig(aux.plain)
	for _, raw := range []json.RawMessage{aux.Host, aux.Hosts} {
		if len(raw) == 0 || string(raw) == "null" {
			continue
		}
		var one string
		var list []string
		switch {
		case json.Unmarshal(raw, &one) == nil:
			c.Hosts = append(c.Hosts, splitList(one)...)
		case json.Unmarshal(raw, &list) == nil:
			for _, h := range list {
				c.Hosts = append(c.Hosts, splitList(h)...)
			}
		default:
			return errors.New(`cassandra.host: want a host name, a comma-separated list or a list of host names`)
		}
	}
	return nil
}

// Environment variables, the seed's and the new ones.
const (
	EnvCassandra = "METRICS_SERVER_CASSANDRA"
	EnvDebug     = "METRICS_SERVER_DEBUG"
	EnvHost      = "METRICS_SERVER_HOST"
	EnvPort      = "METRICS_SERVER_PORT"
	EnvThreads   = "METRICS_SERVER_THREADS"
	EnvKeyspace  = "METRICS_SERVER_KEYSPACE"
	EnvUsername  = "METRICS_SERVER_USERNAME"
	EnvPassword  = "METRICS_SERVER_PASSWORD" // #nosec G101 -- the name of an environment variable, not a credential
	EnvTLSCA     = "METRICS_SERVER_TLS_CA"
	EnvTLSCert   = "METRICS_SERVER_TLS_CERT"
	EnvTLSKey    = "METRICS_SERVER_TLS_KEY"
	EnvToken     = "METRICS_SERVER_TOKEN" // #nosec G101 -- the name of an environment variable, not a credential
	// EnvAllowedKeyspaces is a comma list of the only keyspaces queries may read.
	EnvAllowedKeyspaces = "METRICS_SERVER_ALLOWED_KEYSPACES"
)

// ErrNoHost means no Cassandra contact point is configured: the server cannot do anything.
var ErrNoHost = errors.New("no Cassandra host configured: set " + EnvCassandra + " (e.g. 127.0.0.1 or a comma list) or \"cassandra\": {\"host\": ...} in the config file")

// ConfigError is a configuration value that cannot be used.
type ConfigError struct {
	Source string // the file, or the environment variable
	Msg    string
}

func (e *ConfigError) Error() string { return e.Source + ": " + e.Msg }

// Environment variables of the server's bounds and access settings.
const (
	EnvMaxAnswerMiB               = "METRICS_SERVER_MAX_ANSWER_MIB"
	EnvAllowUnauthenticatedRemote = "METRICS_SERVER_ALLOW_UNAUTHENTICATED_REMOTE"
	EnvEnableRawCQL               = "METRICS_SERVER_ENABLE_RAW_CQL"
)

// LoadConfig reads the config file (path may be empty), then applies the environment, which
// wins over the file, then defaults, and validates. getenv is os.Getenv outside tests.
func LoadConfig(path string, getenv func(string) string) (Config, error) {
	var c Config
	if path != "" {
		// #nosec G304 -- paths from the operator's own configuration (the --config file, the TLS files it names)
		b, err := os.ReadFile(path)
		if err != nil {
			return c, &ConfigError{Source: path, Msg: "cannot read the config file: " + err.Error()}
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		if err := dec.Decode(&c); err != nil {
			return c, &ConfigError{Source: path, Msg: "not a valid config file: " + err.Error()}
		}
	}
	if err := c.applyEnv(getenv); err != nil {
		return c, err
	}
	c.applyDefaults()
	return c, c.Validate()
}

func (c *Config) applyEnv(getenv func(string) string) error {
	get := func(name string) (string, bool) {
		v := strings.TrimSpace(getenv(name))
		return v, v != ""
	}
	if v, ok := get(EnvCassandra); ok {
		c.Cassandra.Hosts = splitList(v)
	}
	if v, ok := get(EnvDebug); ok {
		c.Debug = truthy(v)
	}
	if v, ok := get(EnvHost); ok {
		c.Server.Host = v
	}
	for _, iv := range []struct {
		name string
		dst  *int
	}{{EnvPort, &c.Server.Port}, {EnvThreads, &c.Server.Threads}} {
		if v, ok := get(iv.name); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				return &ConfigError{Source: iv.name, Msg: fmt.Sprintf("want a whole number, got %q", v)}
			}
			*iv.dst = n
		}
	}
	if v, ok := get(EnvKeyspace); ok {
		c.Cassandra.Keyspace = v
	}
	if v, ok := get(EnvUsername); ok {
		c.Cassandra.Username = v
	}
	if v, ok := get(EnvAllowedKeyspaces); ok {
		c.Cassandra.AllowedKeyspaces = splitList(v)
	}
	// Secrets are taken as they are: spaces may be part of a password.
	if v := getenv(EnvPassword); v != "" {
		c.Cassandra.Password = v
	}
	if v, ok := get(EnvTLSCA); ok {
		c.Cassandra.TLS.CAFile = v
	}
	if v, ok := get(EnvTLSCert); ok {
		c.Cassandra.TLS.CertFile = v
	}
	if v, ok := get(EnvTLSKey); ok {
		c.Cassandra.TLS.KeyFile = v
	}
	if v := getenv(EnvToken); v != "" {
		c.Server.Token = v
	}
	if v, ok := get(EnvMaxAnswerMiB); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return &ConfigError{Source: EnvMaxAnswerMiB, Msg: fmt.Sprintf("want a whole number of MiB, got %q", v)}
		}
		c.Server.MaxAnswerMiB = n
	}
	for _, bv := range []struct {
		name string
		dst  *bool
	}{{EnvAllowUnauthenticatedRemote, &c.Server.AllowUnauthenticatedRemote}, {EnvEnableRawCQL, &c.Server.EnableRawCQL}} {
		if v, ok := get(bv.name); ok {
			b, err := parseBool(v)
			if err != nil {
				return &ConfigError{Source: bv.name, Msg: err.Error()}
			}
			*bv.dst = b
		}
	}
	return nil
}

// parseBool reads an access setting strictly: a typo must not open or close the server by
// surprise.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("want true or false (1/0, yes/no, on/off), got %q", v)
}

// truthy is the seed's reading of METRICS_SERVER_DEBUG: 1, true, yes or on.
func truthy(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (c *Config) applyDefaults() {
	if c.Server.Host == "" {
		c.Server.Host = DefaultHost
	}
	if c.Server.Port == 0 {
		c.Server.Port = DefaultPort
	}
	if c.Server.Threads == 0 {
		c.Server.Threads = DefaultThreads
	}
	if c.Server.MaxAnswerMiB == 0 {
		c.Server.MaxAnswerMiB = DefaultMaxAnswerMiB
	}
	if c.Cassandra.Keyspace == "" {
		c.Cassandra.Keyspace = seed.DefaultKeyspace
	}
}

// Validate checks what can be checked without a network. No host is ErrNoHost.
func (c Config) Validate() error {
	if len(c.Cassandra.Hosts) == 0 {
		return ErrNoHost
	}
	if c.Server.Port < 1 || c.Server.Port > 65535 {
		return &ConfigError{Source: "server.port", Msg: fmt.Sprintf("%d is not a TCP port: use 1-65535", c.Server.Port)}
	}
	if c.Server.Threads < 1 || c.Server.Threads > 1024 {
		return &ConfigError{Source: "server.threads", Msg: fmt.Sprintf("%d: use 1-1024 (Cassandra queries served at once)", c.Server.Threads)}
	}
	if c.Server.MaxAnswerMiB < 1 || c.Server.MaxAnswerMiB > 4096 {
		return &ConfigError{Source: "server.max_answer_mib", Msg: fmt.Sprintf("%d: use 1-4096 (MiB of one /api/query answer)", c.Server.MaxAnswerMiB)}
	}
	for name, v := range map[string]string{"cassandra.connect_timeout": c.Cassandra.ConnectTimeout, "cassandra.query_timeout": c.Cassandra.QueryTimeout} {
		if v == "" {
			continue
		}
		if d, err := time.ParseDuration(v); err != nil || d <= 0 {
			return &ConfigError{Source: name, Msg: fmt.Sprintf("%q is not a duration such as 10s", v)}
		}
	}
	t := c.Cassandra.TLS
	if (t.CertFile == "") != (t.KeyFile == "") {
		return &ConfigError{Source: "cassandra.tls", Msg: "a client certificate needs its key and the other way round (" + EnvTLSCert + ", " + EnvTLSKey + ")"}
	}
	return nil
}

// Settings turns the configuration into Cassandra settings, reading the TLS files. It uses
// the data source's own loader so defaults and checks are the plugin's.
func (c Config) Settings() (cassandra.Settings, error) {
	cc := c.Cassandra
	jsonData := map[string]any{"hosts": cc.Hosts, "keyspace": cc.Keyspace, "username": cc.Username}
	if cc.Port != 0 {
		jsonData["port"] = cc.Port
	}
	if cc.Consistency != "" {
		jsonData["consistency"] = cc.Consistency
	}
	if cc.LocalDatacenter != "" {
		jsonData["localDatacenter"] = cc.LocalDatacenter
	}
	if cc.ConnectTimeout != "" {
		jsonData["connectTimeout"] = cc.ConnectTimeout
	}
	if cc.QueryTimeout != "" {
		jsonData["queryTimeout"] = cc.QueryTimeout
	}
	if len(cc.AllowedKeyspaces) > 0 {
		jsonData["allowedKeyspaces"] = cc.AllowedKeyspaces
	}
	if c.Rollup.Keyspace != "" {
		jsonData["rollupKeyspace"] = c.Rollup.Keyspace
	}
	if c.Rollup.Disable {
		jsonData["disableRollups"] = true
	}
	secure := map[string]string{"password": cc.Password}
	if cc.TLS.on() {
		tlsJSON := map[string]any{"enabled": true, "skipVerify": cc.TLS.SkipVerify, "serverName": cc.TLS.ServerName}
		read := func(path, what string) (string, error) {
			if path == "" {
				return "", nil
			}
			// #nosec G304 -- paths from the operator's own configuration (the --config file, the TLS files it names)
			b, err := os.ReadFile(path)
			if err != nil {
				return "", &ConfigError{Source: "cassandra.tls", Msg: fmt.Sprintf("cannot read the %s file: %v", what, err)}
			}
			return string(b), nil
		}
		ca, err := read(cc.TLS.CAFile, "CA certificate")
		if err != nil {
			return cassandra.Settings{}, err
		}
		cert, err := read(cc.TLS.CertFile, "client certificate")
		if err != nil {
			return cassandra.Settings{}, err
		}
		key, err := read(cc.TLS.KeyFile, "client key")
		if err != nil {
			return cassandra.Settings{}, err
		}
		// Check the PEM now so a bad file stops the server at start, not every request later.
		if ca != "" && !x509.NewCertPool().AppendCertsFromPEM([]byte(ca)) {
			return cassandra.Settings{}, &ConfigError{Source: "cassandra.tls", Msg: fmt.Sprintf("%s holds no PEM certificate", cc.TLS.CAFile)}
		}
		if cert != "" {
			if _, err := tls.X509KeyPair([]byte(cert), []byte(key)); err != nil {
				return cassandra.Settings{}, &ConfigError{Source: "cassandra.tls", Msg: fmt.Sprintf("%s and %s are not a matching PEM certificate and key", cc.TLS.CertFile, cc.TLS.KeyFile)}
			}
		}
		tlsJSON["caCert"], tlsJSON["clientCert"] = ca, cert
		secure["tlsClientKey"] = key
		jsonData["tls"] = tlsJSON
	}
	b, err := json.Marshal(jsonData)
	if err != nil {
		return cassandra.Settings{}, err
	}
	return cassandra.LoadSettings(b, secure)
}

// String describes the configuration for the start-up log line, without secrets.
func (c Config) String() string {
	return fmt.Sprintf("listen %s:%d, threads %d, max answer %d MiB, cassandra %s port %s, keyspace %s, user %q, tls %v, token %v, debug %v",
		c.Server.Host, c.Server.Port, c.Server.Threads, c.Server.MaxAnswerMiB, strings.Join(c.Cassandra.Hosts, ","), portText(c.Cassandra.Port),
		c.Cassandra.Keyspace, c.Cassandra.Username, c.Cassandra.TLS.on(), c.Server.Token != "", c.Debug)
}

func portText(p int) string {
	if p == 0 {
		return strconv.Itoa(cassandra.DefaultPort)
	}
	return strconv.Itoa(p)
}

// Access says, for the start-up log, who the API answers and whether it runs raw CQL, each
// with what to set to change it; warn is true when clients without a token are answered from
// the network.
func (c Config) Access() (clients, rawCQL string, warn bool) {
	addr := net.JoinHostPort(c.Server.Host, strconv.Itoa(c.Server.Port))
	switch {
	case c.Server.Token != "":
		clients = fmt.Sprintf("clients with the bearer token (%s or server.token), from anywhere that reaches %s", EnvToken, addr)
	case c.Server.AllowUnauthenticatedRemote:
		clients = fmt.Sprintf("any client that reaches %s, without a token (%s or server.allow_unauthenticated_remote is on): "+
			"set a token (%s or server.token) unless the network in front does the checking", addr, EnvAllowUnauthenticatedRemote, EnvToken)
		warn = true
	default:
		clients = fmt.Sprintf("only loopback clients (127.0.0.0/8, ::1); others get 403, since no token is set: "+
			"to serve the network set a token (%s or server.token), or %s=true (server.allow_unauthenticated_remote) to serve it without one",
			EnvToken, EnvAllowUnauthenticatedRemote)
	}
	if c.Server.EnableRawCQL {
		rawCQL = fmt.Sprintf("on (%s or server.enable_raw_cql): clients may run any SELECT the Cassandra user may read", EnvEnableRawCQL)
	} else {
		rawCQL = fmt.Sprintf("off: cql queries and /api/resources/variable answer 403; %s=true (server.enable_raw_cql) turns it on", EnvEnableRawCQL)
	}
	return clients, rawCQL, warn
}
