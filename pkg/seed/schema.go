// Package seed knows the data model of the metrics reporters that metrics_server was built
// for: keyspace metric_data with one partition per (environment, application, metric_name)
// and one row per report, about every 5 s. It creates that schema, lists the metrics it holds
// (the catalog behind the standalone server's /api/v1 discovery routes) and generates demo
// data. Queries over the data go through pkg/engine like any other table's.
package seed

import (
	"context"
	"fmt"
	"strings"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// DefaultKeyspace is where the reporters write.
const DefaultKeyspace = "metric_data"

// The reporters' tables. The *_with_interval tables are the ones dashboards read; raw_timer
// and raw_counter have the same columns.
const (
	TimerWithInterval   = "raw_timer_with_interval"
	CounterWithInterval = "raw_counter_with_interval"
	Timer               = "raw_timer"
	Counter             = "raw_counter"
)

// Tables lists the reporters' tables, timers first.
var Tables = []string{TimerWithInterval, CounterWithInterval, Timer, Counter}

// Key columns shared by every table of the model.
const (
	ColEnvironment = "environment"
	ColApplication = "application"
	ColMetricName  = "metric_name"
	ColTimestamp   = "metric_timestamp"
)

// IsTimerTable reports whether the table holds timers (latency percentiles and rates) rather
// than plain counters.
func IsTimerTable(table string) bool { return table == TimerWithInterval || table == Timer }

const counterColumns = `count bigint,
    previous_metric_timestamp timestamp,
    previous_count bigint`

const timerColumns = counterColumns + `,
    max float, mean float, min float, std_dev float, median float,
    p75 float, p95 float, p98 float, p99 float, p999 float,
    mean_rate float, one_min_rate float, five_min_rate float, fifteen_min_rate float,
    rate_unit text, duration_unit text`

// TableDDL is the CREATE TABLE statement of one of the model's tables.
func TableDDL(keyspace, table string) string {
	cols := counterColumns
	if IsTimerTable(table) {
		cols = timerColumns
	}
	return fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.%s (
    environment text,
    application text,
    metric_name text,
    metric_timestamp timestamp,
    %s,
    PRIMARY KEY ((environment, application, metric_name), metric_timestamp)
) WITH CLUSTERING ORDER BY (metric_timestamp ASC)`, schema.QuoteIdent(keyspace), schema.QuoteIdent(table), cols)
}

// SchemaOptions say where and how to create the schema.
type SchemaOptions struct {
	Keyspace string // default metric_data
	// ReplicationFactor of the keyspace with SimpleStrategy; default 1, right for one local
	// node. Production clusters create the keyspace themselves (NetworkTopologyStrategy).
	ReplicationFactor int
}

// CreateSchema creates the keyspace and the four tables when they do not exist. An existing
// keyspace keeps its replication: it is never altered.
func CreateSchema(ctx context.Context, c *cassandra.Client, opts SchemaOptions) error {
	ks := opts.Keyspace
	if ks == "" {
		ks = DefaultKeyspace
	}
	if err := checkName("keyspace", ks); err != nil {
		return err
	}
	rf := opts.ReplicationFactor
	if rf == 0 {
		rf = 1
	}
	if rf < 0 {
		return fmt.Errorf("replication factor %d: use 1 or more", rf)
	}
	stmts := []string{fmt.Sprintf(`CREATE KEYSPACE IF NOT EXISTS %s WITH replication = {'class': 'SimpleStrategy', 'replication_factor': %d}`, schema.QuoteIdent(ks), rf)}
	for _, t := range Tables {
		stmts = append(stmts, TableDDL(ks, t))
	}
	for _, s := range stmts {
		if err := c.Exec(ctx, s); err != nil {
			return fmt.Errorf("creating the schema in keyspace %s: %w", ks, err)
		}
	}
	return nil
}

// checkName rejects names Cassandra would refuse anyway, with a clearer message: keyspace
// names are at most 48 characters of letters, digits and underscores.
func checkName(what, name string) error {
	if name == "" || len(name) > 48 || strings.IndexFunc(name, func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) >= 0 {
		return fmt.Errorf("%s %q: use up to 48 letters, digits and underscores", what, name)
	}
	return nil
}
