package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

const mib = 1 << 20

// hangGuard bounds a test's wait for something that must happen whatever the machine's speed:
// only a bug reaches it.
const hangGuard = time.Minute

// poolState is what a test compares after a sequence of reservations.
type poolState struct {
	Used, Peak int64
	Holders    int
}

func statsOf(p *memPool) poolState {
	u, pk, h := p.stats()
	return poolState{u, pk, h}
}

// waitSignal makes a pool whose onWait sends on the returned channel.
func waitSignal(p *memPool) <-chan struct{} {
	ch := make(chan struct{}, 16)
	p.onWait = func() { ch <- struct{}{} }
	return ch
}

func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(hangGuard):
		t.Fatalf("no %s within %s", what, hangGuard)
		panic("unreachable")
	}
}

// Reservations within the limit are taken at once and released to 0; one that alone exceeds
// the limit fails at once, naming the setting.
func TestMemPoolReserveRelease(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		ops     []int64 // > 0: a new query reserves; < 0: the query of op -n (1-based) releases
		want    poolState
		wantErr string
	}{
		{name: "two queries", ops: []int64{300 * mib, 500 * mib}, want: poolState{800 * mib, 800 * mib, 2}},
		{name: "released", ops: []int64{300 * mib, 500 * mib, -1, -2}, want: poolState{0, 800 * mib, 0}},
		{name: "room after a release", ops: []int64{600 * mib, -1, 900 * mib}, want: poolState{900 * mib, 900 * mib, 1}},
		{name: "alone over the limit", ops: []int64{1100 * mib}, want: poolState{}, wantErr: "needs about 1.1 GiB, more than the process memory budget of 1000.0 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newMemPool(DefaultMemoryWait)
			var held []int64
			var err error
			for _, op := range tt.ops {
				if op < 0 {
					p.release(held[-op-1])
					continue
				}
				if err = p.reserve(ctx, op, 0, 1000*mib); err == nil {
					held = append(held, op)
				}
			}
			if diff := cmp.Diff(tt.want, statsOf(p)); diff != "" {
				t.Errorf("pool (-want +got):\n%s", diff)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("error %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "maxProcessMemoryMiB")):
				t.Errorf("error %v, want one containing %q and naming maxProcessMemoryMiB", err, tt.wantErr)
			}
		})
	}
}

// A reservation that does not fit waits for another query to release, then succeeds.
func TestMemPoolWaitsForRelease(t *testing.T) {
	p := newMemPool(DefaultMemoryWait) // the hang guard: the test releases long before
	waiting := waitSignal(p)
	if err := p.reserve(context.Background(), 800*mib, 0, 1000*mib); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.reserve(context.Background(), 400*mib, 0, 1000*mib) }()
	recv(t, waiting, "wait")
	select {
	case err := <-done:
		t.Fatalf("the reservation returned %v while the pool was full", err)
	default:
	}
	p.release(800 * mib)
	if err := recv(t, done, "reservation"); err != nil {
		t.Fatalf("after the release: %v", err)
	}
	if diff := cmp.Diff(poolState{400 * mib, 800 * mib, 1}, statsOf(p)); diff != "" {
		t.Errorf("pool (-want +got):\n%s", diff)
	}
}

// A reservation that waits in vain fails after the pool's wait with an error that names the
// setting and the amounts; one whose context ends fails with the context's error. Neither
// takes anything.
func TestMemPoolWaitEnds(t *testing.T) {
	t.Run("timeout", func(t *testing.T) {
		p := newMemPool(time.Millisecond) // the path under test: nobody releases
		if err := p.reserve(context.Background(), 800*mib, 0, 1000*mib); err != nil {
			t.Fatal(err)
		}
		err := p.reserve(context.Background(), 400*mib, 0, 1000*mib)
		if !errors.Is(err, errMemoryBusy) {
			t.Fatalf("error %v, want errMemoryBusy", err)
		}
		for _, w := range []string{"needs 400.0 MiB more", "800.0 MiB of the 1000.0 MiB budget are in use", "none was released within 1ms", "maxProcessMemoryMiB"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not contain %q", err, w)
			}
		}
		if diff := cmp.Diff(poolState{800 * mib, 800 * mib, 1}, statsOf(p)); diff != "" {
			t.Errorf("pool (-want +got):\n%s", diff)
		}
	})
	t.Run("context canceled", func(t *testing.T) {
		p := newMemPool(DefaultMemoryWait)
		waiting := waitSignal(p)
		if err := p.reserve(context.Background(), 800*mib, 0, 1000*mib); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- p.reserve(ctx, 400*mib, 0, 1000*mib) }()
		recv(t, waiting, "wait")
		cancel()
		if err := recv(t, done, "reservation"); !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
		if diff := cmp.Diff(poolState{800 * mib, 800 * mib, 1}, statsOf(p)); diff != "" {
			t.Errorf("pool (-want +got):\n%s", diff)
		}
	})
}

// Two queries that each hold part of the pool and each wait for the other would wait until
// both time out: the second to wait fails at once instead, and its release lets the first go on.
func TestMemPoolWaitingForEachOther(t *testing.T) {
	p := newMemPool(DefaultMemoryWait)
	waiting := waitSignal(p)
	ctx := context.Background()
	if err := p.reserve(ctx, 500*mib, 0, 1000*mib); err != nil { // query A
		t.Fatal(err)
	}
	if err := p.reserve(ctx, 400*mib, 0, 1000*mib); err != nil { // query B
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.reserve(ctx, 200*mib, 500*mib, 1000*mib) }() // A grows: waits for B
	recv(t, waiting, "wait")
	err := p.reserve(ctx, 200*mib, 400*mib, 1000*mib) // B grows: would wait for A
	if !errors.Is(err, errMemoryBusy) || !strings.Contains(err.Error(), "waiting for memory too") {
		t.Fatalf("error %v, want errMemoryBusy saying the others wait too", err)
	}
	p.release(400 * mib) // B fails and ends
	if err := recv(t, done, "reservation"); err != nil {
		t.Fatalf("A after B ended: %v", err)
	}
	p.release(700 * mib)
	if diff := cmp.Diff(poolState{0, 900 * mib, 0}, statsOf(p)); diff != "" {
		t.Errorf("pool (-want +got):\n%s", diff)
	}
}

// gatedRows is seriesRows that, once it has handed out after rows (so the series of those
// rows are charged), closes reached and waits for gate before the rest.
func gatedRows(series, steps, after int, reached chan<- struct{}, gate <-chan struct{}) rows {
	r, reads := seriesRows(series, steps, time.Second, 1)
	next := r.next
	r.next = func(dest []any) bool {
		if *reads == after && reached != nil {
			close(reached)
			reached = nil
			<-gate
		}
		return next(dest)
	}
	return r
}

// Issue 19, finding 2: two queries of separate requests (engines), each within
// maxQueryMemoryMiB (64 MiB) but together over the process budget (48 MiB): while the first
// holds its 3 series (about 28 MiB), the second waits, then runs when the first ends; with a
// wait too short for that, it fails with an error naming the setting. The pool never holds
// more than the budget and is back to 0 after both.
func TestProcessBudgetAcrossQueries(t *testing.T) {
	for _, tt := range []struct {
		name    string
		wait    time.Duration
		wantErr []string // of the second query; none means it succeeds
	}{
		{name: "the second waits for the first", wait: DefaultMemoryWait},
		{name: "the second waits in vain", wait: time.Millisecond,
			wantErr: []string{"process memory budget is in use by other queries", "of the 48.0 MiB budget are in use", "none was released within 1ms", "maxProcessMemoryMiB"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pool := newMemPool(tt.wait)
			waiting := waitSignal(pool)
			opts := Options{MaxQueryMemory: 64 * mib, MaxProcessMemory: 48 * mib, pool: pool}
			reached, gate := make(chan struct{}), make(chan struct{})
			first := fakeEngine(opts, func(string) rows { return gatedRows(3, 2, 3, reached, gate) })
			second := fakeEngine(opts, func(string) rows { r, _ := seriesRows(3, 2, time.Second, 1); return r })
			q := rawQuery("A", "SELECT * FROM ks.t", map[string]any{"binning": true, "interval": "1s", "aggregations": []string{"avg"}}, budgetFrom, budgetFrom.Add(24*time.Hour))

			firstRes := make(chan backend.DataResponse, 1)
			go func() { firstRes <- first.Run(context.Background(), q) }()
			recv(t, reached, "first query's series")
			used, _, _ := pool.stats()
			if used < 27*mib || used > 48*mib {
				t.Fatalf("the first query holds %s, want its 3 series (about 28 MiB)", formatBytes(used))
			}
			secondRes := make(chan backend.DataResponse, 1)
			go func() { secondRes <- second.Run(context.Background(), q) }()
			if tt.wantErr == nil {
				recv(t, waiting, "second query's wait")
				close(gate)
			}
			res2 := recv(t, secondRes, "second answer")
			if tt.wantErr != nil {
				close(gate)
			}
			res1 := recv(t, firstRes, "first answer")

			if res1.Error != nil || len(res1.Frames) != 3 {
				t.Errorf("first query: %d frames, error %v; want 3 frames", len(res1.Frames), res1.Error)
			}
			if tt.wantErr == nil {
				if res2.Error != nil || len(res2.Frames) != 3 {
					t.Errorf("second query: %d frames, error %v; want 3 frames", len(res2.Frames), res2.Error)
				}
			} else {
				if res2.Error == nil {
					t.Fatalf("second query answered %d frames, want a refusal", len(res2.Frames))
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(res2.Error.Error(), w) {
						t.Errorf("error %q does not contain %q", res2.Error, w)
					}
				}
				if res2.Status != backend.StatusTooManyRequests {
					t.Errorf("status %d, want %d (the same query may succeed later)", res2.Status, backend.StatusTooManyRequests)
				}
			}
			got := statsOf(pool)
			if got.Peak > 48*mib {
				t.Errorf("the pool held %s at its peak, more than the 48 MiB budget", formatBytes(got.Peak))
			}
			if got.Used != 0 || got.Holders != 0 {
				t.Errorf("after both queries the pool holds %s for %d queries, want nothing", formatBytes(got.Used), got.Holders)
			}
		})
	}
}

// Whatever way a query ends (answered, over its own budget, a panic while reading, its
// context canceled, refused by the process budget), what it reserved goes back: after many
// requests of many queries the pool is at 0.
func TestProcessBudgetNoLeak(t *testing.T) {
	pool := newMemPool(DefaultMemoryWait) // waits end when others release or all wait
	opts := Options{MaxQueryMemory: 64 * mib, MaxProcessMemory: 100 * mib, pool: pool, MaxConcurrency: 4}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := fakeEngine(opts, func(cql string) rows {
		switch {
		case strings.Contains(cql, "many"): // 7 series of ~9.7 MiB: over the query's 64 MiB
			r, _ := seriesRows(7, 2, time.Second, 1)
			return r
		case strings.Contains(cql, "panic"):
			r, reads := seriesRows(2, 2, time.Second, 1)
			next := r.next
			r.next = func(dest []any) bool {
				if *reads == 2 {
					panic("a decoder bug")
				}
				return next(dest)
			}
			return r
		case strings.Contains(cql, "cancel"): // the scan sees it within 1024 rows
			r, reads := seriesRows(1, 2000, time.Second, 1)
			next := r.next
			r.next = func(dest []any) bool {
				if *reads == 2 {
					cancel()
				}
				return next(dest)
			}
			return r
		}
		r, _ := seriesRows(3, 2, time.Second, 1)
		return r
	})
	var queries []backend.DataQuery
	for i, cql := range []string{"ok", "many", "panic", "ok", "ok", "many", "ok", "panic"} {
		queries = append(queries, rawQuery(fmt.Sprint("Q", i), "SELECT * FROM ks."+cql, map[string]any{"binning": true, "interval": "1s", "aggregations": []string{"avg"}}, budgetFrom, budgetFrom.Add(24*time.Hour)))
	}
	answered := 0
	done := make(chan *backend.QueryDataResponse)
	for range 10 {
		go func() { done <- e.QueryData(context.Background(), &backend.QueryDataRequest{Queries: queries}) }()
	}
	for range 10 {
		for _, r := range recv(t, done, "request").Responses {
			if r.Error == nil {
				answered++
			}
		}
	}
	canceled := e.Run(ctx, rawQuery("C", "SELECT * FROM ks.cancel", map[string]any{"binning": true, "interval": "1s", "aggregations": []string{"avg"}}, budgetFrom, budgetFrom.Add(24*time.Hour)))
	if canceled.Error == nil || !strings.Contains(canceled.Error.Error(), "canceled") {
		t.Errorf("the canceled query: error %v, want a cancellation", canceled.Error)
	}
	got := statsOf(pool)
	t.Logf("%d of 80 queries answered, peak %s", answered, formatBytes(got.Peak))
	if answered == 0 {
		t.Error("no query answered")
	}
	if got.Peak > 100*mib {
		t.Errorf("the pool held %s at its peak, more than the 100 MiB budget", formatBytes(got.Peak))
	}
	if got.Used != 0 || got.Holders != 0 {
		t.Errorf("after every query the pool holds %s for %d queries, want nothing", formatBytes(got.Used), got.Holders)
	}
}
