package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
)

var (
	recorderOnce sync.Once
	recorder     *tracetest.SpanRecorder
	recorderTP   *sdktrace.TracerProvider
)

// spanRecorder installs an in-memory recorder as the global tracer provider, which the SDK's
// default tracer uses when Grafana has not set one up. Tests tell their spans apart by trace.
func spanRecorder() (*tracetest.SpanRecorder, trace.Tracer) {
	recorderOnce.Do(func() {
		recorder = tracetest.NewSpanRecorder()
		recorderTP = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder))
		otel.SetTracerProvider(recorderTP)
	})
	return recorder, recorderTP.Tracer("test")
}

const (
	tracingKeyspace = "plugin_tracing_test"
	tracedSensor    = "sensor-bound-value-8c1f"
	tracedPassword  = "cassandra-pw-5d2e9a"
)

// TestTracingSpans runs a builder query and a resource call with tracing on: the spans are
// cassandra.query > cassandra.statement > cassandra.page and cassandra.resource > cassandra.page,
// the statement's CQL is an attribute, and neither the filter's bound value nor the password
// appears in any attribute, event or status.
func TestTracingSpans(t *testing.T) {
	cassandratest.Hosts(t)
	rec, tracer := spanRecorder()
	c := cassandratest.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, s := range []string{
		`CREATE KEYSPACE IF NOT EXISTS ` + tracingKeyspace + ` WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
		`CREATE TABLE IF NOT EXISTS ` + tracingKeyspace + `.readings (sensor text, ts timestamp, value double, PRIMARY KEY (sensor, ts))`,
	} {
		if err := c.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 30; i++ {
		if err := c.Exec(ctx, `INSERT INTO `+tracingKeyspace+`.readings (sensor, ts, value) VALUES (?, ?, ?)`, tracedSensor, day.Add(time.Duration(i)*time.Minute), float64(i)); err != nil {
			t.Fatal(err)
		}
	}

	s := instanceSettings(t, map[string]any{"pageSize": 10}, map[string]string{"password": tracedPassword})
	inst, err := NewDatasource(ctx, *s)
	if err != nil {
		t.Fatal(err)
	}
	ds := inst.(*Datasource)
	defer ds.Dispose()

	ctx, root := tracer.Start(ctx, "test")
	body, _ := json.Marshal(map[string]any{
		"queryType": "builder", "keyspace": tracingKeyspace, "table": "readings", "timeColumn": "ts",
		"valueColumns": []string{"value"}, "interval": "5m", "aggregations": []string{"sum"},
		"filters": []map[string]any{{"column": "sensor", "op": "=", "values": []string{tracedSensor}}},
	})
	resp, err := ds.QueryData(ctx, &backend.QueryDataRequest{Queries: []backend.DataQuery{{
		RefID: "A", JSON: body, TimeRange: backend.TimeRange{From: day, To: day.Add(time.Hour)}, MaxDataPoints: 100, Interval: time.Minute,
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if a := resp.Responses["A"]; a.Error != nil || len(a.Frames) == 0 {
		t.Fatalf("query: %v, %d frames", a.Error, len(a.Frames))
	}
	var keyspaces []string
	if status := callResource(t, &tracedCaller{ds: ds, ctx: ctx}, s, "keyspaces", &keyspaces); status != 200 || !contains(keyspaces, tracingKeyspace) {
		t.Fatalf("keyspaces: status %d, %v", status, keyspaces)
	}
	root.End()

	var spans []sdktrace.ReadOnlySpan
	for _, sp := range rec.Ended() {
		if sp.SpanContext().TraceID() == root.SpanContext().TraceID() {
			spans = append(spans, sp)
		}
	}
	byID := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	var names []string
	for _, sp := range spans {
		byID[sp.SpanContext().SpanID()] = sp
		names = append(names, sp.Name())
	}
	parentName := func(sp sdktrace.ReadOnlySpan) string {
		if p, ok := byID[sp.Parent().SpanID()]; ok {
			return p.Name()
		}
		return ""
	}
	attr := func(sp sdktrace.ReadOnlySpan, key string) string {
		for _, kv := range sp.Attributes() {
			if string(kv.Key) == key {
				return kv.Value.Emit()
			}
		}
		return ""
	}
	for _, want := range []string{"cassandra.query", "cassandra.statement", "cassandra.page", "cassandra.resource"} {
		if !slices.Contains(names, want) {
			t.Errorf("no %s span among %v", want, names)
		}
	}
	pagesUnder := map[string]int{}
	var readRows int
	for _, sp := range spans {
		switch sp.Name() {
		case "cassandra.query":
			if got := attr(sp, "grafana.ref_id"); got != "A" {
				t.Errorf("query span ref_id %q", got)
			}
		case "cassandra.statement":
			cql := attr(sp, "db.query.text")
			if !strings.HasPrefix(cql, "SELECT") || !strings.Contains(cql, "readings") || !strings.Contains(cql, "?") {
				t.Errorf("statement span CQL %q: want the SELECT with its placeholders", cql)
			}
			if parentName(sp) != "cassandra.query" {
				t.Errorf("statement span's parent is %q, want cassandra.query", parentName(sp))
			}
			if attr(sp, "cassandra.bound_values") == "0" {
				t.Error("the statement had no bound values: the check below would prove nothing")
			}
			fmt.Sscan(attr(sp, "cassandra.rows"), &readRows)
		case "cassandra.page":
			pagesUnder[parentName(sp)]++
			if attr(sp, "db.query.text") == "" {
				t.Error("page span without its CQL")
			}
		}
	}
	// 30 rows at 10 a page: at least 3 pages under the statement.
	if readRows != 30 || pagesUnder["cassandra.statement"] < 3 {
		t.Errorf("statement read %d rows in %d pages, want 30 rows in at least 3 pages", readRows, pagesUnder["cassandra.statement"])
	}
	if pagesUnder["cassandra.resource"] == 0 {
		t.Errorf("no page span under the resource call: %v", pagesUnder)
	}

	for _, sp := range spans {
		text := sp.Status().Description
		for _, kv := range sp.Attributes() {
			text += "\n" + string(kv.Key) + "=" + kv.Value.Emit()
		}
		for _, ev := range sp.Events() {
			text += "\n" + ev.Name
			for _, kv := range ev.Attributes {
				text += "\n" + kv.Value.Emit()
			}
		}
		for _, secret := range []string{tracedSensor, tracedPassword} {
			if strings.Contains(text, secret) {
				t.Errorf("span %s carries %q:\n%s", sp.Name(), secret, text)
			}
		}
	}
}

// tracedCaller sends resource calls with the test's trace in the context.
type tracedCaller struct {
	ds  *Datasource
	ctx context.Context
}

func (c *tracedCaller) CallResource(_ context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) error {
	return c.ds.CallResource(c.ctx, req, sender)
}
