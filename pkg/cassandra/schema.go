package cassandra

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// schemaTTL bounds how stale a cached table description may be; schema changes are rare and
// every builder query needs the table, so a short cache saves a round trip per query.
const schemaTTL = 30 * time.Second

type cachedTable struct {
	table *schema.Table
	at    time.Time
}

// Keyspaces lists keyspace names, sorted.
func (c *Client) Keyspaces(ctx context.Context) ([]string, error) {
	return c.names(ctx, `SELECT keyspace_name FROM system_schema.keyspaces`)
}

// Tables lists the tables of a keyspace, sorted. An unknown keyspace is a NotFoundError.
func (c *Client) Tables(ctx context.Context, keyspace string) ([]string, error) {
	if err := c.requireKeyspace(ctx, keyspace); err != nil {
		return nil, err
	}
	return c.names(ctx, `SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?`, keyspace)
}

func (c *Client) requireKeyspace(ctx context.Context, keyspace string) error {
	if keyspace == "" {
		return &schema.NotFoundError{What: "keyspace", Name: keyspace}
	}
	names, err := c.names(ctx, `SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?`, keyspace)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return &schema.NotFoundError{What: "keyspace", Name: keyspace}
	}
	return nil
}

func (c *Client) names(ctx context.Context, cql string, args ...any) ([]string, error) {
	iter := c.session.Query(cql, args...).IterContext(ctx)
	var out []string
	var name string
	for iter.Scan(&name) {
		out = append(out, name)
	}
	if err := iter.Close(); err != nil {
		return nil, classifyQueryError(ctx, err)
	}
	sort.Strings(out)
	return out, nil
}

// Table describes one table from system_schema, cached for a short time.
func (c *Client) Table(ctx context.Context, keyspace, table string) (*schema.Table, error) {
	key := keyspace + "\x00" + table
	c.schemaMu.Lock()
	if ct, ok := c.tables[key]; ok && time.Since(ct.at) < schemaTTL {
		c.schemaMu.Unlock()
		return ct.table, nil
	}
	c.schemaMu.Unlock()

	t, err := c.loadTable(ctx, keyspace, table)
	if err != nil {
		return nil, err
	}
	c.schemaMu.Lock()
	c.tables[key] = cachedTable{table: t, at: time.Now()}
	c.schemaMu.Unlock()
	return t, nil
}

func (c *Client) loadTable(ctx context.Context, keyspace, table string) (*schema.Table, error) {
	iter := c.session.Query(`SELECT column_name, type, kind, position, clustering_order FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?`, keyspace, table).
		IterContext(ctx)
	t := &schema.Table{Keyspace: keyspace, Name: table}
	var col schema.Column
	var kind string
	for iter.Scan(&col.Name, &col.Type, &kind, &col.Position, &col.ClusteringOrder) {
		col.Kind = schema.Kind(kind)
		if col.Kind == schema.Regular || col.Kind == schema.Static {
			col.Position = -1
		}
		t.Columns = append(t.Columns, col)
	}
	if err := iter.Close(); err != nil {
		return nil, classifyQueryError(ctx, err)
	}
	if len(t.Columns) == 0 {
		if err := c.requireKeyspace(ctx, keyspace); err != nil {
			return nil, err
		}
		return nil, &schema.NotFoundError{What: "table", Name: table, In: "keyspace " + keyspace}
	}
	sortColumns(t.Columns)
	if err := c.loadIndexes(ctx, t); err != nil {
		return nil, err
	}
	return t, nil
}

// loadIndexes marks the columns that carry an index of their own, from system_schema.indexes,
// so the builder knows which filters Cassandra serves without ALLOW FILTERING.
func (c *Client) loadIndexes(ctx context.Context, t *schema.Table) error {
	iter := c.session.Query(`SELECT index_name, kind, options FROM system_schema.indexes WHERE keyspace_name = ? AND table_name = ?`, t.Keyspace, t.Name).
		IterContext(ctx)
	var name, kind string
	var options map[string]string
	for iter.Scan(&name, &kind, &options) {
		col, ok := indexTarget(options["target"])
		if !ok {
			continue
		}
		ik := indexKind(kind, options["class_name"])
		for i := range t.Columns {
			// A column with several indexes is marked with the most capable one.
			if t.Columns[i].Name == col && (t.Columns[i].Index == "" || ik == schema.IndexSAI) {
				t.Columns[i].Index = ik
				t.Columns[i].IndexName = name
			}
		}
		options = nil
	}
	if err := iter.Close(); err != nil {
		return fmt.Errorf("read the indexes of %s.%s: %w", t.Keyspace, t.Name, classifyQueryError(ctx, err))
	}
	return nil
}

// indexTarget is the column an index target names, unquoted. Targets of collection indexes
// (keys(m), values(l), entries(m), full(f)) name no plain column.
func indexTarget(target string) (string, bool) {
	target = strings.TrimSpace(target)
	if target == "" || strings.Contains(target, "(") && !strings.HasPrefix(target, `"`) {
		return "", false
	}
	if len(target) >= 2 && strings.HasPrefix(target, `"`) && strings.HasSuffix(target, `"`) {
		return strings.ReplaceAll(target[1:len(target)-1], `""`, `"`), true
	}
	return target, true
}

// indexKind names an index's kind from system_schema: CUSTOM indexes by their class.
func indexKind(kind, class string) string {
	if !strings.EqualFold(kind, "CUSTOM") {
		return schema.IndexSecondary
	}
	lc := strings.ToLower(class)
	switch {
	case lc == "sai" || strings.HasSuffix(lc, "storageattachedindex"):
		return schema.IndexSAI
	case strings.HasSuffix(lc, "sasiindex"):
		return schema.IndexSASI
	}
	return schema.IndexCustom
}

// sortColumns puts partition key columns first, then clustering columns, each in key order,
// then the rest by name: the order users know from DESCRIBE TABLE.
func sortColumns(cols []schema.Column) {
	rank := map[schema.Kind]int{schema.PartitionKey: 0, schema.Clustering: 1, schema.Static: 2, schema.Regular: 3}
	sort.SliceStable(cols, func(i, j int) bool {
		a, b := cols[i], cols[j]
		if rank[a.Kind] != rank[b.Kind] {
			return rank[a.Kind] < rank[b.Kind]
		}
		if a.Kind == schema.PartitionKey || a.Kind == schema.Clustering {
			return a.Position < b.Position
		}
		return a.Name < b.Name
	})
}

// DistinctPartitionValues returns up to limit distinct values of one partition key column.
// CQL's DISTINCT must select the whole partition key, so the other key columns are read too
// and the values deduplicated here; the scan stops once limit distinct values are found.
func (c *Client) DistinctPartitionValues(ctx context.Context, t *schema.Table, column string, limit int) ([]string, error) {
	pk := t.PartitionKey()
	idx := -1
	sel := ""
	for i, col := range pk {
		if col.Name == column {
			idx = i
		}
		if i > 0 {
			sel += ", "
		}
		sel += schema.QuoteIdent(col.Name)
	}
	if idx < 0 {
		return nil, fmt.Errorf("column %q is not a partition key column of %s.%s: values can be listed for %s", column, t.Keyspace, t.Name, joinNames(pk))
	}
	iter := c.session.Query(fmt.Sprintf("SELECT DISTINCT %s FROM %s", sel, t.QualifiedName())).IterContext(ctx)
	dest := make([]any, len(pk))
	for i := range dest {
		dest[i] = new(any)
	}
	seen := map[string]bool{}
	var out []string
	for len(out) < limit && iter.Scan(dest...) {
		v := fmt.Sprint(*(dest[idx].(*any)))
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	if err := iter.Close(); err != nil {
		return nil, classifyQueryError(ctx, err)
	}
	sort.Strings(out)
	return out, nil
}

func joinNames(cols []schema.Column) string {
	s := ""
	for i, c := range cols {
		if i > 0 {
			s += ", "
		}
		s += c.Name
	}
	return s
}
