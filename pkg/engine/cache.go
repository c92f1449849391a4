package engine

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/bincache"
	"github.com/metricsserver/cassandra-datasource/pkg/binning"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// DefaultLateWindow is how long after a bin's end rows may still arrive and be counted: a bin
// is closed, and cached, only once its end is older than now minus this.
const DefaultLateWindow = cassandra.DefaultLateDataWindow

// NewCache returns the bin cache of one data source, or nil when its settings turn it off.
// The plugin keeps one per data source instance and the standalone server one per process.
func NewCache(s cassandra.Settings) *bincache.Cache {
	if s.DisableBinCache {
		return nil
	}
	return bincache.New(int64(min(s.BinCacheMiB, 1<<30)) << 20)
}

// span is a time range [from, to) read from Cassandra.
type span struct{ from, to time.Time }

// refresh is what one binned query takes from the bin cache and gives back. Its methods do
// nothing on a nil refresh (no cache, or the query cannot use it).
type refresh struct {
	cache *bincache.Cache
	key   bincache.Key
	wMs   int64
	// storeFrom, storeTo are this window's whole bins that are closed: stored after the query.
	storeFrom, storeTo int64
	hit                *bincache.Entry
	// useFrom, useTo are the bins taken from hit; empty when equal.
	useFrom, useTo int64
	// ranges are what the query reads from Cassandra: the window less the bins taken.
	ranges []span
}

// newRefresh looks the query up. parts identify the query without its time range.
func (e *Engine) newRefresh(r request, width time.Duration, parts ...string) *refresh {
	if e.opts.Cache == nil || (r.q.Cache != nil && !*r.q.Cache) || width < time.Millisecond || width%time.Millisecond != 0 {
		return nil
	}
	now := time.Now
	if e.opts.Now != nil {
		now = e.opts.Now
	}
	late := e.opts.LateWindow
	if late <= 0 {
		late = DefaultLateWindow
	}
	w := width.Milliseconds()
	fromMs, toMs := ceilMs(r.from), ceilMs(r.to)
	rf := &refresh{
		cache: e.opts.Cache, key: bincache.NewKey(append([]string{"bins/v1", width.String()}, parts...)...), wMs: w,
		storeFrom: ceilDiv(fromMs, w) * w,
	}
	closedEnd := floorDiv(now().Add(-late).UnixMilli(), w) * w
	rf.storeTo = max(rf.storeFrom, min(floorDiv(toMs, w)*w, closedEnd))
	rf.ranges = []span{{r.from, r.to}}
	if hit := rf.cache.Get(rf.key); hit != nil && hit.WidthMs == w {
		from, to := max(hit.StartMs, rf.storeFrom), min(hit.EndMs, floorDiv(toMs, w)*w)
		if to > from {
			rf.hit, rf.useFrom, rf.useTo = hit, from, to
			rf.ranges = rf.ranges[:0]
			if fromMs < from {
				rf.ranges = append(rf.ranges, span{r.from, time.UnixMilli(from).UTC()})
			}
			if to < toMs {
				rf.ranges = append(rf.ranges, span{time.UnixMilli(to).UTC(), r.to})
			}
		}
	}
	return rf
}

// partial reports whether the query reads less than its window.
func (rf *refresh) partial() bool { return rf != nil && rf.hit != nil }

// binsFromCache is the number of bins the cache answers.
func (rf *refresh) binsFromCache() int64 {
	if !rf.partial() {
		return 0
	}
	return (rf.useTo - rf.useFrom) / rf.wMs
}

// accepts reports whether the cached bins were computed for these outputs; a query whose
// shape changed (a raw CQL result with other columns) reads its whole window instead.
func (rf *refresh) accepts(outputs []binning.Output) bool {
	if !rf.partial() || len(rf.hit.Series) == 0 {
		return true
	}
	got := rf.hit.Series[0].Outputs()
	if len(got) != len(outputs) {
		return false
	}
	for i := range got {
		if got[i] != outputs[i] {
			return false
		}
	}
	return true
}

// miss forgets the hit: the query reads its whole window.
func (rf *refresh) miss(r request) {
	rf.hit, rf.useFrom, rf.useTo = nil, 0, 0
	rf.ranges = []span{{r.from, r.to}}
}

// apply merges the cached bins into the query's bins, charging the memory budget for the
// series and sketches they bring.
func (rf *refresh) apply(b *binning.Binner, mem *memBudget) error {
	if !rf.partial() {
		return nil
	}
	// The entry's bins inside this window's whole bins are exactly [useFrom, useTo), the
	// bins not read; Import leaves the others out.
	for _, st := range rf.hit.Series {
		var before int64 // the sketch bytes the series held, already charged
		old := b.Lookup(st.Key())
		if old != nil {
			before = old.SketchBytes()
		}
		s, err := b.Import(st)
		if err != nil {
			return fmt.Errorf("merge cached bins: %w", err)
		}
		if s == nil {
			continue
		}
		if old == nil {
			if err := mem.newSeries(); err != nil {
				return err
			}
		}
		if err := mem.sketches(s.SketchBytes() - before); err != nil {
			return err
		}
	}
	return nil
}

// store keeps the window's closed whole bins for the next refresh and counts the query.
func (rf *refresh) store(b *binning.Binner, rowsRead int64) error {
	if rf == nil {
		return nil
	}
	rf.cache.Record(rf.partial(), rf.binsFromCache(), rowsRead)
	if rf.storeTo <= rf.storeFrom {
		return nil
	}
	// Nothing new closed since the entry was stored: keep it rather than copy it again.
	if rf.partial() && rf.hit.StartMs == rf.storeFrom && rf.hit.EndMs == rf.storeTo {
		return nil
	}
	states, err := b.Export(rf.storeFrom, rf.storeTo)
	if err != nil {
		return fmt.Errorf("keep closed bins: %w", err)
	}
	rf.cache.Put(rf.key, &bincache.Entry{StartMs: rf.storeFrom, EndMs: rf.storeTo, WidthMs: rf.wMs, Series: states})
	return nil
}

// describe is the notice of a query that used the cache.
func (rf *refresh) notice(width time.Duration, bins int, rows int64) string {
	return fmt.Sprintf("Bin width %s (%d bins): %d bins from cache, %d rows read.", formatWidth(width), bins, rf.binsFromCache(), rows)
}

// builderRefresh looks up a binned builder query. Queries with a row limit or for the latest
// value only are not cached: their rows depend on the whole window. The key holds the
// measures with their resolved aggregations, so a changed default reads afresh.
func (e *Engine) builderRefresh(r request, t *schema.Table, width time.Duration) *refresh {
	if e.opts.Cache == nil || r.q.Instant || r.q.Limit > 0 || r.q.Format != query.FormatTimeSeries || width <= 0 {
		return nil
	}
	ms, err := query.ResolveMeasures(r.q, t)
	if err != nil {
		return nil // the planner reports it
	}
	measures, _ := json.Marshal(ms)
	return e.newRefresh(r, width, "builder", queryIdentity(r.q), string(measures))
}

// describeRanges is the executed CQL of a query that reads only part of its window.
func describeRanges(stmts []query.Statement, ranges []span) string {
	if len(stmts) == 0 {
		return "-- every bin from the cache: nothing read"
	}
	var b strings.Builder
	b.WriteString(stmts[0].CQL)
	parts := make([]string, len(ranges))
	for i, s := range ranges {
		parts[i] = s.from.UTC().Format(time.RFC3339Nano) + " to " + s.to.UTC().Format(time.RFC3339Nano)
	}
	fmt.Fprintf(&b, "\n-- %d statements reading %s; the other bins from the cache", len(stmts), strings.Join(parts, " and "))
	return b.String()
}

// queryIdentity is the query without what does not change its rows or bins state: the
// reference id, the display (alias, fill, hide) and the cache switch. The time range is not in
// the query; the bin width goes into the key beside it.
func queryIdentity(q *query.Query) string {
	c := *q
	c.RefID, c.Hide, c.Alias, c.Fill, c.FillValue, c.Cache, c.Interval = "", false, "", "", nil, nil, ""
	b, _ := json.Marshal(c)
	return string(b)
}

// rawTimeColumn returns the column of the one $__timeFilter (or its epoch and timeuuid forms,
// whose bounds split a range exactly too) in raw CQL whose rows can be read by parts of the
// window: no other macro of the time range, and nothing that makes a row
// depend on the rows around it (LIMIT, GROUP BY, DISTINCT, aggregate functions). False when
// the query must read its whole window each time.
func rawTimeColumn(cql string) (string, bool) {
	toks, err := query.Tokens(cql)
	if err != nil {
		return "", false
	}
	var sig []query.Token
	for _, t := range toks {
		if t.Significant() {
			sig = append(sig, t)
		}
	}
	col, found := "", false
	for i, t := range sig {
		switch {
		case t.Kind == query.TokVariable:
			filter := t.Text == query.MacroTimeFilter || t.Text == query.MacroTimeUUIDFilter || strings.HasPrefix(t.Text, query.MacroTimeFilterPrefix)
			switch {
			case t.Text == query.MacroInterval || t.Text == query.MacroIntervalMs:
			case filter:
				if found || i+3 >= len(sig) || sig[i+1].Text != "(" || sig[i+3].Text != ")" {
					return "", false
				}
				found = true
				switch a := sig[i+2]; a.Kind {
				case query.TokWord:
					col = strings.ToLower(a.Text)
				case query.TokQuotedIdent:
					col = strings.ReplaceAll(a.Text[1:len(a.Text)-1], `""`, `"`)
				default:
					return "", false
				}
			default:
				return "", false // $__timeFrom and the like put the range into the rows
			}
		case t.IsWord("LIMIT"), t.IsWord("GROUP"), t.IsWord("DISTINCT"):
			return "", false
		case t.Kind == query.TokWord && i+1 < len(sig) && sig[i+1].Text == "(":
			switch strings.ToLower(t.Text) {
			case "count", "min", "max", "sum", "avg":
				return "", false
			}
		}
	}
	return col, found
}

func ceilMs(t time.Time) int64 {
	ms := t.UnixMilli()
	if t.Nanosecond()%int(time.Millisecond) != 0 { // UnixMilli rounds down, also before 1970
		ms++
	}
	return ms
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }

// rawRefresh looks up a binned raw CQL query whose rows can be read by parts of the window
// (see rawTimeColumn). It returns the column its $__timeFilter restricts.
func (e *Engine) rawRefresh(r request, width time.Duration) (*refresh, string) {
	if e.opts.Cache == nil || !r.q.Binning || r.q.Format != query.FormatTimeSeries {
		return nil, ""
	}
	col, ok := rawTimeColumn(r.q.RawCQL)
	if !ok {
		return nil, ""
	}
	return e.newRefresh(r, width, "cql", queryIdentity(r.q)), col
}

// rawStatements are the statements a raw CQL query runs: the whole window's, or one per range
// the cache lacks (at least one, whose result tells the columns).
func rawStatements(r request, width time.Duration, whole string, rf *refresh, ks query.Keyspaces) ([]string, string, error) {
	if !rf.partial() {
		return []string{whole}, whole, nil
	}
	ranges := rf.ranges
	if len(ranges) == 0 {
		ranges = []span{{r.to, r.to}}
	}
	out := make([]string, len(ranges))
	stmts := make([]query.Statement, len(ranges))
	for i, s := range ranges {
		cql, err := query.PrepareRawIn(r.q, s.from, s.to, width, ks)
		if err != nil {
			return nil, "", err
		}
		out[i] = cql
		stmts[i] = query.Statement{CQL: cql}
	}
	return out, describeRanges(stmts, ranges), nil
}

// firstRange is the range the first of rawStatements' statements reads.
func (rf *refresh) firstRange(r request) span {
	if len(rf.ranges) == 0 {
		return span{r.to, r.to}
	}
	return rf.ranges[0]
}

// wholeWindow is the statements that read the window of r when first (reading the range
// in) already runs: first, then the parts of the window before and after in.
func wholeWindow(r request, width time.Duration, first string, in span, ks query.Keyspaces) ([]string, string, error) {
	run := []string{first}
	ranges := []span{in}
	for _, s := range []span{{r.from, in.from}, {in.to, r.to}} {
		if !s.to.After(s.from) {
			continue
		}
		cql, err := query.PrepareRawIn(r.q, s.from, s.to, width, ks)
		if err != nil {
			return nil, "", err
		}
		run = append(run, cql)
		ranges = append(ranges, s)
	}
	parts := make([]string, len(ranges))
	for i, s := range ranges {
		parts[i] = s.from.UTC().Format(time.RFC3339Nano) + " to " + s.to.UTC().Format(time.RFC3339Nano)
	}
	executed := fmt.Sprintf("%s\n-- %d statements reading %s: the whole window (the cached bins were of another shape)", first, len(run), strings.Join(parts, " and "))
	return run, executed, nil
}

// shapeOutputs are the outputs binned computes for a shape, in order.
func shapeOutputs(shape seriesShape) []binning.Output {
	var out []binning.Output
	for _, m := range shape.measures {
		for _, a := range m.Aggregations {
			agg, err := binning.ParseAgg(a)
			if err != nil {
				return nil
			}
			out = append(out, binning.Output{Column: m.Name, Agg: agg})
		}
	}
	return out
}
