package seed

import (
	"testing"
	"time"
)

func collect(s series, from, to time.Time, step time.Duration) []row {
	var out []row
	s.rows(from, to, step, func(r *row) { out = append(out, *r) })
	return out
}

func TestRowsArePureFunctionsOfTime(t *testing.T) {
	end := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	for _, table := range Tables {
		s := newSeries(7, table, "prod", "checkout", "http.requests")
		long := collect(s, end.Add(-30*time.Hour), end, 5*time.Second)
		short := collect(s, end.Add(-2*time.Hour), end.Add(time.Hour), 5*time.Second)
		byTS := map[time.Time]row{}
		for _, r := range long {
			byTS[r.ts] = r
		}
		overlap := 0
		for _, r := range short {
			if lr, ok := byTS[r.ts]; ok {
				overlap++
				if lr != r {
					t.Fatalf("%s: row at %s differs between loads:\n%+v\n%+v", table, r.ts, lr, r)
				}
			}
		}
		if overlap < 1400 {
			t.Fatalf("%s: only %d overlapping rows", table, overlap)
		}
	}
}

func TestRowsAreConsistent(t *testing.T) {
	end := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	step := 5 * time.Second
	for _, table := range Tables {
		for _, env := range Environments(4) {
			s := newSeries(1, table, env, "search", "db.query")
			rows := collect(s, end.Add(-day), end, step)
			if len(rows) < 17280-20*12-10 || len(rows) > 17280 {
				t.Fatalf("%s/%s: %d rows in a day", table, env, len(rows))
			}
			resets, gaps := 0, 0
			for i, r := range rows {
				if !r.ts.After(r.prevTS) {
					t.Fatalf("%s: previous_metric_timestamp %s not before %s", table, r.prevTS, r.ts)
				}
				if r.count < r.prevCount {
					t.Fatalf("%s: count %d below previous_count %d at %s", table, r.count, r.prevCount, r.ts)
				}
				if i > 0 {
					p := rows[i-1]
					if r.ts.Sub(p.ts) > 2*step {
						gaps++
					}
					if r.count < p.count {
						resets++
						if r.prevCount != 0 {
							t.Fatalf("first report after a restart has previous_count %d", r.prevCount)
						}
					} else if r.prevCount != p.count || !r.prevTS.Equal(p.ts) {
						t.Fatalf("%s: previous_* of %s do not match the row before", table, r.ts)
					}
				}
				if s.timer {
					seq := []float32{r.min, r.median, r.p75, r.p95, r.p98, r.p99, r.p999, r.max}
					for j := 1; j < len(seq); j++ {
						if seq[j] < seq[j-1] {
							t.Fatalf("%s: percentiles out of order at %s: %v", table, r.ts, seq)
						}
					}
					if r.mean < r.median || r.mean > r.p95 || r.stdDev <= 0 || r.min <= 0 {
						t.Fatalf("%s: mean/std_dev implausible at %s: %+v", table, r.ts, r)
					}
					if r.oneMinRate < 0 || r.meanRate < 0 {
						t.Fatalf("negative rate at %s", r.ts)
					}
				}
			}
			if resets != 1 || gaps != 1 {
				t.Fatalf("%s/%s: want one restart after one gap in a day, got %d resets and %d gaps", table, env, resets, gaps)
			}
		}
	}
}

func TestRowsFollowDailyCycle(t *testing.T) {
	s := newSeries(1, CounterWithInterval, "prod", "checkout", "http.requests")
	d := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	sum := func(from time.Time) (n int64) {
		for _, r := range collect(s, from, from.Add(time.Hour), 5*time.Second) {
			if r.count >= r.prevCount {
				n += r.count - r.prevCount
			}
		}
		return n
	}
	night, afternoon := sum(d.Add(3*time.Hour)), sum(d.Add(15*time.Hour))
	if afternoon < 2*night {
		t.Fatalf("traffic at 15:00 (%d events/h) should far exceed 03:00 (%d)", afternoon, night)
	}
}

func TestOptionsDefaultsAndErrors(t *testing.T) {
	now := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	o, err := Options{}.withDefaults(now)
	if err != nil {
		t.Fatal(err)
	}
	if o.Keyspace != "metric_data" || o.Span != day || o.Step != 5*time.Second || !o.End.Equal(now) || len(o.allSeries()) != 4*27 {
		t.Fatalf("defaults: %+v", o)
	}
	for _, bad := range []Options{
		{Step: 1500 * time.Millisecond}, {Span: time.Second, Step: 5 * time.Second}, {Keyspace: "a-b"},
		{Tables: []string{"nope"}}, {Environments: -1},
	} {
		if _, err := bad.withDefaults(now); err == nil {
			t.Errorf("%+v: want an error", bad)
		}
	}
}

// The demo dashboard's annotation marks p99 above 220 ms of http.requests: with an incident in
// the load, every recent window has such rows, whatever the time of day; without one, some do
// not (random incidents are rare). Latencies outside the incident's block are the same either
// way (counts after it are higher: the burst's requests were counted).
func TestIncidentShowsInEveryWindowAndOnlyInItsBlock(t *testing.T) {
	start := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	const threshold = 220
	quiet := 0
	const windows = 36 // three days of two-hour windows
	for i := 0; i < windows; i++ {
		end := start.Add(time.Duration(i) * 2 * time.Hour)
		o := Options{Seed: 1, Incident: end.Add(-30 * time.Minute)}
		for _, env := range Environments(3) {
			for _, app := range Applications(3) {
				with := o.series(TimerWithInterval, env, app, "http.requests")
				without := newSeries(1, TimerWithInterval, env, app, "http.requests")
				plain := map[time.Time]row{}
				for _, r := range collect(without, end.Add(-2*time.Hour), end, 5*time.Second) {
					plain[r.ts] = r
				}
				block := o.Incident.Truncate(spikeBlock)
				var maxWith, maxWithout float32
				for _, r := range collect(with, end.Add(-2*time.Hour), end, 5*time.Second) {
					maxWith = max(maxWith, r.p99)
					p := plain[r.ts]
					maxWithout = max(maxWithout, p.p99)
					inBlock := !r.ts.Before(block) && r.ts.Before(block.Add(spikeBlock+time.Second))
					if !inBlock && (p.p99 != r.p99 || p.median != r.median || p.max != r.max) {
						t.Fatalf("%s/%s, end %s: latency at %s changed outside the incident's block", env, app, end, r.ts)
					}
				}
				if maxWith <= threshold {
					t.Fatalf("%s/%s, end %s: p99 at most %.0f with an incident", env, app, end, maxWith)
				}
				if maxWithout <= threshold {
					quiet++
				}
			}
		}
	}
	if quiet == 0 {
		t.Fatalf("every window had p99 above %d without an incident: the test shows nothing", threshold)
	}
	t.Logf("%d of %d windows have no p99 above %d without the incident", quiet, windows*9, threshold)
}
