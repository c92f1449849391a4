// Package schema describes Cassandra tables as the plugin sees them: the columns, their CQL
// types and their role in the primary key. It holds no I/O; pkg/cassandra fills it from
// system_schema and the query and engine packages read it.
package schema

import (
	"fmt"
	"strings"
)

// Kind is a column's role in the table, as system_schema.columns names it.
type Kind string

const (
	PartitionKey Kind = "partition_key"
	Clustering   Kind = "clustering"
	Regular      Kind = "regular"
	Static       Kind = "static"
)

// Column is one column of a table.
type Column struct {
	Name string `json:"name"`
	// Type is the CQL type as system_schema spells it, e.g. "bigint", "frozen<list<text>>".
	Type string `json:"type"`
	Kind Kind   `json:"kind"`
	// Position is the column's index within the partition key or clustering key, -1 otherwise.
	Position int `json:"position"`
	// ClusteringOrder is "asc" or "desc" for clustering columns, "none" otherwise.
	ClusteringOrder string `json:"clusteringOrder,omitempty"`
	// Index is the kind of index on the column itself (IndexSAI, IndexSecondary, IndexSASI or
	// IndexCustom), empty when there is none; IndexName is its name. Indexes on a
	// collection's keys, values or entries do not count: they answer CONTAINS, not =.
	Index     string `json:"index,omitempty"`
	IndexName string `json:"indexName,omitempty"`
}

// Index kinds, from system_schema.indexes.
const (
	// IndexSAI is a Storage-Attached Index (Cassandra 5.0): = on any type, ranges on numbers
	// and times, several SAI columns in one query.
	IndexSAI = "sai"
	// IndexSecondary is a legacy secondary index: = only, one per query.
	IndexSecondary = "secondary"
	// IndexSASI is an SSTable-attached (SASI) index.
	IndexSASI = "sasi"
	// IndexCustom is any other custom index class.
	IndexCustom = "custom"
)

// Table is one table with its columns in schema order (partition key, clustering, then the rest).
type Table struct {
	Keyspace string   `json:"keyspace"`
	Name     string   `json:"name"`
	Columns  []Column `json:"columns"`
}

// Column returns the column with the given name.
func (t *Table) Column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// PartitionKey returns the partition key columns in key order.
func (t *Table) PartitionKey() []Column { return t.keyColumns(PartitionKey) }

// ClusteringKey returns the clustering columns in key order.
func (t *Table) ClusteringKey() []Column { return t.keyColumns(Clustering) }

func (t *Table) keyColumns(k Kind) []Column {
	var out []Column
	for _, c := range t.Columns {
		if c.Kind == k {
			out = append(out, c)
		}
	}
	// Columns arrive in schema order, but sort by position to be safe.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Position < out[j-1].Position; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// QuoteIdent quotes a CQL identifier so any case and character survive. Callers must still
// check the name against the schema first: quoting stops injection, not typos.
func QuoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// QualifiedName is "keyspace"."table", quoted.
func (t *Table) QualifiedName() string {
	return QuoteIdent(t.Keyspace) + "." + QuoteIdent(t.Name)
}

// NotFoundError says which keyspace, table or column does not exist.
type NotFoundError struct {
	What string // "keyspace", "table" or "column"
	Name string
	In   string // where it was looked for, e.g. "metric_data.raw_timer"
}

func (e *NotFoundError) Error() string {
	if e.In == "" {
		return fmt.Sprintf("%s %q does not exist", e.What, e.Name)
	}
	return fmt.Sprintf("%s %q does not exist in %s", e.What, e.Name, e.In)
}
