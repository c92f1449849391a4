package seed

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// Catalog lists what a keyspace of the reporters' model holds: environments, applications
// and metrics, with each metric's latest report. It reads only partition keys and the last
// row of each partition, never a whole table.
type Catalog struct {
	Client   *cassandra.Client
	Keyspace string // default metric_data
	// Concurrency bounds the per-partition queries in flight; default 4.
	Concurrency int
}

// Metric is one partition: a metric of an application in an environment, in one table.
type Metric struct {
	Environment string
	Application string
	Table       string
	MetricName  string
	// LastTimestamp is the time of the latest report; nil when the partition has no rows.
	LastTimestamp *time.Time
	// DurationUnit and RateUnit are the latest report's units; nil for counters.
	DurationUnit *string
	RateUnit     *string
}

func (c Catalog) keyspace() string {
	if c.Keyspace == "" {
		return DefaultKeyspace
	}
	return c.Keyspace
}

// IsModelTable reports whether a table has the reporters' primary key: partition key
// (environment, application, metric_name) and metric_timestamp as first clustering column.
// Such tables are listed by the catalog whatever their name.
func IsModelTable(t *schema.Table) bool {
	pk, ck := t.PartitionKey(), t.ClusteringKey()
	if len(pk) != 3 || len(ck) < 1 {
		return false
	}
	return pk[0].Name == ColEnvironment && pk[1].Name == ColApplication && pk[2].Name == ColMetricName &&
		ck[0].Name == ColTimestamp && ck[0].Type == "timestamp"
}

// Tables returns the keyspace's tables of the reporters' model, sorted by name. A missing
// keyspace is a *schema.NotFoundError.
func (c Catalog) Tables(ctx context.Context) ([]*schema.Table, error) {
	names, err := c.Client.Tables(ctx, c.keyspace())
	if err != nil {
		return nil, err
	}
	var out []*schema.Table
	for _, n := range names {
		t, err := c.Client.Table(ctx, c.keyspace(), n)
		if err != nil {
			return nil, err
		}
		if IsModelTable(t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// Table returns one table of the model; a missing table, or one of another shape, is a
// *schema.NotFoundError.
func (c Catalog) Table(ctx context.Context, name string) (*schema.Table, error) {
	t, err := c.Client.Table(ctx, c.keyspace(), name)
	if err != nil {
		return nil, err
	}
	if !IsModelTable(t) {
		return nil, &schema.NotFoundError{What: "metrics table", Name: name, In: "keyspace " + c.keyspace()}
	}
	return t, nil
}

// Partitions lists every metric of every model table, without the latest report. It runs
// one SELECT DISTINCT per table: Cassandra reads only partition keys for it.
func (c Catalog) Partitions(ctx context.Context) ([]Metric, error) {
	tables, err := c.Tables(ctx)
	if err != nil {
		return nil, err
	}
	results := make([][]Metric, len(tables))
	err = c.parallel(ctx, len(tables), func(ctx context.Context, i int) error {
		ms, err := c.distinct(ctx, tables[i])
		results[i] = ms
		return err
	})
	if err != nil {
		return nil, err
	}
	var out []Metric
	for _, ms := range results {
		out = append(out, ms...)
	}
	sortMetrics(out)
	return out, nil
}

func (c Catalog) distinct(ctx context.Context, t *schema.Table) ([]Metric, error) {
	rows := c.Client.Query(ctx, fmt.Sprintf("SELECT DISTINCT environment, application, metric_name FROM %s", t.QualifiedName()), nil, cassandra.QueryOptions{})
	var out []Metric
	var env, app, metric string
	for rows.Next(&env, &app, &metric) {
		out = append(out, Metric{Environment: env, Application: app, Table: t.Name, MetricName: metric})
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("listing the metrics of %s.%s: %w", t.Keyspace, t.Name, err)
	}
	return out, nil
}

// Environments lists the environments of all model tables, sorted.
func (c Catalog) Environments(ctx context.Context) ([]string, error) {
	ms, err := c.Partitions(ctx)
	if err != nil {
		return nil, err
	}
	return uniq(ms, func(m Metric) (string, bool) { return m.Environment, true }), nil
}

// Applications lists the applications seen in an environment, sorted; none when the
// environment is unknown.
func (c Catalog) Applications(ctx context.Context, env string) ([]string, error) {
	ms, err := c.Partitions(ctx)
	if err != nil {
		return nil, err
	}
	return uniq(ms, func(m Metric) (string, bool) { return m.Application, m.Environment == env }), nil
}

// Metrics lists the metrics with their latest report. Empty env or app match any.
//
// The latest report of each partition is read with
//
//	SELECT ... WHERE <partition> ORDER BY metric_timestamp DESC LIMIT 1
//
// a reversed single-partition slice that reads one row, Concurrency partitions at a time.
// Cassandra 5.0 could answer in one statement per table, SELECT max(metric_timestamp) ...
// GROUP BY the partition key, but that aggregates every row: on the default demo data (a day
// at 5 s, 108 partitions, 1.85M rows, one local node) it took 1.3-4.5 s per table and its first
// run timed out, growing with retention; listing all 108 metrics this way took 0.2-0.27 s,
// growing only with the number of metrics. PER PARTITION LIMIT 1 also reads one row per
// partition, but the oldest on these ascending tables.
func (c Catalog) Metrics(ctx context.Context, env, app string) ([]Metric, error) {
	all, err := c.Partitions(ctx)
	if err != nil {
		return nil, err
	}
	var ms []Metric
	for _, m := range all {
		if (env == "" || m.Environment == env) && (app == "" || m.Application == app) {
			ms = append(ms, m)
		}
	}
	tables := map[string]*schema.Table{}
	for _, m := range ms {
		if tables[m.Table] == nil {
			t, err := c.Client.Table(ctx, c.keyspace(), m.Table)
			if err != nil {
				return nil, err
			}
			tables[m.Table] = t
		}
	}
	err = c.parallel(ctx, len(ms), func(ctx context.Context, i int) error {
		return c.latest(ctx, tables[ms[i].Table], &ms[i])
	})
	if err != nil {
		return nil, err
	}
	return ms, nil
}

func (c Catalog) latest(ctx context.Context, t *schema.Table, m *Metric) error {
	cols := "metric_timestamp"
	_, hasDU := t.Column("duration_unit")
	_, hasRU := t.Column("rate_unit")
	if hasDU {
		cols += ", duration_unit"
	}
	if hasRU {
		cols += ", rate_unit"
	}
	cql := fmt.Sprintf("SELECT %s FROM %s WHERE environment = ? AND application = ? AND metric_name = ? ORDER BY metric_timestamp DESC LIMIT 1", cols, t.QualifiedName())
	rows := c.Client.Query(ctx, cql, []any{m.Environment, m.Application, m.MetricName}, cassandra.QueryOptions{PageSize: 1})
	var ts *time.Time
	var du, ru *string
	dest := []any{&ts}
	if hasDU {
		dest = append(dest, &du)
	}
	if hasRU {
		dest = append(dest, &ru)
	}
	if rows.Next(dest...) {
		if ts != nil {
			u := ts.UTC()
			ts = &u
		}
		m.LastTimestamp, m.DurationUnit, m.RateUnit = ts, du, ru
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("reading the latest report of %s in %s.%s: %w", m.MetricName, t.Keyspace, t.Name, err)
	}
	return nil
}

// parallel runs f for 0..n-1, Concurrency at a time, and returns the first error; the
// others are canceled through ctx.
func (c Catalog) parallel(ctx context.Context, n int, f func(context.Context, int) error) error {
	conc := c.Concurrency
	if conc <= 0 {
		conc = 4
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	sem := make(chan struct{}, conc)
	for i := 0; i < n; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := f(ctx, i); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		}(i)
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

func sortMetrics(ms []Metric) {
	sort.Slice(ms, func(i, j int) bool {
		a, b := ms[i], ms[j]
		if a.Environment != b.Environment {
			return a.Environment < b.Environment
		}
		if a.Application != b.Application {
			return a.Application < b.Application
		}
		if a.Table != b.Table {
			return a.Table < b.Table
		}
		return a.MetricName < b.MetricName
	})
}

func uniq(ms []Metric, key func(Metric) (string, bool)) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, m := range ms {
		if k, ok := key(m); ok && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
