package cassandra

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strings"
	"time"
)

// ContextDialer opens the TCP connections to the nodes. The plugin sets one that goes through
// Grafana's secure socks proxy (private data source connect); nil dials directly.
type ContextDialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// proxyMarker is in the text of every failure on the proxy path. The driver flattens dial
// errors into strings, so the text is what survives to classifyConnectError.
const proxyMarker = "through the secure socks proxy"

// proxyDialer bounds each dial by the connect timeout (the proxy's own dial timeout is
// Grafana's, 30 s by default) and marks its failures as the proxy path's.
type proxyDialer struct {
	d       ContextDialer
	timeout time.Duration
}

func (p proxyDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if p.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.timeout)
		defer cancel()
	}
	c, err := p.d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s %s: %w", addr, proxyMarker, err)
	}
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		return nodeConn{Conn: c, node: net.TCPAddrFromAddrPort(ap)}, nil
	}
	return c, nil
}

// nodeConn is a proxied connection that names the node as its remote address. The driver
// takes the node's port from RemoteAddr (as a *net.TCPAddr); through a proxy that would be
// the proxy's port, and every later connection would go to the wrong port.
type nodeConn struct {
	net.Conn
	node *net.TCPAddr
}

func (c nodeConn) RemoteAddr() net.Addr { return c.node }

// socksReply finds the SOCKS5 reply a proxy refused a CONNECT with, as the SOCKS client
// words it ("unknown error connection not allowed by ruleset").
var socksReply = regexp.MustCompile(`unknown error ([a-zA-Z0-9 :]+)`)

// proxyAdvice turns a failure on the proxy path into advice: the proxy itself is out of
// reach, it refused this data source, or it could not reach Cassandra. The proxy
// credentials never appear: the SOCKS client's messages do not carry them.
func proxyAdvice(err error, s Settings) *Error {
	hosts := s.Addresses()
	msg := err.Error()
	if m := socksReply.FindStringSubmatch(msg); m != nil {
		reason := strings.TrimSpace(m[1])
		if strings.Contains(reason, "not allowed by ruleset") {
			return &Error{Kind: KindUnreachable, Msg: fmt.Sprintf("the secure socks proxy refused to connect to Cassandra at %s (not allowed by its rules): allow these hosts and ports at the proxy, or correct the hosts", hosts), Err: err}
		}
		return &Error{Kind: KindUnreachable, Msg: fmt.Sprintf("the secure socks proxy could not connect to Cassandra at %s (%s): check the hosts and ports, and that the proxy's network reaches Cassandra", hosts, reason), Err: err}
	}
	switch {
	case strings.Contains(msg, "authentication failed"), strings.Contains(msg, "no acceptable authentication methods"),
		strings.Contains(msg, "invalid username/password"):
		return &Error{Kind: KindAuth, Msg: "the secure socks proxy did not accept this data source's credentials: check the proxy user (the data source's UID by default) and password", Err: err}
	case strings.Contains(msg, "dial tcp"), strings.Contains(msg, "i/o timeout"), strings.Contains(msg, "context deadline exceeded"),
		strings.Contains(msg, "EOF"), strings.Contains(msg, "tls:"):
		return &Error{Kind: KindUnreachable, Msg: fmt.Sprintf("cannot reach the secure socks proxy to connect to Cassandra at %s: check that the proxy runs and Grafana's [secure_socks_datasource_proxy] settings (proxy_address, certificates)", hosts), Err: err}
	}
	return &Error{Kind: KindUnreachable, Msg: fmt.Sprintf("connecting to Cassandra at %s through the secure socks proxy failed", hosts), Err: err}
}
