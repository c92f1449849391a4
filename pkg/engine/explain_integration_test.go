package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// pointCount is how many non-null values the frames' number fields hold.
func pointCount(frames []*data.Frame) int {
	n := 0
	for _, f := range frames {
		for _, fl := range f.Fields {
			for i := range fl.Len() {
				if v, ok := fl.ConcreteAt(i); ok {
					if _, isNum := v.(float64); isNum {
						n++
					}
				}
			}
		}
	}
	return n
}

func warningsOf(res []*data.Frame) string {
	var out []string
	for _, f := range res {
		if f.Meta != nil {
			for _, n := range f.Meta.Notices {
				if n.Severity == data.NoticeSeverityWarning {
					out = append(out, n.Text)
				}
			}
		}
	}
	return strings.Join(out, "\n")
}

// A query that finds no rows because its bucket format or epoch unit does not match what the
// table stores says so, naming the stored shape; one whose shapes match (the range is simply
// empty) gets no such warning.
func TestEmptyAnswerNamesTheMismatchedShape(t *testing.T) {
	c := tsClient(t)
	e := New(c, Options{MaxConcurrency: 2})
	start := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	rows := tsRows(start, 40, 97*time.Minute, time.Millisecond)

	writeRows(t, c, "shape_day_text",
		`CREATE TABLE `+tsKeyspace+`.shape_day_text (sensor text, day text, t timestamp, v double, PRIMARY KEY ((sensor, day), t))`,
		`INSERT INTO `+tsKeyspace+`.shape_day_text (sensor, day, t, v) VALUES (?, ?, ?, ?)`,
		rows, func(_ int, r tsRow) []any { return []any{r.sensor, r.t.Format("2006-01-02"), r.t, r.v} })
	writeRows(t, c, "shape_epoch_ms",
		`CREATE TABLE `+tsKeyspace+`.shape_epoch_ms (sensor text, t bigint, v double, PRIMARY KEY (sensor, t))`,
		`INSERT INTO `+tsKeyspace+`.shape_epoch_ms (sensor, t, v) VALUES (?, ?, ?)`,
		rows, func(_ int, r tsRow) []any { return []any{r.sensor, r.t.UnixMilli(), r.v} })

	bucketed := func(format string) map[string]any {
		return map[string]any{
			"queryType": "builder", "keyspace": tsKeyspace, "table": "shape_day_text", "timeColumn": "t", "valueColumns": []string{"v"},
			"filters":      []map[string]any{{"column": "sensor", "op": "IN", "values": tsSensors}},
			"bucketColumn": "day", "bucketGranularity": "day", "bucketFormat": format, "interval": "1h",
		}
	}
	epoch := func(unit string) map[string]any {
		return map[string]any{
			"queryType": "builder", "keyspace": tsKeyspace, "table": "shape_epoch_ms", "timeColumn": "t", "timeUnit": unit,
			"valueColumns": []string{"v"}, "filters": []map[string]any{{"column": "sensor", "op": "=", "values": []string{"s1"}}}, "interval": "1h",
		}
	}
	inRange, empty := start.Add(2*time.Hour), start.Add(-30*24*time.Hour)
	for _, tt := range []struct {
		name     string
		q        map[string]any
		from     time.Time
		wantRows bool
		want     string // "" wants no warning
	}{
		{"bucket format matches", bucketed("YYYY-MM-DD"), inRange, true, ""},
		{"bucket format does not match the stored values", bucketed("YYYYMMDD"), inRange, false,
			"No rows: the bucket column \"day\" holds values like `2026-11-"},
		{"bucket format matches, nothing in the range", bucketed("YYYY-MM-DD"), empty, false, ""},
		{"epoch unit matches", epoch("ms"), inRange, true, ""},
		{"epoch unit is seconds, the column holds milliseconds", epoch("s"), inRange, false,
			"which look like milliseconds since 1970, but the time unit is seconds: set the time unit to ms"},
		{"epoch unit matches, nothing in the range", epoch("ms"), empty, false, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, e, dataQuery("A", tt.q, tt.from, tt.from.Add(6*time.Hour), 100))
			if res.Error != nil {
				t.Fatal(res.Error)
			}
			if got := pointCount(res.Frames) > 0; got != tt.wantRows {
				t.Fatalf("has points %v, want %v", got, tt.wantRows)
			}
			w := warningsOf(res.Frames)
			t.Logf("warnings: %s", w)
			switch {
			case tt.want == "" && strings.Contains(w, "No rows:"):
				t.Errorf("unexpected warning %q", w)
			case tt.want != "" && !strings.Contains(w, tt.want):
				t.Errorf("warnings %q, want one holding %q", w, tt.want)
			}
			if tt.want != "" && strings.Contains(tt.want, "bucket") && !strings.Contains(w, "but the bucket format `YYYYMMDD` makes `"+fmt.Sprint(tt.from.Format("20060102"))+"`") {
				t.Errorf("warning %q does not name the format and the value it made", w)
			}
		})
	}
}
