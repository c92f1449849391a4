package main

// Rollup cases: the same cold binned query (no bin cache) answered from raw rows and from
// metric_bench_rollups' bins, side by side, and the rollup writer's backfill next to a bare
// scan of the rows it reads. The 30-day data lives in tables of its own, so each backfill
// rolls up only its series; the 10M-point series (-large) is raw_timer_with_interval's, whose
// backfill rolls up every series of that table.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/metricsserver/cassandra-datasource/pkg/binning"
	"github.com/metricsserver/cassandra-datasource/pkg/engine"
	"github.com/metricsserver/cassandra-datasource/pkg/rollup"
)

const (
	rollupOne     = "rollup_one_5s"      // 1 series, 30 d at 5 s: 518,400 rows
	rollupHundred = "rollup_hundred_60s" // 100 series, 30 d at 60 s: 4,320,000 rows
	rollupDays    = 30
	// hundredStep: 100 series over 30 d at the usual 5 s would be 51.8M rows, far too many to
	// load on a small machine; at 60 s the 4.3M rows load in a few minutes, and the point of
	// the case, the ratio of raw rows to rollups, stays.
	hundredStep = 60 * time.Second
	// writerLead is how far past the end of the data the writer's clock stands, so every bin of
	// the data is closed (past the late data window of 5 minutes).
	writerLead = 10 * time.Minute
)

var (
	rollupTables = []string{rollupOne, rollupHundred}
	rollupWidths = []time.Duration{time.Minute, time.Hour}
	rollupDataTo = benchStart.Add(rollupDays * 24 * time.Hour)
)

// rollupDatasets are the rollup cases' rows, loaded once as the others are.
func rollupDatasets() []dataset {
	span := rollupDataTo.Sub(benchStart)
	return []dataset{
		{name: "rollup 1 series, 30 d at 5 s", app: "single", series: []string{"s000"}, to: int64(span / step), table: rollupOne},
		{name: "rollup 100 series, 30 d at 60 s", app: "hundred", series: seriesNames("h", 100), to: int64(span / hundredStep),
			table: rollupHundred, step: hundredStep},
	}
}

// rollupSource is one table the writer rolls up, up to where its data ends.
type rollupSource struct {
	table string
	end   time.Time
}

func rollupSources(large bool) []rollupSource {
	srcs := []rollupSource{{rollupOne, rollupDataTo}, {rollupHundred, rollupDataTo}}
	if large {
		_, end := rangeOf(10_000_000)
		srcs = append(srcs, rollupSource{"raw_timer_with_interval", end})
	}
	return srcs
}

// config is the writer's configuration for src: 1m and 1h rollups of p99 and mean (the
// builder's default columns), backfilled from a day before the data starts.
func (b *bench) rollupConfig(src rollupSource) (rollup.Config, error) {
	cfg := rollup.Config{Keyspace: b.rollupKs, Widths: rollupWidths, Backfill: src.end.Sub(benchStart) + 24*time.Hour,
		Sources: []rollup.SourceConfig{{Table: b.ks + "." + src.table, TimeColumn: "metric_timestamp", ValueColumns: []string{"p99", "mean"}}}}
	return cfg, cfg.Check()
}

// backfillResult is one backfill of one source: the writer's pass and a bare scan of the rows
// it reads, before and after it (the faster is the floor).
type backfillResult struct {
	Source              string    `json:"source"`
	Measured            time.Time `json:"measured"`
	Reused              bool      `json:"reused"` // measured by an earlier run: the backfill runs once
	Widths              string    `json:"widths"`
	From                time.Time `json:"from"`
	To                  time.Time `json:"to"`
	Parallel            int       `json:"parallel"`
	Series              int64     `json:"series"`
	WriterSeconds       float64   `json:"writerSeconds"`
	WriterRows          int64     `json:"writerRowsRead"`
	WriterRowsPerSecond float64   `json:"writerRowsPerSecond"`
	BinsWritten         int64     `json:"binsWritten"`
	WriterPeakHeapMiB   float64   `json:"writerPeakHeapGrowthMiB"`
	ScanSeconds         []float64 `json:"scanSeconds"` // before and after the writer
	ScanRows            int64     `json:"scanRows"`
	ScanRowsPerSecond   float64   `json:"scanRowsPerSecond"` // of the faster scan
	WriterToScan        float64   `json:"writerTimeToScanTime"`
}

// shortWidth writes a width as the engine's notices do: 1m, 1h, 1d.
func shortWidth(w time.Duration) string {
	for _, u := range []struct {
		d    time.Duration
		unit string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if w >= u.d && w%u.d == 0 {
			return fmt.Sprintf("%d%s", w/u.d, u.unit)
		}
	}
	return w.String()
}

func widthsText(ws []time.Duration) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = shortWidth(w)
	}
	return strings.Join(parts, ",")
}

// backfills rolls up each source once (a marker in bench_rollups, holding what was measured,
// makes a later run reuse it); with doLoad false it only reads the markers.
func (b *bench) backfills(ctx context.Context, large, doLoad bool, logf func(string, ...any)) ([]backfillResult, error) {
	if doLoad {
		if err := rollup.CreateSchema(ctx, b.client, b.rollupKs, 1); err != nil {
			return nil, err
		}
	}
	var out []backfillResult
	for _, src := range rollupSources(large) {
		cfg, err := b.rollupConfig(src)
		if err != nil {
			return nil, err
		}
		marker := fmt.Sprintf("%s widths %s backfill %s now %s", cfg.Sources[0].Table, widthsText(cfg.Widths), cfg.Backfill,
			src.end.Add(writerLead).Format(time.RFC3339))
		var text string
		err = b.session.Query(fmt.Sprintf(`SELECT result FROM %s.bench_rollups WHERE name = ?`, b.ks), marker).ScanContext(ctx, &text)
		if err == nil {
			var r backfillResult
			if err := json.Unmarshal([]byte(text), &r); err == nil {
				r.Reused = true
				out = append(out, r)
				continue
			}
		} else if !errors.Is(err, gocql.ErrNotFound) && doLoad {
			return nil, fmt.Errorf("read what is rolled up: %w", err)
		}
		if !doLoad {
			logf("%s is not rolled up (run without -no-load): its rollup cases will fail", cfg.Sources[0].Table)
			continue
		}
		r, err := b.backfill(ctx, cfg, src, logf)
		if err != nil {
			return nil, fmt.Errorf("backfill %s: %w", cfg.Sources[0].Table, err)
		}
		js, _ := json.Marshal(r)
		if err := b.session.Query(fmt.Sprintf(`INSERT INTO %s.bench_rollups (name, result) VALUES (?, ?)`, b.ks), marker, string(js)).ExecContext(ctx); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// backfill runs the writer's first pass over src from scratch (its checkpoints deleted, so a
// backfill interrupted before is done whole again) between two bare scans of the same rows.
func (b *bench) backfill(ctx context.Context, cfg rollup.Config, src rollupSource, logf func(string, ...any)) (backfillResult, error) {
	source := cfg.Sources[0].Table
	now := src.end.Add(writerLead)
	// The range the writer reads raw rows of: its finest width's, as writer.go computes it.
	from := now.Add(-cfg.Backfill).Truncate(cfg.Widths[0])
	to := now.Add(-cfg.LateDataWindow).Truncate(cfg.Widths[0])
	r := backfillResult{Source: source, Measured: time.Now().UTC(), Widths: widthsText(cfg.Widths), From: from, To: to, Parallel: cfg.Parallel}
	if err := b.client.Exec(ctx, fmt.Sprintf(`DELETE FROM %s.%s WHERE source = ?`, b.rollupKs, rollup.CheckpointsTable), source); err != nil {
		return r, err
	}
	scan := func(when string) error {
		logf("bare scan of %s [%s, %s) %s the writer ...", source, from.Format(time.DateTime), to.Format(time.DateTime), when)
		res, err := measureCase(ctx, benchCase{name: "scan", fn: func(ctx context.Context, _ int) (int64, map[string]float64, error) {
			n, err := b.scanSource(ctx, src.table, from, to, cfg.Parallel)
			return n, nil, err
		}}, 1)
		if err != nil {
			return err
		}
		run := res.Runs[0]
		r.ScanSeconds = append(r.ScanSeconds, run.Seconds)
		r.ScanRows = run.Rows
		logf("  %d rows in %.1f s (%.0f rows/s)", run.Rows, run.Seconds, float64(run.Rows)/run.Seconds)
		return nil
	}
	if err := scan("before"); err != nil {
		return r, err
	}
	w := rollup.NewWriter(cfg, engine.New(b.client, engine.Options{}), b.client)
	w.Now = func() time.Time { return now }
	w.Progress = os.Stderr
	logf("rollup backfill of %s (%s, %d series at once) ...", source, r.Widths, cfg.Parallel)
	res, err := measureCase(ctx, benchCase{name: "backfill", fn: func(ctx context.Context, _ int) (int64, map[string]float64, error) {
		err := w.Pass(ctx)
		return w.Stats().RowsRead.Load(), nil, err
	}}, 1)
	if err != nil {
		return r, err
	}
	run := res.Runs[0]
	st := w.Stats()
	r.WriterSeconds, r.WriterRows, r.BinsWritten, r.Series = run.Seconds, run.Rows, st.BinsWritten.Load(), st.Series.Load()
	r.WriterRowsPerSecond = float64(run.Rows) / run.Seconds
	r.WriterPeakHeapMiB = float64(run.PeakHeapBytes) / (1 << 20)
	if err := scan("after"); err != nil {
		return r, err
	}
	best := min(r.ScanSeconds[0], r.ScanSeconds[1])
	r.ScanRowsPerSecond = float64(r.ScanRows) / best
	r.WriterToScan = r.WriterSeconds / best
	if r.ScanRows != r.WriterRows {
		logf("  WARNING: the writer read %d rows, the scan %d", r.WriterRows, r.ScanRows)
	}
	logf("rollup backfill of %s: %d series, %d rows read in %.1f s: %.0f rows/s, %d bins written (%.0f bins/s), peak heap +%.1f MiB; bare scan %.0f rows/s; writer %.1fx the scan's time",
		source, r.Series, r.WriterRows, r.WriterSeconds, r.WriterRowsPerSecond, r.BinsWritten, float64(r.BinsWritten)/r.WriterSeconds,
		r.WriterPeakHeapMiB, r.ScanRowsPerSecond, r.WriterToScan)
	return r, nil
}

// scanSource reads, with bare gocql, what the writer reads of table: every series (SELECT
// DISTINCT of the partition key, as the writer discovers them), its time and value columns in
// [from, to), parallel series at once, every value scanned and counted, nothing binned.
func (b *bench) scanSource(ctx context.Context, table string, from, to time.Time, parallel int) (int64, error) {
	type key struct{ env, app, name string }
	iter := b.session.Query(fmt.Sprintf(`SELECT DISTINCT environment, application, metric_name FROM %s.%s`, b.ks, table)).IterContext(ctx)
	var keys []key
	var k key
	for iter.Scan(&k.env, &k.app, &k.name) {
		keys = append(keys, k)
	}
	if err := iter.Close(); err != nil {
		return 0, err
	}
	cql := fmt.Sprintf(`SELECT metric_timestamp, p99, mean FROM %s.%s WHERE environment = ? AND application = ? AND metric_name = ? AND metric_timestamp >= ? AND metric_timestamp < ?`, b.ks, table)
	next := make(chan key, len(keys))
	for _, k := range keys {
		next <- k
	}
	close(next)
	var mu sync.Mutex
	var total int64
	var firstErr error
	var wg sync.WaitGroup
	for range min(parallel, max(len(keys), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ts time.Time
			var p99, mean *float32
			for k := range next {
				iter := b.session.Query(cql, k.env, k.app, k.name, from, to).PageSize(b.settings.PageSize).IterContext(ctx)
				var n int64
				for iter.Scan(&ts, &p99, &mean) {
					n++
				}
				err := iter.Close()
				mu.Lock()
				total += n
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return total, firstErr
}

// Query cases.

// rollupEngine is a cold engine reading rollups: no bin cache, and a reader of its own, so
// even the checkpoints are read again (as a data source's first query reads them).
func (b *bench) rollupEngine() *engine.Engine {
	opts := engine.OptionsFrom(b.settings) // Cache nil: no bin cache
	opts.Rollups = rollup.NewReader(b.rollupKs, b.client, nil)
	return engine.New(b.client, opts)
}

var (
	binNotice    = regexp.MustCompile(`Bin width (\S+) \((\d+) bins\)(?:: (\d+) bins from cache)?, (\d+) rows read`)
	rollupNotice = regexp.MustCompile(`(\d+) bins from (\S+) rollups, (\d+) rows raw`)
)

// answer is what the notices of one query say it read.
type answer struct {
	width      time.Duration
	bins       int64 // the answer's bins
	rows       int64 // raw rows read
	rollupBins int64 // rollup rows read (a bin of one measure of one series each)
	rollupW    string
}

// runRollupQuery answers dq and checks it was read as asked: from rollups or not at all, and
// never from the bin cache.
func runRollupQuery(ctx context.Context, e *engine.Engine, dq backend.DataQuery, wantRollups bool) (answer, error) {
	var a answer
	res := e.Run(ctx, dq)
	if res.Error != nil {
		return a, res.Error
	}
	var seenBins, seenRollups bool
	for _, f := range res.Frames {
		if f.Meta == nil {
			continue
		}
		for _, n := range f.Meta.Notices {
			if m := binNotice.FindStringSubmatch(n.Text); m != nil && !seenBins {
				seenBins = true
				w, err := binning.ParseWidth(m[1])
				if err != nil {
					return a, err
				}
				a.width = w
				a.bins, _ = strconv.ParseInt(m[2], 10, 64)
				if m[3] != "" && m[3] != "0" {
					return a, fmt.Errorf("%s bins from the bin cache: not a cold query", m[3])
				}
				a.rows, _ = strconv.ParseInt(m[4], 10, 64)
			}
			if m := rollupNotice.FindStringSubmatch(n.Text); m != nil && !seenRollups {
				seenRollups = true
				a.rollupBins, _ = strconv.ParseInt(m[1], 10, 64)
				a.rollupW = m[2]
			}
		}
	}
	switch {
	case !seenBins:
		return a, errors.New("no bin width notice")
	case wantRollups && (!seenRollups || a.rollupBins == 0):
		return a, fmt.Errorf("no bins read from rollups (bin width %s): is the source rolled up? (run without -no-load)", a.width)
	case !wantRollups && seenRollups:
		return a, errors.New("rollups: false read rollups")
	}
	return a, nil
}

// rollupCases are the pairs: raw rows, then rollups, of the same cold query.
func (b *bench) rollupCases(large bool) []benchCase {
	type pair struct {
		name, table, app string
		series           []string
		from, to         time.Time
	}
	pairs := []pair{
		{"rollup 30d x 1 series (5s)", rollupOne, "single", []string{"s000"}, benchStart, rollupDataTo},
		{"rollup 30d x 100 series (60s)", rollupHundred, "hundred", seriesNames("h", 100), benchStart, rollupDataTo},
	}
	if large {
		from, to := rangeOf(10_000_000)
		pairs = append(pairs, pair{"rollup 10M x 1 series (5s)", "raw_timer_with_interval", "single", []string{"s000"}, from, to})
	}
	var cs []benchCase
	for _, p := range pairs {
		// The panel's width: "auto" at 1,000 points. Rollups answer only widths that are a
		// whole multiple of the finest rollup (1m). Auto is one here: 30 d / 1000 = 43.2 min,
		// rounded up to 1h; 578.7 d (10M rows at 5 s) / 1000 = 13.9 h, rounded up to 1d. Were
		// it not, the query would read raw rows only: then the width is given explicitly,
		// rounded up to the minute.
		extra := map[string]any{}
		if w := binning.AutoWidth(p.from, p.to, time.Second, 1000); w%rollupWidths[0] != 0 {
			extra["interval"] = ((w + rollupWidths[0] - 1) / rollupWidths[0] * rollupWidths[0]).String()
		}
		rows := int64(len(p.series)) * int64(p.to.Sub(p.from)/step)
		if p.table == rollupHundred {
			rows = int64(len(p.series)) * int64(p.to.Sub(p.from)/hundredStep)
		}
		for _, on := range []bool{false, true} {
			q := b.builderOn(p.table, p.app, p.series, extra)
			name := p.name + " raw"
			runs := 0
			if rows > 1_000_000 {
				runs = 3
			}
			if on {
				name, runs = p.name+" rollups", 0
			} else {
				q["rollups"] = false
			}
			from, to := p.from, p.to
			cs = append(cs, benchCase{name: name, pair: p.name, rollups: on, runs: runs,
				fn: func(ctx context.Context, _ int) (int64, map[string]float64, error) {
					a, err := runRollupQuery(ctx, b.rollupEngine(), dataQuery(q, from, to), on)
					return a.rows, map[string]float64{"rollupBins": float64(a.rollupBins), "binWidthSeconds": a.width.Seconds(), "bins": float64(a.bins)}, err
				}})
		}
	}
	return cs
}

// printRollups prints each pair side by side and the backfills.
func (r *report) printRollups(w *os.File) {
	type side struct {
		raw, rolled *caseResult
	}
	var order []string
	pairs := map[string]*side{}
	for i := range r.Cases {
		c := &r.Cases[i]
		if c.Pair == "" {
			continue
		}
		p := pairs[c.Pair]
		if p == nil {
			p = &side{}
			pairs[c.Pair] = p
			order = append(order, c.Pair)
		}
		if c.Rollups {
			p.rolled = c
		} else {
			p.raw = c
		}
	}
	if len(order) > 0 {
		fmt.Fprintf(w, "\nrollups vs raw rows, cold (no bin cache), medians; rows: raw rows read, bins: rollup rows read (a bin of one column of one series each)\n")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "pair\twidth\traw s\trollups s\tspeed-up\traw: rows\trollups: rows\trollups: bins\traw peak MiB\trollups peak MiB\traw alloc MiB\trollups alloc MiB\t")
		for _, name := range order {
			p := pairs[name]
			if p.raw == nil || p.rolled == nil {
				continue
			}
			speed := "-"
			if p.rolled.MedianSeconds > 0 {
				speed = fmt.Sprintf("%.1fx", p.raw.MedianSeconds/p.rolled.MedianSeconds)
			}
			width := shortWidth(time.Duration(p.rolled.Extra["binWidthSeconds"] * float64(time.Second)))
			fmt.Fprintf(tw, "%s\t%s\t%.3f\t%.3f\t%s\t%d\t%d\t%.0f\t%.1f\t%.1f\t%.1f\t%.1f\t\n", name, width, p.raw.MedianSeconds, p.rolled.MedianSeconds, speed,
				p.raw.Rows, p.rolled.Rows, p.rolled.Extra["rollupBins"], p.raw.PeakHeapGrowthMiB, p.rolled.PeakHeapGrowthMiB, p.raw.AllocatedMiB, p.rolled.AllocatedMiB)
		}
		_ = tw.Flush()
	}
	if len(r.Backfills) > 0 {
		fmt.Fprintf(w, "\nrollup backfill (writer's first pass, once) vs a bare scan of the same rows (the faster of one before and one after)\n")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "source\tmeasured\tseries\trows\twriter s\twriter rows/s\tbins written\tscan s\tscan rows/s\twriter/scan\twriter peak MiB\t")
		for _, x := range r.Backfills {
			when := "this run"
			if x.Reused {
				when = x.Measured.Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.1f\t%.0f\t%d\t%.1f\t%.0f\t%.1fx\t%.1f\t\n", x.Source, when, x.Series, x.WriterRows, x.WriterSeconds,
				x.WriterRowsPerSecond, x.BinsWritten, min(x.ScanSeconds[0], x.ScanSeconds[len(x.ScanSeconds)-1]), x.ScanRowsPerSecond, x.WriterToScan, x.WriterPeakHeapMiB)
		}
		_ = tw.Flush()
	}
}
