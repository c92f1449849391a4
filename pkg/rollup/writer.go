package rollup

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/big"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/binning"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// SourceConfig names a table to roll up and how to read it, as a builder query would.
type SourceConfig struct {
	// Table is keyspace.table.
	Table        string   `json:"table"`
	TimeColumn   string   `json:"timeColumn"`
	TimeUnit     string   `json:"timeUnit,omitempty"`
	ValueColumns []string `json:"valueColumns"`
	// A time-bucketed table's bucket column, as the builder's fields say it.
	BucketColumn      string `json:"bucketColumn,omitempty"`
	BucketGranularity string `json:"bucketGranularity,omitempty"`
	BucketFormat      string `json:"bucketFormat,omitempty"`
}

func (s SourceConfig) names() (keyspace, table string, err error) {
	ks, t, ok := strings.Cut(s.Table, ".")
	if !ok || ks == "" || t == "" || strings.Contains(t, ".") {
		return "", "", fmt.Errorf("rollup source %q: name it as keyspace.table", s.Table)
	}
	return ks, t, nil
}

// Config is the writer's part of metrics-server's configuration.
type Config struct {
	Keyspace string
	// Widths are the rollup widths, finest first; each coarser one a whole multiple of the
	// finest, which only is read from raw rows (the others merge its bins).
	Widths  []time.Duration
	Sources []SourceConfig
	// LateDataWindow: bins ending later than now minus this are not rolled up yet.
	LateDataWindow time.Duration
	// Reroll is the recent window every pass rolls up again, so rows that came late (up to
	// this long after the last pass) are counted.
	Reroll time.Duration
	// Backfill is how far back the first pass of a source starts.
	Backfill time.Duration
	// Parallel is how many series are rolled up at once.
	Parallel int
	Shard    Shard
}

// Defaults of the writer's configuration.
var (
	DefaultWidths = []time.Duration{time.Minute, time.Hour}
)

const (
	DefaultReroll   = time.Hour
	DefaultBackfill = 30 * 24 * time.Hour
	DefaultParallel = 4
	// chunkBins bounds one raw read of one series: the bins of one engine query.
	chunkBins = 1440
)

// Check applies defaults and says what is wrong.
func (c *Config) Check() error {
	if c.Keyspace == "" {
		c.Keyspace = DefaultKeyspace
	}
	if err := CheckKeyspace(c.Keyspace); err != nil {
		return err
	}
	if len(c.Widths) == 0 {
		c.Widths = slices.Clone(DefaultWidths)
	}
	slices.Sort(c.Widths)
	c.Widths = slices.Compact(c.Widths)
	for _, w := range c.Widths {
		if w < time.Second || w%time.Second != 0 || w%c.Widths[0] != 0 {
			return fmt.Errorf("rollup width %s: widths are whole seconds, each a multiple of the finest (%s)", w, c.Widths[0])
		}
	}
	if c.Reroll == 0 {
		c.Reroll = DefaultReroll
	}
	if c.Backfill == 0 {
		c.Backfill = DefaultBackfill
	}
	if c.Parallel == 0 {
		c.Parallel = DefaultParallel
	}
	if c.LateDataWindow == 0 {
		c.LateDataWindow = cassandra.DefaultLateDataWindow
	}
	if c.Shard.N == 0 {
		c.Shard = Shard{0, 1}
	}
	switch {
	case c.Reroll < 0 || c.Backfill < 0 || c.LateDataWindow < 0:
		return errors.New("rollup reroll, backfill and lateDataWindow must be positive durations")
	case c.Parallel < 1 || c.Parallel > 256:
		return fmt.Errorf("rollup parallel %d: use 1 to 256 series at once", c.Parallel)
	case len(c.Sources) == 0:
		return errors.New("no rollup sources: list the tables to roll up (rollup.sources, or --source keyspace.table)")
	}
	for _, s := range c.Sources {
		if _, _, err := s.names(); err != nil {
			return err
		}
		if s.TimeColumn == "" || len(s.ValueColumns) == 0 {
			return fmt.Errorf("rollup source %s: give its timeColumn and valueColumns", s.Table)
		}
	}
	return nil
}

// States bins a builder query's raw rows (the engine's RollupStates).
type States interface {
	RollupStates(ctx context.Context, q *query.Query, from, to time.Time, width time.Duration) ([]*binning.State, []query.Measure, int64, error)
}

// Cluster is what the writer needs of Cassandra: the schema, SELECTs and writes.
type Cluster interface {
	Querier
	Execer
	Table(ctx context.Context, keyspace, table string) (*schema.Table, error)
}

// Writer rolls up the configured sources into the rollup keyspace.
type Writer struct {
	cfg      Config
	states   States
	c        Cluster
	store    Store
	Now      func() time.Time
	Progress io.Writer
	stats    Stats
	cps      checkpoints
}

// Stats count a writer's work.
type Stats struct {
	Series      atomic.Int64
	RowsRead    atomic.Int64
	BinsWritten atomic.Int64
	Errors      atomic.Int64
}

// NewWriter makes a writer; cfg must have passed Check.
func NewWriter(cfg Config, states States, c Cluster) *Writer {
	return &Writer{cfg: cfg, states: states, c: c, store: Store{Keyspace: cfg.Keyspace}, Now: time.Now}
}

// Stats are the writer's counts so far.
func (w *Writer) Stats() *Stats { return &w.stats }

// CreateSchema creates the rollup keyspace and tables (rf replicas).
func CreateSchema(ctx context.Context, x Execer, keyspace string, rf int) error {
	stmts, err := Schema(keyspace, rf)
	if err != nil {
		return err
	}
	for _, s := range stmts {
		if err := x.Exec(ctx, s); err != nil {
			return fmt.Errorf("create the rollup schema: %w", err)
		}
	}
	return nil
}

// series is one rollup series of a source: its key columns' values as filter text.
type series struct {
	values []string
}

func (s series) key() string { return SeriesKey(s.values) }

// Pass rolls up every source once: the bins closed since the last pass, and the recent
// window again. Checkpoints move only after a width's bins are all written, so a pass killed
// at any point is redone by the next from the old checkpoint, writing the same rows.
func (w *Writer) Pass(ctx context.Context) error {
	var errs []error
	for _, src := range w.cfg.Sources {
		if err := w.source(ctx, src, time.Time{}, time.Time{}); err != nil {
			w.stats.Errors.Add(1)
			errs = append(errs, fmt.Errorf("rollup of %s: %w", src.Table, err))
		}
	}
	return errors.Join(errs...)
}

// Rebuild rolls up [from, to) of every source again, for rows that came later than the
// reroll window. Checkpoints are not moved back.
func (w *Writer) Rebuild(ctx context.Context, from, to time.Time) error {
	if !to.After(from) {
		return errors.New("rebuild: the end must be after the start")
	}
	var errs []error
	for _, src := range w.cfg.Sources {
		if err := w.source(ctx, src, from, to); err != nil {
			w.stats.Errors.Add(1)
			errs = append(errs, fmt.Errorf("rebuild of %s: %w", src.Table, err))
		}
	}
	return errors.Join(errs...)
}

func (w *Writer) source(ctx context.Context, src SourceConfig, rebuildFrom, rebuildTo time.Time) error {
	ks, name, err := src.names()
	if err != nil {
		return err
	}
	t, err := w.c.Table(ctx, ks, name)
	if err != nil {
		return err
	}
	var keyCols []string
	for _, c := range t.PartitionKey() {
		if c.Name == src.BucketColumn {
			continue
		}
		if !query.RollupKeyType(c.Type) {
			return fmt.Errorf("partition key column %s is a %s: rollups key series by text, int, uuid or boolean columns", c.Name, c.Type)
		}
		keyCols = append(keyCols, c.Name)
	}
	all, err := w.discover(ctx, t, src, keyCols)
	if err != nil {
		return err
	}
	w.stats.Series.Add(int64(len(all)))
	cps, err := w.store.Checkpoints(ctx, w.c, src.Table)
	if err != nil {
		return err
	}
	now := w.Now().UTC()
	var finer *Checkpoint
	for i, width := range w.cfg.Widths {
		wms := width.Milliseconds()
		target := floorTime(now.Add(-w.cfg.LateDataWindow), width)
		cp := Checkpoint{Source: src.Table, WidthMs: wms, Shard: w.cfg.Shard, TimeColumn: src.TimeColumn,
			ValueColumns: src.ValueColumns, SeriesColumns: keyCols}
		start := floorTime(now.Add(-w.cfg.Backfill), width)
		cp.From = start
		for _, old := range cps {
			if old.WidthMs == wms && old.Shard == w.cfg.Shard && old.TimeColumn == src.TimeColumn && slices.Equal(old.ValueColumns, src.ValueColumns) {
				cp.From = old.From
				start = floorTime(maxTime(old.From, old.To.Add(-w.cfg.Reroll)), width)
			}
		}
		if finer != nil {
			// Merged from the finer width: only what it has written.
			target = minTime(target, floorTime(finer.To, width))
			cp.From = ceilTime(maxTime(cp.From, finer.From), width)
			start = maxTime(start, cp.From)
		}
		if !rebuildFrom.IsZero() {
			start, target = floorTime(rebuildFrom, width), minTime(floorTime(rebuildTo, width), target)
		}
		if target.After(start) {
			if err := w.width(ctx, src, t, keyCols, all, i, start, target); err != nil {
				return err
			}
		}
		if rebuildFrom.IsZero() {
			cp.To = maxTime(target, start)
			if err := w.store.WriteCheckpoint(ctx, w.c, cp); err != nil {
				return err
			}
			w.cps.set(cp.Source, width, cp.To)
		} else {
			for _, old := range cps {
				if old.WidthMs == wms && old.Shard == w.cfg.Shard {
					cp = old
				}
			}
		}
		finer = &cp
	}
	return nil
}

// discover lists the source's series of this shard: SELECT DISTINCT over the partition key,
// by token range when the partition key is the series key, by the series key's hash when a
// bucket column splits each series over partitions.
func (w *Writer) discover(ctx context.Context, t *schema.Table, src SourceConfig, keyCols []string) ([]series, error) {
	pk := t.PartitionKey()
	names := make([]string, len(pk))
	for i, c := range pk {
		names[i] = schema.QuoteIdent(c.Name)
	}
	cql := "SELECT DISTINCT " + strings.Join(names, ", ") + " FROM " + t.QualifiedName()
	var args []any
	sh := w.cfg.Shard
	byToken := src.BucketColumn == "" && sh.N > 1
	if byToken {
		lo, hi := tokenRange(sh)
		tok := "token(" + strings.Join(names, ", ") + ")"
		cql += " WHERE " + tok + " >= ? AND " + tok + " <= ?"
		args = []any{lo, hi}
	}
	rows := w.c.Query(ctx, cql, args, cassandra.QueryOptions{})
	dest := make([]any, len(pk))
	for i := range dest {
		dest[i] = new(any)
	}
	seen := map[string]bool{}
	var out []series
	for rows.Next(dest...) {
		var s series
		for i, c := range pk {
			if c.Name == src.BucketColumn {
				continue
			}
			s.values = append(s.values, fmt.Sprint(*(dest[i].(*any))))
		}
		k := s.key()
		if seen[k] {
			continue
		}
		if !byToken && sh.N > 1 {
			h := fnv.New32a()
			_, _ = h.Write([]byte(k))
			if int(h.Sum32()%uint32(sh.N)) != sh.I { // #nosec G115 -- N is 1..1024
				continue
			}
		}
		seen[k] = true
		out = append(out, s)
		if len(out) > 1000000 {
			_ = rows.Close()
			return nil, errors.New("more than a million series: split the source with --shard i/n")
		}
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("list the series of %s: %w", t.QualifiedName(), err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out, nil
}

// tokenRange is shard's part of Murmur3's token ring [-2^63, 2^63-1], both ends included.
func tokenRange(sh Shard) (int64, int64) {
	lo := new(big.Int).Lsh(big.NewInt(1), 63)
	lo.Neg(lo)
	ring := new(big.Int).Lsh(big.NewInt(1), 64)
	at := func(i int) *big.Int {
		x := new(big.Int).Mul(ring, big.NewInt(int64(i)))
		return x.Div(x, big.NewInt(int64(sh.N))).Add(x, lo)
	}
	start := at(sh.I).Int64()
	if sh.I == sh.N-1 {
		return start, math.MaxInt64
	}
	return start, at(sh.I+1).Int64() - 1
}

// width rolls up [start, target) at the i-th width for every series, Parallel at a time.
func (w *Writer) width(ctx context.Context, src SourceConfig, t *schema.Table, keyCols []string, all []series, i int, start, target time.Time) error {
	width := w.cfg.Widths[i]
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan series)
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	done := atomic.Int64{}
	began := time.Now()
	stopProgress := w.progress(src.Table, width, len(all), &done, began)
	defer stopProgress()
	for range min(w.cfg.Parallel, max(len(all), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					once.Do(func() { firstErr = fmt.Errorf("rollup of a series failed: %v", p); cancel() })
				}
			}()
			for s := range next {
				var err error
				if i == 0 {
					err = w.fromRows(ctx, src, t, keyCols, s, width, start, target)
				} else {
					err = w.fromFiner(ctx, src, s, w.cfg.Widths[i-1], width, start, target)
				}
				if err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
				done.Add(1)
			}
		}()
	}
feed:
	for _, s := range all {
		select {
		case next <- s:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// progress prints, every few seconds of a long pass, series done, rows/s and the time left.
func (w *Writer) progress(table string, width time.Duration, total int, done *atomic.Int64, began time.Time) func() {
	if w.Progress == nil {
		return func() {}
	}
	stop := make(chan struct{})
	rows0 := w.stats.RowsRead.Load()
	go func() {
		tick := time.NewTicker(2 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				n := done.Load()
				el := time.Since(began).Seconds()
				rate := float64(w.stats.RowsRead.Load()-rows0) / el
				eta := "?"
				if n > 0 {
					eta = (time.Duration(el/float64(n)*float64(int64(total)-n)) * time.Second).Round(time.Second).String()
				}
				fmt.Fprintf(w.Progress, "rollup %s %s: %d/%d series, %.0f rows/s, ETA %s\n", table, short(width), n, total, rate, eta)
			}
		}
	}()
	return func() {
		close(stop)
		fmt.Fprintf(w.Progress, "rollup %s %s: %d series in %s, %d rows read, %d bins written in all\n", table, short(width), done.Load(),
			time.Since(began).Round(time.Millisecond), w.stats.RowsRead.Load()-rows0, w.stats.BinsWritten.Load())
	}
}

// query is the builder query that reads one series of the source: its key columns fixed by =.
func (w *Writer) query(src SourceConfig, t *schema.Table, keyCols []string, s series) *query.Query {
	q := &query.Query{RefID: "rollup", QueryType: query.QueryTypeBuilder, Format: query.FormatTimeSeries, Interval: query.IntervalAuto,
		Fill: query.FillNull, Keyspace: t.Keyspace, Table: t.Name, TimeColumn: src.TimeColumn, TimeUnit: src.TimeUnit,
		ValueColumns: src.ValueColumns, BucketColumn: src.BucketColumn, BucketGranularity: src.BucketGranularity, BucketFormat: src.BucketFormat}
	for j, c := range keyCols {
		q.Filters = append(q.Filters, query.Filter{Column: c, Op: query.OpEq, Values: []string{s.values[j]}})
	}
	q.SeriesColumns = slices.Clone(keyCols)
	return q
}

// fromRows rolls up one series at the finest width from raw rows, a day of bins at a time.
func (w *Writer) fromRows(ctx context.Context, src SourceConfig, t *schema.Table, keyCols []string, s series, width time.Duration, start, target time.Time) error {
	q := w.query(src, t, keyCols, s)
	return w.chunks(ctx, src.Table, s, width, start, target, func(at, end time.Time) ([]*binning.State, []query.Measure, error) {
		states, measures, rows, err := w.states.RollupStates(ctx, q, at, end, width)
		w.stats.RowsRead.Add(rows)
		return states, measures, err
	})
}

// fromFiner rolls up one series at a coarser width by merging its finer rollup bins.
func (w *Writer) fromFiner(ctx context.Context, src SourceConfig, s series, finer, width time.Duration, start, target time.Time) error {
	source := src.Table
	cols := make([]binning.Column, len(src.ValueColumns))
	measures := make([]query.Measure, len(src.ValueColumns))
	for i, v := range src.ValueColumns {
		cols[i] = binning.Column{Name: v, Aggs: binning.RollupAggs}
		measures[i] = query.Measure{Name: v}
	}
	return w.chunks(ctx, source, s, width, start, target, func(at, end time.Time) ([]*binning.State, []query.Measure, error) {
		b, err := binning.New(binning.Spec{From: at, To: end, Width: width, Columns: cols, Fill: binning.Fill{Mode: binning.FillNone}})
		if err != nil {
			return nil, nil, err
		}
		ser := b.Series(s.key(), nil)
		for ci, v := range src.ValueColumns {
			err := w.store.ReadBins(ctx, w.c, source, s.key(), v, finer.Milliseconds(), at.UnixMilli(), end.UnixMilli(), func(rb binning.RollupBin) error {
				return ser.MergeRollup(ci, finer.Milliseconds(), rb)
			})
			if err != nil {
				return nil, nil, err
			}
		}
		states, err := b.Export(at.UnixMilli(), end.UnixMilli())
		return states, measures, err
	})
}

// chunks cuts [start, target) into reads of at most chunkBins bins and writes what each gives.
func (w *Writer) chunks(ctx context.Context, source string, s series, width time.Duration, start, target time.Time,
	read func(at, end time.Time) ([]*binning.State, []query.Measure, error)) error {
	for at := start; at.Before(target); {
		end := minTime(target, at.Add(chunkBins*width))
		states, measures, err := read(at, end)
		if err != nil {
			return err
		}
		if err := w.write(ctx, source, s, measures, width, states); err != nil {
			return err
		}
		at = end
	}
	return nil
}

func (w *Writer) write(ctx context.Context, source string, s series, measures []query.Measure, width time.Duration, states []*binning.State) error {
	for _, st := range states {
		for ci, m := range measures {
			bins, err := st.RollupBins(ci)
			if err != nil {
				return err
			}
			n, err := w.store.WriteBins(ctx, w.c, source, s.key(), m.Name, width.Milliseconds(), bins)
			w.stats.BinsWritten.Add(int64(n))
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// short writes a width as 1m or 1h, not 1m0s.
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func floorTime(t time.Time, w time.Duration) time.Time {
	ms, wms := t.UnixMilli(), w.Milliseconds()
	q := ms / wms
	if ms%wms < 0 {
		q--
	}
	return time.UnixMilli(q * wms).UTC()
}

func ceilTime(t time.Time, w time.Duration) time.Time {
	f := floorTime(t, w)
	if f.Before(t) {
		return f.Add(w)
	}
	return f
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
