package query

import (
	"math/big"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
	"gopkg.in/inf.v0"
)

var (
	t0 = time.Date(2024, 1, 2, 3, 0, 0, 0, time.UTC)
	t1 = t0.Add(time.Hour)
)

// cmpValues compares bound values, including the pointer types the driver binds.
var cmpValues = cmp.Options{
	cmp.Comparer(func(a, b *big.Int) bool { return a.Cmp(b) == 0 }),
	cmp.Comparer(func(a, b *inf.Dec) bool { return a.Cmp(b) == 0 }),
}

func pkCol(name, typ string, pos int) schema.Column {
	return schema.Column{Name: name, Type: typ, Kind: schema.PartitionKey, Position: pos, ClusteringOrder: "none"}
}

func ckCol(name, typ string, pos int, order string) schema.Column {
	return schema.Column{Name: name, Type: typ, Kind: schema.Clustering, Position: pos, ClusteringOrder: order}
}

func regCol(name, typ string) schema.Column {
	return schema.Column{Name: name, Type: typ, Kind: schema.Regular, Position: -1, ClusteringOrder: "none"}
}

// seedTimer is metric_data.raw_timer_with_interval as the reporters create it, regular columns
// in the alphabetical order system_schema lists them.
func seedTimer() *schema.Table {
	return &schema.Table{Keyspace: "metric_data", Name: "raw_timer_with_interval", Columns: []schema.Column{
		pkCol("environment", "text", 0),
		pkCol("application", "text", 1),
		pkCol("metric_name", "text", 2),
		ckCol("metric_timestamp", "timestamp", 0, "asc"),
		regCol("count", "bigint"),
		regCol("duration_unit", "text"),
		regCol("fifteen_min_rate", "float"),
		regCol("five_min_rate", "float"),
		regCol("max", "float"),
		regCol("mean", "float"),
		regCol("mean_rate", "float"),
		regCol("median", "float"),
		regCol("min", "float"),
		regCol("one_min_rate", "float"),
		regCol("p75", "float"),
		regCol("p95", "float"),
		regCol("p98", "float"),
		regCol("p99", "float"),
		regCol("p999", "float"),
		regCol("previous_count", "bigint"),
		regCol("previous_metric_timestamp", "timestamp"),
		regCol("rate_unit", "text"),
		regCol("std_dev", "float"),
	}}
}

// seedCounter is metric_data.raw_counter_with_interval.
func seedCounter() *schema.Table {
	return &schema.Table{Keyspace: "metric_data", Name: "raw_counter_with_interval", Columns: []schema.Column{
		pkCol("environment", "text", 0),
		pkCol("application", "text", 1),
		pkCol("metric_name", "text", 2),
		ckCol("metric_timestamp", "timestamp", 0, "asc"),
		regCol("count", "bigint"),
		regCol("previous_count", "bigint"),
		regCol("previous_metric_timestamp", "timestamp"),
	}}
}

// samples is a generic table with a composite partition key and the time column second in
// the clustering key:
//
//	PRIMARY KEY ((tenant, day), region, ts) WITH CLUSTERING ORDER BY (region ASC, ts DESC)
func samples() *schema.Table {
	return &schema.Table{Keyspace: "ops", Name: "samples", Columns: []schema.Column{
		pkCol("tenant", "text", 0),
		pkCol("day", "date", 1),
		ckCol("region", "text", 0, "asc"),
		ckCol("ts", "timestamp", 1, "desc"),
		regCol("addr", "inet"),
		regCol("big", "varint"),
		regCol("flag", "boolean"),
		regCol("hits", "int"),
		regCol("id", "uuid"),
		regCol("price", "decimal"),
		regCol("tags", "set<text>"),
		regCol("value", "double"),
	}}
}

// latest is a generic table whose time column leads the clustering key, newest first:
//
//	PRIMARY KEY ((sensor), ts, probe) WITH CLUSTERING ORDER BY (ts DESC, probe ASC)
func latest() *schema.Table {
	return &schema.Table{Keyspace: "ops", Name: "latest", Columns: []schema.Column{
		pkCol("sensor", "int", 0),
		ckCol("ts", "timestamp", 0, "desc"),
		ckCol("probe", "smallint", 1, "asc"),
		regCol("Temp C", "float"),
		regCol("site", "text"),
	}}
}
