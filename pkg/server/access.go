package server

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/metricsserver/cassandra-datasource/pkg/query"
)

// Who may use the API. With a token, whoever sends it. Without one, only loopback clients
// (this machine, through localhost), as Cassandra's shipped config listens on localhost and
// Redis's protected mode refuses remote clients without a password, unless
// AllowUnauthenticatedRemote says to serve the network. The address is the connection's: a
// proxy on the same machine makes every client local, so put a token on a server behind one.

// isLoopback reports whether a request's remote address is a loopback address: 127.0.0.0/8 or
// ::1, also as an IPv4-mapped IPv6 address.
func isLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// authorized reports whether the API answers this request: it carries the token, or there is
// none and the client is local or the network is allowed.
func (s *Server) authorized(r *http.Request) bool {
	if s.opts.Token != "" {
		return s.hasToken(r)
	}
	return s.opts.AllowUnauthenticatedRemote || isLoopback(r.RemoteAddr)
}

func (s *Server) refuseUnauthorized(w http.ResponseWriter, r *http.Request) {
	if s.opts.Token != "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="metrics-server"`)
		writeError(w, http.StatusUnauthorized, "missing or wrong bearer token: send Authorization: Bearer <token>")
		return
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	writeError(w, http.StatusForbidden, fmt.Sprintf("metrics-server has no token, so it answers only loopback clients (127.0.0.0/8, ::1), "+
		"and this request came from %s: set a token (%s or server.token) and send Authorization: Bearer <token>, "+
		"or serve the network without one (%s=true or server.allow_unauthenticated_remote)", host, EnvToken, EnvAllowUnauthenticatedRemote))
}

// rawCQLOff is the refusal of raw CQL while EnableRawCQL is off.
func rawCQLOff(what string) string {
	return fmt.Sprintf("%s is raw CQL, which this metrics-server does not run: raw CQL reads any table the Cassandra user may read. "+
		"Use a builder query, or turn raw CQL on (%s=true or server.enable_raw_cql)", what, EnvEnableRawCQL)
}

// refuseRawCQLRoutes answers 403 on the resource route that runs raw CQL (variable) while raw
// CQL is off. It looks at the decoded path, which the resource handler routes on once the
// prefix is stripped, so no spelling of the path slips past.
func (s *Server) refuseRawCQLRoutes(next http.Handler) http.Handler {
	if s.opts.EnableRawCQL {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/resources/variable" {
			writeError(w, http.StatusForbidden, rawCQLOff("a variable query"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// rawCQLQuery names the first query of req that the engine would run as raw CQL, reading each
// the engine's way (query.Parse); "" when there is none. Queries that do not parse are left
// to the engine, which refuses them.
func rawCQLQuery(req *backend.QueryDataRequest) string {
	for i, dq := range req.Queries {
		q, err := query.Parse(dq.JSON)
		if err == nil && q.QueryType == query.QueryTypeCQL && !q.Hide && !q.IsEmpty() {
			return fmt.Sprintf("queries[%d] (refId %q)", i, dq.RefID)
		}
	}
	return ""
}
