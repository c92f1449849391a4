package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestSAIFiltersRunWithoutAllowFiltering filters on SAI-indexed columns (= on text, a range
// on an int) and on a legacy secondary index, without ALLOW FILTERING, and checks the bins
// against the raw rows that match.
func TestSAIFiltersRunWithoutAllowFiltering(t *testing.T) {
	c := tsClient(t)
	start := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	from, to := start.Add(2*time.Hour), start.Add(20*time.Hour)
	rows := tsRows(start, 400, 3*time.Minute+7*time.Second, time.Millisecond)
	status := func(r tsRow) string {
		if (r.t.Unix()/7)%3 == 0 {
			return "bad"
		}
		return "ok"
	}
	level := func(r tsRow) int32 { return int32((r.t.Unix() / 60) % 5) }
	site := func(r tsRow) string { return fmt.Sprintf("site%d", (r.t.Unix()/11)%2) }
	writeRows(t, c, "idx_readings",
		`CREATE TABLE `+tsKeyspace+`.idx_readings (sensor text, t timestamp, status text, level int, site text, plain text, v double, PRIMARY KEY (sensor, t))`,
		`INSERT INTO `+tsKeyspace+`.idx_readings (sensor, status, level, site, plain, t, v) VALUES (?, ?, ?, ?, 'p', ?, ?)`,
		rows, func(_ int, r tsRow) []any { return []any{r.sensor, status(r), level(r), site(r), r.t, r.v} },
		`CREATE INDEX idx_readings_status ON `+tsKeyspace+`.idx_readings (status) USING 'sai'`,
		`CREATE INDEX idx_readings_level ON `+tsKeyspace+`.idx_readings (level) USING 'sai'`,
		`CREATE INDEX idx_readings_site ON `+tsKeyspace+`.idx_readings (site)`)
	e := New(c, Options{})
	base := func(filters ...map[string]any) map[string]any {
		return map[string]any{
			"queryType": "builder", "keyspace": tsKeyspace, "table": "idx_readings", "timeColumn": "t", "valueColumns": []string{"v"},
			"filters":      append([]map[string]any{{"column": "sensor", "op": "IN", "values": tsSensors}}, filters...),
			"aggregations": []string{"sum", "count", "max"}, "interval": "1h", "fill": "none",
		}
	}
	for _, tt := range []struct {
		name    string
		filters []map[string]any
		keep    func(r tsRow) bool
	}{
		{"SAI = on text", []map[string]any{{"column": "status", "op": "=", "values": []string{"ok"}}},
			func(r tsRow) bool { return status(r) == "ok" }},
		{"SAI = and an SAI range together", []map[string]any{
			{"column": "status", "op": "=", "values": []string{"ok"}}, {"column": "level", "op": ">=", "values": []string{"3"}}},
			func(r tsRow) bool { return status(r) == "ok" && level(r) >= 3 }},
		{"legacy secondary index =", []map[string]any{{"column": "site", "op": "=", "values": []string{"site1"}}},
			func(r tsRow) bool { return site(r) == "site1" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var kept []tsRow
			for _, r := range rows {
				if tt.keep(r) {
					kept = append(kept, r)
				}
			}
			res := run(t, e, dataQuery("A", base(tt.filters...), from, to, 1000))
			if got := executed(res); strings.Contains(got, "ALLOW FILTERING") {
				t.Errorf("the statement asks for filtering: %s", got)
			}
			if diff := cmp.Diff(refBins(kept, from, to, time.Hour), engineBins(t, res)); diff != "" {
				t.Errorf("bins differ from the matching raw rows (-want +got):\n%s", diff)
			}
		})
	}

	// A column without an index is refused before Cassandra is asked, naming the fix.
	res := run(t, e, dataQuery("B", base(map[string]any{"column": "plain", "op": "=", "values": []string{"p"}}), from, to, 1000))
	if res.Error == nil || !strings.Contains(res.Error.Error(), `"plain" is not in the primary key and has no index`) || res.ErrorSource != "downstream" {
		t.Errorf("unindexed filter: error %v (source %q), want a downstream refusal naming the column", res.Error, res.ErrorSource)
	}
}
