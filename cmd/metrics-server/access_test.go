package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startAndStop runs metrics-server as the command does until it listens, then stops it, and
// returns its log lines.
func startAndStop(t *testing.T, vars map[string]string) []map[string]any {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, nil, env(vars), &out, &out) }()
	for deadline := time.Now().Add(2 * time.Minute); !strings.Contains(out.String(), `"msg":"listening"`); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("metrics-server did not listen:\n%s", out.String())
		}
		select {
		case code := <-done:
			t.Fatalf("metrics-server exited with %d:\n%s", code, out.String())
		default:
		}
	}
	cancel()
	<-done
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON log line: %q", l)
		}
		lines = append(lines, m)
	}
	return lines
}

// At start-up metrics-server says who it answers and whether raw CQL runs, with what to set,
// as a warning when clients without a token are served from the network.
func TestStartupSaysWhoIsAnswered(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		level   string
		answers []string
		rawCQL  string
	}{
		{"defaults", nil, "INFO", []string{"only loopback clients (127.0.0.0/8, ::1)", "METRICS_SERVER_TOKEN", "METRICS_SERVER_ALLOW_UNAUTHENTICATED_REMOTE=true"}, "off"},
		{"token", map[string]string{"METRICS_SERVER_TOKEN": "tok"}, "INFO", []string{"with the bearer token"}, "off"},
		{"network without a token, raw CQL", map[string]string{"METRICS_SERVER_ALLOW_UNAUTHENTICATED_REMOTE": "true", "METRICS_SERVER_ENABLE_RAW_CQL": "true"},
			"WARN", []string{"any client that reaches", "without a token"}, "on"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]string{"METRICS_SERVER_CASSANDRA": "127.0.0.1:1", "METRICS_SERVER_HOST": "127.0.0.1", "METRICS_SERVER_PORT": fmt.Sprint(freePort(t))}
			for k, v := range tc.env {
				vars[k] = v
			}
			var access map[string]any
			for _, l := range startAndStop(t, vars) {
				if l["msg"] == "access" {
					access = l
				}
			}
			if access == nil {
				t.Fatal("no access line in the start-up log")
			}
			if access["level"] != tc.level {
				t.Errorf("level %v, want %s", access["level"], tc.level)
			}
			answers, _ := access["answers"].(string)
			for _, w := range tc.answers {
				if !strings.Contains(answers, w) {
					t.Errorf("answers %q does not say %q", answers, w)
				}
			}
			if raw, _ := access["raw_cql"].(string); !strings.HasPrefix(raw, tc.rawCQL) || !strings.Contains(raw, "METRICS_SERVER_ENABLE_RAW_CQL") {
				t.Errorf("raw_cql %q: want %s, naming METRICS_SERVER_ENABLE_RAW_CQL", raw, tc.rawCQL)
			}
		})
	}
}

// The command passes the access settings to the server: raw CQL answers 403 unless enabled.
func TestCommandPassesAccessSettings(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want int
	}{{"", http.StatusForbidden}, {"true", http.StatusBadGateway}} { // on: it tries Cassandra, which is not there
		t.Run("raw CQL "+tc.raw, func(t *testing.T) {
			port := freePort(t)
			vars := map[string]string{"METRICS_SERVER_CASSANDRA": "127.0.0.1:1", "METRICS_SERVER_HOST": "127.0.0.1", "METRICS_SERVER_PORT": fmt.Sprint(port),
				"METRICS_SERVER_ENABLE_RAW_CQL": tc.raw}
			ctx, cancel := context.WithCancel(context.Background())
			var out syncBuffer
			done := make(chan int, 1)
			go func() { done <- run(ctx, nil, env(vars), &out, &out) }()
			defer func() { cancel(); <-done }()
			client := &http.Client{Timeout: 2 * time.Minute}
			var res *http.Response
			var err error
			for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
				if res, err = client.Get(fmt.Sprintf("http://127.0.0.1:%d/api/resources/variable?query=SELECT+x+FROM+ks.t", port)); err == nil || time.Now().After(deadline) {
					break
				}
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			_ = res.Body.Close()
			if res.StatusCode != tc.want {
				t.Fatalf("variable route: %d, want %d", res.StatusCode, tc.want)
			}
		})
	}
}
