package cassandra

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// Client is one data source's connection to a cluster: a single gocql session shared by
// every query of that data source.
type Client struct {
	settings Settings
	session  *gocql.Session

	schemaMu sync.Mutex
	tables   map[string]cachedTable
}

// Connect opens a session. The context bounds the connection attempt.
func Connect(ctx context.Context, s Settings) (*Client, error) {
	return ConnectObserved(ctx, s, nil)
}

func clusterConfig(s Settings) (*gocql.ClusterConfig, error) {
	cluster := gocql.NewCluster(s.Hosts...)
	cluster.Port = s.Port
	cluster.Consistency = gocql.ParseConsistency(s.Consistency)
	cluster.ConnectTimeout = s.ConnectTimeout.Std()
	cluster.Timeout = s.QueryTimeout.Std()
	cluster.PageSize = s.PageSize
	// The keyspace is checked by the health check; a missing keyspace must not prevent connecting.
	cluster.Logger = quietLogger{}
	// Every statement sent is idempotent (reads, and the demo loader's fixed-value writes), so
	// a node that fails or times out costs a retry on the next replica instead of the panel.
	cluster.RetryPolicy = nextReplicaRetry{retries: 2}
	cluster.ReconnectInterval = 10 * time.Second
	if s.Username != "" || s.Password != "" {
		cluster.Authenticator = gocql.PasswordAuthenticator{Username: s.Username, Password: s.Password}
	}
	if s.LocalDatacenter != "" {
		cluster.PoolConfig.HostSelectionPolicy = gocql.TokenAwareHostPolicy(gocql.DCAwareRoundRobinPolicy(s.LocalDatacenter))
	} else {
		cluster.PoolConfig.HostSelectionPolicy = gocql.TokenAwareHostPolicy(gocql.RoundRobinHostPolicy())
	}
	if s.Dialer != nil {
		// The driver wraps this dialer in TLS itself when TLS is on: the proxy carries the
		// encrypted stream and Cassandra's certificate is checked as without a proxy.
		cluster.Dialer = proxyDialer{d: s.Dialer, timeout: s.ConnectTimeout.Std()}
	}
	if s.UsesTLS() {
		cfg, err := tlsConfig(s)
		if err != nil {
			return nil, err
		}
		cluster.SslOpts = &gocql.SslOptions{Config: cfg, EnableHostVerification: !s.TLS.SkipVerify}
	}
	return cluster, nil
}

func tlsConfig(s Settings) (*tls.Config, error) {
	// #nosec G402 -- skipVerify is off unless the user turns it on; the config page warns that it exposes the connection, password included
	cfg := &tls.Config{InsecureSkipVerify: s.TLS.SkipVerify, ServerName: s.TLS.ServerName, MinVersion: tls.VersionTLS12} //nolint:gosec // skipVerify is the user's explicit choice
	if s.TLS.CACert != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(s.TLS.CACert)) {
			return nil, &SettingsError{Field: "tls.caCert", Msg: "is not a PEM certificate: paste the CA certificate including the BEGIN/END lines"}
		}
		cfg.RootCAs = pool
	}
	if s.TLS.ClientCert != "" {
		cert, err := tls.X509KeyPair([]byte(s.TLS.ClientCert), []byte(s.TLSClientKey))
		if err != nil {
			// The key is secret: say what is wrong without echoing anything.
			return nil, &SettingsError{Field: "tls.clientCert", Msg: "the client certificate and client key do not form a valid PEM key pair"}
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// Close ends the session.
func (c *Client) Close() {
	if c != nil && c.session != nil {
		c.session.Close()
	}
}

// Settings returns the settings the client was made with.
func (c *Client) Settings() Settings { return c.settings }

// Health describes the cluster for the health check.
type Health struct {
	ReleaseVersion  string
	ClusterName     string
	DataCenter      string
	Keyspace        string
	KeyspaceExists  bool
	CheckedKeyspace bool
}

// Health runs a real query and reports the node's version, cluster and data center, and
// whether the configured keyspace exists.
func (c *Client) Health(ctx context.Context) (Health, error) {
	var h Health
	err := c.session.Query(`SELECT release_version, cluster_name, data_center FROM system.local`).
		ScanContext(ctx, &h.ReleaseVersion, &h.ClusterName, &h.DataCenter)
	if err != nil {
		return h, classifyQueryError(ctx, err)
	}
	if ks := c.settings.Keyspace; ks != "" {
		h.Keyspace, h.CheckedKeyspace = ks, true
		var name string
		err := c.session.Query(`SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?`, ks).
			ScanContext(ctx, &name)
		switch {
		case err == nil:
			h.KeyspaceExists = true
		case errors.Is(err, gocql.ErrNotFound):
		default:
			return h, classifyQueryError(ctx, err)
		}
	}
	return h, nil
}

// Kind classifies failures so callers can give each its own advice and tell Cassandra's
// errors (downstream) from the plugin's.
type Kind int

const (
	KindOther Kind = iota
	KindNoHosts
	KindUnreachable
	KindAuth
	KindTLS
	KindKeyspaceMissing
	KindTimeout
	KindQuery    // Cassandra refused or failed the query
	KindCanceled // the caller went away
)

// Error is a failure talking to Cassandra, with advice in Msg.
type Error struct {
	Kind Kind
	Msg  string
	Err  error
	// Guardrail names the Cassandra guardrail that refused the query, if one did.
	Guardrail string
}

func (e *Error) Error() string {
	if e.Err == nil {
		return e.Msg
	}
	return e.Msg + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Downstream reports whether the failure is Cassandra's or the network's rather than a bug here.
func (e *Error) Downstream() bool { return e.Kind != KindOther }

func classifyConnectError(err error, s Settings) error {
	hosts := s.Addresses()
	msg := err.Error()
	var re gocql.RequestError
	var netErr net.Error
	var certErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	if s.Dialer != nil && strings.Contains(msg, proxyMarker) {
		return proxyAdvice(err, s)
	}
	switch {
	case errors.As(err, &re) && re.Code() == gocql.ErrCodeCredentials,
		strings.Contains(msg, "authentication") || strings.Contains(msg, "Provided username") || strings.Contains(msg, "authenticator"):
		return &Error{Kind: KindAuth, Msg: fmt.Sprintf("authentication failed for user %q: check the username and password", s.Username), Err: err}
	case errors.As(err, &certErr), errors.As(err, &recordErr), strings.Contains(msg, "tls:"), strings.Contains(msg, "x509:"):
		return &Error{Kind: KindTLS, Msg: tlsAdvice(err, s), Err: err}
	case !s.UsesTLS() && strings.Contains(msg, "connection reset by peer"):
		// What a node that requires client encryption does to a plaintext handshake.
		return &Error{Kind: KindUnreachable, Msg: fmt.Sprintf("Cassandra at %s closed the connection at once: if the node requires client encryption, enable TLS and set its CA certificate", hosts), Err: err}
	case s.UsesTLS() && s.TLS.ClientCert == "" && closedAtStartup(msg):
		// A node that requires a client certificate ends a handshake without one: with TLS 1.3
		// the client learns it on its first read, as a "certificate required" alert or, as often,
		// as a connection closed before start-up answered.
		return &Error{Kind: KindTLS, Msg: fmt.Sprintf("Cassandra at %s closed the TLS connection before start-up: it likely requires a client certificate: set the client certificate and its key", hosts), Err: err}
	case errors.As(err, &netErr) && netErr.Timeout(), strings.Contains(msg, "i/o timeout"), strings.Contains(msg, "timed out"):
		return &Error{Kind: KindTimeout, Msg: fmt.Sprintf("connecting to %s timed out after %s: check that the hosts and ports are reachable, or raise the connect timeout", hosts, s.ConnectTimeout.Std()), Err: err}
	case strings.Contains(msg, "connection refused"), strings.Contains(msg, "no such host"), strings.Contains(msg, "no connections were made"),
		strings.Contains(msg, "unable to discover protocol"), strings.Contains(msg, "network is unreachable"), strings.Contains(msg, "EOF"):
		return &Error{Kind: KindUnreachable, Msg: fmt.Sprintf("cannot reach Cassandra at %s: check the hosts, the ports and that Cassandra is running", hosts), Err: err}
	}
	return &Error{Kind: KindUnreachable, Msg: fmt.Sprintf("cannot connect to Cassandra at %s", hosts), Err: err}
}

// closedAtStartup tells the driver's errors for a connection that ended before the node
// answered the start-up request.
func closedAtStartup(msg string) bool {
	return strings.Contains(msg, "no response to connection startup") || strings.Contains(msg, "connection reset by peer") ||
		strings.Contains(msg, "EOF") || strings.Contains(msg, "broken pipe")
}

// tlsAdvice says which part of the TLS setup to change: each failure has its own fix.
func tlsAdvice(err error, s Settings) string {
	hosts := s.Addresses()
	msg := err.Error()
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recordErr tls.RecordHeaderError
	switch {
	case errors.As(err, &unknownCA), strings.Contains(msg, "certificate signed by unknown authority"):
		return fmt.Sprintf("the certificate of Cassandra at %s is not signed by a CA this data source trusts: set the CA certificate to the one that signed the node's certificate", hosts)
	case errors.As(err, &hostErr), strings.Contains(msg, "certificate is valid for"), strings.Contains(msg, "doesn't contain any IP SANs"):
		name := s.TLS.ServerName
		if name == "" {
			name = "the host address"
		} else {
			name = strconv.Quote(name)
		}
		return fmt.Sprintf("the certificate of Cassandra at %s is not valid for %s: set the server name to a name the certificate holds, or leave it empty to check the host address", hosts, name)
	case strings.Contains(msg, "tls: certificate required"):
		return fmt.Sprintf("Cassandra at %s requires a client certificate: set the client certificate and its key", hosts)
	case strings.Contains(msg, "tls: bad certificate"), strings.Contains(msg, "tls: unknown certificate authority"), strings.Contains(msg, "tls: certificate unknown"):
		return fmt.Sprintf("Cassandra at %s refused the client certificate: use one signed by a CA the node trusts", hosts)
	case errors.As(err, &recordErr), strings.Contains(msg, "does not look like a TLS handshake"):
		return fmt.Sprintf("Cassandra at %s does not speak TLS on this port: turn TLS off for it, or turn client encryption on at the node", hosts)
	}
	return fmt.Sprintf("TLS handshake with %s failed: check that the node has client encryption on, the CA certificate and the server name (or skip verify)", hosts)
}

func classifyQueryError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		if errors.Is(ctxErr, context.DeadlineExceeded) {
			return &Error{Kind: KindTimeout, Msg: "the query did not finish within the query timeout", Err: err}
		}
		return &Error{Kind: KindCanceled, Msg: "the query was canceled", Err: err}
	}
	var re gocql.RequestError
	if errors.As(err, &re) {
		switch re.Code() {
		case gocql.ErrCodeReadTimeout:
			return &Error{Kind: KindTimeout, Msg: "Cassandra timed out reading the data: narrow the time range or the filters", Err: err}
		case gocql.ErrCodeWriteTimeout:
			return &Error{Kind: KindTimeout, Msg: "Cassandra timed out writing: the replicas did not acknowledge in time", Err: err}
		case gocql.ErrCodeCredentials, gocql.ErrCodeUnauthorized:
			return &Error{Kind: KindAuth, Msg: "Cassandra refused access", Err: err}
		}
		if ge, ok := guardrailError(re.Message(), err); ok {
			return ge
		}
		return &Error{Kind: KindQuery, Msg: "Cassandra refused the query", Err: err}
	}
	if errors.Is(err, gocql.ErrTimeoutNoResponse) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Kind: KindTimeout, Msg: "no answer from Cassandra within the query timeout", Err: err}
	}
	if errors.Is(err, gocql.ErrNoConnections) {
		return &Error{Kind: KindUnreachable, Msg: "no Cassandra host is reachable", Err: err}
	}
	return &Error{Kind: KindQuery, Msg: "reading from Cassandra failed", Err: err}
}

// quietLogger drops the driver's own log lines: they go to the plugin's stdout, which Grafana
// does not read as logs, and failures reach the user through returned errors instead.
type quietLogger struct{}

func (quietLogger) Error(string, ...gocql.LogField)   {}
func (quietLogger) Warning(string, ...gocql.LogField) {}
func (quietLogger) Info(string, ...gocql.LogField)    {}
func (quietLogger) Debug(string, ...gocql.LogField)   {}

// ContactPoint is host:port of the first configured host, for messages.
func (s Settings) ContactPoint() string {
	if len(s.Hosts) == 0 {
		return ""
	}
	h := s.Hosts[0]
	if _, _, err := net.SplitHostPort(h); err == nil {
		return h
	}
	return net.JoinHostPort(h, strconv.Itoa(s.Port))
}

// nextReplicaRetry retries a failed statement on the next replica in the query plan, at most
// retries times, unless Cassandra refused the statement itself (syntax, invalid request,
// permissions): every other node would refuse it too.
type nextReplicaRetry struct{ retries int }

func (p nextReplicaRetry) Attempt(q gocql.RetryableQuery) bool { return q.Attempts() <= p.retries }

func (p nextReplicaRetry) GetRetryType(err error) gocql.RetryType {
	var re gocql.RequestError
	if errors.As(err, &re) {
		switch re.Code() {
		case gocql.ErrCodeSyntax, gocql.ErrCodeInvalid, gocql.ErrCodeUnauthorized, gocql.ErrCodeConfig,
			gocql.ErrCodeAlreadyExists, gocql.ErrCodeCredentials:
			return gocql.Rethrow
		}
	}
	return gocql.RetryNextHost
}
