// Command fault-load is the load and the checks of scripts/fault-test.sh: against a local
// 3-node cluster (replication factor 3) it sends a steady stream of panel queries through two
// metrics-servers on loopback, one reading at ONE and one at QUORUM, while one node is killed
// with SIGKILL and started again; then, with the whole cluster down, queries must fail fast
// with a clear downstream error, and after the cluster is back, queries and health must
// recover in the same servers and in a plugin instance, none of them restarted.
//
// It prints the queries sent and failed at each level and exits non-zero when any query failed
// while a quorum of nodes was up, when the failures with the cluster down were slow or unclear,
// or when nothing recovered. Every loop is bounded in count and time.
//
//	fault-load --hosts 127.0.1.1,127.0.1.2,127.0.1.3 --control "scripts/local-cassandra.sh --cluster fault"
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/plugin"
	"github.com/metricsserver/cassandra-datasource/pkg/seed"
	"github.com/metricsserver/cassandra-datasource/pkg/server"
)

const keyspace = "metric_data_fault_test"

type config struct {
	hosts       []string
	control     []string // the command that controls the cluster, e.g. scripts/local-cassandra.sh --cluster fault
	nodes       int
	victim      int
	steady      time.Duration // load before the kill, with the node down, and after it is back
	pause       time.Duration // between one worker's queries
	downQueries int
	failFast    time.Duration
	recoverIn   time.Duration
	timeout     time.Duration
}

func main() {
	var c config
	hosts := flag.String("hosts", "127.0.1.1,127.0.1.2,127.0.1.3", "the cluster's contact points (loopback addresses only)")
	control := flag.String("control", "scripts/local-cassandra.sh --cluster fault", "command that takes kill K, start --nodes N and status for the cluster")
	flag.IntVar(&c.nodes, "nodes", 3, "nodes in the cluster")
	flag.IntVar(&c.victim, "kill", 2, "node to SIGKILL and start again")
	flag.DurationVar(&c.steady, "steady", 20*time.Second, "load before the kill, while the node is down and after it is back")
	flag.DurationVar(&c.pause, "pause", 50*time.Millisecond, "pause between one worker's queries")
	flag.IntVar(&c.downQueries, "down-queries", 5, "queries per level with the whole cluster down")
	flag.DurationVar(&c.failFast, "fail-fast", 5*time.Second, "longest a query may take to fail with the whole cluster down")
	flag.DurationVar(&c.recoverIn, "recover-within", 3*time.Minute, "longest the servers may take to answer again once the cluster is back")
	flag.DurationVar(&c.timeout, "timeout", 11*time.Minute, "bound of the whole run")
	flag.Parse()
	c.hosts = strings.Split(*hosts, ",")
	c.control = strings.Fields(*control)
	for _, h := range c.hosts {
		if ip := net.ParseIP(h); ip == nil || !ip.IsLoopback() {
			fmt.Fprintf(os.Stderr, "fault-load: %q is not a loopback address: this test only talks to local nodes\n", h)
			os.Exit(2)
		}
	}
	// The whole run is bounded: scripts/fault-test.sh must finish within 15 minutes.
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	if err := runFault(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, "fault-load: FAILED:", err)
		os.Exit(1)
	}
	fmt.Println("fault-load: passed")
}

func say(format string, args ...any) {
	fmt.Printf("fault-load %s: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func settingsFor(hosts []string, consistency string) (cassandra.Settings, error) {
	b, err := json.Marshal(map[string]any{
		"hosts": hosts, "keyspace": keyspace, "consistency": consistency,
		"connectTimeout": "3s", "queryTimeout": "10s",
	})
	if err != nil {
		return cassandra.Settings{}, err
	}
	return cassandra.LoadSettings(b, nil)
}

// level is one metrics-server and the tally of its worker.
type level struct {
	name   string
	url    string
	sent   atomic.Int64
	failed atomic.Int64
	mu     sync.Mutex
	errs   []string
}

func (l *level) fail(msg string) {
	l.failed.Add(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.errs) < 5 {
		l.errs = append(l.errs, msg)
	}
}

func runFault(ctx context.Context, c config) error {
	end := time.Now().Truncate(time.Minute)
	if err := loadData(ctx, c.hosts, end); err != nil {
		return err
	}
	body := panelQuery(end)

	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	levels := []*level{{name: "ONE"}, {name: "QUORUM"}}
	for _, l := range levels {
		s, err := settingsFor(c.hosts, l.name)
		if err != nil {
			return err
		}
		srv := server.New(s, server.Options{Threads: 4, Logger: quiet})
		hs := httptest.NewServer(srv) // 127.0.0.1, a free port
		defer hs.Close()
		defer srv.Close()
		l.url = hs.URL
	}
	// A plugin instance too: it must recover on its own, as in Grafana.
	ps, err := settingsFor(c.hosts, "QUORUM")
	if err != nil {
		return err
	}
	psJSON, _ := json.Marshal(map[string]any{"hosts": ps.Hosts, "keyspace": keyspace, "consistency": "QUORUM", "connectTimeout": "3s", "queryTimeout": "10s"})
	inst, err := plugin.NewDatasource(ctx, backend.DataSourceInstanceSettings{UID: "fault", JSONData: psJSON})
	if err != nil {
		return err
	}
	ds := inst.(*plugin.Datasource)
	defer ds.Dispose()

	for _, l := range levels {
		if err := queryOnce(ctx, l.url, body); err != nil {
			return fmt.Errorf("%s: the first query failed with every node up: %w", l.name, err)
		}
	}
	// The plugin's session exists before anything fails, so what recovers later is a session
	// that saw the cluster go away, not a fresh one.
	if ok, msg := pluginCheck(ctx, ds, end); !ok {
		return fmt.Errorf("plugin with every node up: %s", msg)
	}

	// Steady load through the kill and the restart of one node.
	loadCtx, stopLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, l := range levels {
		wg.Add(1)
		go func(l *level) {
			defer wg.Done()
			for loadCtx.Err() == nil {
				l.sent.Add(1)
				if err := queryOnce(ctx, l.url, body); err != nil {
					l.fail(err.Error())
				}
				select {
				case <-loadCtx.Done():
				case <-time.After(c.pause):
				}
			}
		}(l)
	}
	report := func(phase string) {
		say("%s: ONE sent %d failed %d, QUORUM sent %d failed %d", phase,
			levels[0].sent.Load(), levels[0].failed.Load(), levels[1].sent.Load(), levels[1].failed.Load())
	}
	sleep(ctx, c.steady)
	report("all nodes up")
	if err := control(ctx, c, "kill", fmt.Sprint(c.victim)); err != nil {
		stopLoad()
		wg.Wait()
		return err
	}
	say("node %d killed with SIGKILL", c.victim)
	sleep(ctx, c.steady)
	report(fmt.Sprintf("node %d down", c.victim))
	started := time.Now()
	err = control(ctx, c, "start", "--nodes", fmt.Sprint(c.nodes))
	say("node %d answers again after %.0fs", c.victim, time.Since(started).Seconds())
	if err == nil {
		sleep(ctx, c.steady)
	}
	stopLoad()
	wg.Wait()
	report("node back")
	if err != nil {
		return err
	}
	var failures []string
	for _, l := range levels {
		fmt.Printf("fault-test: %-6s queries sent %d, failed %d\n", l.name, l.sent.Load(), l.failed.Load())
		if n := l.failed.Load(); n > 0 {
			failures = append(failures, fmt.Sprintf("%d of %d queries at %s failed, e.g. %q", n, l.sent.Load(), l.name, l.errs))
		}
	}
	if ctx.Err() != nil {
		return fmt.Errorf("out of time: %w", ctx.Err())
	}

	// The whole cluster down: every query fails, fast and saying it is Cassandra's problem.
	for k := 1; k <= c.nodes; k++ {
		if err := control(ctx, c, "kill", fmt.Sprint(k)); err != nil {
			return err
		}
	}
	say("all %d nodes killed", c.nodes)
	for _, l := range levels {
		for i := 0; i < c.downQueries; i++ {
			t0 := time.Now()
			status, msg, err := queryStatus(ctx, l.url, body)
			took := time.Since(t0)
			if err != nil {
				return fmt.Errorf("%s with the cluster down: %w", l.name, err)
			}
			if i == 0 {
				say("cluster down, %s: status %d after %.2fs: %s", l.name, status, took.Seconds(), msg)
			}
			if status < 500 || !strings.Contains(msg, "Cassandra") {
				failures = append(failures, fmt.Sprintf("%s with the cluster down: status %d, %q: want a 5xx downstream error naming Cassandra", l.name, status, msg))
			}
			if took > c.failFast {
				failures = append(failures, fmt.Sprintf("%s with the cluster down: the query took %s to fail (limit %s)", l.name, took.Round(time.Millisecond), c.failFast))
			}
		}
		code, h := health(ctx, l.url)
		say("cluster down, %s health: %d %s", l.name, code, h)
		if code != http.StatusServiceUnavailable {
			failures = append(failures, fmt.Sprintf("%s health with the cluster down: %d, want 503", l.name, code))
		}
	}
	if ok, msg := pluginCheck(ctx, ds, end); ok {
		failures = append(failures, "the plugin's health and query succeed with the cluster down")
	} else {
		say("cluster down, plugin: %s", msg)
	}

	// Back up: the same servers and plugin instance answer again.
	started = time.Now()
	if err := control(ctx, c, "start", "--nodes", fmt.Sprint(c.nodes)); err != nil {
		return err
	}
	say("cluster back after %.0fs", time.Since(started).Seconds())
	started = time.Now()
	deadline := started.Add(c.recoverIn)
	for _, l := range levels {
		var last string
		for {
			err := queryOnce(ctx, l.url, body)
			code, h := health(ctx, l.url)
			if err == nil && code == http.StatusOK {
				say("%s recovered %.1fs after the cluster was back (health %s)", l.name, time.Since(started).Seconds(), h)
				break
			}
			last = fmt.Sprintf("query: %v; health %d %s", err, code, h)
			if time.Now().After(deadline) || ctx.Err() != nil {
				failures = append(failures, fmt.Sprintf("%s did not recover within %s: %s", l.name, c.recoverIn, last))
				break
			}
			sleep(ctx, time.Second)
		}
	}
	for {
		ok, msg := pluginCheck(ctx, ds, end)
		if ok {
			say("plugin recovered %.1fs after the cluster was back: %s", time.Since(started).Seconds(), msg)
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			failures = append(failures, fmt.Sprintf("the plugin did not recover within %s: %s", c.recoverIn, msg))
			break
		}
		sleep(ctx, time.Second)
	}
	if len(failures) > 0 {
		return errors.New(strings.Join(failures, "\n  "))
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// control runs the cluster control command with args, its output passed through.
func control(ctx context.Context, c config, args ...string) error {
	// #nosec G204 -- the control command is the operator's own flag (scripts/fault-test.sh passes scripts/local-cassandra.sh)
	cmd := exec.CommandContext(ctx, c.control[0], append(append([]string{}, c.control[1:]...), args...)...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", strings.Join(c.control, " "), strings.Join(args, " "), err)
	}
	return nil
}

// loadData creates the keyspace with replication factor 3 and writes an hour of demo data at
// consistency ALL, so every replica has every row before any node goes down.
func loadData(ctx context.Context, hosts []string, end time.Time) error {
	s, err := settingsFor(hosts, "ALL")
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	c, err := cassandra.Connect(cctx, s)
	if err != nil {
		return fmt.Errorf("connect to the fault cluster: %w", err)
	}
	defer c.Close()
	if err := seed.CreateSchema(cctx, c, seed.SchemaOptions{Keyspace: keyspace, ReplicationFactor: 3}); err != nil {
		return fmt.Errorf("create the keyspace: %w", err)
	}
	st, err := seed.Generate(cctx, c, seed.Options{Keyspace: keyspace, Span: time.Hour, End: end, Step: 10 * time.Second,
		Environments: 1, Applications: 2, Metrics: 2, Seed: 3, Tables: []string{seed.TimerWithInterval}})
	if err != nil {
		return fmt.Errorf("load the demo data: %w", err)
	}
	say("loaded %d rows into %s (replication factor 3, written at ALL)", st.Rows, keyspace)
	return nil
}

// panelQuery is what a dashboard panel sends: p95 of one metric for two applications over
// the last hour, binned for 60 points.
func panelQuery(end time.Time) []byte {
	b, _ := json.Marshal(map[string]any{
		"from": end.Add(-time.Hour).UnixMilli(), "to": end.UnixMilli(), "maxDataPoints": 60,
		"queries": []map[string]any{{
			"refId": "A", "queryType": "builder", "keyspace": keyspace, "table": seed.TimerWithInterval,
			"timeColumn": seed.ColTimestamp, "valueColumns": []string{"p95"}, "seriesColumns": []string{seed.ColApplication},
			"filters": []map[string]any{
				{"column": seed.ColEnvironment, "op": "=", "values": seed.Environments(1)},
				{"column": seed.ColApplication, "op": "IN", "values": seed.Applications(2)},
				{"column": seed.ColMetricName, "op": "=", "values": seed.MetricNames(1)},
			},
		}},
	})
	return b
}

var client = &http.Client{Timeout: time.Minute}

// queryOnce sends the panel query; success is 200 with the two series and no error.
func queryOnce(ctx context.Context, url string, body []byte) error {
	status, msg, err := queryStatus(ctx, url, body)
	if err != nil {
		return err
	}
	if status != http.StatusOK || msg != "" {
		return fmt.Errorf("status %d: %s", status, msg)
	}
	return nil
}

// queryStatus returns the query's status and error message ("" when it returned both series).
func queryStatus(ctx context.Context, url string, body []byte) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/api/query", bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, "", err
	}
	var out struct {
		Results map[string]struct {
			Frames []json.RawMessage `json:"frames"`
			Error  string            `json:"error"`
			Status int               `json:"status"`
		} `json:"results"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return res.StatusCode, fmt.Sprintf("not JSON: %.200s", b), nil
	}
	if out.Error != "" {
		return res.StatusCode, out.Error, nil
	}
	a := out.Results["A"]
	switch {
	case a.Error != "":
		status := a.Status
		if status == 0 {
			status = res.StatusCode
		}
		return status, a.Error, nil
	case len(a.Frames) != 2:
		return res.StatusCode, fmt.Sprintf("%d frames, want one per application (2)", len(a.Frames)), nil
	}
	return res.StatusCode, "", nil
}

// pluginCheck runs the plugin instance's health check and the panel query through it, as
// Grafana would; ok when both succeed.
func pluginCheck(ctx context.Context, ds *plugin.Datasource, end time.Time) (bool, string) {
	h, err := ds.CheckHealth(ctx, &backend.CheckHealthRequest{})
	if err != nil {
		return false, err.Error()
	}
	if h.Status != backend.HealthStatusOk {
		return false, "health: " + h.Message
	}
	var q struct {
		Queries []json.RawMessage `json:"queries"`
	}
	if err := json.Unmarshal(panelQuery(end), &q); err != nil {
		return false, err.Error()
	}
	resp, err := ds.QueryData(ctx, &backend.QueryDataRequest{Queries: []backend.DataQuery{{
		RefID: "A", JSON: q.Queries[0], MaxDataPoints: 60, Interval: time.Minute,
		TimeRange: backend.TimeRange{From: end.Add(-time.Hour), To: end},
	}}})
	if err != nil {
		return false, err.Error()
	}
	a := resp.Responses["A"]
	if a.Error != nil {
		return false, "query: " + a.Error.Error()
	}
	if len(a.Frames) != 2 {
		return false, fmt.Sprintf("query: %d frames, want 2", len(a.Frames))
	}
	return true, "health: " + h.Message + "; query: 2 series"
}

func health(ctx context.Context, url string) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/api/health", nil)
	if err != nil {
		return 0, err.Error()
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, strings.TrimSpace(string(b))
}
