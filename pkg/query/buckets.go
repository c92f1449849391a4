package query

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// Bucket granularities: how much time one partition of a bucketed table holds. All are UTC;
// a week starts on Monday (ISO 8601).
const (
	GranularityHour  = "hour"
	GranularityDay   = "day"
	GranularityWeek  = "week"
	GranularityMonth = "month"
)

var granularities = []string{GranularityHour, GranularityDay, GranularityWeek, GranularityMonth}

// Granularities lists the bucket granularities.
func Granularities() []string { return append([]string(nil), granularities...) }

// DefaultMaxBucketStatements is the most statements a bucketed builder query runs (buckets
// times the other partition key values) when the data source sets no limit.
const DefaultMaxBucketStatements = 1000

// PlanOptions bound what a plan may ask of Cassandra.
type PlanOptions struct {
	// MaxBucketStatements caps the statements of a bucketed query; 0 means the default.
	MaxBucketStatements int
	// MaxPartitions caps the partitions one query names; 0 means DefaultMaxPartitions.
	MaxPartitions int

	// The engine's part of the strategy. Width is the bin width, decided once by the engine;
	// pieces of a split range end on its edges. Read lists the parts of the window to read
	// from Cassandra, in order; the rest comes from the bin cache (nil reads the whole window).
	// SplitStatements, when above 0, lets a long range over few partitions be read in pieces
	// in parallel, up to that many statements in all (the data source's concurrency).
	Width           time.Duration
	Read            []TimeRange
	SplitStatements int
	// Rollups are what the rollup keyspace holds of the table, coarsest first: whole bins the
	// coarsest usable one covers come from it (a SourceRollup range), the rest from raw rows.
	// They are not used together with Read (a refresh of cached bins reads only recent rows).
	Rollups []Rollup
}

// Tokens of a bucket format. Text between single quotes is literal, as is any other character.
const (
	tokYear  = "YYYY"
	tokMonth = "MM"
	tokDay   = "DD"
	tokHour  = "HH"
	tokWeek  = "WW" // ISO week number; with it, YYYY is the ISO week-numbering year
)

var formatTokens = []string{tokYear, tokMonth, tokDay, tokHour, tokWeek}

type formatPart struct {
	token   string // one of formatTokens, or "" for literal text
	literal string
}

// bucketFormat is a parsed bucket format such as YYYY-MM-DD or YYYYMMDDHH.
type bucketFormat []formatPart

func (f bucketFormat) has(tok string) bool {
	for _, p := range f {
		if p.token == tok {
			return true
		}
	}
	return false
}

// parseBucketFormat reads a format and checks that it names each bucket of granularity gran
// exactly once: every token the granularity needs, none finer.
func parseBucketFormat(s, gran string) (bucketFormat, error) {
	var f bucketFormat
	lit := func(text string) {
		if n := len(f); n > 0 && f[n-1].token == "" {
			f[n-1].literal += text
			return
		}
		f = append(f, formatPart{literal: text})
	}
	for i := 0; i < len(s); {
		if s[i] == '\'' {
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("the quote at position %d is not closed; put literal text between single quotes, e.g. YYYY-'W'WW", i+1)
			}
			lit(s[i+1 : i+1+end])
			i += end + 2
			continue
		}
		matched := false
		for _, tok := range formatTokens {
			if strings.HasPrefix(s[i:], tok) {
				if f.has(tok) {
					return nil, fmt.Errorf("%s appears twice; write each part once", tok)
				}
				f = append(f, formatPart{token: tok})
				i += len(tok)
				matched = true
				break
			}
		}
		if !matched {
			lit(s[i : i+1])
			i++
		}
	}
	need := map[string][]string{
		GranularityHour:  {tokYear, tokMonth, tokDay, tokHour},
		GranularityDay:   {tokYear, tokMonth, tokDay},
		GranularityWeek:  {tokYear, tokMonth, tokDay},
		GranularityMonth: {tokYear, tokMonth},
	}[gran]
	if gran == GranularityWeek && f.has(tokWeek) {
		need = []string{tokYear, tokWeek}
	}
	for _, tok := range need {
		if !f.has(tok) {
			return nil, fmt.Errorf("%s buckets need %s in the format (%s tells them apart), e.g. %s", gran, strings.Join(need, ", "), tok, exampleFormat(gran))
		}
	}
	for _, tok := range formatTokens {
		if f.has(tok) && !contains(need, tok) {
			return nil, fmt.Errorf("%s is finer than or does not match %s buckets; remove it, e.g. %s", tok, gran, exampleFormat(gran))
		}
	}
	return f, nil
}

func exampleFormat(gran string) string {
	switch gran {
	case GranularityHour:
		return "YYYY-MM-DD HH or YYYYMMDDHH"
	case GranularityWeek:
		return "YYYY-MM-DD (the Monday) or YYYY-'W'WW"
	case GranularityMonth:
		return "YYYY-MM or YYYYMM"
	}
	return "YYYY-MM-DD or YYYYMMDD"
}

func (f bucketFormat) format(t time.Time) string {
	var b strings.Builder
	isoYear, isoWeek := t.ISOWeek()
	for _, p := range f {
		switch p.token {
		case "":
			b.WriteString(p.literal)
		case tokYear:
			y := t.Year()
			if f.has(tokWeek) {
				y = isoYear
			}
			fmt.Fprintf(&b, "%04d", y)
		case tokMonth:
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		case tokDay:
			fmt.Fprintf(&b, "%02d", t.Day())
		case tokHour:
			fmt.Fprintf(&b, "%02d", t.Hour())
		case tokWeek:
			fmt.Fprintf(&b, "%02d", isoWeek)
		}
	}
	return b.String()
}

func (q *Query) validateBucket() error {
	if q.BucketColumn == "" {
		return nil
	}
	if !contains(granularities, q.BucketGranularity) {
		if q.BucketGranularity == "" {
			return errorf("bucketGranularity", "choose how much time one %q bucket holds: %s", q.BucketColumn, strings.Join(granularities, ", "))
		}
		return errorf("bucketGranularity", "%q is not a bucket granularity; use one of %s", q.BucketGranularity, strings.Join(granularities, ", "))
	}
	if strings.TrimSpace(q.BucketFormat) != "" {
		if _, err := parseBucketFormat(q.BucketFormat, q.BucketGranularity); err != nil {
			return errorf("bucketFormat", "%v", err)
		}
	}
	return nil
}

// BucketStart is the start of the bucket of granularity gran that holds t (UTC).
func BucketStart(t time.Time, gran string) time.Time {
	t = t.UTC()
	switch gran {
	case GranularityHour:
		return t.Truncate(time.Hour)
	case GranularityWeek:
		d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		back := (int(d.Weekday()) + 6) % 7 // days since Monday
		return d.AddDate(0, 0, -back)
	case GranularityMonth:
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func nextBucket(start time.Time, gran string) time.Time {
	switch gran {
	case GranularityHour:
		return start.Add(time.Hour)
	case GranularityWeek:
		return start.AddDate(0, 0, 7)
	case GranularityMonth:
		return start.AddDate(0, 1, 0)
	}
	return start.AddDate(0, 0, 1)
}

// CountBuckets is how many buckets of granularity gran [from, to) touches, computed without
// listing them so a range of centuries costs nothing before it is refused.
func CountBuckets(from, to time.Time, gran string) int64 {
	if !to.After(from) {
		return 0
	}
	first := BucketStart(from, gran)
	last := BucketStart(to.Add(-time.Nanosecond), gran)
	switch gran {
	case GranularityMonth:
		return int64(last.Year()-first.Year())*12 + int64(last.Month()-first.Month()) + 1
	case GranularityHour:
		return (last.Unix()-first.Unix())/3600 + 1
	case GranularityWeek:
		return (last.Unix()-first.Unix())/(7*86400) + 1
	}
	// Unix seconds, not Sub: a Duration saturates past ~292 years.
	return (last.Unix()-first.Unix())/86400 + 1
}

// bucketValues lists, for each bucket [from, to) touches in time order, the value the bucket
// column c holds and a label for messages.
func bucketValues(c schema.Column, gran, format string, from, to time.Time) ([]any, []string, error) {
	typ := strings.ToLower(c.Type)
	var f bucketFormat
	switch {
	case !schema.IsBucketType(typ):
		return nil, nil, errorf("bucketColumn", "%q is %s %s column; a bucket column is a date, timestamp, text or int partition key column", c.Name, article(c.Type), c.Type)
	case !schema.BucketNeedsFormat(typ):
		if typ == "date" && gran == GranularityHour {
			return nil, nil, errorf("bucketGranularity", "%q is a date column, which cannot hold hour buckets; choose day, week or month", c.Name)
		}
	default:
		if strings.TrimSpace(format) == "" {
			return nil, nil, errorf("bucketFormat", "%q is %s %s column: enter the format of its values, e.g. %s", c.Name, article(typ), typ, exampleFormat(gran))
		}
		var err error
		if f, err = parseBucketFormat(format, gran); err != nil {
			return nil, nil, errorf("bucketFormat", "%v", err)
		}
	}
	var vals []any
	var labels []string
	for b := BucketStart(from, gran); b.Before(to); b = nextBucket(b, gran) {
		var v any
		label := ""
		switch typ {
		case "date":
			v, label = b, b.Format("2006-01-02")
		case "timestamp":
			v, label = b, b.Format(time.RFC3339)
		case "text", "varchar", "ascii":
			s := f.format(b)
			v, label = s, s
		default:
			s := f.format(b)
			n, ok := new(big.Int).SetString(s, 10)
			if !ok {
				return nil, nil, errorf("bucketFormat", "%q is an %s column, but the format gives %q, which is not a whole number; use digits only, e.g. YYYYMMDD", c.Name, typ, s)
			}
			switch {
			case typ == "varint":
				v = n
			case typ == "int" && n.IsInt64() && n.Int64() >= math.MinInt32 && n.Int64() <= math.MaxInt32:
				// #nosec G115 -- the case keeps n within int32
				v = int32(n.Int64())
			case typ == "bigint" && n.IsInt64():
				v = n.Int64()
			default:
				return nil, nil, errorf("bucketFormat", "the bucket value %s does not fit the %s column %q; use a shorter format or a bigint column", s, typ, c.Name)
			}
			label = s
		}
		vals = append(vals, v)
		labels = append(labels, label)
	}
	return vals, labels, nil
}

// addBuckets restricts the bucket column to the buckets [from, to) touches, after checking
// that the statements this makes (buckets times the other partition key values) stay within
// the limit. It answers each bucket value's label, keyed by valueKey.
func addBuckets(q *Query, t *schema.Table, tc schema.Column, restr map[string]*restriction, from, to time.Time, opts PlanOptions, notFound func(field, name string) error) (map[any]string, error) {
	bc, ok := t.Column(q.BucketColumn)
	if !ok {
		return nil, notFound("bucketColumn", q.BucketColumn)
	}
	if bc.Kind != schema.PartitionKey || bc.Name == tc.Name {
		return nil, errorf("bucketColumn", "%q is not a partition key column; the bucket column is the part of the partition key that holds the time bucket, such as day in PRIMARY KEY ((sensor_id, day), ts)", bc.Name)
	}
	if r := restr[bc.Name]; r != nil {
		return nil, errorf(r.field+".column", "%q is the bucket column: its values come from the time range; remove this filter", bc.Name)
	}
	limit := int64(opts.MaxBucketStatements)
	combos := int64(1)
	var missing []string
	for _, c := range t.PartitionKey() {
		if c.Name == bc.Name {
			continue
		}
		r := restr[c.Name]
		if r == nil || r.eq == nil {
			missing = append(missing, c.Name)
			continue
		}
		combos = min(combos*int64(len(r.eq)), limit+1)
	}
	if len(missing) > 0 {
		return nil, errorf("filters", "a bucketed table is read one partition per bucket: add = or IN filters on the other partition key columns (missing: %s)", strings.Join(missing, ", "))
	}
	n := CountBuckets(from, to, q.BucketGranularity)
	// n is at most ~10^8 (hours in 10,000 years) and combos at most limit+1: no overflow.
	if combos > limit {
		return nil, errorf("filters", "the partition key filters select more than %d partitions, each read once per %s bucket: more than the limit of %d statements (maxBucketStatements in the data source settings); choose fewer values or raise the limit", limit, q.BucketGranularity, limit)
	}
	if n*combos > limit {
		return nil, errorf("timeRange", "the time range touches %d %s buckets; with %d partition key value combinations that is %d statements, more than the limit of %d (maxBucketStatements in the data source settings): narrow the time range or the filters, or raise the limit", n, q.BucketGranularity, combos, n*combos, limit)
	}
	vals, labels, err := bucketValues(bc, q.BucketGranularity, q.BucketFormat, from, to)
	if err != nil {
		return nil, err
	}
	restr[bc.Name] = &restriction{col: bc, eq: vals, eqField: "bucketColumn", field: "bucketColumn"}
	out := make(map[any]string, len(vals))
	for i, v := range vals {
		out[valueKey(v)] = labels[i]
	}
	return out, nil
}

func removeString(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}
