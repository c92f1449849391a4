package cassandra

import (
	"context"
	"fmt"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// QueryStat is what one request to Cassandra cost: one page of a query, or one batch.
type QueryStat struct {
	Duration time.Duration
	// Rows is the number of rows in the page (0 for writes).
	Rows int
	// Err is the request's failure; a SELECT that matches nothing is not an error.
	Err error
}

// Observer receives a QueryStat for every request the session sends, from the driver's
// goroutines: it must be cheap and safe for concurrent use. The standalone server feeds its
// Prometheus metrics with it.
type Observer func(QueryStat)

// ConnectObserved is Connect with an observer attached to every request of the session, so
// the caller sees latency, errors and rows read page by page without wrapping each call site.
func ConnectObserved(ctx context.Context, s Settings, obs Observer) (*Client, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	cluster, err := clusterConfig(s)
	if err != nil {
		return nil, err
	}
	var next gocql.QueryObserver
	if obs != nil {
		next = queryObserver(obs)
		cluster.BatchObserver = batchObserver(obs)
	}
	cluster.QueryObserver = pageTracer{next: next}
	return connectCluster(ctx, s, cluster)
}

// connectCluster creates the session like Connect does, bounded by ctx.
func connectCluster(ctx context.Context, s Settings, cluster *gocql.ClusterConfig) (*Client, error) {
	type result struct {
		session *gocql.Session
		err     error
	}
	done := make(chan result, 1)
	go func() {
		sess, err := cluster.CreateSession()
		done <- result{sess, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, classifyConnectError(r.err, s)
		}
		return &Client{settings: s, session: r.session, tables: map[string]cachedTable{}}, nil
	case <-ctx.Done():
		// The session may still come up; close it when it does so nothing leaks.
		go func() {
			if r := <-done; r.session != nil {
				r.session.Close()
			}
		}()
		return nil, &Error{Kind: KindTimeout, Msg: fmt.Sprintf("connecting to %s did not finish in time", s.Addresses()), Err: ctx.Err()}
	}
}

type queryObserver Observer

func (o queryObserver) ObserveQuery(_ context.Context, q gocql.ObservedQuery) {
	o(QueryStat{Duration: q.End.Sub(q.Start), Rows: q.Rows, Err: q.Err})
}

type batchObserver Observer

func (o batchObserver) ObserveBatch(_ context.Context, b gocql.ObservedBatch) {
	o(QueryStat{Duration: b.End.Sub(b.Start), Err: b.Err})
}
