package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/engine"
	"github.com/metricsserver/cassandra-datasource/pkg/rollup"
)

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// rollupCmd is `metrics-server rollup`: it writes rollups of the configured sources, once
// (--once) or every rollup.interval until stopped, creates the rollup schema
// (--create-schema), or rolls a range up again (--rebuild FROM TO).
func rollupCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("metrics-server rollup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "JSON config file with a rollup section; METRICS_SERVER_* variables override the cassandra section")
	createSchema := fs.Bool("create-schema", false, "create the rollup keyspace and tables (when missing), then exit")
	once := fs.Bool("once", false, "run one pass and exit")
	var sources listFlag
	fs.Var(&sources, "source", "roll up only this configured source (keyspace.table); may be given several times")
	shard := fs.String("shard", "0/1", "this writer's share of the series, i/n: n writers with 0/n ... n-1/n split them by token range")
	metricsAddr := fs.String("metrics-addr", "", "serve Prometheus metrics (lag per source and width, rows read, bins written, errors) on this address, e.g. 127.0.0.1:9464; loopback only unless --metrics-allow-remote")
	metricsRemote := fs.Bool("metrics-allow-remote", false, "serve --metrics-addr to the network (the metrics need no credentials)")
	rebuild := fs.String("rebuild", "", "roll up FROM TO again (RFC 3339 times, TO as the next argument), for rows later than the reroll window, then exit")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: metrics-server rollup [--config config.json] [--create-schema] [--once] [--source keyspace.table]... [--shard i/n] [--rebuild FROM TO]\n\n"+
			"Writes rollups (pre-aggregated bins) of the rollup section's sources into the rollup keyspace, which the plugin and metrics-server read for long ranges.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitConfig
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "metrics-server rollup: "+format+"\n", a...)
		return code
	}
	var rebuildFrom, rebuildTo time.Time
	if *rebuild != "" {
		if fs.NArg() != 1 {
			return fail(exitConfig, "--rebuild takes two times: --rebuild FROM TO")
		}
		var err1, err2 error
		rebuildFrom, err1 = time.Parse(time.RFC3339, *rebuild)
		rebuildTo, err2 = time.Parse(time.RFC3339, fs.Arg(0))
		if err1 != nil || err2 != nil || !rebuildTo.After(rebuildFrom) {
			return fail(exitConfig, "--rebuild %s %s: give two RFC 3339 times such as 2026-01-01T00:00:00Z, the second later", *rebuild, fs.Arg(0))
		}
	} else if fs.NArg() > 0 {
		fs.Usage()
		return exitConfig
	}
	cfg, settings, code := loadConfig(*configPath, getenv, stderr)
	if code != exitOK {
		return code
	}
	rc := cfg.Rollup
	if rc.Keyspace == "" {
		rc.Keyspace = rollup.DefaultKeyspace
	}
	// The writer's own credentials: it needs MODIFY on the rollup keyspace, the plugin never.
	if rc.Username != "" {
		settings.Username, settings.Password = rc.Username, rc.Password
	}
	if *createSchema {
		c, err := connect(ctx, settings)
		if err != nil {
			return fail(exitFail, "%v", err)
		}
		defer c.Close()
		rf := max(rc.ReplicationFactor, 1)
		if err := rollup.CreateSchema(ctx, c, rc.Keyspace, rf); err != nil {
			return fail(exitFail, "%v", err)
		}
		fmt.Fprintf(stdout, "rollup keyspace %s is ready (replication factor %d)\n", rc.Keyspace, rf)
		return exitOK
	}
	if len(sources) > 0 {
		var picked []rollup.SourceConfig
		for _, name := range sources {
			i := slices.IndexFunc(rc.Sources, func(s rollup.SourceConfig) bool { return s.Table == name })
			if i < 0 {
				return fail(exitConfig, "--source %s is not in the config's rollup.sources: add it there with its timeColumn and valueColumns", name)
			}
			picked = append(picked, rc.Sources[i])
		}
		rc.Sources = picked
	}
	wcfg, err := rc.Writer()
	if err != nil {
		return fail(exitConfig, "%v", err)
	}
	if wcfg.Shard, err = rollup.ParseShard(*shard); err != nil {
		return fail(exitConfig, "--shard: %v", err)
	}
	interval, err := rc.PassInterval()
	if err != nil {
		return fail(exitConfig, "%v", err)
	}
	if *metricsAddr != "" && !*metricsRemote {
		host, _, err := net.SplitHostPort(*metricsAddr)
		if ip := net.ParseIP(host); err != nil || host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fail(exitConfig, "--metrics-addr %s: the metrics are served without credentials, so only on a loopback address such as 127.0.0.1:9464 (or add --metrics-allow-remote)", *metricsAddr)
		}
	}
	c, err := connect(ctx, settings)
	if err != nil {
		return fail(exitFail, "%v", err)
	}
	defer c.Close()
	w := rollup.NewWriter(wcfg, engine.New(c, engine.OptionsFrom(settings)), c)
	w.Progress = stdout
	if !rebuildFrom.IsZero() {
		if err := w.Rebuild(ctx, rebuildFrom, rebuildTo); err != nil {
			return fail(exitFail, "%v", err)
		}
		return exitOK
	}
	logger := slog.New(slog.NewJSONHandler(stderr, nil))
	if *metricsAddr != "" {
		reg := prometheus.NewRegistry()
		reg.MustRegister(w)
		ln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			return fail(exitFail, "--metrics-addr: %v", err)
		}
		srv := &http.Server{Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer func() { _ = srv.Close() }()
		logger.Info("rollup metrics", "addr", ln.Addr().String())
	}
	for {
		began := time.Now()
		err := w.Pass(ctx)
		if ctx.Err() != nil {
			return exitOK
		}
		st := w.Stats()
		if err != nil {
			logger.Error("rollup pass failed", "error", err.Error())
		} else {
			logger.Info("rollup pass", "took", time.Since(began).Round(time.Millisecond).String(), "rows_read", st.RowsRead.Load(), "bins_written", st.BinsWritten.Load())
		}
		if *once {
			if err != nil {
				return exitFail
			}
			return exitOK
		}
		select {
		case <-ctx.Done():
			return exitOK
		case <-time.After(interval):
		}
	}
}

func connect(ctx context.Context, s cassandra.Settings) (*cassandra.Client, error) {
	cctx, cancel := context.WithTimeout(ctx, 2*s.ConnectTimeout.Std())
	defer cancel()
	return cassandra.Connect(cctx, s)
}
