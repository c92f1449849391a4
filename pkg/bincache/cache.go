// Package bincache keeps the closed bins of binned queries for one data source: an in-memory,
// byte-bounded, least-recently-used map from a query (its text without the time range, and
// its bin width) to the mergeable state of its series' whole, closed bins. A refresh then
// reads from Cassandra only the rows after the last closed bin.
package bincache

import (
	"container/list"
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"sync/atomic"

	"github.com/metricsserver/cassandra-datasource/pkg/binning"
)

// DefaultMaxBytes is the cache bound when the data source sets none: 256 MiB.
const DefaultMaxBytes = 256 << 20

// Entry is the closed bins of one query: whole bins [StartMs, EndMs) of width WidthMs, every
// series with a value there. An entry never changes once stored.
type Entry struct {
	StartMs, EndMs, WidthMs int64
	Series                  []*binning.State
	size                    int64
}

// Bins is the number of bins the entry covers.
func (e *Entry) Bins() int64 {
	if e.WidthMs <= 0 {
		return 0
	}
	return (e.EndMs - e.StartMs) / e.WidthMs
}

// Size is the bytes the entry is charged.
func (e *Entry) Size() int64 { return e.size }

// entryOverhead is the bytes of an entry beyond its series: the struct, its list element and
// map slot with the hashed key.
const entryOverhead = 256

// Key identifies one query's bins. Build it with NewKey from everything that decides the
// rows and their bins except the time range.
type Key [sha256.Size]byte

// NewKey hashes the parts of a query: the hash keeps a long raw CQL text out of memory.
func NewKey(parts ...string) Key {
	h := sha256.New()
	for _, p := range parts {
		// Length-prefixed (8 bytes, little-endian), so ("ab", "c") and ("a", "bc") differ.
		_ = binary.Write(h, binary.LittleEndian, int64(len(p))) // a hash never fails to write
		h.Write([]byte(p))
	}
	var k Key
	copy(k[:], h.Sum(nil))
	return k
}

type item struct {
	key   Key
	entry *Entry
}

// Cache is safe for concurrent use.
type Cache struct {
	mu    sync.Mutex
	max   int64
	used  int64
	ll    *list.List // front: most recently used
	items map[Key]*list.Element

	hits, misses, bins, rows, evictions, refused atomic.Int64
}

// New returns a cache that holds at most maxBytes (DefaultMaxBytes when <= 0).
func New(maxBytes int64) *Cache {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	return &Cache{max: maxBytes, ll: list.New(), items: map[Key]*list.Element{}}
}

// Get returns the entry of key, or nil, and marks it recently used.
func (c *Cache) Get(k Key) *Entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return nil
	}
	c.ll.MoveToFront(el)
	return el.Value.(*item).entry
}

// Put stores e under k, replacing what k held, and evicts the least recently used entries
// until the cache is within its bound. An entry larger than the whole bound is not kept.
func (c *Cache) Put(k Key, e *Entry) {
	size := int64(entryOverhead)
	for _, s := range e.Series {
		size += s.Size()
	}
	e.size = size
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		c.used -= el.Value.(*item).entry.size
		c.ll.Remove(el)
		delete(c.items, k)
	}
	if size > c.max {
		c.refused.Add(1)
		return
	}
	c.items[k] = c.ll.PushFront(&item{key: k, entry: e})
	c.used += size
	for c.used > c.max {
		el := c.ll.Back()
		it := el.Value.(*item)
		c.ll.Remove(el)
		delete(c.items, it.key)
		c.used -= it.entry.size
		c.evictions.Add(1)
	}
}

// Record counts one binned query that could use the cache: whether it found closed bins, how
// many bins it took from the cache and how many rows it read from Cassandra.
func (c *Cache) Record(hit bool, binsFromCache, rowsRead int64) {
	if hit {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
	c.bins.Add(binsFromCache)
	c.rows.Add(rowsRead)
}

// Stats is a snapshot of the cache's counters.
type Stats struct {
	Hits, Misses  int64 // queries that found closed bins, and those that did not
	BinsFromCache int64 // bins (per query, not per series) answered from the cache
	RowsRead      int64 // rows queries that use the cache read from Cassandra
	Evictions     int64 // entries dropped to stay within the bound
	Refused       int64 // entries larger than the whole bound, not kept
	Entries       int64
	Bytes         int64 // what the entries are charged
	MaxBytes      int64
}

// Stats returns the counters.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	entries, used := int64(len(c.items)), c.used
	c.mu.Unlock()
	return Stats{
		Hits: c.hits.Load(), Misses: c.misses.Load(), BinsFromCache: c.bins.Load(), RowsRead: c.rows.Load(),
		Evictions: c.evictions.Load(), Refused: c.refused.Load(), Entries: entries, Bytes: used, MaxBytes: c.max,
	}
}
