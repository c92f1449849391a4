// Package server is the standalone HTTP API, metrics-server: the seed's /api/v1 routes, the
// plugin's query and resource routes, health and Prometheus metrics, on top of pkg/engine
// and pkg/resources. It holds no query logic and no state between requests beyond the
// Cassandra session, so any number of instances can run behind a load balancer.
package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/metricsserver/cassandra-datasource/pkg/bincache"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/engine"
	"github.com/metricsserver/cassandra-datasource/pkg/errs"
	"github.com/metricsserver/cassandra-datasource/pkg/resources"
	"github.com/metricsserver/cassandra-datasource/pkg/rollup"
	"github.com/metricsserver/cassandra-datasource/pkg/seed"
)

// MaxBodyBytes bounds request bodies: a query request is a few kilobytes.
const MaxBodyBytes = 1 << 20

// Options tune a Server. Zero values take the defaults.
type Options struct {
	// Threads is how many requests may query Cassandra at once (default 4); more wait.
	Threads int
	// Token, when set, is required as a bearer token on all routes but /metrics and /api/health.
	Token string
	// AllowUnauthenticatedRemote answers clients from the network when no Token is set;
	// otherwise only loopback clients (127.0.0.0/8, ::1) are answered and others get 403.
	AllowUnauthenticatedRemote bool
	// EnableRawCQL runs raw CQL: cql queries in /api/query and /api/resources/variable. Off,
	// both answer 403: raw CQL reads any table the Cassandra user may read.
	EnableRawCQL bool
	// Logger receives the access log; default slog.Default().
	Logger *slog.Logger
	// RequestTimeout bounds the work of one request; default the query timeout plus 10 s.
	RequestTimeout time.Duration
	// MaxAnswerBytes bounds the JSON answer of one POST /api/query; default
	// DefaultMaxAnswerMiB MiB.
	MaxAnswerBytes int64
	// BodyTimeout bounds reading a request's body, which comes before it may take a query
	// slot; default DefaultBodyTimeout.
	BodyTimeout time.Duration
	// Now is the clock for default time ranges and the health cache; default time.Now.
	Now func() time.Time
	// HealthTTL is how long one health check answers /api/health; default DefaultHealthTTL,
	// negative: every call checks.
	HealthTTL time.Duration
}

// Server answers the standalone HTTP API.
type Server struct {
	settings    cassandra.Settings
	opts        Options
	log         *slog.Logger
	metrics     *metrics
	sem         chan struct{}
	handler     http.Handler
	session     *cassandra.Lazy
	cache       *bincache.Cache // closed bins of binned queries; nil when turned off
	rollups     *rollup.Cache   // what was read of the rollup keyspace's checkpoints
	healthCache *healthCache
}

// New returns a server for the given Cassandra settings. It connects on first use and again
// after a failure, so it starts even while Cassandra is down and recovers when it comes up.
func New(settings cassandra.Settings, opts Options) *Server {
	if opts.Threads <= 0 {
		opts.Threads = DefaultThreads
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = settings.QueryTimeout.Std() + 10*time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxAnswerBytes <= 0 {
		opts.MaxAnswerBytes = DefaultMaxAnswerMiB << 20
	}
	if opts.BodyTimeout <= 0 {
		opts.BodyTimeout = DefaultBodyTimeout
	}
	if opts.HealthTTL == 0 {
		opts.HealthTTL = DefaultHealthTTL
	}
	s := &Server{settings: settings, opts: opts, log: opts.Logger, metrics: newMetrics(), sem: make(chan struct{}, opts.Threads)}
	s.session = cassandra.NewLazy(settings, s.metrics.observe)
	s.healthCache = &healthCache{ttl: opts.HealthTTL, now: opts.Now, check: s.checkHealth}
	s.rollups = rollup.NewCache()
	if s.cache = engine.NewCache(settings); s.cache != nil {
		s.metrics.registry.MustRegister(cacheCollector{s.cache})
	}
	s.handler = s.routes()
	return s
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Close ends the Cassandra session.
func (s *Server) Close() { s.session.Close() }

// Client returns the Cassandra session, connecting when there is none.
func (s *Server) Client(ctx context.Context) (*cassandra.Client, error) {
	c, err := s.session.Client(ctx)
	if errors.Is(err, cassandra.ErrClosed) {
		return nil, errs.New(errs.Unavailable, "the server is shutting down")
	}
	return c, err
}

func (s *Server) engine(c *cassandra.Client) *engine.Engine {
	opts := engine.OptionsFrom(s.settings)
	opts.Cache = s.cache
	if s.settings.RollupsReadable() {
		opts.Rollups = rollup.NewReader(s.settings.RollupKeyspace, c, s.rollups)
	}
	return engine.New(c, opts)
}

func (s *Server) catalog(c *cassandra.Client) seed.Catalog {
	return seed.Catalog{Client: c, Keyspace: s.settings.Keyspace, Concurrency: s.opts.Threads}
}

func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.accessLog, s.recoverer, limitBody)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no route %s: see /api/v1/metrics, /api/v1/environments/, /api/query, /api/resources/, /api/health, /metrics", r.URL.Path))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		allowed := allowedMethods(r, req)
		if len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
		}
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %q is not allowed on %s: use %s", req.Method, req.URL.Path, strings.Join(allowed, " or ")))
	})

	// Open routes: scrapers and load balancer checks carry no token.
	r.Get("/metrics", s.metrics.handler().ServeHTTP)
	r.Get("/api/health", s.health)

	// Bodies are read before a query slot is taken; the query route holds one only while the
	// engine works (runQueries), the others for the rest of the request.
	r.Group(func(r chi.Router) {
		r.Use(s.authenticate, s.deadline, s.readBody)
		r.Post("/api/query", s.query)
	})
	r.Group(func(r chi.Router) {
		r.Use(s.authenticate, s.refuseRawCQLRoutes, s.deadline, s.readBody, s.throttle)
		r.Get("/api/v1/metrics", s.listMetrics)
		r.Get("/api/v1/environments", s.listEnvironments)
		r.Get("/api/v1/environments/", s.listEnvironments)
		r.Get("/api/v1/environments/{env}/applications", s.listApplications)
		r.Get("/api/v1/environments/{env}/applications/", s.listApplications)
		r.Get("/api/v1/environments/{env}/applications/{app}/metrics", s.listAppMetrics)
		r.Get("/api/v1/environments/{env}/applications/{app}/metrics/", s.listAppMetrics)
		r.Get("/api/v1/environments/{env}/applications/{app}/metrics/{table}/{metric}", s.metricData)
		// The resources' own router, the plugin's CallResource one, mounted: one router per path.
		r.Mount("/api/resources", resources.NewHandler(s.Client, resources.Options{Keyspaces: resources.KeyspacesOf(s.settings), Rollups: resources.RollupsOf(s.settings, s.rollups)}))
	})
	return r
}

// allowedMethods lists the standard methods the router answers on the request's path, for
// the Allow header of a 405.
func allowedMethods(router chi.Routes, r *http.Request) []string {
	path := r.URL.RawPath
	if path == "" {
		path = r.URL.Path
	}
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions} {
		if router.Match(chi.NewRouteContext(), m, path) {
			out = append(out, m)
		}
	}
	return out
}

// statusWriter remembers the status and size of a response for the access log and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// accessLog logs one structured line per request and counts it. It logs the path without the
// query string and never a header, so neither tokens nor filter values reach the log.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(start)
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		s.metrics.request(route, r.Method, sw.status, d)
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelWarn
		}
		s.log.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", route),
			slog.Int("status", sw.status), slog.Float64("duration_ms", float64(d.Microseconds())/1000),
			slog.Int64("bytes", sw.bytes), slog.String("remote", r.RemoteAddr))
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("handler panic", "path", r.URL.Path, "panic", fmt.Sprint(p))
				writeError(w, http.StatusInternalServerError, "internal error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}

// authenticate requires the bearer token when one is configured (401), and without one a
// client on this machine unless the network is allowed (403): see authorized.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.authorized(r) {
			s.refuseUnauthorized(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// hasToken reports whether the request carries the configured token (true when none is set).
// Both sides are hashed first so the comparison takes the same time whatever the guess.
func (s *Server) hasToken(r *http.Request) bool {
	if s.opts.Token == "" {
		return true
	}
	want := sha256.Sum256([]byte(s.opts.Token))
	got, ok := bearer(r.Header.Get("Authorization"))
	sum := sha256.Sum256([]byte(got))
	return ok && subtle.ConstantTimeCompare(sum[:], want[:]) == 1
}

func bearer(h string) (string, bool) {
	const prefix = "bearer "
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	return strings.TrimSpace(h[len(prefix):]), true
}

// throttle holds a query slot (acquire) while the rest of the request runs; the request
// answers 503 when it ends while waiting for one.
func (s *Server) throttle(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.acquire(r.Context()); err != nil {
			fail(w, err)
			return
		}
		defer s.release()
		next.ServeHTTP(w, r)
	})
}

// deadline bounds a request's work; the request's context also ends when the client goes
// away, which cancels its Cassandra queries.
func (s *Server) deadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.opts.RequestTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"could not encode the answer"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
