package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/metricsserver/cassandra-datasource/internal/seedtest"
	"github.com/metricsserver/cassandra-datasource/pkg/seed"
)

// TestSecureGuardrailsHoldAndTheBuilderStaysInside: the secure node runs with the IN guardrails
// that scripts/local-cassandra.sh turns on (partition_keys_in_select_fail_threshold: 100), which
// Cassandra applies to roles that are not superusers, as the data source's reader is. A raw
// statement naming 200 partitions is refused by Cassandra itself, with the guardrail's advice;
// a builder query naming 300 partitions runs, because the planner splits them into statements
// of at most 100, and answers every series that has rows.
func TestSecureGuardrailsHoldAndTheBuilderStaysInside(t *testing.T) {
	f := secureSetup(t)
	s := f.settings(t, nil, nil, nil)
	tp := grpcPlugin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	envs, apps, metrics := seed.Environments(3), seed.Applications(10), seed.MetricNames(10)
	quoted := func(vals []string) string {
		out := make([]string, len(vals))
		for i, v := range vals {
			out[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
		}
		return strings.Join(out, ", ")
	}
	raw, _ := json.Marshal(map[string]any{
		"queryType": "cql", "format": "table",
		"rawCql": fmt.Sprintf("SELECT %s FROM %s.%s WHERE %s IN (%s) AND %s IN (%s) AND %s IN (%s) LIMIT 10",
			seed.ColMetricName, secureKeyspace, seed.TimerWithInterval,
			seed.ColEnvironment, quoted(envs[:2]), seed.ColApplication, quoted(apps), seed.ColMetricName, quoted(metrics)),
	})
	builder, _ := json.Marshal(map[string]any{
		"queryType": "builder", "keyspace": secureKeyspace, "table": seed.TimerWithInterval,
		"timeColumn": seed.ColTimestamp, "valueColumns": []string{"p95"}, "aggregations": []string{"max"},
		"filters": []map[string]any{
			{"column": seed.ColEnvironment, "op": "IN", "values": envs},
			{"column": seed.ColApplication, "op": "IN", "values": apps},
			{"column": seed.ColMetricName, "op": "IN", "values": metrics},
		},
	})
	tr := backend.TimeRange{From: seedtest.End.Add(-time.Hour), To: seedtest.End}
	resp, err := tp.Client.QueryData(ctx, &backend.QueryDataRequest{
		PluginContext: backend.PluginContext{DataSourceInstanceSettings: s},
		Queries: []backend.DataQuery{
			{RefID: "raw", JSON: raw, MaxDataPoints: 60, Interval: time.Minute, TimeRange: tr},
			{RefID: "builder", JSON: builder, MaxDataPoints: 60, Interval: time.Minute, TimeRange: tr},
		},
	})
	if err != nil {
		t.Fatalf("QueryData over gRPC: %v", err)
	}
	r := resp.Responses["raw"]
	if r.Error == nil || !strings.Contains(r.Error.Error(), "guardrail partition_keys_in_select (cassandra.yaml: partition_keys_in_select_fail_threshold) refused the query") {
		t.Errorf("raw CQL naming 200 partitions: error %v, want Cassandra's partition_keys_in_select guardrail", r.Error)
	}
	if r.ErrorSource != backend.ErrorSourceDownstream {
		t.Errorf("the guardrail's refusal is %q, want a downstream error", r.ErrorSource)
	}

	b := resp.Responses["builder"]
	if b.Error != nil {
		t.Fatalf("builder over 300 partitions: %v", b.Error)
	}
	series := 0
	for _, fr := range b.Frames {
		if n, _ := fr.RowLen(); n > 0 && len(fr.Fields) > 1 {
			series++
		}
	}
	// The seed loader wrote one series (the first environment, application and metric), one of
	// the 300 named: exactly it answers.
	if series != 1 {
		t.Errorf("builder over 300 partitions answered %d series, want the 1 that has rows", series)
	}
	var notices []string
	if len(b.Frames) > 0 && b.Frames[0].Meta != nil {
		for _, n := range b.Frames[0].Meta.Notices {
			notices = append(notices, n.Text)
		}
	}
	if want := "Read 300 partitions with 3 statements of at most 100 partitions each, in parallel."; !contains(notices, want) {
		t.Errorf("notices %q, want %q", notices, want)
	}
}
