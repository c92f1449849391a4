package cassandra

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrClosed is returned by Lazy.Client after Close.
var ErrClosed = errors.New("the Cassandra session was closed")

// Lazy holds the one session of a data source or server, connecting on first use. A failed
// attempt is not kept, so the next request tries again once Cassandra is up; the plugin and
// metrics-server therefore start even while Cassandra is down.
//
// One attempt runs at a time, in its own goroutine, and no lock is held while it runs:
// callers wait for it on their own context, so a caller that gives up returns at once while
// the attempt goes on for the others. A host that accepts connections but never answers
// therefore costs each request no more than its own deadline.
type Lazy struct {
	settings Settings
	observer Observer
	// connect opens a session; ConnectObserved, or a fake in tests.
	connect func(context.Context, Settings, Observer) (*Client, error)

	// ctx ends when the Lazy is closed, which abandons an attempt in flight.
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	client  *Client
	pending *attempt // the attempt in flight, nil when none
	closed  bool
}

// attempt is one connection attempt; done closes when client or err is set.
type attempt struct {
	done    chan struct{}
	client  *Client
	err     error
	waiters int // callers that joined, under Lazy.mu (tests read it)
}

// NewLazy prepares a session for s; obs, if not nil, sees every request the session sends.
func NewLazy(s Settings, obs Observer) *Lazy {
	ctx, cancel := context.WithCancel(context.Background())
	return &Lazy{settings: s, observer: obs, connect: ConnectObserved, ctx: ctx, cancel: cancel}
}

// Client returns the session, connecting when there is none. It waits for the connection at
// most until ctx ends, then returns an error that wraps ctx's error. The attempt itself is
// bounded by twice the connect timeout (the driver's per-host timeouts may add up over several
// contact points).
func (l *Lazy) Client(ctx context.Context) (*Client, error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, ErrClosed
	}
	if l.client != nil {
		c := l.client
		l.mu.Unlock()
		return c, nil
	}
	a := l.pending
	if a == nil {
		a = &attempt{done: make(chan struct{})}
		l.pending = a
		go l.run(a)
	}
	a.waiters++
	l.mu.Unlock()

	select {
	case <-a.done:
		return a.client, a.err
	case <-ctx.Done():
		kind := KindCanceled
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			kind = KindTimeout
		}
		return nil, &Error{Kind: kind, Msg: fmt.Sprintf("gave up waiting for the connection to Cassandra at %s", l.settings.Addresses()), Err: ctx.Err()}
	}
}

// run makes one connection attempt and hands its outcome to everyone waiting for a.
func (l *Lazy) run(a *attempt) {
	var c *Client
	var err error
	func() {
		// A panic in the driver while connecting is this attempt's error, not the process's end.
		defer func() {
			if r := recover(); r != nil {
				c, err = nil, &Error{Kind: KindOther, Msg: "connecting to Cassandra failed unexpectedly", Err: fmt.Errorf("panic: %v", r)}
			}
		}()
		ctx, cancel := context.WithTimeout(l.ctx, 2*l.settings.ConnectTimeout.Std())
		defer cancel()
		c, err = l.connect(ctx, l.settings, l.observer)
	}()

	l.mu.Lock()
	l.pending = nil // success is kept in l.client; a failure is not kept at all
	switch {
	case l.closed:
		if c != nil {
			c.Close()
		}
		c, err = nil, ErrClosed
	case err == nil:
		l.client = c
	}
	a.client, a.err = c, err
	close(a.done)
	l.mu.Unlock()
}

// Close ends the session and abandons an attempt in flight; later calls to Client fail with
// ErrClosed.
func (l *Lazy) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	l.cancel()
	if l.client != nil {
		l.client.Close()
		l.client = nil
	}
}
