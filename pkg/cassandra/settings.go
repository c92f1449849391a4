// Package cassandra turns data source settings into a gocql session and reads from it: health,
// schema discovery, and rows streamed page by page. It knows nothing of Grafana queries.
package cassandra

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/metricsserver/cassandra-datasource/pkg/duration"
)

// Defaults for settings the user left empty.
const (
	DefaultPort           = 9042
	DefaultConsistency    = "LOCAL_ONE"
	DefaultConnectTimeout = 5 * time.Second
	DefaultQueryTimeout   = 30 * time.Second
	DefaultPageSize       = 5000
	DefaultMaxRows        = 10000
	DefaultMaxConcurrency = 8
	// DefaultMaxQueryMemoryMiB bounds what one binned query holds in bins and results.
	DefaultMaxQueryMemoryMiB = 256
	// DefaultMaxProcessMemoryMiB bounds what the binned queries of the whole process hold at
	// once (applied by the engine when the setting is 0).
	DefaultMaxProcessMemoryMiB = 1024
	// DefaultBinCacheMiB bounds the data source's cache of closed bins.
	DefaultBinCacheMiB = 256
	// DefaultRollupKeyspace is where rollups are read from unless rollupKeyspace says otherwise.
	DefaultRollupKeyspace = "metrics_rollups"
	// DefaultLateDataWindow is how long after a bin's end its rows may still arrive.
	DefaultLateDataWindow = 5 * time.Minute
)

// TLSSettings is the TLS part of jsonData. The client key is a secret and lives in Settings.
type TLSSettings struct {
	Enabled    bool   `json:"enabled"`
	SkipVerify bool   `json:"skipVerify"`
	ServerName string `json:"serverName"`
	CACert     string `json:"caCert"`
	ClientCert string `json:"clientCert"`
}

// Settings is a data source's configuration: jsonData plus the decrypted secrets.
type Settings struct {
	Hosts           []string    `json:"hosts"`
	Port            int         `json:"port"`
	Keyspace        string      `json:"keyspace"`
	Username        string      `json:"username"`
	Consistency     string      `json:"consistency"`
	LocalDatacenter string      `json:"localDatacenter"`
	ConnectTimeout  Duration    `json:"connectTimeout"`
	QueryTimeout    Duration    `json:"queryTimeout"`
	PageSize        int         `json:"pageSize"`
	MaxRows         int         `json:"maxRows"`
	MaxConcurrency  int         `json:"maxConcurrency"`
	TLS             TLSSettings `json:"tls"`

	// MaxQueryMemoryMiB bounds series x bins x aggregations of one query, in MiB.
	MaxQueryMemoryMiB int `json:"maxQueryMemoryMiB"`
	// MaxProcessMemoryMiB bounds what every binned query of the process holds at once, in
	// MiB, all requests and data sources together; 0 means 1024.
	MaxProcessMemoryMiB int `json:"maxProcessMemoryMiB"`
	// MaxBucketStatements caps the statements of a builder query over a time-bucketed table
	// (buckets in the range times the other partition key values); 0 means 1000.
	MaxBucketStatements int `json:"maxBucketStatements"`
	// MaxPartitions caps the partitions one builder query names with its partition key
	// filters (the product of their values, times the buckets of a bucketed table); 0 means
	// 10000.
	MaxPartitions int `json:"maxPartitions"`
	// BinCacheMiB bounds the cache of closed bins that lets a refresh read only newer rows;
	// DisableBinCache turns the cache off. LateDataWindow is how long after a bin's end rows
	// may still arrive: younger bins are read again on every refresh.
	BinCacheMiB     int      `json:"binCacheMiB"`
	DisableBinCache bool     `json:"disableBinCache"`
	LateDataWindow  Duration `json:"lateDataWindow"`
	// RollupKeyspace is where metrics-server's rollup writer keeps pre-aggregated bins (default
	// metrics_rollups); long ranges read them instead of every raw row when the keyspace exists.
	// DisableRollups always reads raw rows.
	RollupKeyspace string `json:"rollupKeyspace"`
	DisableRollups bool   `json:"disableRollups"`
	// DisableWideSplit reads a binned query's long range over few partitions with one
	// statement per partition instead of bin-aligned pieces in parallel.
	DisableWideSplit bool `json:"disableWideSplit"`
	// AllowedKeyspaces, when not empty, are the only keyspaces user queries and the editor's
	// lookups read; empty allows every keyspace but Cassandra's system ones, which are never
	// read (see keyspaces.go).
	AllowedKeyspaces []string `json:"allowedKeyspaces"`

	// Secrets: never marshalled, never printed.
	Password     string `json:"-"`
	TLSClientKey string `json:"-"`

	// Dialer, when set, opens every connection to the nodes: the plugin sets Grafana's secure
	// socks proxy here when jsonData.enableSecureSocksProxy is on.
	Dialer ContextDialer `json:"-"`
}

// RollupsReadable says whether queries may read rollups: not turned off, and the rollup
// keyspace among allowedKeyspaces when that list is set (the data source reads only what the
// operator allows; the rollup keyspace's name has a default, so it is not allowed by itself).
func (s Settings) RollupsReadable() bool {
	return !s.DisableRollups && (len(s.AllowedKeyspaces) == 0 || slices.Contains(s.AllowedKeyspaces, s.RollupKeyspace))
}

// SettingsError names the setting that is wrong and says what to change.
type SettingsError struct {
	Field string
	Msg   string
}

func (e *SettingsError) Error() string { return fmt.Sprintf("setting %q: %s", e.Field, e.Msg) }

// LoadSettings parses jsonData and the decrypted secureJsonData, applies defaults and validates.
func LoadSettings(jsonData []byte, secure map[string]string) (Settings, error) {
	var s Settings
	if len(strings.TrimSpace(string(jsonData))) > 0 {
		// Decode field by field so that a wrong type names its field instead of a byte offset.
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(jsonData, &raw); err != nil {
			return s, &SettingsError{Field: "jsonData", Msg: "is not a JSON object: " + err.Error()}
		}
		fields := map[string]any{
			"hosts": &hostList{&s.Hosts}, "port": &flexInt{&s.Port}, "keyspace": &s.Keyspace,
			"username": &s.Username, "consistency": &s.Consistency, "localDatacenter": &s.LocalDatacenter,
			"connectTimeout": &s.ConnectTimeout, "queryTimeout": &s.QueryTimeout,
			"pageSize": &flexInt{&s.PageSize}, "maxRows": &flexInt{&s.MaxRows},
			"maxConcurrency": &flexInt{&s.MaxConcurrency}, "tls": &s.TLS,
			"maxQueryMemoryMiB":   &flexInt{&s.MaxQueryMemoryMiB},
			"maxProcessMemoryMiB": &flexInt{&s.MaxProcessMemoryMiB},
			"maxBucketStatements": &flexInt{&s.MaxBucketStatements},
			"maxPartitions":       &flexInt{&s.MaxPartitions},
			"binCacheMiB":         &flexInt{&s.BinCacheMiB}, "disableBinCache": &s.DisableBinCache, "lateDataWindow": &s.LateDataWindow,
			"disableWideSplit": &s.DisableWideSplit,
			"rollupKeyspace":   &s.RollupKeyspace, "disableRollups": &s.DisableRollups,
			"allowedKeyspaces": &keyspaceList{&s.AllowedKeyspaces},
		}
		for name, dst := range fields {
			v, ok := raw[name]
			if !ok || string(v) == "null" {
				continue
			}
			if err := json.Unmarshal(v, dst); err != nil {
				return s, &SettingsError{Field: name, Msg: describeJSONError(err)}
			}
		}
		// An explicit zero would cache a bin the moment it ends, before the rows written at its
		// end have arrived, and those rows would be missing from every refresh; an empty value
		// takes the default instead.
		if v, ok := raw["lateDataWindow"]; ok && s.LateDataWindow == 0 && string(v) != "null" && string(v) != `""` {
			return s, &SettingsError{Field: "lateDataWindow", Msg: "0 would cache each bin as soon as it ends, before the rows written at its end arrive (they would be missing on every refresh): " +
				"use a positive duration such as 10s, leave it empty for the default (5m), or set disableBinCache to read every refresh in full"}
		}
	}
	s.Password = secure["password"]
	s.TLSClientKey = secure["tlsClientKey"]
	s.applyDefaults()
	return s, s.Validate()
}

func describeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("want %s, got a JSON %s", te.Type, te.Value)
	}
	return err.Error()
}

func (s *Settings) applyDefaults() {
	if s.Port == 0 {
		s.Port = DefaultPort
	}
	if s.Consistency == "" {
		s.Consistency = DefaultConsistency
	}
	if s.ConnectTimeout == 0 {
		s.ConnectTimeout = Duration(DefaultConnectTimeout)
	}
	if s.QueryTimeout == 0 {
		s.QueryTimeout = Duration(DefaultQueryTimeout)
	}
	if s.PageSize == 0 {
		s.PageSize = DefaultPageSize
	}
	if s.MaxRows == 0 {
		s.MaxRows = DefaultMaxRows
	}
	if s.MaxConcurrency == 0 {
		s.MaxConcurrency = DefaultMaxConcurrency
	}
	if s.MaxQueryMemoryMiB == 0 {
		s.MaxQueryMemoryMiB = DefaultMaxQueryMemoryMiB
	}
	if s.BinCacheMiB == 0 {
		s.BinCacheMiB = DefaultBinCacheMiB
	}
	if s.LateDataWindow == 0 {
		s.LateDataWindow = Duration(DefaultLateDataWindow)
	}
	if s.RollupKeyspace == "" {
		s.RollupKeyspace = DefaultRollupKeyspace
	}
	if s.TLS.material(s.TLSClientKey) {
		s.TLS.Enabled = true
	}
}

// material reports whether certificates or a key are configured. They mean TLS whatever
// "enabled" says, as metrics-server's files do: otherwise a CA certificate set without the
// switch would send the password in plaintext.
func (t TLSSettings) material(clientKey string) bool {
	return t.CACert != "" || t.ClientCert != "" || clientKey != ""
}

// UsesTLS reports whether connections are encrypted: TLS is enabled or TLS material is set.
func (s Settings) UsesTLS() bool { return s.TLS.Enabled || s.TLS.material(s.TLSClientKey) }

// Addresses lists the contact points as host:port, each with its own port when it has one,
// for messages.
func (s Settings) Addresses() string {
	out := make([]string, len(s.Hosts))
	for i, h := range s.Hosts {
		if _, _, err := net.SplitHostPort(h); err == nil {
			out[i] = h
		} else {
			out[i] = net.JoinHostPort(h, strconv.Itoa(s.Port))
		}
	}
	return strings.Join(out, ", ")
}

// Validate checks settings that can be checked without a network.
func (s Settings) Validate() error {
	if len(s.Hosts) == 0 {
		return &SettingsError{Field: "hosts", Msg: "no Cassandra hosts configured: add at least one contact point, e.g. 127.0.0.1"}
	}
	for _, h := range s.Hosts {
		host, port, err := net.SplitHostPort(h)
		if err != nil {
			host = h // no port given: the default port applies
		} else if p, perr := strconv.Atoi(port); perr != nil || p < 1 || p > 65535 {
			return &SettingsError{Field: "hosts", Msg: fmt.Sprintf("%q has an invalid port", h)}
		}
		// The host must come back whole from host:port, as the driver will split it (a stray
		// bracket, for one, does not).
		back, _, jerr := net.SplitHostPort(net.JoinHostPort(host, "9042"))
		if host == "" || strings.ContainsAny(host, " /") || jerr != nil || back != host {
			return &SettingsError{Field: "hosts", Msg: fmt.Sprintf("%q is not a host name or IP address", h)}
		}
	}
	if s.Port < 1 || s.Port > 65535 {
		return &SettingsError{Field: "port", Msg: fmt.Sprintf("%d is not a TCP port: use 1-65535 (Cassandra's default is 9042)", s.Port)}
	}
	if _, err := gocql.ParseConsistencyWrapper(s.Consistency); err != nil {
		return &SettingsError{Field: "consistency", Msg: fmt.Sprintf("%q is not a consistency level: use one of ANY, ONE, TWO, THREE, QUORUM, ALL, LOCAL_QUORUM, EACH_QUORUM, LOCAL_ONE", s.Consistency)}
	}
	for name, v := range map[string]int{"pageSize": s.PageSize, "maxRows": s.MaxRows, "maxConcurrency": s.MaxConcurrency, "maxQueryMemoryMiB": s.MaxQueryMemoryMiB, "maxProcessMemoryMiB": s.MaxProcessMemoryMiB, "binCacheMiB": s.BinCacheMiB} {
		if v < 0 {
			return &SettingsError{Field: name, Msg: fmt.Sprintf("%d is negative: use a positive number or leave it empty for the default", v)}
		}
	}
	if s.LateDataWindow < 0 {
		return &SettingsError{Field: "lateDataWindow", Msg: "must be a positive duration such as 5m (rows may arrive this long after their time)"}
	}
	if s.MaxPartitions < 0 {
		return &SettingsError{Field: "maxPartitions", Msg: fmt.Sprintf("%d is negative: use a positive number of partitions or leave it empty for the default (10000)", s.MaxPartitions)}
	}
	if err := s.validateKeyspaces(); err != nil {
		return err
	}
	if s.RollupKeyspace != "" && (len(s.RollupKeyspace) > 48 || strings.IndexFunc(s.RollupKeyspace, func(r rune) bool {
		return r != '_' && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9')
	}) >= 0) {
		return &SettingsError{Field: "rollupKeyspace", Msg: fmt.Sprintf("%q is not a keyspace name: use up to 48 letters, digits and underscores (default metrics_rollups)", s.RollupKeyspace)}
	}
	if s.MaxBucketStatements < 0 {
		return &SettingsError{Field: "maxBucketStatements", Msg: fmt.Sprintf("%d is negative: use a positive number of statements or leave it empty for the default (1000)", s.MaxBucketStatements)}
	}
	if s.ConnectTimeout < 0 || s.QueryTimeout < 0 {
		return &SettingsError{Field: "timeouts", Msg: "timeouts must be positive durations such as 5s"}
	}
	if s.TLS.ClientCert != "" && s.TLSClientKey == "" {
		return &SettingsError{Field: "tls.clientCert", Msg: "a client certificate needs its client key (secure field tlsClientKey)"}
	}
	return nil
}

// Duration accepts a duration of the one grammar (package duration: "5s", "1h30m", "1d") or a
// number of seconds, as a JSON number or a string.
type Duration time.Duration

func (d *Duration) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case float64:
		*d = Duration(duration.Seconds(x))
	case string:
		p, err := duration.ParseSetting(x)
		if err != nil {
			return fmt.Errorf("%q is not a duration: use e.g. 5s, 500ms, 1m or 1h30m (a plain number is seconds)", x)
		}
		*d = Duration(p)
	default:
		return fmt.Errorf("want a duration such as \"5s\" or a number of seconds")
	}
	return nil
}

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// Std returns the duration as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// hostList accepts a JSON list of hosts or one comma-separated string.
type hostList struct{ dst *[]string }

func (h *hostList) UnmarshalJSON(b []byte) error {
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		var one string
		if err2 := json.Unmarshal(b, &one); err2 != nil {
			return fmt.Errorf("want a list of host names, e.g. [\"10.0.0.1\", \"10.0.0.2\"]")
		}
		list = strings.Split(one, ",")
	}
	out := make([]string, 0, len(list))
	for _, x := range list {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	*h.dst = out
	return nil
}

// flexInt accepts a number or a numeric string (the config page stores some numbers as text).
type flexInt struct{ dst *int }

func (f *flexInt) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case float64:
		if x != float64(int(x)) {
			return fmt.Errorf("want a whole number, got %v", x)
		}
		*f.dst = int(x)
	case string:
		if strings.TrimSpace(x) == "" {
			*f.dst = 0
			return nil
		}
		n, err := strconv.Atoi(strings.TrimSpace(x))
		if err != nil {
			return fmt.Errorf("want a whole number, got %q", x)
		}
		*f.dst = n
	default:
		return fmt.Errorf("want a whole number")
	}
	return nil
}
