package engine

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricsserver/cassandra-datasource/pkg/binning"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
)

func TestExpandAlias(t *testing.T) {
	labels := map[string]string{"environment": "prod", "metric_name": "http.requests"}
	tests := []struct{ alias, want string }{
		{"{{environment}}/{{metric_name}} {{measure}}", "prod/http.requests p99"},
		{"{{ metric_name }} ({{aggregation}})", "http.requests (max)"},
		{"{{unknown}}x", "x"},
		{"plain", "plain"},
		{"{{measure}}{{measure}}", "p99p99"},
	}
	for _, tt := range tests {
		if got := expandAlias(tt.alias, labels, "p99", "max"); got != tt.want {
			t.Errorf("expandAlias(%q) = %q, want %q", tt.alias, got, tt.want)
		}
	}
}

// Alias templates are evaluated per series, from that series' labels.
func TestSeriesFramesAliasPerSeries(t *testing.T) {
	t0 := time.Unix(0, 0).UTC()
	one := 1.0
	results := []binning.SeriesResult{
		{Key: "a", Labels: map[string]string{"metric_name": "a"}, Times: []time.Time{t0}, Values: [][]*float64{{&one}}, Names: []binning.Output{{Column: "p99", Agg: "max"}}},
		{Key: "b", Labels: map[string]string{"metric_name": "b"}, Times: []time.Time{t0}, Values: [][]*float64{{nil}}, Names: []binning.Output{{Column: "p99", Agg: "max"}}},
	}
	frames := seriesFrames(results, []query.Measure{{Name: "p99", Aggregations: []string{"max"}}}, "{{metric_name}} {{measure}}")
	var got []string
	for _, f := range frames {
		got = append(got, f.Fields[1].Config.DisplayNameFromDS)
	}
	if diff := cmp.Diff([]string{"a p99", "b p99"}, got); diff != "" {
		t.Errorf("display names (-want +got):\n%s", diff)
	}
	if frames[1].Fields[1].At(0).(*float64) != nil {
		t.Errorf("a null bin must stay null")
	}
}

func TestFormatWidth(t *testing.T) {
	for d, want := range map[time.Duration]string{15 * time.Second: "15s", 5 * time.Minute: "5m", 2 * time.Hour: "2h", 48 * time.Hour: "2d", 1500 * time.Millisecond: "1.5s"} {
		if got := formatWidth(d); got != want {
			t.Errorf("formatWidth(%v) = %q, want %q", d, got, want)
		}
	}
}
