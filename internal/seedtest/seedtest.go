// Package seedtest loads a small set of the seed's demo data into a test node: one series of
// 10 s points over the hour before End, the same in every test binary that asks for it.
package seedtest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/seed"
)

// End is the end of the loaded hour.
var End = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

var (
	mu     sync.Mutex
	loaded = map[string]error{}
)

// Load creates the seed's tables in keyspace and writes the hour, once per keyspace and test
// binary; a test whose load failed stops with the reason.
func Load(t testing.TB, admin *cassandra.Client, keyspace string) {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	err, done := loaded[keyspace]
	if !done {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		err = seed.CreateSchema(ctx, admin, seed.SchemaOptions{Keyspace: keyspace})
		if err == nil {
			_, err = seed.Generate(ctx, admin, seed.Options{Keyspace: keyspace, Span: time.Hour, End: End,
				Step: 10 * time.Second, Environments: 1, Applications: 1, Metrics: 1, Seed: 7})
		}
		loaded[keyspace] = err
	}
	if err != nil {
		t.Fatalf("loading data into %s: %v", keyspace, err)
	}
}
