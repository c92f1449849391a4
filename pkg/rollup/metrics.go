package rollup

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	lagDesc = prometheus.NewDesc("metrics_rollup_lag_seconds",
		"How far behind now each source and width is rolled up (now minus its checkpoint).", []string{"source", "width"}, nil)
	rowsDesc   = prometheus.NewDesc("metrics_rollup_rows_read_total", "Raw rows the writer read.", nil, nil)
	binsDesc   = prometheus.NewDesc("metrics_rollup_bins_written_total", "Rollup bins the writer wrote.", nil, nil)
	errorsDesc = prometheus.NewDesc("metrics_rollup_errors_total", "Sources whose pass failed.", nil, nil)
	seriesDesc = prometheus.NewDesc("metrics_rollup_series_total", "Series the writer rolled up, counted per pass.", nil, nil)
)

// checkpoints remembers where each source and width stands, for the lag metric.
type checkpoints struct {
	mu sync.Mutex
	to map[[2]string]time.Time
}

func (c *checkpoints) set(source string, width time.Duration, to time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.to == nil {
		c.to = map[[2]string]time.Time{}
	}
	c.to[[2]string{source, short(width)}] = to
}

// Describe implements prometheus.Collector.
func (w *Writer) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{lagDesc, rowsDesc, binsDesc, errorsDesc, seriesDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: the writer's counts and each checkpoint's lag.
func (w *Writer) Collect(ch chan<- prometheus.Metric) {
	st := &w.stats
	ch <- prometheus.MustNewConstMetric(rowsDesc, prometheus.CounterValue, float64(st.RowsRead.Load()))
	ch <- prometheus.MustNewConstMetric(binsDesc, prometheus.CounterValue, float64(st.BinsWritten.Load()))
	ch <- prometheus.MustNewConstMetric(errorsDesc, prometheus.CounterValue, float64(st.Errors.Load()))
	ch <- prometheus.MustNewConstMetric(seriesDesc, prometheus.CounterValue, float64(st.Series.Load()))
	now := w.Now()
	w.cps.mu.Lock()
	defer w.cps.mu.Unlock()
	for k, to := range w.cps.to {
		ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, now.Sub(to).Seconds(), k[0], k[1])
	}
}
