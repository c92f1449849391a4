package query

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// SourceRollup ranges come from metrics-server's rollups: pre-aggregated bins read from the
// rollup keyspace instead of raw rows.
const SourceRollup Source = "rollup"

// Rollup is what the rollup keyspace holds of one table at one width (the writer's
// checkpoints): every series' bins of ValueColumns in [From, To).
type Rollup struct {
	WidthMs    int64  `json:"widthMs"`
	TimeColumn string `json:"timeColumn"`
	// ValueColumns are the measures rolled up (derived measures by their names).
	ValueColumns []string `json:"valueColumns"`
	// SeriesColumns are the partition key columns a rollup series is keyed by, in key order,
	// the bucket column of a bucketed table left out.
	SeriesColumns []string  `json:"seriesColumns"`
	From          time.Time `json:"from"`
	To            time.Time `json:"to"`
}

// RollupRead is how a plan reads a rollup: the rollup, and the series it names, each as the
// text of its SeriesColumns values (as the engine's labels show them), in key order.
type RollupRead struct {
	Rollup
	Series [][]string `json:"series"`
}

// rollupKeyTypes are the partition key column types whose values name a rollup series by
// their text: the same text whether it comes from a filter or from a row.
var rollupKeyTypes = map[string]bool{
	"text": true, "varchar": true, "ascii": true, "tinyint": true, "smallint": true, "int": true, "bigint": true,
	"varint": true, "uuid": true, "timeuuid": true, "boolean": true,
}

// RollupKeyType says whether a partition key column of this CQL type can key rollup series.
func RollupKeyType(cqlType string) bool { return rollupKeyTypes[strings.ToLower(cqlType)] }

// rollupRange picks the coarsest rollup that can answer whole bins of the window, and the
// range [lo, hi) of bin edges it answers; nil when none can. A rollup answers a query that
// bins a time series (no instant, no row limit) of the rollup's time column and measures,
// at a width that is a whole multiple of the rollup's, with filters that only fix its series
// columns (= or IN), and series that are some of those columns: each query bin is then the
// merge of whole rollup bins of the partitions the filters name.
func (res *resolved) rollupRange(from, to time.Time) (*RollupRead, TimeRange) {
	p, q, opts := res.plan, res.q, res.opts
	wq := opts.Width.Milliseconds()
	if len(opts.Rollups) == 0 || opts.Read != nil || wq <= 0 || q.Format != FormatTimeSeries || p.Instant ||
		p.Limit > 0 || p.AllowFiltering || res.usesIndex || !res.pkFull {
		return nil, TimeRange{}
	}
	var keyCols []string
	var keys []schema.Column
	for _, c := range res.pk {
		if c.Name == p.BucketColumn {
			continue
		}
		if !RollupKeyType(c.Type) {
			return nil, TimeRange{}
		}
		keyCols = append(keyCols, c.Name)
		keys = append(keys, c)
	}
	for name, r := range res.restr {
		isKey := slices.Contains(keyCols, name) || name == p.BucketColumn
		if !isKey || len(r.slices) > 0 || r.eq == nil {
			return nil, TimeRange{}
		}
	}
	for _, c := range p.SeriesColumns {
		if !slices.Contains(keyCols, c) {
			return nil, TimeRange{}
		}
	}
	fromMs, toMs := ceilMs(from), ceilMs(to)
	for _, r := range opts.Rollups {
		if r.WidthMs <= 0 || wq%r.WidthMs != 0 || r.TimeColumn != p.TimeColumn || !slices.Equal(r.SeriesColumns, keyCols) {
			continue
		}
		if !slices.ContainsFunc(p.Measures, func(m Measure) bool { return !slices.Contains(r.ValueColumns, m.Name) }) {
			lo := max(ceilDiv(fromMs, wq), ceilDiv(ceilMs(r.From), wq)) * wq
			hi := min(floorDiv(toMs, wq), floorDiv(r.To.UnixMilli(), wq)) * wq
			if hi <= lo {
				continue
			}
			read := &RollupRead{Rollup: r, Series: res.rollupSeries(keys)}
			return read, TimeRange{time.UnixMilli(lo).UTC(), time.UnixMilli(hi).UTC()}
		}
	}
	return nil, TimeRange{}
}

// rollupSeries lists the series the filters name: each partition of the key columns' values
// (the cross product the statements read), as text.
func (res *resolved) rollupSeries(keys []schema.Column) [][]string {
	_, lists := partitionKeyLists(keys, res.restr)
	var out [][]string
	for _, kv := range onePerStatement(lists) {
		key := make([]string, len(kv))
		for i, vals := range kv {
			key[i] = fmt.Sprint(vals[0])
		}
		out = append(out, key)
	}
	return out
}
