package server

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// hangGuard bounds a wait that must end on its own: not a speed limit, a guard against hanging.
const hangGuard = 2 * time.Minute

// signalBody tells, on the first Read, that the server has started reading this body.
type signalBody struct {
	io.ReadCloser
	once    sync.Once
	reading chan<- struct{}
}

func (b *signalBody) Read(p []byte) (int, error) {
	b.once.Do(func() { b.reading <- struct{}{} })
	return b.ReadCloser.Read(p)
}

// slowClient is a POST /api/query whose client has sent the headers and the first byte of
// its body, and then waits.
type slowClient struct {
	conn net.Conn
	rest string
}

func startSlowClient(t *testing.T, addr, body string) *slowClient {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	head := fmt.Sprintf("POST /api/query HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", addr, len(body), body[:1])
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	return &slowClient{conn: conn, rest: body[1:]}
}

// answered reports whether the server has sent anything on the connection yet, without waiting.
func (c *slowClient) answered(t *testing.T) bool {
	t.Helper()
	if err := c.conn.SetReadDeadline(time.Now()); err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	n, err := c.conn.Read(b[:])
	if n > 0 {
		return true
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the slow request's connection: %v", err)
	}
	return false
}

// finish sends the rest of the body and reads the answer.
func (c *slowClient) finish(t *testing.T) (int, string) {
	t.Helper()
	if _, err := io.WriteString(c.conn, c.rest); err != nil {
		t.Fatal(err)
	}
	return readAnswer(t, c.conn)
}

func readAnswer(t *testing.T, conn net.Conn) (int, string) {
	t.Helper()
	if err := conn.SetReadDeadline(time.Now().Add(hangGuard)); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// Clients that send their body slowly, as many as there are query slots, must not make a
// normal request wait: the body is read before a slot is taken. The slow clients are still
// sending while the normal request is answered, and are answered themselves once they finish.
func TestSlowBodiesDoNotHoldQuerySlots(t *testing.T) {
	const threads = 2
	srv := New(testSettings(t), Options{Threads: threads, BodyTimeout: time.Hour, Logger: discardLogger(), Now: func() time.Time { return testEnd }})
	t.Cleanup(srv.Close)
	reading := make(chan struct{}, threads)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			r.Body = &signalBody{ReadCloser: r.Body, reading: reading}
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)

	body := fmt.Sprintf(`{"from": %d, "to": %d, "queries": [{"refId": "A", "queryType": "builder", "keyspace": %q,
		"table": "raw_timer", "timeColumn": "metric_timestamp", "valueColumns": ["p95"],
		"filters": [{"column": "environment", "op": "=", "values": ["prod"]}, {"column": "application", "op": "=", "values": ["search"]},
		            {"column": "metric_name", "op": "=", "values": ["db.query"]}]}]}`,
		testEnd.Add(-time.Hour).UnixMilli(), testEnd.UnixMilli(), testKeyspace)
	var slow []*slowClient
	for range threads {
		slow = append(slow, startSlowClient(t, hs.Listener.Addr().String(), body))
	}
	for i := range threads {
		select {
		case <-reading:
		case <-time.After(hangGuard):
			t.Fatalf("the server started reading %d of %d slow bodies", i, threads)
		}
	}
	// Every slow body is being read now; none holds a slot.
	if busy := gaugeValue(t, srv.metrics.busy); busy != 0 {
		t.Fatalf("%v query slots of %d are held by requests still sending their body", busy, threads)
	}

	client := &http.Client{Timeout: hangGuard}
	res, err := client.Get(hs.URL + "/api/v1/environments/")
	if err != nil {
		t.Fatalf("a normal request while %d bodies arrive slowly: %v", threads, err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("a normal request while %d bodies arrive slowly: %d", threads, res.StatusCode)
	}
	for i, c := range slow {
		if c.answered(t) {
			t.Fatalf("slow request %d was answered before it sent its body", i)
		}
	}
	for i, c := range slow {
		if code, answer := c.finish(t); code != http.StatusOK || !strings.Contains(answer, `"frames"`) {
			t.Fatalf("slow request %d, once its body arrived: %d %.300s", i, code, answer)
		}
	}
}

// A body that stops arriving is answered 408 once BodyTimeout is up; it never got a slot.
func TestBodyTimeout(t *testing.T) {
	ts := newTestServerWith(t, offlineSettings(t), Options{BodyTimeout: 50 * time.Millisecond})
	c := startSlowClient(t, strings.TrimPrefix(ts.URL, "http://"), `{"queries": [{"refId": "A"}]}`)
	code, answer := readAnswer(t, c.conn)
	if code != http.StatusRequestTimeout || !strings.Contains(answer, "did not arrive within 50ms") {
		t.Fatalf("want 408 saying the body did not arrive in time, got %d %s", code, answer)
	}
	if busy := gaugeValue(t, ts.metrics.busy); busy != 0 {
		t.Fatalf("busy = %v after the request ended", busy)
	}
}
