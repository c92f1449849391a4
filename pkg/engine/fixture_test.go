package engine

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/metricsserver/cassandra-datasource/internal/cassandratest"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
)

// The fixture: keyspace engine_test with the seed's timer table and a generic table with a
// composite partition key and every CQL type, filled with deterministic rows.
const fixtureKeyspace = "engine_test"

var (
	fixtureStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fixtureEnd   = fixtureStart.Add(2 * time.Hour)
	fixtureStep  = 5 * time.Second
	// Rows start before and end after the window, so out-of-window rows exist.
	fixtureFirst   = fixtureStart.Add(-10 * time.Minute)
	fixtureLast    = fixtureEnd.Add(10 * time.Minute)
	fixtureMetrics = []string{"m1", "m2", "m3"}
)

// timerRow is one row of the seed's timer table as the fixture writes it.
type timerRow struct {
	metric      string
	ts          time.Time
	p99         *float32
	count, prev int64
	mean        float64
}

// fixtureRows generates the timer rows: a smooth p99 with a spike, a null every 97th row, a
// counter that grows irregularly and resets once.
func fixtureRows() []timerRow {
	var out []timerRow
	for mi, m := range fixtureMetrics {
		var count int64 = int64(1000 * (mi + 1))
		i := 0
		for ts := fixtureFirst; ts.Before(fixtureLast); ts = ts.Add(fixtureStep) {
			prev := count
			count += int64(3 + i%7 + mi)
			if i == 700 { // a reporter restart: the counter starts again
				prev, count = 0, 5
			}
			r := timerRow{metric: m, ts: ts, count: count, prev: prev, mean: float64(i%13) + float64(mi)}
			if i%97 != 0 {
				v := float32(100 + 10*math.Sin(float64(i)/50) + float64(mi))
				if i == 400 {
					v = 900 // a spike
				}
				r.p99 = &v
			}
			out = append(out, r)
			i++
		}
	}
	return out
}

var (
	fixtureOnce sync.Once
	fixtureErr  error
)

func fixtureClient(t testing.TB) *cassandra.Client {
	t.Helper()
	c := cassandratest.Client(t)
	fixtureOnce.Do(func() { fixtureErr = loadFixture(c) })
	if fixtureErr != nil {
		t.Fatalf("load fixture: %v", fixtureErr)
	}
	return c
}

func loadFixture(c *cassandra.Client) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ddl := []string{
		`CREATE KEYSPACE IF NOT EXISTS engine_test WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
		`CREATE TABLE IF NOT EXISTS engine_test.raw_timer_with_interval (
			environment text, application text, metric_name text, metric_timestamp timestamp,
			count bigint, previous_metric_timestamp timestamp, previous_count bigint,
			max float, mean float, min float, std_dev float, median float, p75 float, p95 float, p98 float,
			p99 float, p999 float, mean_rate float, one_min_rate float, five_min_rate float, fifteen_min_rate float,
			rate_unit text, duration_unit text,
			PRIMARY KEY ((environment, application, metric_name), metric_timestamp))`,
		`CREATE TYPE IF NOT EXISTS engine_test.location (city text, zip int)`,
		`CREATE TABLE IF NOT EXISTS engine_test.samples (
			tenant text, day date, ts timestamp, region text,
			value double, hits bigint, ratio float, small smallint, tiny tinyint, num int, big varint, dec decimal,
			ok boolean, label ascii, note varchar, d date, t time, du duration, id uuid, tid timeuuid, ip inet, raw blob,
			tags set<text>, readings list<int>, attrs map<text, text>, pair tuple<int, text>, loc frozen<location>,
			PRIMARY KEY ((tenant, day), ts, region)) WITH CLUSTERING ORDER BY (ts DESC, region ASC)`,
	}
	for _, s := range ddl {
		if err := c.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	ins := `INSERT INTO engine_test.raw_timer_with_interval (environment, application, metric_name, metric_timestamp, count, previous_count, p99, mean, rate_unit, duration_unit) VALUES ('prod', 'api', ?, ?, ?, ?, ?, ?, 'events/second', 'milliseconds')`
	rows := fixtureRows()
	var batch [][]any
	flush := func() error {
		err := c.ExecBatch(ctx, ins, batch)
		batch = batch[:0]
		return err
	}
	for i, r := range rows {
		var p99 any
		if r.p99 != nil {
			p99 = *r.p99
		}
		batch = append(batch, []any{r.metric, r.ts, r.count, r.prev, p99, float32(r.mean)})
		if len(batch) == 50 || i == len(rows)-1 || rows[i+1].metric != r.metric {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	samples := []string{
		`INSERT INTO engine_test.samples (tenant, day, ts, region, value, hits, ratio, small, tiny, num, big, dec, ok, label, note, d, t, du, id, tid, ip, raw, tags, readings, attrs, pair, loc)
		 VALUES ('acme', '2026-01-01', '2026-01-01T00:00:10Z', 'eu', 1.5, 10, 0.25, 7, 1, 42, 123456789012345678901234567890, 3.14159, true, 'a', 'first', '2026-01-01', '01:02:03', 1d2h, 5b6962dd-3f90-4c93-8f61-eabfa4a803e2, 50554d6e-29bb-11e5-b345-feff819cdc9f, '192.168.0.1', 0x0102, {'x', 'y'}, [1, 2], {'k': 'v'}, (1, 'one'), {city: 'Oslo', zip: 150})`,
		`INSERT INTO engine_test.samples (tenant, day, ts, region, value, hits) VALUES ('acme', '2026-01-01', '2026-01-01T00:00:20Z', 'us', 2.5, 20)`,
		`INSERT INTO engine_test.samples (tenant, day, ts, region, value, hits) VALUES ('acme', '2026-01-01', '2026-01-01T00:01:10Z', 'eu', 3.5, 30)`,
		`INSERT INTO engine_test.samples (tenant, day, ts, region, value, hits) VALUES ('acme', '2026-01-02', '2026-01-01T00:00:40Z', 'eu', 4.5, 40)`,
		`INSERT INTO engine_test.samples (tenant, day, ts, region, value) VALUES ('globex', '2026-01-01', '2026-01-01T00:00:30Z', 'eu', 100)`,
	}
	for _, s := range samples {
		if err := c.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

func cassandraOpts() cassandra.QueryOptions { return cassandra.QueryOptions{} }
