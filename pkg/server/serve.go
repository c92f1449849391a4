package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"
)

// ShutdownGrace is how long in-flight requests get to finish after SIGTERM or SIGINT.
const ShutdownGrace = 20 * time.Second

// Serve listens on the configured address until ctx ends, then stops accepting connections,
// lets in-flight requests finish (up to ShutdownGrace) and closes the Cassandra session.
// ready, when not nil, receives the bound address once listening.
func (s *Server) Serve(ctx context.Context, host string, port int, ready func(addr string)) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		// The API's routes read their body within BodyTimeout and then lift the read deadline
		// (readBody); this bounds the others.
		ReadTimeout: 30 * time.Second,
		// Longer than any request may work (RequestTimeout) so slow answers still arrive.
		WriteTimeout: s.opts.RequestTimeout + 15*time.Second,
		IdleTimeout:  2 * time.Minute,
		BaseContext:  func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	// Connect in the background so the first request does not pay for it.
	go func() {
		if _, err := s.Client(ctx); err != nil {
			s.log.Warn("Cassandra is not reachable yet; requests will try again", "error", err.Error())
		}
	}()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		s.Close()
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down: finishing requests in progress")
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	err = srv.Shutdown(sctx)
	s.Close()
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return err
}
