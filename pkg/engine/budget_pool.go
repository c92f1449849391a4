package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// processPool is the memory every binned query of the process reserves from, whatever its
// request or data source: each query's budget (memBudget) takes its bytes here as it grows
// and gives them back when the query ends. The plugin creates an Engine per request and
// Grafana runs one plugin process for all the data sources of its type, so only a pool at
// package level bounds what the process holds; metrics-server shares it the same way.
//
// Data sources may set different limits (maxProcessMemoryMiB). Each reservation is checked
// against the setting of the data source that makes it: the process total, with the new bytes,
// must stay within that data source's limit. So a data source with a small limit never
// pushes the total past it, whatever others allow, and the total is at most the largest
// limit among the data sources in use. No limit depends on which data source came first.
var processPool = newMemPool(DefaultMemoryWait)

// DefaultMemoryWait is how long a query waits for others to release the process's memory
// before it fails.
const DefaultMemoryWait = 10 * time.Second

// errMemoryBusy marks a query refused because the process's memory was held by others: the
// same query may succeed later.
var errMemoryBusy = errors.New("the process memory budget is in use by other queries")

type memPool struct {
	wait time.Duration

	mu       sync.Mutex
	used     int64         // bytes reserved by every query
	peak     int64         // the most used has been
	holders  int           // queries holding bytes
	waiting  int           // queries holding bytes that wait for more
	released chan struct{} // closed (and replaced) on each release: wakes every waiter
	onWait   func()        // tests: called, with mu held, when a reservation starts to wait
}

func newMemPool(wait time.Duration) *memPool {
	return &memPool{wait: wait, released: make(chan struct{})}
}

// reserve takes n more bytes for a query that holds held bytes already, keeping the process
// total within limit (the query's data source's maxProcessMemoryMiB in bytes). When others
// hold too much it waits for them to release, until ctx ends or the pool's wait is over. It
// fails at once when waiting cannot help: the query alone would exceed the limit, or every
// other query holding bytes is waiting too (each would wait for the others).
func (p *memPool) reserve(ctx context.Context, n, held, limit int64) error {
	if n <= 0 {
		return nil
	}
	if held+n > limit {
		return userErrorf("the query needs about %s, more than the process memory budget of %s for every query at once: "+
			"raise the data source's maxProcessMemoryMiB, or lower maxQueryMemoryMiB below it (and ask for fewer series, bins or aggregations)",
			formatBytes(held+n), formatBytes(limit))
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		if p.used+n <= limit {
			if held == 0 {
				p.holders++
			}
			p.used += n
			p.peak = max(p.peak, p.used)
			return nil
		}
		others := p.holders
		if held > 0 {
			others--
		}
		if others == 0 || p.waiting >= others {
			// Nobody else holds memory that will be released, or all who do are waiting.
			return p.busy(n, held, limit, 0)
		}
		if timer == nil {
			timer = time.NewTimer(p.wait)
		}
		ch := p.released
		if held > 0 {
			p.waiting++
		}
		if p.onWait != nil {
			p.onWait()
		}
		p.mu.Unlock()
		var err error
		select {
		case <-ch:
		case <-ctx.Done():
			err = fmt.Errorf("waiting for %s of the process memory budget: %w", formatBytes(n), ctx.Err())
		case <-timer.C:
			err = errTimeout
		}
		p.mu.Lock()
		if held > 0 {
			p.waiting--
		}
		if err == errTimeout {
			return p.busy(n, held, limit, p.wait)
		}
		if err != nil {
			return err
		}
	}
}

var errTimeout = errors.New("timeout")

// busy is the error of a reservation that could not wait or waited in vain; mu is held.
func (p *memPool) busy(n, held, limit int64, waited time.Duration) error {
	how := "every other query that holds it is waiting for memory too"
	if waited > 0 {
		how = fmt.Sprintf("none was released within %s", waited)
	}
	return fmt.Errorf("%w: this query needs %s more (it holds %s), %s of the %s budget are in use and %s: "+
		"retry when fewer queries run, ask for fewer series, bins or aggregations, or raise the data source's maxProcessMemoryMiB",
		errMemoryBusy, formatBytes(n), formatBytes(held), formatBytes(p.used), formatBytes(limit), how)
}

// release gives back a query's n bytes, all it held, and wakes the queries waiting.
func (p *memPool) release(n int64) {
	if n <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.used -= n
	p.holders--
	close(p.released)
	p.released = make(chan struct{})
}

// stats returns the bytes in use, the peak and the queries holding bytes.
func (p *memPool) stats() (used, peak int64, holders int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.used, p.peak, p.holders
}
