package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/seed"
)

// The server tests load their own demo data into their own keyspace, so other packages'
// tests on metric_data never change what these compare. The data is a pure function of the
// seed and the time, so reloading it (every run) writes the same rows.
const testKeyspace = "metric_data_server_test"

var (
	testEnd  = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	testSpan = 2 * time.Hour
	testData = seed.Options{
		Keyspace: testKeyspace, Span: testSpan, End: testEnd, Step: 5 * time.Second,
		Environments: 2, Applications: 2, Metrics: 2, Seed: 42,
	}
	loadOnce sync.Once
	loadErr  error
)

// testSettings returns settings for the local Cassandra with the test keyspace loaded, or
// skips when CASSANDRA_HOSTS is unset.
func testSettings(t *testing.T) cassandra.Settings {
	t.Helper()
	s, err := cassandra.LoadSettings(cassandratest.JSONData(t, map[string]any{"keyspace": testKeyspace}), nil)
	if err != nil {
		t.Fatal(err)
	}
	loadOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		c, err := cassandra.Connect(ctx, s)
		if err != nil {
			loadErr = err
			return
		}
		defer c.Close()
		if loadErr = seed.CreateSchema(ctx, c, seed.SchemaOptions{Keyspace: testKeyspace}); loadErr != nil {
			return
		}
		_, loadErr = seed.Generate(ctx, c, testData)
	})
	if loadErr != nil {
		t.Fatalf("loading the test data: %v", loadErr)
	}
	return s
}

type testServer struct {
	*Server
	URL string
	log *bytes.Buffer
}

func newTestServer(t *testing.T, opts Options) *testServer {
	t.Helper()
	return newTestServerWith(t, testSettings(t), opts)
}

func newTestServerWith(t *testing.T, s cassandra.Settings, opts Options) *testServer {
	t.Helper()
	var buf bytes.Buffer
	if opts.Now == nil {
		opts.Now = func() time.Time { return testEnd }
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewJSONHandler(&lockedWriter{w: &buf}, nil))
	}
	srv := New(s, opts)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	return &testServer{Server: srv, URL: hs.URL, log: &buf}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("status %d, body is not a JSON object: %v\n%s", r.status, err, r.body)
	}
	return m
}

// errorText checks the body is {"error": "..."} and returns the message.
func (r response) errorText(t *testing.T) string {
	t.Helper()
	m := r.json(t)
	msg, ok := m["error"].(string)
	if !ok || msg == "" || len(m) != 1 {
		t.Fatalf("want {\"error\": \"...\"}, got %s", r.body)
	}
	return msg
}

func do(t *testing.T, method, url string, body string, header map[string]string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func get(t *testing.T, url string) response { return do(t, http.MethodGet, url, "", nil) }

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
