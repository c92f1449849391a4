package rollup

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/binning"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// coverageTTL is how long a reader trusts what it read of the checkpoints: the writer moves
// them on once per pass (a minute by default), so a panel sees new rollups within this.
const coverageTTL = 30 * time.Second

// Reader is the plugin's view of the rollup keyspace: read only, with the checkpoints of each
// source kept for coverageTTL (in a Cache that outlives one request) so a dashboard's panels
// ask Cassandra once.
type Reader struct {
	store Store
	q     Querier
	cache *Cache
}

// Cache keeps what readers learnt of the checkpoints; one per data source.
type Cache struct {
	now   func() time.Time
	mu    sync.Mutex
	cache map[string]coverageEntry
}

// NewCache makes an empty cache of checkpoints.
func NewCache() *Cache { return &Cache{now: time.Now, cache: map[string]coverageEntry{}} }

type coverageEntry struct {
	at  time.Time
	cov []query.Rollup
}

// NewReader reads rollups from keyspace through q, keeping checkpoints in cache (nil: a cache
// of its own).
func NewReader(keyspace string, q Querier, cache *Cache) *Reader {
	if cache == nil {
		cache = NewCache()
	}
	return &Reader{store: Store{Keyspace: keyspace}, q: q, cache: cache}
}

// Coverage is what the rollup keyspace holds of source (keyspace.table), coarsest width first.
// A keyspace or table that does not exist holds nothing: no error, the query reads raw rows.
func (r *Reader) Coverage(ctx context.Context, source string) ([]query.Rollup, error) {
	c := r.cache
	key := r.store.Keyspace + "\x00" + source
	c.mu.Lock()
	e, ok := c.cache[key]
	c.mu.Unlock()
	if ok && c.now().Sub(e.at) < coverageTTL {
		return e.cov, nil
	}
	var cov []query.Rollup
	// Look the checkpoints table up first: a data source without rollups (the common case)
	// then costs a schema lookup, not a failing SELECT on every panel's first query.
	exists := true
	if tl, ok := r.q.(tableLookup); ok {
		if _, err := tl.Table(ctx, r.store.Keyspace, CheckpointsTable); err != nil {
			var nf *schema.NotFoundError
			if !errors.As(err, &nf) {
				return nil, err
			}
			exists = false
		}
	}
	if exists {
		cps, err := r.store.Checkpoints(ctx, r.q, source)
		if err != nil && !missingSchema(err) {
			return nil, err
		}
		cov = Covered(cps)
	}
	c.mu.Lock()
	if len(c.cache) > 10000 { // sources are tables: this only bounds a hostile caller
		clear(c.cache)
	}
	c.cache[key] = coverageEntry{at: c.now(), cov: cov}
	c.mu.Unlock()
	return cov, nil
}

// ReadBins reads one series' bins of one measure at one width.
func (r *Reader) ReadBins(ctx context.Context, source, series, column string, widthMs, fromMs, toMs int64, fn func(binning.RollupBin) error) error {
	return r.store.ReadBins(ctx, r.q, source, series, column, widthMs, fromMs, toMs, fn)
}

// tableLookup finds a table in the schema (a cassandra.Client does, from a short cache).
type tableLookup interface {
	Table(ctx context.Context, keyspace, table string) (*schema.Table, error)
}

// missingSchema is Cassandra's answer when the rollup keyspace or its tables were never made.
func missingSchema(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "does not exist") || strings.Contains(msg, "unconfigured table")
}
