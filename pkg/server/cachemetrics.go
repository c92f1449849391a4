package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/metricsserver/cassandra-datasource/pkg/bincache"
)

// cacheCollector exports the bin cache's counters, read when /metrics is scraped.
type cacheCollector struct{ c *bincache.Cache }

var (
	cacheQueriesDesc = prometheus.NewDesc("metrics_server_bin_cache_queries_total",
		"Binned queries that could use the bin cache, by whether they found closed bins (hit) or not (miss).", []string{"result"}, nil)
	cacheBinsDesc = prometheus.NewDesc("metrics_server_bin_cache_bins_total",
		"Bins answered from the bin cache instead of Cassandra (counted once per query, not per series).", nil, nil)
	cacheRowsDesc = prometheus.NewDesc("metrics_server_bin_cache_rows_read_total",
		"Rows read from Cassandra by binned queries that could use the bin cache.", nil, nil)
	cacheEvictionsDesc = prometheus.NewDesc("metrics_server_bin_cache_evictions_total",
		"Cache entries dropped, least recently used first, to stay within binCacheMiB.", nil, nil)
	cacheRefusedDesc = prometheus.NewDesc("metrics_server_bin_cache_refused_total",
		"Cache entries not kept because one alone is larger than binCacheMiB.", nil, nil)
	cacheBytesDesc = prometheus.NewDesc("metrics_server_bin_cache_bytes",
		"Bytes the bin cache holds (its entries' charged size).", nil, nil)
	cacheMaxBytesDesc = prometheus.NewDesc("metrics_server_bin_cache_max_bytes",
		"The bin cache's bound, binCacheMiB in bytes.", nil, nil)
	cacheEntriesDesc = prometheus.NewDesc("metrics_server_bin_cache_entries",
		"Queries (query text without time range, with bin width) whose closed bins are cached.", nil, nil)
)

func (cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{cacheQueriesDesc, cacheBinsDesc, cacheRowsDesc, cacheEvictionsDesc, cacheRefusedDesc, cacheBytesDesc, cacheMaxBytesDesc, cacheEntriesDesc} {
		ch <- d
	}
}

func (cc cacheCollector) Collect(ch chan<- prometheus.Metric) {
	s := cc.c.Stats()
	ch <- prometheus.MustNewConstMetric(cacheQueriesDesc, prometheus.CounterValue, float64(s.Hits), "hit")
	ch <- prometheus.MustNewConstMetric(cacheQueriesDesc, prometheus.CounterValue, float64(s.Misses), "miss")
	ch <- prometheus.MustNewConstMetric(cacheBinsDesc, prometheus.CounterValue, float64(s.BinsFromCache))
	ch <- prometheus.MustNewConstMetric(cacheRowsDesc, prometheus.CounterValue, float64(s.RowsRead))
	ch <- prometheus.MustNewConstMetric(cacheEvictionsDesc, prometheus.CounterValue, float64(s.Evictions))
	ch <- prometheus.MustNewConstMetric(cacheRefusedDesc, prometheus.CounterValue, float64(s.Refused))
	ch <- prometheus.MustNewConstMetric(cacheBytesDesc, prometheus.GaugeValue, float64(s.Bytes))
	ch <- prometheus.MustNewConstMetric(cacheMaxBytesDesc, prometheus.GaugeValue, float64(s.MaxBytes))
	ch <- prometheus.MustNewConstMetric(cacheEntriesDesc, prometheus.GaugeValue, float64(s.Entries))
}
