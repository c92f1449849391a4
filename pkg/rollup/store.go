// Package rollup keeps rollups in Cassandra: pre-aggregated bins of a source table's series,
// each row the whole mergeable state of one bin of one value column at one width, so a long
// range is answered from a few thousand rows instead of every raw row. This file is the
// storage: the schema, reading and writing bins, and the checkpoints that say how far each
// width is rolled up. The writer (writer.go) fills it; the plugin only reads it.
package rollup

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/binning"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// DefaultKeyspace is where rollups live unless the settings name another.
const DefaultKeyspace = "metrics_rollups"

// Tables of the rollup keyspace.
const (
	BinsTable        = "bins"
	CheckpointsTable = "checkpoints"
)

// binsPerPeriod sizes a rollup partition: the bins of one series, column and width are
// split into periods of this many bins (34.7 days at 1m, 5.7 years at 1h), so no partition
// grows without bound and a month-long read names one or two partitions.
const binsPerPeriod = 50000

// Period is the partition of the bin starting at startMs, for bins of widthMs.
func Period(startMs, widthMs int64) int64 {
	p := widthMs * binsPerPeriod
	q := startMs / p
	if startMs%p < 0 {
		q--
	}
	return q
}

// Schema is the CQL that creates the rollup keyspace and its tables (each statement safe to
// repeat). The keyspace's replication is SimpleStrategy with rf replicas; operators of a
// multi-datacenter cluster create the keyspace themselves first.
func Schema(keyspace string, rf int) ([]string, error) {
	if err := CheckKeyspace(keyspace); err != nil {
		return nil, err
	}
	if rf < 1 {
		return nil, errors.New("replication factor must be at least 1")
	}
	ks := schema.QuoteIdent(keyspace)
	return []string{
		fmt.Sprintf("CREATE KEYSPACE IF NOT EXISTS %s WITH replication = {'class': 'SimpleStrategy', 'replication_factor': %d}", ks, rf),
		// One partition per series, value column, width and period, clustered by bin start.
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.%s (
    source text, series text, value_column text, width_ms bigint, period bigint,
    bin_start bigint, state blob,
    PRIMARY KEY ((source, series, value_column, width_ms, period), bin_start))`, ks, BinsTable),
		// How far each width of a source is rolled up, per shard of the writer.
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.%s (
    source text, width_ms bigint, shard text,
    time_column text, value_columns list<text>, series_columns list<text>,
    rolled_from bigint, rolled_to bigint, updated timestamp,
    PRIMARY KEY ((source), width_ms, shard))`, ks, CheckpointsTable),
	}, nil
}

// CheckKeyspace refuses a rollup keyspace name Cassandra would not take unquoted.
func CheckKeyspace(name string) error {
	if name == "" || len(name) > 48 || strings.IndexFunc(name, func(r rune) bool {
		return r != '_' && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9')
	}) >= 0 {
		return fmt.Errorf("rollup keyspace %q: use up to 48 letters, digits and underscores", name)
	}
	return nil
}

// SeriesKey names a series in the rollup tables: the text of each of its partition key
// values (the bucket column left out), in key order, as the engine's labels show them.
func SeriesKey(values []string) string { return strings.Join(values, "\x1f") }

// Querier runs one SELECT (a cassandra.Client does).
type Querier interface {
	Query(ctx context.Context, cql string, args []any, opts cassandra.QueryOptions) *cassandra.Rows
}

// Execer writes (a cassandra.Client does): the writer needs it, the plugin never has one.
type Execer interface {
	Exec(ctx context.Context, cql string, args ...any) error
	ExecBatch(ctx context.Context, cql string, rows [][]any) error
}

// Checkpoint says what one shard of the writer has rolled up of one source at one width:
// every bin in [From, To) is written.
type Checkpoint struct {
	Source        string
	WidthMs       int64
	Shard         Shard
	TimeColumn    string
	ValueColumns  []string
	SeriesColumns []string // the partition key columns a series is keyed by, bucket left out
	From, To      time.Time
}

// Shard is one of N writers that split a source's series between them.
type Shard struct{ I, N int }

func (s Shard) String() string { return strconv.Itoa(s.I) + "/" + strconv.Itoa(s.N) }

// ParseShard reads "i/n" (0 <= i < n).
func ParseShard(text string) (Shard, error) {
	a, b, ok := strings.Cut(text, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n || n > 1024 {
		return Shard{}, fmt.Errorf("shard %q: give it as i/n with 0 <= i < n <= 1024, e.g. 0/4", text)
	}
	return Shard{i, n}, nil
}

// Coverage is what a reader may take from rollups of one source at one width: every series'
// bins in [From, To) are written (by every shard). It is what the planner takes.
type Coverage = query.Rollup

// Store reads and writes the rollup keyspace.
type Store struct {
	Keyspace string
}

func (st Store) table(name string) string {
	return schema.QuoteIdent(st.Keyspace) + "." + schema.QuoteIdent(name)
}

// WriteBins writes the bins of one series' column at one width, one unlogged batch per
// partition (period) of at most 500 rows. Writing the same bins again writes the same rows.
func (st Store) WriteBins(ctx context.Context, x Execer, source, series, column string, widthMs int64, bins []binning.RollupBin) (int, error) {
	cql := "INSERT INTO " + st.table(BinsTable) + " (source, series, value_column, width_ms, period, bin_start, state) VALUES (?, ?, ?, ?, ?, ?, ?)"
	written := 0
	var batch [][]any
	period := int64(0)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := x.ExecBatch(ctx, cql, batch); err != nil {
			return fmt.Errorf("write rollup bins of %s %s: %w", source, column, err)
		}
		written += len(batch)
		batch = batch[:0]
		return nil
	}
	for _, b := range bins {
		p := Period(b.StartMs, widthMs)
		if (p != period || len(batch) == 500) && len(batch) > 0 {
			if err := flush(); err != nil {
				return written, err
			}
		}
		period = p
		batch = append(batch, []any{source, series, column, widthMs, p, b.StartMs, b.Encode()})
	}
	return written, flush()
}

// ReadBins calls fn with each stored bin of one series' column at one width that starts in
// [fromMs, toMs), in time order: one SELECT per period, its values bound. Bins that cannot be
// decoded (another version's) stop the read with an error wrapping binning.ErrRollupVersion.
func (st Store) ReadBins(ctx context.Context, q Querier, source, series, column string, widthMs, fromMs, toMs int64, fn func(binning.RollupBin) error) error {
	if toMs <= fromMs {
		return nil
	}
	cql := "SELECT bin_start, state FROM " + st.table(BinsTable) +
		" WHERE source = ? AND series = ? AND value_column = ? AND width_ms = ? AND period = ? AND bin_start >= ? AND bin_start < ?"
	for p := Period(fromMs, widthMs); p <= Period(toMs-1, widthMs); p++ {
		rows := q.Query(ctx, cql, []any{source, series, column, widthMs, p, fromMs, toMs}, cassandra.QueryOptions{})
		var start int64
		var blob []byte
		// A new slice per row: the decoded bin keeps its sketch bytes.
		for blob = nil; rows.Next(&start, &blob); blob = nil {
			b, err := binning.DecodeRollupBin(start, blob)
			if err != nil {
				_ = rows.Close()
				return fmt.Errorf("rollup bin of %s %s at %s: %w", source, column, time.UnixMilli(start).UTC().Format(time.RFC3339), err)
			}
			if err := fn(b); err != nil {
				_ = rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("read rollup bins of %s %s: %w", source, column, err)
		}
	}
	return nil
}

// WriteCheckpoint records that c.Shard has rolled up [c.From, c.To) of c.Source at c.WidthMs.
func (st Store) WriteCheckpoint(ctx context.Context, x Execer, c Checkpoint) error {
	cql := "INSERT INTO " + st.table(CheckpointsTable) +
		" (source, width_ms, shard, time_column, value_columns, series_columns, rolled_from, rolled_to, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
	if err := x.Exec(ctx, cql, c.Source, c.WidthMs, c.Shard.String(), c.TimeColumn, c.ValueColumns, c.SeriesColumns,
		c.From.UnixMilli(), c.To.UnixMilli(), time.Now().UTC()); err != nil {
		return fmt.Errorf("write the rollup checkpoint of %s at %dms: %w", c.Source, c.WidthMs, err)
	}
	return nil
}

// Checkpoints reads every shard's checkpoint of source.
func (st Store) Checkpoints(ctx context.Context, q Querier, source string) ([]Checkpoint, error) {
	cql := "SELECT width_ms, shard, time_column, value_columns, series_columns, rolled_from, rolled_to FROM " +
		st.table(CheckpointsTable) + " WHERE source = ?"
	rows := q.Query(ctx, cql, []any{source}, cassandra.QueryOptions{})
	var out []Checkpoint
	var c Checkpoint
	var shard string
	var from, to int64
	for rows.Next(&c.WidthMs, &shard, &c.TimeColumn, &c.ValueColumns, &c.SeriesColumns, &from, &to) {
		sh, err := ParseShard(shard)
		if err != nil {
			continue // not one this version writes
		}
		c.Source, c.Shard, c.From, c.To = source, sh, time.UnixMilli(from).UTC(), time.UnixMilli(to).UTC()
		out = append(out, c)
		c = Checkpoint{}
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("read the rollup checkpoints of %s: %w", source, err)
	}
	return out, nil
}

// Covered turns checkpoints into what a reader may use, per width: the range every shard has
// written, with the columns they agree on. A width whose shards disagree on the time column or
// the series columns, or where a shard of its count is missing, is left out.
func Covered(cps []Checkpoint) []Coverage {
	byWidth := map[int64][]Checkpoint{}
	for _, c := range cps {
		byWidth[c.WidthMs] = append(byWidth[c.WidthMs], c)
	}
	var out []Coverage
	for w, list := range byWidth {
		n := list[0].Shard.N
		seen := map[int]bool{}
		cv := Coverage{WidthMs: w, TimeColumn: list[0].TimeColumn, SeriesColumns: list[0].SeriesColumns, ValueColumns: list[0].ValueColumns, From: list[0].From, To: list[0].To}
		ok := true
		for _, c := range list {
			if c.Shard.N != n || c.TimeColumn != cv.TimeColumn || !slices.Equal(c.SeriesColumns, cv.SeriesColumns) {
				ok = false
				break
			}
			seen[c.Shard.I] = true
			if c.From.After(cv.From) {
				cv.From = c.From
			}
			if c.To.Before(cv.To) {
				cv.To = c.To
			}
			var common []string
			for _, v := range cv.ValueColumns {
				if slices.Contains(c.ValueColumns, v) {
					common = append(common, v)
				}
			}
			cv.ValueColumns = common
		}
		if ok && len(seen) == n && cv.To.After(cv.From) {
			out = append(out, cv)
		}
	}
	slices.SortFunc(out, func(a, b Coverage) int { return int(b.WidthMs - a.WidthMs) }) // coarsest first
	return out
}
