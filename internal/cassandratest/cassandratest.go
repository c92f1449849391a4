// Package cassandratest gives integration tests the local Cassandra named by CASSANDRA_HOSTS.
// Tests that need it skip only when the variable is unset; CI always sets it.
package cassandratest

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
)

// Hosts returns the contact points from CASSANDRA_HOSTS, or skips the test when it is unset.
func Hosts(t testing.TB) []string {
	t.Helper()
	v := strings.TrimSpace(os.Getenv("CASSANDRA_HOSTS"))
	if v == "" {
		t.Skip("CASSANDRA_HOSTS is not set: start scripts/local-cassandra.sh and export CASSANDRA_HOSTS=127.0.0.1")
	}
	return strings.Split(v, ",")
}

// JSONData is data source jsonData for the local Cassandra, with overrides merged in.
func JSONData(t testing.TB, overrides map[string]any) []byte {
	t.Helper()
	m := map[string]any{"hosts": Hosts(t), "connectTimeout": "10s", "queryTimeout": "60s"}
	for k, v := range overrides {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("marshal jsonData: %v", err)
	}
	return b
}

// Client connects to the local Cassandra and closes the session when the test ends.
func Client(t testing.TB) *cassandra.Client {
	t.Helper()
	s, err := cassandra.LoadSettings(JSONData(t, nil), nil)
	if err != nil {
		t.Fatalf("settings: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := cassandra.Connect(ctx, s)
	if err != nil {
		t.Fatalf("connect to local Cassandra: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}
