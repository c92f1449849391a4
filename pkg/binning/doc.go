// Package binning turns a stream of (time, value) observations into
// epoch-aligned time bins with aggregations and fill, the server-side
// equivalent of the Pandas resampling that metrics_server did.
//
// # Bins
//
// Times are whole milliseconds since the Unix epoch (Cassandra's timestamp
// precision), in UTC. A bin of width w starts at floor(t/w)*w and holds points
// with start <= t < start+w, so a point exactly on a boundary belongs to the
// bin that starts there. A bin is reported at its start time.
//
// Bins cover the requested window [From, To), not the extent of the data:
// the first bin is floor(From/w)*w and the last is the one holding To-1ms, so
// a dashboard always gets the same time axis whether or not data exists.
// Only points inside [From, To) are counted. When From is not a multiple of
// w the first bin starts before From and covers only [From, start+w); points
// in the part before From are dropped like any other point outside the window
// (the same holds at the end for To). A caller that wants complete edge bins
// aligns From and To to the width before building the Spec.
//
// Epoch alignment puts 1d bins on UTC midnight and 7d bins on Thursdays
// (1970-01-01 was a Thursday), not on the dashboard's time zone or week start.
//
// # Aggregations
//
//   - count: number of non-NaN points.
//   - sum, avg: plain float64 sum; avg = sum/count.
//   - min, max: exact.
//   - first, last: value with the earliest / latest timestamp in the bin,
//     whatever the arrival order (Cassandra may return rows in descending
//     clustering order). Ties: first keeps the earliest arrival, last the
//     latest arrival.
//   - stddev: sample standard deviation (divisor n-1, as pandas' std), kept
//     with Welford's update per bin on values shifted by the bin's first
//     value, so that counters near 1e9 keep their digits; it has no value for
//     a bin with fewer than two points.
//   - p50 p75 p90 p95 p99 p999: see Percentiles.
//
// NaN observations are ignored: they count as missing, not as points.
//
// # Percentiles
//
// Percentiles use a DDSketch (github.com/DataDog/sketches-go) with relative
// accuracy 0.01, created lazily for each non-empty bin of a column and shared
// by all percentile aggregations of that column. The sketch keeps exact ranks
// and approximates values: every value it reports is within 1% of a value that
// really occurs at that rank. The percentile is then interpolated linearly
// between the two neighbouring ranks at q*(n-1), as pandas' quantile does by
// default, and clamped to the bin's exact min and max. Hence, against the
// exact pandas/numpy "linear" quantile x = (1-f)*a + f*b of neighbours a, b:
//
//	|estimate - x| <= 0.01 * ((1-f)*|a| + f*|b|)
//
// which is at most 1% of |x| when a and b have the same sign (always the case
// for non-negative metrics such as latencies and rates). Negative values are
// supported (a second sketch store mirrors the positive one); zero and values
// with magnitude below about 2e-308 are counted as 0; ±Inf are ranked
// correctly and reported as the bin's exact min or max.
//
// A sketch costs about 400 bytes when created and grows with the number of
// distinct 2%-wide value ranges it sees (about 115 per decade of values):
// measured, about 0.44 KB for 12 points, 4.4 KB for 1000 spread over two
// decades, 10.5 KB for 1000 spread over 80. Series.SketchBytes follows that
// size as sketches grow, merge and are imported, for budgets. Sketches merge
// without extra error.
//
// # Fill
//
// An output has no value in a bin when the bin holds no point for its column
// (or, for stddev, fewer than two). Fill decides what those bins report:
// null (default), zero, a fixed value, the previous value of the same output
// in the series, or none, which omits the bins where no output has a value.
// Fill applies to count as well, so an empty bin's count is null unless the
// fill is zero or a value.
//
// # Memory and speed
//
// Memory is O(series × bins × aggregations) and independent of the number of
// rows: each series allocates flat arrays for exactly the statistics its
// aggregations need, once, on first use. BytesPerSeries gives its size before
// a series exists and Series.SketchBytes what its sketches add, so a caller can
// hold a query to a memory budget. New refuses more bins than MaxBins, counting without overflow, and
// windows whose bin arithmetic would not fit in an int64 of milliseconds. Series.Add does integer arithmetic
// and array updates only; it does not allocate except when a percentile
// sketch is created or grows.
//
// # Keeping closed bins
//
// Export copies the state of whole bins (counts, sums, Welford terms, min, max, first and
// last with their times, and encoded percentile sketches) into immutable States; Import
// merges them into another Binner of the same width and aggregations, taking only bins that
// lie wholly inside its window. Bins exported from complete data and imported into a later
// window, plus the rows outside them, give the values binning every row at once gives: a
// bin restored into an empty bin is copied, not recomputed, so sums and averages keep their
// bits and percentiles their sketch. State.Size bounds what a cache of them holds.
//
// A Binner is not safe for concurrent use. To bin partitions in parallel,
// give each worker its own Binner built from the same Spec and combine them
// with Merge.
package binning
