package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
)

// metrics are the server's own Prometheus metrics, in a private registry so several servers
// (tests) in one process never collide and nothing else leaks into /metrics.
type metrics struct {
	registry     *prometheus.Registry
	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	cqlLatency   prometheus.Histogram
	cqlErrors    prometheus.Counter
	cqlRows      prometheus.Counter
	busy         prometheus.Gauge
	waiting      prometheus.Gauge
	queryResults *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "metrics_server_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "metrics_server_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern and method.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"route", "method"}),
		cqlLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "metrics_server_cassandra_request_duration_seconds",
			Help:    "Time Cassandra took to answer one request (one page of a query, or one batch).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		cqlErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "metrics_server_cassandra_request_errors_total",
			Help: "Cassandra requests that failed.",
		}),
		cqlRows: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "metrics_server_cassandra_rows_read_total",
			Help: "Rows read from Cassandra.",
		}),
		busy: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "metrics_server_queries_in_progress",
			Help: "Requests currently querying Cassandra (at most the configured threads).",
		}),
		waiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "metrics_server_queries_waiting",
			Help: "Requests waiting for a free thread to query Cassandra.",
		}),
		queryResults: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "metrics_server_queries_total",
			Help: "Queries run through the engine, by outcome (ok or the error status).",
		}, []string{"status"}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.cqlLatency, m.cqlErrors, m.cqlRows, m.busy, m.waiting, m.queryResults,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe is the Cassandra session's observer: called from the driver for every page.
func (m *metrics) observe(s cassandra.QueryStat) {
	m.cqlLatency.Observe(s.Duration.Seconds())
	if s.Err != nil {
		m.cqlErrors.Inc()
	}
	if s.Rows > 0 {
		m.cqlRows.Add(float64(s.Rows))
	}
}

func (m *metrics) request(route, method string, status int, d time.Duration) {
	method = methodLabel(method)
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

// methodLabel keeps the standard methods and makes every other one "other": the method is
// the client's to choose, and each distinct label value is a new series kept forever.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "other"
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
