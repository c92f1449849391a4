package schema

import "slices"

// SystemKeyspaces are the keyspaces Cassandra keeps for itself: roles and their password
// hashes (system_auth), node settings and connected clients (system_views), the node's own
// tables (system), schema, tracing and repair history. None holds metrics, so user queries
// never read them, whatever the data source allows (the plugin's own schema lookups and health
// check read system_schema and system.local through their own code paths). The last two are
// the keyspaces of Cassandra releases after 5.0 (transactional cluster metadata, Accord).
var SystemKeyspaces = []string{
	"system",
	"system_auth",
	"system_distributed",
	"system_schema",
	"system_traces",
	"system_views",
	"system_virtual_schema",
	"system_cluster_metadata",
	"system_accord",
}

// IsSystemKeyspace reports whether name is one of SystemKeyspaces. Names are compared as
// Cassandra stores them: system keyspaces are lower case, and "System" (quoted) is another name.
func IsSystemKeyspace(name string) bool { return slices.Contains(SystemKeyspaces, name) }
