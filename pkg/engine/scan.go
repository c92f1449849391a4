package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
)

// rows is one statement's result as the engine reads it; *cassandra.Rows implements it.
type rows interface {
	Columns() []cassandra.ColumnInfo
	Next(dest ...any) bool
	Close() error
}

// rowReader turns one result row into values; each parallel worker gets its own.
type rowReader interface {
	dests() []any
	row() error
}

// scanAll runs the statements with at most MaxConcurrency at once. Each worker builds its
// own reader (and so its own bins), so the hot path takes no locks; newReader is called once
// per worker with the result columns of its first statement. The total row count is returned.
// It stops at once when ctx is done or any statement fails.
func (e *Engine) scanAll(parent context.Context, stmts []query.Statement, limit int64, newReader func(cols []cassandra.ColumnInfo) (rowReader, error)) (scanned, error) {
	res := scanned{runs: make([]int64, len(stmts))}
	for i := range res.runs {
		res.runs[i] = -1
	}
	if len(stmts) == 0 {
		return res, nil
	}
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	workers := min(e.opts.MaxConcurrency, len(stmts))
	next := make(chan int)
	var total atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var limitHit atomic.Bool
	fail := func(err error) {
		if limitHit.Load() {
			return // the others were stopped on purpose
		}
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var cur rows
			// A panic while decoding or binning one query's rows (a driver or decoder bug, a
			// hostile value) becomes that query's error: nothing else recovers in this goroutine,
			// and an unrecovered panic would end the whole process.
			defer func() {
				if p := recover(); p != nil {
					if cur != nil {
						closeQuietly(cur)
					}
					fail(panicError("reading rows", p))
				}
			}()
			var rr rowReader
			for i := range next {
				st := stmts[i]
				cur = e.query(ctx, st.CQL, st.Args, cassandra.QueryOptions{PageSize: e.opts.PageSize})
				if rr == nil {
					// No result metadata means Cassandra refused the statement: report its reason
					// rather than the reader's complaint about missing columns.
					if len(cur.Columns()) == 0 {
						if err := cur.Close(); err != nil {
							cur = nil
							fail(err)
							return
						}
					}
					var err error
					if rr, err = newReader(cur.Columns()); err != nil {
						_ = cur.Close()
						fail(err)
						return
					}
				}
				n, err := drain(ctx, cur, rr, &total, limit)
				res.runs[i] = int64(n) // each statement is read by one worker
				cur = nil
				if err == errLimit {
					limitHit.Store(true)
					cancel() // enough rows: the other workers stop too
					return
				} else if err != nil {
					fail(err)
					return
				}
			}
		}()
	}
feed:
	for i := range stmts {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	res.rows = total.Load()
	if firstErr != nil {
		return res, firstErr
	}
	// Our own cancel (row limit) is not an error; the caller's cancel or deadline is.
	return res, parent.Err()
}

// scanned is what a scan counted: the rows in all, and per statement the rows it gave (-1
// for a statement that did not run, the scan having stopped first).
type scanned struct {
	rows int64
	runs []int64
}

// errLimit stops a scan that reached the row limit; it is not an error for the caller.
var errLimit = fmt.Errorf("row limit reached")

// drainCounted reads one result to the end and returns its row count.
func drainCounted(ctx context.Context, rows rows, rr rowReader) (int64, error) {
	var total atomic.Int64
	_, err := drain(ctx, rows, rr, &total, 0)
	return total.Load(), err
}

// drain reads one result into rr and returns its row count.
func drain(ctx context.Context, rows rows, rr rowReader, total *atomic.Int64, limit int64) (int, error) {
	dests := rr.dests()
	n := 0
	for rows.Next(dests...) {
		if err := rr.row(); err != nil {
			_ = rows.Close()
			return n, err
		}
		n++
		// Check cancellation between pages' worth of rows: cheap, and Grafana's cancel
		// stops the scan within a page even when the driver has rows buffered.
		if n&1023 == 0 && ctx.Err() != nil {
			_ = rows.Close()
			return n, ctx.Err()
		}
		if c := total.Add(1); limit > 0 && c >= limit {
			_ = rows.Close()
			return n, errLimit
		}
	}
	return n, rows.Close()
}

// panicError is the error a recovered panic becomes: the plugin's fault, not the user's.
func panicError(doing string, p any) error {
	return fmt.Errorf("internal error while %s: %v", doing, p)
}

// closeQuietly releases a result after a panic; a second panic there is not worth a crash.
func closeQuietly(r rows) {
	defer func() { _ = recover() }()
	_ = r.Close()
}

// statementPartitions is how many partitions the statements name in all, and the most one of
// them names.
func statementPartitions(stmts []query.Statement) (total, most int) {
	for _, s := range stmts {
		total += s.Partitions
		most = max(most, s.Partitions)
	}
	return total, most
}

// describeStatements is the executed CQL for Meta.ExecutedQueryString.
func describeStatements(stmts []query.Statement) string {
	if len(stmts) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(stmts[0].CQL)
	total, most := statementPartitions(stmts)
	switch {
	case len(stmts) > 1 && most > 1:
		fmt.Fprintf(&b, "\n-- and %d more statements like it, run in parallel: %d partitions in all, at most %d in one statement", len(stmts)-1, total, most)
	case len(stmts) > 1:
		fmt.Fprintf(&b, "\n-- and %d more statements like it, one per partition, run in parallel", len(stmts)-1)
	}
	return b.String()
}
