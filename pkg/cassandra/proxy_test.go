package cassandra

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
)

// TestProxyAdvice: each failure on the proxy path, as the SOCKS client words it, gets its own
// advice, and one from Cassandra's own node is not taken for the proxy's.
func TestProxyAdvice(t *testing.T) {
	s := Settings{Hosts: []string{"10.0.0.7"}, Port: 9042, Dialer: fakeDialer{}}
	wrap := func(text string) error {
		return errors.New("gocql: unable to create session: unable to discover protocol version: connecting to 10.0.0.7:9042 " + proxyMarker + ": " + text)
	}
	tests := []struct {
		name string
		err  error
		kind Kind
		want string
	}{
		{"ruleset", wrap("socks connect tcp 127.0.0.1:1080->10.0.0.7:9042: unknown error connection not allowed by ruleset"), KindUnreachable, "refused to connect to Cassandra at 10.0.0.7:9042 (not allowed by its rules)"},
		{"host unreachable", wrap("socks connect tcp 127.0.0.1:1080->10.0.0.7:9042: unknown error host unreachable"), KindUnreachable, "could not connect to Cassandra at 10.0.0.7:9042 (host unreachable)"},
		{"credentials", wrap("socks connect tcp 127.0.0.1:1080->10.0.0.7:9042: username/password authentication failed"), KindAuth, "did not accept this data source's credentials"},
		{"proxy down", wrap("socks connect tcp 127.0.0.1:1080->10.0.0.7:9042: dial tcp 127.0.0.1:1080: connect: connection refused"), KindUnreachable, "cannot reach the secure socks proxy"},
		{"node refuses after the proxy", errors.New("gocql: unable to create session: connection refused"), KindUnreachable, "cannot reach Cassandra at 10.0.0.7:9042"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var e *Error
			if !errors.As(classifyConnectError(tc.err, s), &e) {
				t.Fatalf("not a *Error")
			}
			if e.Kind != tc.kind || !strings.Contains(e.Msg, tc.want) {
				t.Errorf("got kind %v %q, want kind %v containing %q", e.Kind, e.Msg, tc.kind, tc.want)
			}
		})
	}
}

type fakeDialer struct{ conn net.Conn }

func (f fakeDialer) DialContext(context.Context, string, string) (net.Conn, error) {
	if f.conn == nil {
		return nil, errors.New("unknown error connection refused")
	}
	return f.conn, nil
}

// TestProxyDialerNamesTheNode: a proxied connection reports the node, not the proxy, as its
// remote address (the driver takes the node's port from it), and a failure is marked.
func TestProxyDialerNamesTheNode(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	c, err := proxyDialer{d: fakeDialer{conn: a}}.DialContext(context.Background(), "tcp", "10.0.0.7:9142")
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := c.RemoteAddr().(*net.TCPAddr); !ok || got.String() != "10.0.0.7:9142" {
		t.Errorf("RemoteAddr = %v, want the node 10.0.0.7:9142 as *net.TCPAddr", c.RemoteAddr())
	}
	if _, err := (proxyDialer{d: fakeDialer{}}).DialContext(context.Background(), "tcp", "10.0.0.7:9142"); err == nil || !strings.Contains(err.Error(), proxyMarker) {
		t.Errorf("dial failure %v is not marked as the proxy path's", err)
	}
}
