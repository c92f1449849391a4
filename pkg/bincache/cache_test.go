package bincache

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricsserver/cassandra-datasource/pkg/binning"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// entry makes an entry of one series with a value in each of n one-minute bins.
func entry(t *testing.T, n int) *Entry {
	t.Helper()
	b, err := binning.New(binning.Spec{From: t0, To: t0.Add(time.Duration(n) * time.Minute), Width: time.Minute,
		Columns: []binning.Column{{Name: "v", Aggs: []binning.Agg{binning.AggAvg, binning.AggMax}}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		b.Series("s", nil).Add(t0.Add(time.Duration(i)*time.Minute).UnixMilli(), 0, float64(i))
	}
	states, err := b.Export(t0.UnixMilli(), t0.Add(time.Duration(n)*time.Minute).UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
	return &Entry{StartMs: t0.UnixMilli(), EndMs: t0.Add(time.Duration(n) * time.Minute).UnixMilli(), WidthMs: 60000, Series: states}
}

func TestLRUWithinBound(t *testing.T) {
	one := entry(t, 100)
	c := New(1) // sized below from a measured entry
	c.Put(NewKey("probe"), one)
	size := one.Size()
	if size <= 0 {
		t.Fatalf("entry size %d", size)
	}
	c = New(3*size + size/2) // room for three entries
	keys := []Key{NewKey("a"), NewKey("b"), NewKey("c"), NewKey("d")}
	for _, k := range keys[:3] {
		c.Put(k, entry(t, 100))
	}
	if c.Get(keys[0]) == nil { // a is now the most recently used; b the least
		t.Fatal("a is missing before any eviction")
	}
	c.Put(keys[3], entry(t, 100))
	var present []string
	for i, k := range keys {
		if c.Get(k) != nil {
			present = append(present, string(rune('a'+i)))
		}
	}
	if diff := cmp.Diff([]string{"a", "c", "d"}, present); diff != "" {
		t.Errorf("entries kept after evicting the least recently used (-want +got):\n%s", diff)
	}
	st := c.Stats()
	if st.Bytes > st.MaxBytes || st.Entries != 3 || st.Evictions != 1 {
		t.Errorf("stats %+v: want 3 entries within %d bytes after 1 eviction", st, st.MaxBytes)
	}
}

func TestReplaceAndRefuse(t *testing.T) {
	small := entry(t, 10)
	c := New(1 << 20)
	k := NewKey("q", "1m")
	c.Put(k, entry(t, 100))
	c.Put(k, small)
	if got := c.Get(k); got != small {
		t.Error("Put did not replace the entry of the same key")
	}
	if st := c.Stats(); st.Bytes != small.Size() || st.Entries != 1 {
		t.Errorf("after replacing: %+v, want one entry of %d bytes", st, small.Size())
	}
	tiny := New(small.Size() - 1)
	tiny.Put(k, small)
	if tiny.Get(k) != nil || tiny.Stats().Refused != 1 || tiny.Stats().Bytes != 0 {
		t.Errorf("an entry larger than the bound was kept: %+v", tiny.Stats())
	}
}

func TestKeyParts(t *testing.T) {
	if NewKey("ab", "c") == NewKey("a", "bc") {
		t.Error("keys of different parts collide")
	}
	if NewKey("q", "1m") != NewKey("q", "1m") {
		t.Error("equal parts give different keys")
	}
}

func TestManyEntriesStayWithinBound(t *testing.T) {
	e := entry(t, 50)
	c := New(1)
	c.Put(NewKey("probe"), e)
	c = New(10 * e.Size())
	for i := 0; i < 200; i++ {
		c.Put(NewKey(fmt.Sprint(i)), entry(t, 50))
		if st := c.Stats(); st.Bytes > st.MaxBytes {
			t.Fatalf("after %d puts: %d bytes, bound %d", i+1, st.Bytes, st.MaxBytes)
		}
	}
	if st := c.Stats(); st.Entries != 10 || st.Evictions != 190 {
		t.Errorf("stats %+v: want 10 entries and 190 evictions", st)
	}
}
