// Command metrics-server is the standalone HTTP API over Cassandra metrics, without Grafana:
//
//	metrics-server [--config config.json]      serve the API
//	metrics-server demo-data [flags]           create the schema and load demo data
//	metrics-server rollup [flags]              write rollups of the configured tables
//
// Configuration comes from the config file and METRICS_SERVER_* environment variables, which
// win over the file. See example_config.json.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/seed"
	"github.com/metricsserver/cassandra-datasource/pkg/server"
)

// Exit statuses: 2 for a configuration the server cannot start with, 1 for failures after.
const (
	exitOK     = 0
	exitFail   = 1
	exitConfig = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "demo-data" {
		return demoData(ctx, args[1:], getenv, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "rollup" {
		return rollupCmd(ctx, args[1:], getenv, stdout, stderr)
	}
	fs := flag.NewFlagSet("metrics-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "JSON config file (see example_config.json); METRICS_SERVER_* variables override it")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: metrics-server [--config config.json]\n       metrics-server demo-data [--help]\n       metrics-server rollup [--help]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitConfig
	}
	path := *configPath
	// The seed took the config file as its only argument; so does this.
	if fs.NArg() == 1 && path == "" {
		path = fs.Arg(0)
	} else if fs.NArg() > 0 {
		fs.Usage()
		return exitConfig
	}
	cfg, settings, code := loadConfig(path, getenv, stderr)
	if code != exitOK {
		return code
	}
	level := slog.LevelInfo
	if cfg.Debug {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	srv := server.New(settings, server.Options{
		Threads: cfg.Server.Threads, Token: cfg.Server.Token, Logger: logger,
		MaxAnswerBytes:             int64(cfg.Server.MaxAnswerMiB) << 20,
		AllowUnauthenticatedRemote: cfg.Server.AllowUnauthenticatedRemote,
		EnableRawCQL:               cfg.Server.EnableRawCQL,
	})
	logger.Info("starting metrics-server", "config", cfg.String())
	clients, rawCQL, warn := cfg.Access()
	accessLevel := slog.LevelInfo
	if warn {
		accessLevel = slog.LevelWarn
	}
	logger.Log(ctx, accessLevel, "access", "answers", clients, "raw_cql", rawCQL)
	err := srv.Serve(ctx, cfg.Server.Host, cfg.Server.Port, func(addr string) {
		logger.Info("listening", "addr", addr)
	})
	if err != nil {
		logger.Error("server stopped", "error", err.Error())
		return exitFail
	}
	logger.Info("stopped")
	return exitOK
}

// loadConfig reads and checks the configuration; a non-zero status means stop with it.
func loadConfig(path string, getenv func(string) string, stderr io.Writer) (server.Config, cassandra.Settings, int) {
	cfg, err := server.LoadConfig(path, getenv)
	if err != nil {
		fmt.Fprintln(stderr, "metrics-server:", err)
		return cfg, cassandra.Settings{}, exitConfig
	}
	settings, err := cfg.Settings()
	if err != nil {
		fmt.Fprintln(stderr, "metrics-server:", err)
		return cfg, settings, exitConfig
	}
	return cfg, settings, exitOK
}

func demoData(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("metrics-server demo-data", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "JSON config file; METRICS_SERVER_* variables override it")
	span := fs.Duration("span", 24*time.Hour, "how much history to write, ending at --end")
	step := fs.Duration("step", 5*time.Second, "time between reports of one metric")
	end := fs.String("end", "", "end of the data (exclusive), RFC 3339; default now")
	envs := fs.Int("environments", 3, "number of environments (prod, staging, dev, ...)")
	apps := fs.Int("applications", 3, "number of applications (checkout, search, auth, ...)")
	metrics := fs.Int("metrics", 3, "number of metrics per application (http.requests, db.query, cache.get, ...)")
	seedFlag := fs.Int64("seed", 1, "random seed: the same seed writes the same values")
	incidentAgo := fs.Duration("incident-ago", 30*time.Minute, "an incident (slow responses, more traffic) this long before --end in every series, beside the random ones, so that the demo dashboard's spikes and annotation have one to show; 0 for random incidents only")
	tables := fs.String("tables", strings.Join(seed.Tables, ","), "tables to fill, comma-separated")
	rf := fs.Int("replication-factor", 1, "replication factor when the keyspace is created (SimpleStrategy)")
	concurrency := fs.Int("concurrency", 64, "batches in flight")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: metrics-server demo-data [flags]\n\nCreates the keyspace and tables when missing and writes demo timers and counters, and the timers once a minute into timer_by_day (day buckets) and timer_epoch_ms (bigint epoch ms).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitConfig
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitConfig
	}
	var endTime time.Time
	if *end != "" {
		t, err := time.Parse(time.RFC3339, *end)
		if err != nil {
			fmt.Fprintf(stderr, "metrics-server demo-data: --end %q is not an RFC 3339 time such as 2024-05-01T00:00:00Z\n", *end)
			return exitConfig
		}
		endTime = t
	}
	if *incidentAgo < 0 {
		fmt.Fprintf(stderr, "metrics-server demo-data: --incident-ago %s is negative: give how long before the end, e.g. 30m, or 0 for none\n", *incidentAgo)
		return exitConfig
	}
	_, settings, code := loadConfig(*configPath, getenv, stderr)
	if code != exitOK {
		return code
	}
	var incident time.Time
	if *incidentAgo > 0 {
		e := endTime
		if e.IsZero() {
			e = time.Now()
		}
		incident = e.Add(-*incidentAgo)
	}
	opts := seed.Options{
		Keyspace: settings.Keyspace, Span: *span, Step: *step, End: endTime,
		Environments: *envs, Applications: *apps, Metrics: *metrics, Seed: *seedFlag,
		Tables: strings.Split(*tables, ","), Concurrency: *concurrency, Progress: stdout,
		Incident: incident,
	}
	if err := opts.Check(); err != nil {
		fmt.Fprintln(stderr, "metrics-server demo-data:", err)
		return exitConfig
	}
	cctx, cancel := context.WithTimeout(ctx, 2*settings.ConnectTimeout.Std())
	c, err := cassandra.Connect(cctx, settings)
	cancel()
	if err != nil {
		fmt.Fprintln(stderr, "metrics-server demo-data:", err)
		return exitFail
	}
	defer c.Close()
	if err := seed.CreateSchema(ctx, c, seed.SchemaOptions{Keyspace: settings.Keyspace, ReplicationFactor: *rf}); err != nil {
		fmt.Fprintln(stderr, "metrics-server demo-data:", err)
		return exitFail
	}
	if _, err := seed.Generate(ctx, c, opts); err != nil {
		fmt.Fprintln(stderr, "metrics-server demo-data:", err)
		return exitFail
	}
	// The same timers as a day-bucketed table and an epoch-milliseconds table.
	if _, err := seed.GenerateShapes(ctx, c, opts); err != nil {
		fmt.Fprintln(stderr, "metrics-server demo-data:", err)
		return exitFail
	}
	return exitOK
}
