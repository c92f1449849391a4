package cassandra

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hangLimit only detects a hang; nothing in these tests depends on how fast the machine is.
const hangLimit = 30 * time.Second

// silentListener accepts TCP connections on 127.0.0.1 and never answers on them.
func silentListener(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

type result struct {
	c   *Client
	err error
}

func clientAsync(l *Lazy, ctx context.Context) <-chan result {
	ch := make(chan result, 1)
	go func() {
		c, err := l.Client(ctx)
		ch <- result{c, err}
	}()
	return ch
}

func wait(t *testing.T, ch <-chan result, what string) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(hangLimit):
		t.Fatalf("%s: Client did not return", what)
		return result{}
	}
}

// With a host that accepts TCP but never answers, a caller whose context ends gets its
// context's error back while the connection attempt goes on for the others.
func TestLazyCallersReturnWhenTheirContextEnds(t *testing.T) {
	addr := silentListener(t)
	s, err := LoadSettings([]byte(`{"hosts":["`+addr+`"],"connectTimeout":"5m"}`), map[string]string{"password": "pw"})
	if err != nil {
		t.Fatal(err)
	}
	l := NewLazy(s, nil)
	patient := clientAsync(l, context.Background())

	ctx, cancel := context.WithCancel(context.Background())
	var waiting []<-chan result
	for range 30 {
		waiting = append(waiting, clientAsync(l, ctx))
	}
	waitForWaiters(t, l, 31)
	cancel()
	for i, ch := range waiting {
		r := wait(t, ch, "canceled caller")
		if !errors.Is(r.err, context.Canceled) || r.c != nil {
			t.Fatalf("caller %d: got %v, %v; want context.Canceled", i, r.c, r.err)
		}
		var ce *Error
		if !errors.As(r.err, &ce) || ce.Kind != KindCanceled || !strings.Contains(ce.Msg, addr) {
			t.Errorf("caller %d: error %#v is not a KindCanceled *Error naming %s", i, r.err, addr)
		}
	}

	deadline, cancel2 := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel2()
	r := wait(t, clientAsync(l, deadline), "caller with a deadline")
	if !errors.Is(r.err, context.DeadlineExceeded) {
		t.Errorf("caller with a deadline: %v, want context.DeadlineExceeded", r.err)
	}

	select {
	case r := <-patient:
		t.Fatalf("the attempt ended with the callers that gave up: %v, %v", r.c, r.err)
	default:
	}
	l.Close()
	if r := wait(t, patient, "patient caller after Close"); !errors.Is(r.err, ErrClosed) {
		t.Errorf("patient caller after Close: %v, want ErrClosed", r.err)
	}
}

// fakeConnect counts attempts and lets the test decide when and how each one ends.
type fakeConnect struct {
	calls   atomic.Int32
	started chan struct{}
	outcome chan error
}

func newFakeConnect() *fakeConnect {
	return &fakeConnect{started: make(chan struct{}, 100), outcome: make(chan error)}
}

func (f *fakeConnect) connect(ctx context.Context, _ Settings, _ Observer) (*Client, error) {
	f.calls.Add(1)
	f.started <- struct{}{}
	select {
	case err := <-f.outcome:
		if err != nil {
			return nil, err
		}
		return &Client{}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func fakeLazy(f *fakeConnect) *Lazy {
	l := NewLazy(Settings{Hosts: []string{"db"}, Port: 9042, ConnectTimeout: Duration(time.Hour)}, nil)
	l.connect = f.connect
	return l
}

// Concurrent callers share one attempt; a failure reaches all of them and is not kept; a
// success is.
func TestLazySingleFlight(t *testing.T) {
	f := newFakeConnect()
	l := fakeLazy(f)
	defer l.Close()

	var waiting []<-chan result
	for range 20 {
		waiting = append(waiting, clientAsync(l, context.Background()))
	}
	<-f.started
	waitForWaiters(t, l, 20)
	refused := errors.New("refused")
	f.outcome <- refused
	for i, ch := range waiting {
		if r := wait(t, ch, "caller"); !errors.Is(r.err, refused) {
			t.Fatalf("caller %d: %v, want the attempt's error", i, r.err)
		}
	}
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("%d connection attempts for 20 concurrent callers, want 1", n)
	}

	// The failure is not cached: the next caller starts a new attempt.
	next := clientAsync(l, context.Background())
	<-f.started
	f.outcome <- nil
	r := wait(t, next, "caller after a failure")
	if r.err != nil || r.c == nil {
		t.Fatalf("caller after a failure: %v, %v; want a client", r.c, r.err)
	}
	again, err := l.Client(context.Background())
	if err != nil || again != r.c {
		t.Errorf("second call: %p, %v; want the same client %p", again, err, r.c)
	}
	if n := f.calls.Load(); n != 2 {
		t.Errorf("%d connection attempts, want 2", n)
	}
}

// waitForWaiters returns once n callers wait for the attempt in flight.
func waitForWaiters(t *testing.T, l *Lazy, n int) {
	t.Helper()
	for start := time.Now(); time.Since(start) < hangLimit; time.Sleep(time.Millisecond) {
		l.mu.Lock()
		got := 0
		if l.pending != nil {
			got = l.pending.waiters
		}
		l.mu.Unlock()
		if got == n {
			return
		}
	}
	t.Fatalf("%d callers never all waited for one attempt", n)
}

// A panic while connecting is that attempt's error, and the next call tries again.
func TestLazyConnectPanicIsAnError(t *testing.T) {
	l := NewLazy(Settings{Hosts: []string{"db"}, Port: 9042, ConnectTimeout: Duration(time.Second)}, nil)
	defer l.Close()
	calls := 0
	l.connect = func(context.Context, Settings, Observer) (*Client, error) {
		calls++
		if calls == 1 {
			panic("driver bug")
		}
		return &Client{}, nil
	}
	if _, err := l.Client(context.Background()); err == nil || !strings.Contains(err.Error(), "driver bug") {
		t.Fatalf("first call: %v, want the panic as an error", err)
	}
	if c, err := l.Client(context.Background()); err != nil || c == nil {
		t.Fatalf("second call: %v, %v; want a client", c, err)
	}
}

func TestLazyConnectsToCassandra(t *testing.T) {
	hosts := os.Getenv("CASSANDRA_HOSTS")
	if hosts == "" {
		t.Skip("CASSANDRA_HOSTS is not set")
	}
	s, err := LoadSettings([]byte(`{"hosts":"`+hosts+`","connectTimeout":"10s"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	l := NewLazy(s, nil)
	defer l.Close()
	var clients []<-chan result
	for range 5 {
		clients = append(clients, clientAsync(l, context.Background()))
	}
	var first *Client
	for _, ch := range clients {
		r := wait(t, ch, "caller")
		if r.err != nil {
			t.Fatal(r.err)
		}
		if first == nil {
			first = r.c
		} else if r.c != first {
			t.Errorf("callers got different sessions")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	defer cancel()
	if _, err := first.Health(ctx); err != nil {
		t.Errorf("health through the lazy session: %v", err)
	}
}
