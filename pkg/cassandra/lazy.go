package cassandra

import (
	"context"
	"errors"
	"sync"
)

// ErrClosed is returned by Lazy.Client after Close.
var ErrClosed = errors.New("the Cassandra session was closed")

// Lazy holds the one session of a data source or server, connecting on first use. A failed
// attempt is not kept, so the next request tries again once Cassandra is up; the plugin and
// metrics-server therefore start even while Cassandra is down.
type Lazy struct {
	settings Settings
	observer Observer

	mu     sync.Mutex
	client *Client
	closed bool
}

// NewLazy prepares a session for s; obs, if not nil, sees every request the session sends.
func NewLazy(s Settings, obs Observer) *Lazy { return &Lazy{settings: s, observer: obs} }

// Client returns the session, connecting when there is none. The attempt is bounded by twice
// the connect timeout (the driver's per-host timeouts may add up over several contact points).
func (l *Lazy) Client(ctx context.Context) (*Client, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, ErrClosed
	}
	if l.client != nil {
		return l.client, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 2*l.settings.ConnectTimeout.Std())
	defer cancel()
	c, err := ConnectObserved(ctx, l.settings, l.observer)
	if err != nil {
		return nil, err
	}
	l.client = c
	return c, nil
}

// Close ends the session; later calls to Client fail with ErrClosed.
func (l *Lazy) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.client != nil {
		l.client.Close()
		l.client = nil
	}
}
