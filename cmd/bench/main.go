// Command bench loads reproducible data into the local Cassandra and measures the engine
// against the floor (a bare gocql scan of exactly the rows a query needs): binned queries at
// 1M (and, with -large, 10M) points over 1 and 100 series, the table format at maxRows, a
// cold and a warm refresh of a 24 h x 10-series panel, 64 concurrent panel queries, and
// wide-partition splitting; and (unless -rollups=false) cold queries over 30 days (with
// -large, also 10M points) from raw rows and from rollups side by side, and the rollup
// writer's backfill next to a bare scan of the rows it reads (rollups.go). It prints a table
// and writes JSON under test-output/bench/.
// Run it with scripts/bench.sh.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/metricsserver/cassandra-datasource/pkg/bincache"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/engine"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
)

func main() {
	hosts := flag.String("hosts", envOr("CASSANDRA_HOSTS", "127.0.0.1"), "Cassandra contact points, comma-separated")
	ks := flag.String("keyspace", "metric_bench", "keyspace of the benchmark data (created; other keyspaces are not touched)")
	runs := flag.Int("runs", 5, "runs of each case")
	large := flag.Bool("large", false, "also load and run the 10M-point cases (the load takes a long while on a small machine)")
	only := flag.String("cases", "", "run only cases whose name matches this regular expression")
	out := flag.String("out", "test-output/bench", "directory for the JSON results")
	noLoad := flag.Bool("no-load", false, "skip loading: measure the data already in the keyspace")
	// On by default, as the whole run stays under 10 minutes on 2 cores: measured, the first
	// run (loading 2.2M rows and, for the rollup cases, 4.8M more and rolling them up) took
	// 7.4 min instead of about 2.5; a run on loaded data 1.8 min, 0.6 of it the rollup cases.
	rollups := flag.Bool("rollups", true, "load and roll up the rollup cases' data and run them (raw rows vs rollups, the writer's backfill vs a bare scan)")
	flag.Parse()
	logf := func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }
	if err := run(*hosts, *ks, *runs, *large, *rollups, !*noLoad, *only, *out, logf); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func envOr(k, def string) string {
	if v := strings.TrimSpace(os.Getenv(k)); v != "" {
		return v
	}
	return def
}

// bench holds the connections and settings every case uses.
type bench struct {
	ks       string
	client   *cassandra.Client
	session  *gocql.Session // bare gocql, for the floor
	settings cassandra.Settings
	table    string
	rollupKs string // the rollup cases' rollup keyspace
	rollups  bool   // -rollups: the rollup cases too (the default)
}

func run(hosts, ks string, runs int, large, rollups, doLoad bool, only, outDir string, logf func(string, ...any)) error {
	ctx := context.Background()
	hostList := strings.Split(hosts, ",")
	cluster := gocql.NewCluster(hostList...)
	cluster.Timeout = 120 * time.Second
	cluster.ConnectTimeout = 10 * time.Second
	cluster.PageSize = cassandra.DefaultPageSize
	cluster.PoolConfig.HostSelectionPolicy = gocql.TokenAwareHostPolicy(gocql.RoundRobinHostPolicy())
	session, err := cluster.CreateSession()
	if err != nil {
		return fmt.Errorf("connect to Cassandra at %s (start it with scripts/local-cassandra.sh start): %w", hosts, err)
	}
	defer session.Close()
	loadStart := time.Now()
	if doLoad {
		if err := load(ctx, session, ks, large, rollups, logf); err != nil {
			return err
		}
	}
	loadSecs := time.Since(loadStart).Seconds()

	js, _ := json.Marshal(map[string]any{"hosts": hostList, "queryTimeout": "300s", "connectTimeout": "10s"})
	settings, err := cassandra.LoadSettings(js, nil)
	if err != nil {
		return err
	}
	client, err := cassandra.Connect(ctx, settings)
	if err != nil {
		return err
	}
	defer client.Close()
	b := &bench{ks: ks, client: client, session: session, settings: settings, table: "raw_timer_with_interval",
		rollupKs: ks + "_rollups", rollups: rollups}
	var backfills []backfillResult
	if rollups {
		// Rolled up once, after the load, like it (not counted in dataLoadSeconds).
		if backfills, err = b.backfills(ctx, large, doLoad, logf); err != nil {
			return err
		}
	}

	var match *regexp.Regexp
	if only != "" {
		if match, err = regexp.Compile(only); err != nil {
			return fmt.Errorf("-cases: %w", err)
		}
	}
	report := report{Started: time.Now().UTC(), LoadBefore: loadavg(), Runs: runs, GOMAXPROCS: runtime.GOMAXPROCS(0),
		GoVersion: runtime.Version(), Keyspace: ks, LoadSeconds: loadSecs, Backfills: backfills}
	for _, c := range b.cases(large) {
		if match != nil && !match.MatchString(c.name) {
			continue
		}
		n := runs
		if c.runs > 0 {
			n = min(n, c.runs)
		}
		logf("case %s (%d runs)", c.name, n)
		r, err := measureCase(ctx, c, n)
		if err != nil {
			return fmt.Errorf("case %s: %w", c.name, err)
		}
		report.Cases = append(report.Cases, r)
	}
	report.LoadAfter = loadavg()
	report.finish()
	report.print(os.Stdout)
	if err := os.MkdirAll(outDir, 0o750); err != nil {
		return err
	}
	path := filepath.Join(outDir, "bench-"+report.Started.Format("20060102-150405")+".json")
	data, _ := json.MarshalIndent(report, "", "  ")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return err
	}
	_ = os.WriteFile(filepath.Join(outDir, "latest.json"), data, 0o600)
	fmt.Printf("\nJSON: %s\n", path)
	return nil
}

// benchCase is one measured thing. Its func returns the rows it read and extra figures.
type benchCase struct {
	name  string
	floor string // the case whose median this one is compared with
	runs  int    // at most this many runs (0: -runs)
	setup func(ctx context.Context) error
	fn    func(ctx context.Context, i int) (int64, map[string]float64, error)
	after func(ctx context.Context) map[string]float64
	// A rollup case: the pair it is one side of, and which side (rollups.go).
	pair    string
	rollups bool
}

// query parts

func (b *bench) builder(app string, series []string, extra map[string]any) map[string]any {
	return b.builderOn(b.table, app, series, extra)
}

func (b *bench) builderOn(table, app string, series []string, extra map[string]any) map[string]any {
	op := "="
	if len(series) > 1 {
		op = "IN"
	}
	q := map[string]any{
		"queryType": "builder", "keyspace": b.ks, "table": table, "timeColumn": "metric_timestamp",
		"valueColumns": []string{"p99", "mean"}, // the seed's defaults: max and avg
		"filters": []map[string]any{
			{"column": "environment", "op": "=", "values": []string{benchEnv}},
			{"column": "application", "op": "=", "values": []string{app}},
			{"column": "metric_name", "op": op, "values": series},
		},
		"interval": "auto",
	}
	for k, v := range extra {
		q[k] = v
	}
	return q
}

func dataQuery(q map[string]any, from, to time.Time) backend.DataQuery {
	js, _ := json.Marshal(q)
	return backend.DataQuery{RefID: "A", JSON: js, TimeRange: backend.TimeRange{From: from, To: to}, MaxDataPoints: 1000, Interval: time.Second}
}

var rowsRead = regexp.MustCompile(`(?:(\d+) bins from cache, )?(\d+) rows read`)

// runEngine answers one query and returns the rows it read (from its notice) and the bins it
// took from the cache.
func runEngine(ctx context.Context, e *engine.Engine, dq backend.DataQuery) (rows, bins int64, err error) {
	res := e.Run(ctx, dq)
	if res.Error != nil {
		return 0, 0, res.Error
	}
	for _, f := range res.Frames {
		if f.Meta == nil {
			continue
		}
		for _, n := range f.Meta.Notices {
			if m := rowsRead.FindStringSubmatch(n.Text); m != nil {
				bins, _ = strconv.ParseInt(m[1], 10, 64)
				rows, _ = strconv.ParseInt(m[2], 10, 64)
				return rows, bins, nil
			}
		}
	}
	if len(res.Frames) > 0 && res.Frames[0].Meta != nil && res.Frames[0].Meta.PreferredVisualization == "table" {
		return int64(res.Frames[0].Rows()), 0, nil
	}
	return 0, 0, fmt.Errorf("no rows read notice")
}

func (b *bench) engine(cache *bincache.Cache, now func() time.Time, split bool) *engine.Engine {
	opts := engine.OptionsFrom(b.settings)
	opts.Cache, opts.Now, opts.SplitWide = cache, now, split
	return engine.New(b.client, opts)
}

// floor scans the statements the engine would run for q with bare gocql: the same columns,
// the same page size, MaxConcurrency statements at once, every value scanned, nothing kept.
func (b *bench) floor(ctx context.Context, q map[string]any, from, to time.Time, limit int64) (int64, error) {
	js, _ := json.Marshal(q)
	pq, err := query.Parse(js)
	if err != nil {
		return 0, err
	}
	t, err := b.client.Table(ctx, b.ks, b.table)
	if err != nil {
		return 0, err
	}
	plan, err := query.BuildPlan(ctx, pq, t, from, to, query.PlanOptions{})
	if err != nil {
		return 0, err
	}
	stmts := make(chan query.Statement, len(plan.Statements))
	for _, s := range plan.Statements {
		stmts <- s
	}
	close(stmts)
	var mu sync.Mutex
	var total int64
	var firstErr error
	var wg sync.WaitGroup
	for w := 0; w < min(b.settings.MaxConcurrency, len(plan.Statements)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for st := range stmts {
				iter := b.session.Query(st.CQL, st.Args...).PageSize(b.settings.PageSize).IterContext(ctx)
				cols := iter.Columns()
				dest := make([]any, len(cols))
				for i, c := range cols {
					switch c.TypeInfo.Type() {
					case gocql.TypeTimestamp:
						dest[i] = new(time.Time)
					case gocql.TypeFloat:
						dest[i] = new(*float32)
					case gocql.TypeBigInt:
						dest[i] = new(*int64)
					default:
						dest[i] = new(string)
					}
				}
				var n int64
				for iter.Scan(dest...) {
					n++
					if limit > 0 && n >= limit {
						break
					}
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

func rangeOf(rowsPerSeries int64) (time.Time, time.Time) {
	return benchStart, benchStart.Add(time.Duration(rowsPerSeries) * step)
}

func (b *bench) cases(large bool) []benchCase {
	var cs []benchCase
	sizes := []struct {
		label string
		total int64
	}{{"1M", 1_000_000}}
	if large {
		sizes = append(sizes, struct {
			label string
			total int64
		}{"10M", 10_000_000})
	}
	for _, sz := range sizes {
		runs := 0
		if sz.total > 1_000_000 {
			runs = 3
		}
		for _, shape := range []struct {
			label  string
			app    string
			series []string
		}{{"1 series", "single", []string{"s000"}}, {"100 series", "hundred", seriesNames("h", 100)}} {
			from, to := rangeOf(sz.total / int64(len(shape.series)))
			q := b.builder(shape.app, shape.series, nil)
			floorName := fmt.Sprintf("floor %s x %s", sz.label, shape.label)
			cs = append(cs, benchCase{name: floorName, floor: floorName, runs: runs,
				fn: func(ctx context.Context, _ int) (int64, map[string]float64, error) {
					n, err := b.floor(ctx, q, from, to, 0)
					return n, nil, err
				}})
			for _, split := range []bool{false, true} {
				name := fmt.Sprintf("binned %s x %s", sz.label, shape.label)
				if split {
					if len(shape.series) >= b.settings.MaxConcurrency {
						continue // enough partitions to keep every worker busy: nothing to split
					}
					name += ", wide split"
				}
				e := b.engine(nil, nil, split)
				cs = append(cs, benchCase{name: name, floor: floorName, runs: runs,
					fn: func(ctx context.Context, _ int) (int64, map[string]float64, error) {
						n, _, err := runEngine(ctx, e, dataQuery(q, from, to))
						return n, nil, err
					}})
			}
		}
	}

	// Table format: the first maxRows rows of the single series, and the floor of the same rows.
	{
		from, to := rangeOf(1_000_000)
		q := b.builder("single", []string{"s000"}, map[string]any{"format": "table"})
		limit := int64(b.settings.MaxRows) + 1 // the engine reads one more to tell truncation
		e := b.engine(nil, nil, false)
		cs = append(cs,
			benchCase{name: fmt.Sprintf("floor table %d rows", limit), floor: fmt.Sprintf("floor table %d rows", limit),
				fn: func(ctx context.Context, _ int) (int64, map[string]float64, error) {
					n, err := b.floor(ctx, q, from, to, limit)
					return n, nil, err
				}},
			benchCase{name: fmt.Sprintf("table at maxRows %d", b.settings.MaxRows), floor: fmt.Sprintf("floor table %d rows", limit),
				fn: func(ctx context.Context, _ int) (int64, map[string]float64, error) {
					n, _, err := runEngine(ctx, e, dataQuery(q, from, to))
					return n, nil, err
				}})
	}

	// Refresh of a 24 h x 10-series panel: cold (no cache) and warm (the range moved 10 s since
	// the last refresh, the clock with it).
	{
		q := b.builder("panel", seriesNames("p", 10), nil)
		end := benchStart.Add(25 * time.Hour)
		cold := b.engine(nil, nil, false)
		var mu sync.Mutex
		now := end
		cache := bincache.New(bincache.DefaultMaxBytes)
		warm := b.engine(cache, func() time.Time { mu.Lock(); defer mu.Unlock(); return now }, false)
		cs = append(cs,
			benchCase{name: "floor panel 24h x 10 series", floor: "floor panel 24h x 10 series",
				fn: func(ctx context.Context, _ int) (int64, map[string]float64, error) {
					n, err := b.floor(ctx, q, end.Add(-24*time.Hour), end, 0)
					return n, nil, err
				}},
			benchCase{name: "refresh cold 24h x 10 series", floor: "floor panel 24h x 10 series",
				fn: func(ctx context.Context, _ int) (int64, map[string]float64, error) {
					n, _, err := runEngine(ctx, cold, dataQuery(q, end.Add(-24*time.Hour), end))
					return n, nil, err
				}},
			benchCase{name: "refresh warm 24h x 10 series (moved 10s)", floor: "floor panel 24h x 10 series",
				setup: func(ctx context.Context) error {
					_, _, err := runEngine(ctx, warm, dataQuery(q, end.Add(-24*time.Hour), end)) // the dashboard's first load
					return err
				},
				fn: func(ctx context.Context, i int) (int64, map[string]float64, error) {
					mu.Lock()
					now = end.Add(time.Duration(i+1) * 10 * time.Second)
					t := now
					mu.Unlock()
					n, bins, err := runEngine(ctx, warm, dataQuery(q, t.Add(-24*time.Hour), t))
					return n, map[string]float64{"binsFromCache": float64(bins)}, err
				},
				after: func(context.Context) map[string]float64 {
					st := cache.Stats()
					return map[string]float64{"cacheBytes": float64(st.Bytes), "cacheMaxBytes": float64(st.MaxBytes), "cacheEntries": float64(st.Entries)}
				}})
	}

	// 64 panels at once on one engine, as one data source instance answers them: each bins one
	// of the 100 series (10k rows).
	{
		from, to := rangeOf(10_000)
		e := b.engine(nil, nil, false)
		all := b.builder("hundred", seriesNames("h", 100)[:64], nil)
		cs = append(cs, benchCase{name: "floor 64 panels' rows", floor: "floor 64 panels' rows",
			fn: func(ctx context.Context, _ int) (int64, map[string]float64, error) {
				n, err := b.floor(ctx, all, from, to, 0)
				return n, nil, err
			}})
		cs = append(cs, benchCase{name: "64 concurrent panel queries", floor: "floor 64 panels' rows",
			fn: func(ctx context.Context, _ int) (int64, map[string]float64, error) {
				before := runtime.NumGoroutine()
				var wg sync.WaitGroup
				var mu sync.Mutex
				var rows, errs int64
				for p := 0; p < 64; p++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						q := b.builder("hundred", []string{fmt.Sprintf("h%03d", p)}, nil)
						n, _, err := runEngine(ctx, e, dataQuery(q, from, to))
						mu.Lock()
						rows += n
						if err != nil {
							if errs == 0 {
								fmt.Fprintf(os.Stderr, "  first error of the concurrent queries: %v\n", err)
							}
							errs++
						}
						mu.Unlock()
					}()
				}
				wg.Wait()
				// Goroutines back to where they were: wait a little for the driver's to end.
				after := runtime.NumGoroutine()
				for i := 0; i < 50 && after > before; i++ {
					time.Sleep(100 * time.Millisecond)
					after = runtime.NumGoroutine()
				}
				return rows, map[string]float64{"errors": float64(errs), "goroutinesBefore": float64(before), "goroutinesAfter": float64(after)}, nil
			}})
	}
	if b.rollups {
		cs = append(cs, b.rollupCases(large)...)
	}
	return cs
}

// Measurement.

type runResult struct {
	Seconds       float64            `json:"seconds"`
	Rows          int64              `json:"rows"`
	PeakHeapBytes uint64             `json:"peakHeapGrowthBytes"`
	AllocBytes    uint64             `json:"allocatedBytes"`
	Extra         map[string]float64 `json:"extra,omitempty"`
}

type caseResult struct {
	Name              string             `json:"name"`
	Floor             string             `json:"floor"`
	Runs              []runResult        `json:"runs"`
	MedianSeconds     float64            `json:"medianSeconds"`
	MinSeconds        float64            `json:"minSeconds"`
	MaxSeconds        float64            `json:"maxSeconds"`
	Rows              int64              `json:"rows"`
	RowsPerSecond     float64            `json:"rowsPerSecond"`
	PeakHeapGrowthMiB float64            `json:"peakHeapGrowthMiB"`
	AllocatedMiB      float64            `json:"allocatedMiBMedian"`
	RatioToFloor      float64            `json:"ratioToFloor"`
	Extra             map[string]float64 `json:"extra,omitempty"`
	Pair              string             `json:"rollupPair,omitempty"`
	Rollups           bool               `json:"fromRollups,omitempty"`
}

var heapSamples = []metrics.Sample{
	{Name: "/memory/classes/heap/objects:bytes"},
	{Name: "/memory/classes/heap/unused:bytes"},
	{Name: "/gc/heap/allocs:bytes"},
}

// heapInUse is the heap's in-use spans (live and not yet swept objects plus free slots in
// spans in use), as runtime.MemStats.HeapInuse, read without stopping the world.
func heapInUse() (inuse, allocs uint64) {
	s := slices.Clone(heapSamples)
	metrics.Read(s)
	return s[0].Value.Uint64() + s[1].Value.Uint64(), s[2].Value.Uint64()
}

func measureCase(ctx context.Context, c benchCase, runs int) (caseResult, error) {
	res := caseResult{Name: c.name, Floor: c.floor, Pair: c.pair, Rollups: c.rollups}
	if c.setup != nil {
		if err := c.setup(ctx); err != nil {
			return res, err
		}
	}
	for i := 0; i < runs; i++ {
		runtime.GC()
		base, alloc0 := heapInUse()
		stop := make(chan struct{})
		peak := base
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(time.Millisecond)
			defer tick.Stop()
			for {
				if h, _ := heapInUse(); h > peak {
					peak = h
				}
				select {
				case <-stop:
					return
				case <-tick.C:
				}
			}
		}()
		start := time.Now()
		rows, extra, err := c.fn(ctx, i)
		d := time.Since(start)
		close(stop)
		wg.Wait()
		if h, _ := heapInUse(); h > peak {
			peak = h
		}
		_, alloc1 := heapInUse()
		if err != nil {
			return res, err
		}
		res.Runs = append(res.Runs, runResult{Seconds: d.Seconds(), Rows: rows, PeakHeapBytes: peak - base, AllocBytes: alloc1 - alloc0, Extra: extra})
	}
	if c.after != nil {
		res.Extra = c.after(ctx)
	}
	return res, nil
}

// Report.

type report struct {
	Started     time.Time    `json:"started"`
	LoadBefore  string       `json:"loadAverageBefore"`
	LoadAfter   string       `json:"loadAverageAfter"`
	Runs        int          `json:"runs"`
	GOMAXPROCS  int          `json:"gomaxprocs"`
	GoVersion   string       `json:"goVersion"`
	Keyspace    string       `json:"keyspace"`
	LoadSeconds float64      `json:"dataLoadSeconds"`
	Cases       []caseResult `json:"cases"`
	// The rollup writer's backfills (-rollups), measured once, when the data was rolled up.
	Backfills []backfillResult `json:"rollupBackfills,omitempty"`
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (r *report) finish() {
	medians := map[string]float64{}
	for i := range r.Cases {
		c := &r.Cases[i]
		var secs, allocs []float64
		var peak uint64
		for _, x := range c.Runs {
			secs = append(secs, x.Seconds)
			allocs = append(allocs, float64(x.AllocBytes))
			peak = max(peak, x.PeakHeapBytes)
			c.Rows = x.Rows
		}
		c.MedianSeconds, c.MinSeconds, c.MaxSeconds = median(secs), slices.Min(secs), slices.Max(secs)
		if c.MedianSeconds > 0 {
			c.RowsPerSecond = float64(c.Rows) / c.MedianSeconds
		}
		c.PeakHeapGrowthMiB = float64(peak) / (1 << 20)
		c.AllocatedMiB = median(allocs) / (1 << 20)
		// Per-run extras: the median, and the max of errors and goroutines left.
		keys := map[string][]float64{}
		for _, x := range c.Runs {
			for k, v := range x.Extra {
				keys[k] = append(keys[k], v)
			}
		}
		for k, vs := range keys {
			if c.Extra == nil {
				c.Extra = map[string]float64{}
			}
			switch k {
			case "errors", "goroutinesAfter":
				c.Extra[k] = slices.Max(vs)
			default:
				c.Extra[k] = median(vs)
			}
		}
		medians[c.Name] = c.MedianSeconds
	}
	for i := range r.Cases {
		c := &r.Cases[i]
		if f := medians[c.Floor]; f > 0 {
			c.RatioToFloor = c.MedianSeconds / f
		}
	}
}

func (r *report) print(w *os.File) {
	fmt.Fprintf(w, "\nCassandra Metrics benchmark, %s, %d runs per case, GOMAXPROCS %d, %s\n", r.Started.Format(time.RFC3339), r.Runs, r.GOMAXPROCS, r.GoVersion)
	fmt.Fprintf(w, "load average before: %s; after: %s\n\n", r.LoadBefore, r.LoadAfter)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "case\tmedian s\tmin s\tmax s\trows\trows/s\tpeak heap MiB\talloc MiB\tx floor\t")
	for _, c := range r.Cases {
		ratio := "-"
		if c.RatioToFloor > 0 {
			ratio = fmt.Sprintf("%.2f", c.RatioToFloor)
		}
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%d\t%.0f\t%.1f\t%.1f\t%s\t\n", c.Name, c.MedianSeconds, c.MinSeconds, c.MaxSeconds, c.Rows, c.RowsPerSecond, c.PeakHeapGrowthMiB, c.AllocatedMiB, ratio)
	}
	_ = tw.Flush()
	byName := map[string]caseResult{}
	for _, c := range r.Cases {
		byName[c.Name] = c
		if len(c.Extra) > 0 {
			keys := make([]string, 0, len(c.Extra))
			for k := range c.Extra {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			parts := make([]string, len(keys))
			for i, k := range keys {
				parts[i] = fmt.Sprintf("%s=%g", k, c.Extra[k])
			}
			fmt.Fprintf(w, "%s: %s\n", c.Name, strings.Join(parts, " "))
		}
	}
	cold, okc := byName["refresh cold 24h x 10 series"]
	warm, okw := byName["refresh warm 24h x 10 series (moved 10s)"]
	if okc && okw && warm.MedianSeconds > 0 && cold.Rows > 0 {
		fmt.Fprintf(w, "warm refresh: %.2f%% of a cold query's rows (target <= 2%%), %.1fx faster (target >= 20x)\n",
			100*float64(warm.Rows)/float64(cold.Rows), cold.MedianSeconds/warm.MedianSeconds)
	}
	r.printRollups(w)
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
