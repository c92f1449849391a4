package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestSplitWideEqualsOneRead: one partition's range read as pieces in parallel gives the
// frames of one sequential read, for every aggregation (each bin is read by one statement).
func TestSplitWideEqualsOneRead(t *testing.T) {
	c := fixtureClient(t)
	for _, tt := range []struct {
		name     string
		metrics  []string
		from, to time.Time
	}{
		{"one partition, window not on bin edges", []string{"m1"}, fixtureStart.Add(7 * time.Second), fixtureEnd.Add(-3 * time.Second)},
		{"two partitions", []string{"m1", "m2"}, fixtureStart, fixtureEnd},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := seedBuilder(map[string]any{
				"interval":     "15s",
				"aggregations": []string{"avg", "min", "max", "sum", "count", "first", "last", "stddev", "p50", "p99"},
				"filters": []map[string]any{
					{"column": "environment", "op": "=", "values": []string{"prod"}},
					{"column": "application", "op": "=", "values": []string{"api"}},
					{"column": "metric_name", "op": "IN", "values": tt.metrics},
				},
			})
			one := run(t, New(c, Options{MaxConcurrency: 8}), dataQuery("A", q, tt.from, tt.to, 1000))
			split := run(t, New(c, Options{MaxConcurrency: 8, SplitWide: true}), dataQuery("A", q, tt.from, tt.to, 1000))
			if diff := cmp.Diff(frameData(t, one), frameData(t, split)); diff != "" {
				t.Fatalf("split read differs from one read (-one +split):\n%s", diff)
			}
			executed := split.Frames[0].Meta.ExecutedQueryString
			if !strings.Contains(executed, "pieces") {
				t.Errorf("the executed CQL does not say the range was split: %q", executed)
			}
			if a, b := totalRows(t, one), totalRows(t, split); a != b {
				t.Errorf("rows read: %d in one read, %d split", a, b)
			}
		})
	}
}

// TestSplitWideOnlyForPartitionReads: a scan with ALLOW FILTERING is not split, since each
// piece would scan the whole table again.
func TestSplitWideOnlyForPartitionReads(t *testing.T) {
	c := fixtureClient(t)
	q := seedBuilder(map[string]any{
		"interval": "15s", "allowFiltering": true,
		"filters": []map[string]any{{"column": "metric_name", "op": "=", "values": []string{"m1"}}},
	})
	res := run(t, New(c, Options{MaxConcurrency: 8, SplitWide: true}), dataQuery("A", q, fixtureStart, fixtureEnd, 1000))
	if res.Error != nil {
		t.Fatal(res.Error)
	}
	if executed := res.Frames[0].Meta.ExecutedQueryString; strings.Contains(executed, "pieces") {
		t.Errorf("a filtering scan was split: %q", executed)
	}
}
