package seed

import (
	"fmt"
	"hash/fnv"
	"math"
	"time"
)

// The demo data imitates what Dropwizard-style reporters write: running totals that only grow
// until the application restarts, exponentially weighted rates, and latency percentiles.
//
// Every value is a pure function of the seed, the series and the report's index k (time
// k*step): randomness comes from hashing those, not from a generator's state, and a series is
// always computed from its last restart. So loads with different spans or end times write the
// same values where they overlap, several test packages may load the same keyspace at once,
// and reloading is harmless.

const day = 24 * time.Hour

var (
	environmentNames = []string{"prod", "staging", "dev", "qa", "perf", "sandbox"}
	applicationNames = []string{"checkout", "search", "auth", "catalog", "payments", "inventory"}
	metricNames      = []string{"http.requests", "db.query", "cache.get", "queue.publish", "email.send", "session.lookup"}
)

// envScale is how much traffic an environment sees relative to production.
var envScale = map[string]float64{"prod": 1, "staging": 0.15, "dev": 0.03}

// appRate is an application's base request rate, events per second.
var appRate = map[string]float64{"checkout": 40, "search": 120, "auth": 25, "catalog": 60, "payments": 15, "inventory": 30}

// metricShape is how often a metric fires per request and how long it takes (ms).
var metricShape = map[string]struct{ perRequest, latencyMs float64 }{
	"http.requests":  {1, 45},
	"db.query":       {2.5, 6},
	"cache.get":      {8, 0.8},
	"queue.publish":  {0.5, 3},
	"email.send":     {0.05, 250},
	"session.lookup": {1.2, 1.5},
}

// Names returns the first n names of a list, numbering further ones (env7, app7, ...).
func names(list []string, n int, prefix string) []string {
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		if i < len(list) {
			out = append(out, list[i])
		} else {
			out = append(out, fmt.Sprintf("%s%d", prefix, i+1))
		}
	}
	return out
}

// Environments, Applications and MetricNames are the names Generate uses for n of each.
func Environments(n int) []string { return names(environmentNames, n, "env") }
func Applications(n int) []string { return names(applicationNames, n, "app") }
func MetricNames(n int) []string  { return names(metricNames, n, "metric") }

// series is one partition: one metric of one application in one environment, in one table.
type series struct {
	table, env, app, metric string
	timer                   bool
	key                     uint64 // hash of seed and identity: the series' random stream
	appKey                  uint64 // hash of seed, env and app: restarts are per application
	rate                    float64
	latencyMs               float64
	// incident, when set, is a spike block every series of a load shares (Options.Incident).
	incident    int64
	hasIncident bool
}

func newSeries(seed int64, table, env, app, metric string) series {
	s := series{table: table, env: env, app: app, metric: metric, timer: IsTimerTable(table)}
	s.key = hashStrings(seed, table, env, app, metric)
	s.appKey = hashStrings(seed, env, app)
	scale, ok := envScale[env]
	if !ok {
		scale = 0.05
	}
	base, ok := appRate[app]
	if !ok {
		base = 10 + 40*unit(s.appKey, 1, 0)
	}
	shape, ok := metricShape[metric]
	if !ok {
		shape.perRequest = 0.2 + 2*unit(s.key, 1, 0)
		shape.latencyMs = 1 + 50*unit(s.key, 2, 0)
	}
	s.rate = scale * base * shape.perRequest
	s.latencyMs = shape.latencyMs
	return s
}

func hashStrings(seed int64, parts ...string) uint64 {
	h := fnv.New64a()
	var b [8]byte
	for i := range b {
		// #nosec G115 -- the seed's bits, one byte at a time: the truncation is the point
		b[i] = byte(uint64(seed) >> (8 * i))
	}
	_, _ = h.Write(b[:])
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0})
	}
	return h.Sum64()
}

// mix is splitmix64's finaliser: a cheap, well-spread hash of one word.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// unit is a uniform number in [0, 1) determined by a key, a stream number and an index.
func unit(key uint64, stream, k int64) float64 {
	// #nosec G115 -- hashing: the bits of stream and k are mixed, their sign does not matter
	x := mix(key ^ mix(uint64(stream)*0x632be59bd9b4e019^uint64(k)))
	return float64(x>>11) / (1 << 53)
}

// normal is roughly standard normal (Irwin-Hall of four uniforms), bounded to ±3.5.
func normal(key uint64, stream, k int64) float64 {
	s := 0.0
	for i := int64(0); i < 4; i++ {
		s += unit(key, stream*8+i, k)
	}
	return (s - 2) * math.Sqrt(3)
}

// Random streams, so that no two quantities share random numbers.
const (
	streamJitter = iota + 10
	streamCount
	streamRound
	streamLatency
	streamSpread
	streamSpike
	streamSpikeSize
	streamRestart
	streamOutage
)

// restartPlan says when an application restarts: once a day at a time of its own, after an
// outage of 5-20 minutes during which its reporters write nothing (the gap in the data).
type restartPlan struct {
	offset time.Duration // from midnight UTC
	outage time.Duration
}

func (s series) restarts(step time.Duration) restartPlan {
	off := time.Duration(unit(s.appKey, streamRestart, 0) * float64(day)).Truncate(step)
	outage := (5*time.Minute + time.Duration(unit(s.appKey, streamOutage, 0)*float64(15*time.Minute))).Truncate(step)
	return restartPlan{offset: off, outage: outage}
}

// lastRestart is the latest restart at or before t.
func (p restartPlan) lastRestart(t time.Time) time.Time {
	midnight := t.UTC().Truncate(day)
	r := midnight.Add(p.offset)
	if r.After(t) {
		r = r.Add(-day)
	}
	return r
}

// down reports whether t falls in the outage before a restart.
func (p restartPlan) down(t time.Time) bool {
	next := p.lastRestart(t).Add(day)
	return !t.Before(next.Add(-p.outage))
}

// load is the daily traffic cycle: lowest around 03:00 UTC, highest around 15:00 UTC.
func load(t time.Time) float64 {
	sod := float64(t.UTC().Sub(t.UTC().Truncate(day))) / float64(day)
	return 1 + 0.6*math.Sin(2*math.Pi*(sod-0.375))
}

// spikeBlock is the length of an incident: some blocks see slow responses and a traffic burst.
const spikeBlock = 10 * time.Minute

// spike returns the latency and traffic multipliers of t's block (1, 1 outside incidents).
func (s series) spike(t time.Time) (latency, traffic float64) {
	b := t.UnixNano() / int64(spikeBlock)
	if !(s.hasIncident && b == s.incident) && unit(s.key, streamSpike, b) >= 0.02 {
		return 1, 1
	}
	size := unit(s.key, streamSpikeSize, b)
	return 3 + 5*size, 1.5 + size
}

// row is one report.
type row struct {
	ts, prevTS                                   time.Time
	count, prevCount                             int64
	max, mean, min, stdDev, median               float32
	p75, p95, p98, p99, p999                     float32
	meanRate, oneMinRate, fiveMinRate, fifteenMR float32
}

// rows calls emit for every report of the series with from <= k*step < to, in time order.
// It starts computing at the application's last restart before from, so the values do not
// depend on from.
func (s series) rows(from, to time.Time, step time.Duration, emit func(*row)) {
	plan := s.restarts(step)
	first := ceilDiv(from.UnixNano(), int64(step))
	last := ceilDiv(to.UnixNano(), int64(step)) - 1
	if last < first {
		return
	}
	restart := plan.lastRestart(time.Unix(0, first*int64(step)))
	k := ceilDiv(restart.UnixNano(), int64(step))

	var count int64
	var prevTS time.Time
	var m1, m5, m15 float64
	started := false
	maxJitter := min(step/20, 250*time.Millisecond)
	var r row
	for ; k <= last; k++ {
		slot := time.Unix(0, k*int64(step)).UTC()
		if plan.down(slot) {
			continue
		}
		if lr := plan.lastRestart(slot); lr.After(restart) {
			restart, started, count = lr, false, 0
		}
		// The process comes up one step before its first report.
		boot := restart.Add(-step)
		ts := slot.Add(time.Duration(unit(s.key, streamJitter, k) * float64(maxJitter))).Truncate(time.Millisecond)
		if !started {
			// A fresh process has no previous report: it counts from its start.
			prevTS = boot
		}
		dt := ts.Sub(prevTS).Seconds()
		lat, traffic := s.spike(slot)
		expected := s.rate * load(slot) * traffic * dt
		inc := int64(math.Floor(expected*(0.8+0.4*unit(s.key, streamCount, k)) + unit(s.key, streamRound, k)))
		prevCount := count
		count += inc
		if s.timer {
			inst := float64(inc) / dt
			if !started {
				m1, m5, m15 = inst, inst, inst
			} else {
				m1 += (1 - math.Exp(-dt/60)) * (inst - m1)
				m5 += (1 - math.Exp(-dt/300)) * (inst - m5)
				m15 += (1 - math.Exp(-dt/900)) * (inst - m15)
			}
		}
		if k >= first {
			r = row{ts: ts, prevTS: prevTS, count: count, prevCount: prevCount}
			if s.timer {
				s.timings(&r, k, slot, lat)
				r.meanRate = float32(float64(count) / ts.Sub(boot).Seconds())
				r.oneMinRate, r.fiveMinRate, r.fifteenMR = float32(m1), float32(m5), float32(m15)
			}
			emit(&r)
		}
		prevTS, started = ts, true
	}
}

// timings fills the latency snapshot. Each percentile is the one below it times a factor of
// at least 1, so min <= median <= p75 <= ... <= p999 <= max always holds (rounding to float32
// keeps order), and the mean sits between the median and p95.
func (s series) timings(r *row, k int64, slot time.Time, spike float64) {
	u := func(i int64) float64 { return unit(s.key, streamSpread*16+i, k) }
	median := s.latencyMs * (0.75 + 0.25*load(slot)) * math.Exp(0.15*normal(s.key, streamLatency, k)) * spike
	p75 := median * (1.2 + 0.15*u(0))
	p95 := p75 * (1.5 + 0.6*u(1))
	p98 := p95 * (1.08 + 0.1*u(2))
	p99 := p98 * (1.08 + 0.2*u(3))
	p999 := p99 * (1.3 + 0.9*u(4))
	r.min = float32(median * (0.15 + 0.35*u(5)))
	r.median = float32(median)
	r.p75, r.p95, r.p98, r.p99, r.p999 = float32(p75), float32(p95), float32(p98), float32(p99), float32(p999)
	r.max = float32(p999 * (1 + 0.6*u(6)))
	r.mean = float32(median + (p95-median)*(0.1+0.15*u(7)))
	r.stdDev = float32((p95 - median) / 1.645)
}

func ceilDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a > 0) == (b > 0) {
		q++
	}
	return q
}
