package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/errs"
)

// DefaultBodyTimeout bounds the time a client may take to send its request body (at most
// MaxBodyBytes): a query request is a few kilobytes, sent at once.
const DefaultBodyTimeout = 10 * time.Second

// errNoSlot is a request that ended while it waited for a query slot: 503.
var errNoSlot = errs.New(errs.Unavailable, "the request ended while waiting for a free query slot")

// readBody reads the whole bounded body, within BodyTimeout, before the request may take a
// query slot, as nginx buffers a request before it bothers its upstream: a client that sends
// its body slowly holds its own connection, never a slot that other clients wait for.
func (s *Server) readBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if r.Body != nil && r.Body != http.NoBody {
			_ = rc.SetReadDeadline(time.Now().Add(s.opts.BodyTimeout)) // not every ResponseWriter has a connection (tests)
			b, err := io.ReadAll(r.Body)
			if err != nil {
				writeBodyError(w, err, s.opts.BodyTimeout)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		// From here the request's deadline bounds its work: a read deadline passing while it
		// works would cancel its context as if the client had gone away.
		_ = rc.SetReadDeadline(time.Time{})
		next.ServeHTTP(w, r)
	})
}

func writeBodyError(w http.ResponseWriter, err error, timeout time.Duration) {
	var mb *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &mb):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", mb.Limit))
	case errors.As(err, &ne) && ne.Timeout():
		writeError(w, http.StatusRequestTimeout, fmt.Sprintf("the request body did not arrive within %s: send the whole body at once", timeout))
	default:
		writeError(w, http.StatusBadRequest, "reading the request body failed: "+err.Error())
	}
}

// acquire takes one of the Threads query slots, like one of the seed's worker threads, waiting
// while all are taken until one frees or ctx ends (errNoSlot). Every nil return needs release.
func (s *Server) acquire(ctx context.Context) error {
	select {
	case s.sem <- struct{}{}: // a free slot is taken at once; a late request then reports its own timeout
	default:
		s.metrics.waiting.Inc()
		select {
		case s.sem <- struct{}{}:
			s.metrics.waiting.Dec()
		case <-ctx.Done():
			s.metrics.waiting.Dec()
			return errNoSlot
		}
	}
	s.metrics.busy.Inc()
	return nil
}

func (s *Server) release() {
	s.metrics.busy.Dec()
	<-s.sem
}
