package cassandratest

import (
	"context"
	"testing"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
)

// PrivateTable creates, as admin, a table in a keyspace no Reader role may read, and returns
// its qualified name: a query of it is one Cassandra refuses for lack of permission (the
// plugin refuses Cassandra's own keyspaces before they reach Cassandra, so those cannot show
// Cassandra's refusal).
func PrivateTable(t testing.TB, admin *cassandra.Client) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, s := range []string{
		`CREATE KEYSPACE IF NOT EXISTS secure_private WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
		`CREATE TABLE IF NOT EXISTS secure_private.notes (k text PRIMARY KEY, v text)`,
	} {
		if err := admin.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return "secure_private.notes"
}
