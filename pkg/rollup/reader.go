package rollup

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/binning"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
)

// coverageTTL is how long a reader trusts what it read of the checkpoints: the writer moves
// them on once per pass (a minute by default), so a panel sees new rollups within this.
const coverageTTL = 30 * time.Second

// Reader is the plugin's view of the rollup keyspace: read only, with the checkpoints of each
// source kept for coverageTTL so a dashboard's panels ask Cassandra once.
type Reader struct {
	store Store
	q     Querier
	now   func() time.Time

	mu    sync.Mutex
	cache map[string]coverageEntry
}

type coverageEntry struct {
	at  time.Time
	cov []query.Rollup
}

// NewReader reads rollups from keyspace through q.
func NewReader(keyspace string, q Querier) *Reader {
	return &Reader{store: Store{Keyspace: keyspace}, q: q, now: time.Now, cache: map[string]coverageEntry{}}
}

// Coverage is what the rollup keyspace holds of source (keyspace.table), coarsest width first.
// A keyspace or table that does not exist holds nothing: no error, the query reads raw rows.
func (r *Reader) Coverage(ctx context.Context, source string) ([]query.Rollup, error) {
	r.mu.Lock()
	e, ok := r.cache[source]
	r.mu.Unlock()
	if ok && r.now().Sub(e.at) < coverageTTL {
		return e.cov, nil
	}
	cps, err := r.store.Checkpoints(ctx, r.q, source)
	if err != nil && !missingSchema(err) {
		return nil, err
	}
	cov := Covered(cps)
	r.mu.Lock()
	if len(r.cache) > 10000 { // sources are tables: this only bounds a hostile caller
		clear(r.cache)
	}
	r.cache[source] = coverageEntry{at: r.now(), cov: cov}
	r.mu.Unlock()
	return cov, nil
}

// ReadBins reads one series' bins of one measure at one width.
func (r *Reader) ReadBins(ctx context.Context, source, series, column string, widthMs, fromMs, toMs int64, fn func(binning.RollupBin) error) error {
	return r.store.ReadBins(ctx, r.q, source, series, column, widthMs, fromMs, toMs, fn)
}

// missingSchema is Cassandra's answer when the rollup keyspace or its tables were never made.
func missingSchema(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "does not exist") || strings.Contains(msg, "unconfigured table")
}
