package query

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/big"
	"strings"
	"time"

	"gopkg.in/inf.v0"

	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// MaxFanOut is the most partitions a builder query reads with one statement each. Past it the
// partition key values go into one IN statement instead, so a huge cross product of filter
// values cannot turn into thousands of requests.
const MaxFanOut = 256

// MaxFilterValues is the most values one filter takes. An IN list longer than this reads more
// partitions than a panel can show, and every value costs a bound parameter; narrowing the
// selection is the fix.
const MaxFilterValues = 1000

// MaxFilters is the most filters one query takes. A table has few key columns, so a longer
// list only repeats conditions that Cassandra would refuse.
const MaxFilters = 100

// Statement is one CQL statement with its bound values, in marker order.
type Statement struct {
	CQL  string
	Args []any
	// Bucket names the time bucket the statement reads (a bucketed table), for notices; empty
	// otherwise.
	Bucket string
	// Partitions is how many partitions the statement names; 0 when its filters do not fix
	// the whole partition key (a scan).
	Partitions int
}

// Measure is one value the user asked for and how to aggregate it per bin.
type Measure struct {
	Name    string `json:"name"`
	Derived bool   `json:"derived"`
	// Aggregations are the user's, or the measure's default when the user chose none.
	Aggregations []string `json:"aggregations"`
	// Columns are the selected columns the measure is computed from, in the order Eval takes
	// their values: the column itself, or a derived measure's inputs (DerivedMeasure).
	Columns []string `json:"columns"`
}

// Eval computes the measure from one row's values of m.Columns, in that order. The caller
// skips rows where any of them is null.
func (m Measure) Eval(vals []float64) float64 {
	if m.Derived && len(vals) >= 2 {
		return vals[0] - vals[1]
	}
	return vals[0]
}

// Plan is what a builder query runs: the statements and how to read their rows.
type Plan struct {
	// Statements all select the same columns. There are several when the query fans out to
	// one statement per partition; the engine may run them in parallel.
	Statements []Statement
	// Table is keyspace.table, for messages.
	Table string
	// Columns is the SELECT list in order: series columns, the time column, then the value
	// columns, each once.
	Columns    []string
	TimeColumn string
	// TimeKind is how the time column holds time (timestamp, date, timeuuid or epoch) and
	// TimeUnit the epoch unit of an epoch column, so the engine reads it right.
	TimeKind      string
	TimeUnit      string
	ValueColumns  []string // numeric columns as selected, including the inputs of derived measures
	SeriesColumns []string
	Measures      []Measure
	// SinglePartition is true when every statement reads exactly one partition (the whole
	// partition key is fixed by = after fan-out).
	SinglePartition bool
	// FanOut is true when IN filters on the partition key became one statement per partition.
	FanOut bool
	// Partitions is how many partitions the statements name in all; 0 when they do not fix
	// the whole partition key (a scan).
	Partitions int
	// Width is the bin width the plan was cut for (0 when the engine gave none). Ranges are the
	// window's time ranges in order, each with its source; Statements are the raw ranges'
	// statements in that order. Pieces is the number of raw ranges when a range was split into
	// pieces read in parallel (0 otherwise).
	Width  time.Duration
	Ranges []Range
	Pieces int
	// Sample reads the time column of one row of the first statement's rows without the time
	// bound: when the query finds nothing, it shows whether the time column holds values of
	// another shape (another epoch unit, say). Empty when the time column has no condition.
	Sample Statement
	// TimeFirstClustering is true when the time column is the first clustering column, so rows
	// of a partition arrive in time order (descending when TimeDescending).
	TimeFirstClustering bool
	TimeDescending      bool
	AllowFiltering      bool
	// Limit is the user's row limit (0 = none). Each statement carries it as LIMIT too, so no
	// single partition reads more; the engine stops after Limit rows in total.
	Limit int64
	// Instant asks for the latest value per series in the time range. The engine keeps the row
	// with the greatest time per series either way: when InstantInGo is false Cassandra
	// already returns at most one row per partition; when true it returns every row in the
	// range (the table's layout does not allow asking for only the latest).
	Instant     bool
	InstantInGo bool
	// BucketColumn is the partition key column that buckets time, when the table is bucketed;
	// Buckets is how many buckets the time range touches (each statement reads one).
	BucketColumn      string
	Buckets           int
	BucketGranularity string
	// BucketArg is the index, in every statement's Args, of the bucket column's value.
	BucketArg int
	// Rollup, when set, is the rollup the SourceRollup range reads, and its series.
	Rollup *RollupRead
}

// restriction is what the filters say about one column.
type restriction struct {
	col     schema.Column
	eqField string // field of the = or IN filter, for messages
	eq      []any  // values of an = or IN filter (distinct); nil when there is none
	slices  []slice
	field   string // field of the first filter on the column
}

type slice struct {
	op    string
	value any
}

// resolved is the first stage of planning: what the query asks of the table, checked against
// its schema, before any time range is cut into statements. The time range it holds is the
// query's whole window (buckets and limits are checked over it).
type resolved struct {
	q          *Query
	t          *schema.Table
	tc         schema.Column
	plan       *Plan // the shape: columns, measures, series, ordering, instant mode, buckets
	restr      map[string]*restriction
	pk         []schema.Column
	pkFull     bool
	usesIndex  bool
	partitions []keyValues // of the window, one entry per statement (nil entry: a scan)
	// perStatement is how many partitions one IN statement may name.
	perStatement int
	// Instant reads: ORDER BY, PER PARTITION LIMIT and LIMIT of every statement.
	orderBy                  string
	perPartitionLimit, limit int64
	head                     string // SELECT ... FROM ... WHERE
	opts                     PlanOptions
}

// resolve checks the query against the table: its columns, measures and filters, the
// partitions it names and how instant queries ask for the latest row.
func resolve(ctx context.Context, q *Query, t *schema.Table, from, to time.Time, opts PlanOptions) (*resolved, error) {
	if q == nil || t == nil {
		return nil, &Error{Msg: "no query or no table to build a plan for"}
	}
	if q.QueryType != QueryTypeBuilder {
		return nil, errorf("queryType", "only builder queries are planned; raw CQL goes through PrepareRaw")
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if !to.After(from) {
		return nil, errorf("timeRange", "the time range is empty: its end must be after its start")
	}
	res := &resolved{q: q, t: t, pk: t.PartitionKey(), opts: opts}
	if err := res.resolveColumns(); err != nil {
		return nil, err
	}
	if err := res.resolveFilters(ctx, from, to); err != nil {
		return nil, err
	}
	if err := res.resolvePartitions(); err != nil {
		return nil, err
	}
	res.resolveInstant()
	selectList := make([]string, len(res.plan.Columns))
	for i, c := range res.plan.Columns {
		selectList[i] = schema.QuoteIdent(c)
	}
	res.head = "SELECT " + strings.Join(selectList, ", ") + " FROM " + t.QualifiedName() + " WHERE "
	return res, nil
}

func (res *resolved) notFound(field, name string) error {
	nf := &schema.NotFoundError{What: "column", Name: name, In: res.t.Keyspace + "." + res.t.Name}
	return &Error{Field: field, Msg: nf.Error(), Err: nf}
}

// resolveColumns finds the time column, the series columns and the measures.
func (res *resolved) resolveColumns() error {
	q, t := res.q, res.t
	// Time column: a timestamp, date or timeuuid, or a number of epoch units.
	tc, ok := t.Column(q.TimeColumn)
	if !ok {
		return res.notFound("timeColumn", q.TimeColumn)
	}
	timeKind, err := timeKindOf(tc, q.TimeUnit)
	if err != nil {
		return err
	}
	res.tc = tc
	p := &Plan{
		Table:          t.Keyspace + "." + t.Name,
		TimeColumn:     tc.Name,
		TimeKind:       timeKind,
		TimeUnit:       q.TimeUnit,
		AllowFiltering: q.AllowFiltering,
		Limit:          q.Limit,
		Instant:        q.Instant,
	}
	res.plan = p
	// Series columns label the series; any type will do, but not the time itself.
	for _, name := range q.SeriesColumns {
		if _, ok := t.Column(name); !ok {
			return res.notFound("seriesColumns", name)
		}
		if name == tc.Name {
			return errorf("seriesColumns", "%q is the time column; choose label columns such as the partition key", name)
		}
		p.SeriesColumns = appendUnique(p.SeriesColumns, name)
	}
	if p.Measures, err = ResolveMeasures(q, t); err != nil {
		return err
	}
	for _, m := range p.Measures {
		for _, c := range m.Columns {
			p.ValueColumns = appendUnique(p.ValueColumns, c)
		}
	}
	// Where the time column sits decides ordering and the instant shortcut.
	if tc.Kind == schema.Clustering {
		ck := t.ClusteringKey()
		p.TimeFirstClustering = len(ck) > 0 && ck[0].Name == tc.Name
		p.TimeDescending = strings.EqualFold(tc.ClusteringOrder, "desc")
	}
	return nil
}

// ResolveMeasures is the measures a builder query asks of the table: numeric columns, or a
// derived measure computed from them, each with the user's aggregations or its default. The
// bin cache keys queries by them, so it asks here rather than planning the query.
func ResolveMeasures(q *Query, t *schema.Table) ([]Measure, error) {
	where := t.Keyspace + "." + t.Name
	var out []Measure
	var names []string
	for _, name := range q.ValueColumns {
		if contains(names, name) {
			continue
		}
		names = append(names, name)
		m := Measure{Name: name}
		if d, ok := derivedOf(t, name); ok {
			m.Derived = true
			m.Columns = append([]string(nil), d.Columns...)
		} else {
			c, ok := t.Column(name)
			if !ok {
				nf := &schema.NotFoundError{What: "column", Name: name, In: where}
				msg := nf.Error()
				if needs := RulesFor(t).Needs(name); needs != "" {
					msg += " (" + needs + ")"
				}
				return nil, &Error{Field: "valueColumns", Msg: msg, Err: nf}
			}
			if !schema.IsNumeric(c.Type) {
				return nil, errorf("valueColumns", "%q is %s %s column; choose a numeric column", c.Name, article(c.Type), c.Type)
			}
			m.Columns = []string{c.Name}
		}
		if len(q.Aggregations) > 0 {
			m.Aggregations = append([]string(nil), q.Aggregations...)
		} else {
			m.Aggregations = []string{DefaultAggregation(t, name)}
		}
		out = append(out, m)
	}
	return out, nil
}

// resolveFilters groups the filters per column, adds the window's buckets of a bucketed
// table, picks the default series columns and the SELECT list, and checks that Cassandra can
// serve the restrictions.
func (res *resolved) resolveFilters(ctx context.Context, from, to time.Time) error {
	q, t, tc, p := res.q, res.t, res.tc, res.plan
	restr, err := collectFilters(ctx, q, t, tc, res.notFound)
	if err != nil {
		return err
	}
	// A bucketed table: the bucket column's values come from the time range, one per bucket.
	if q.BucketColumn != "" {
		labels, err := addBuckets(q, t, tc, restr, from, to, res.opts, res.notFound)
		if err != nil {
			return err
		}
		p.BucketColumn = q.BucketColumn
		p.BucketGranularity = q.BucketGranularity
		p.Buckets = len(labels)
	}
	if len(q.SeriesColumns) == 0 {
		p.SeriesColumns = defaultSeriesColumns(t, restr)
		if p.BucketColumn != "" {
			p.SeriesColumns = removeString(p.SeriesColumns, p.BucketColumn)
		}
	}
	for _, c := range p.SeriesColumns {
		p.Columns = appendUnique(p.Columns, c)
	}
	p.Columns = appendUnique(p.Columns, tc.Name)
	for _, c := range p.ValueColumns {
		p.Columns = appendUnique(p.Columns, c)
	}
	res.restr = restr
	res.pkFull, err = checkRestrictions(q, t, tc, restr)
	return err
}

// resolvePartitions decides how the partitions the filters name are read. Multi-value filters
// on partition key columns fan out: one statement per partition (the cross product of the
// values) rather than one IN query. A multi-partition IN makes one coordinator gather every
// partition, holding the whole result and waiting for the slowest replica; separate
// single-partition statements go token-aware straight to a replica, run in parallel, page
// independently, and allow ORDER BY (which Cassandra refuses with a paged IN on the partition
// key). Past MaxFanOut partitions the request count would cost more than it saves: they go
// into IN statements, each naming at most MaxStatementPartitions partitions, and the query as
// a whole at most maxPartitions. Multi-value filters on clustering columns stay IN: they are
// answered inside one partition by one replica, which is what IN does well.
func (res *resolved) resolvePartitions() error {
	p, restr := res.plan, res.restr
	maxPartitions := res.opts.MaxPartitions
	if maxPartitions <= 0 {
		maxPartitions = DefaultMaxPartitions
	}
	ckCount, ckFactors := clusteringCombinations(res.t, restr)
	if ckCount.Cmp(big.NewInt(MaxStatementCombinations)) > 0 {
		return errorf("filters", "the IN filters on clustering columns ask each partition for %s row key combinations (%s); at most %d can be read in one query: choose fewer values", ckCount, ckFactors, MaxStatementCombinations)
	}
	res.perStatement = min(MaxStatementPartitions, MaxStatementCombinations/int(ckCount.Int64()))
	combos := maxPartitions + 1 // more than any bound when the partition key is not fixed
	if res.pkFull {
		names, lists := partitionKeyLists(res.pk, restr)
		count, factors := keyCount(names, lists)
		if count.Cmp(big.NewInt(int64(maxPartitions))) > 0 {
			return errorf("filters", "the partition key filters select %s partitions (%s), more than the %d one query may read (maxPartitions in the data source settings): choose fewer values, or raise the limit", count, factors, maxPartitions)
		}
		combos = int(count.Int64())
	}
	// An index serves some filter: Cassandra refuses IN on the partition key and ORDER BY then.
	for _, r := range indexedRestrictions(res.t, restr) {
		res.usesIndex = res.usesIndex || r.col.Index != ""
	}
	if res.usesIndex && res.pkFull && combos > MaxFanOut && p.BucketColumn == "" {
		return errorf("filters", "the partition key filters select more than %d partitions; with a filter on an indexed column each partition is read with its own statement (Cassandra refuses IN on the partition key then): choose fewer values", MaxFanOut)
	}
	switch {
	case p.BucketColumn != "" || (res.pkFull && combos <= MaxFanOut):
		// addBuckets checked a bucketed table's count against its limit: every bucket of every
		// partition gets its own statement, so the buckets read in parallel.
		_, lists := partitionKeyLists(res.pk, restr)
		res.partitions = onePerStatement(lists)
		p.SinglePartition = true
		p.FanOut = len(res.partitions) > 1
	case res.pkFull:
		_, lists := partitionKeyLists(res.pk, restr)
		res.partitions = splitPartitions(lists, res.perStatement)
	default:
		res.partitions = []keyValues{nil}
	}
	for _, pv := range res.partitions {
		if pv != nil {
			p.Partitions += pv.partitions()
		}
	}
	return nil
}

// resolveInstant decides how an instant query asks for the latest row. Cassandra can answer per
// series only when the time column leads the clustering key (so "latest" is the edge of the
// partition) and every series column is in the partition key (so one row per partition is one
// row per series); otherwise the engine keeps the latest row while reading.
func (res *resolved) resolveInstant() {
	p := res.plan
	res.limit = res.q.Limit
	if !res.q.Instant {
		return
	}
	seriesInPK := true
	for _, s := range p.SeriesColumns {
		c, _ := res.t.Column(s)
		if c.Kind != schema.PartitionKey {
			seriesInPK = false
		}
	}
	switch {
	case !p.TimeFirstClustering || !seriesInPK:
		p.InstantInGo = true
	case res.usesIndex && !(p.SinglePartition && p.TimeDescending):
		p.InstantInGo = true // ORDER BY and PER PARTITION LIMIT do not go with an index
	case p.SinglePartition && p.TimeDescending:
		res.limit = 1 // the natural order is newest first
	case p.SinglePartition:
		res.orderBy = schema.QuoteIdent(res.tc.Name) + " DESC"
		res.limit = 1
	case p.TimeDescending:
		// Several partitions per statement: the first row of each is its latest.
		res.perPartitionLimit = 1
		res.limit = 0
	default:
		// Ascending clustering across partitions: ORDER BY is not allowed with a paged IN or a
		// scan, so the engine keeps the latest while reading.
		p.InstantInGo = true
	}
}

// render writes the statements that read [from, to): one per partition group, and for a
// bucketed table one per bucket of that range and partition. The first statement of the plan
// also gives the sample statement (explain.go in the engine).
func (res *resolved) render(from, to time.Time) ([]Statement, error) {
	q, t, tc, p := res.q, res.t, res.tc, res.plan
	restr, partitions := res.restr, res.partitions
	var bucketLabels map[any]string
	if p.BucketColumn != "" {
		// The buckets this range touches, which may be fewer than the window's.
		bc, _ := t.Column(p.BucketColumn)
		vals, labels, err := bucketValues(bc, q.BucketGranularity, q.BucketFormat, from, to)
		if err != nil {
			return nil, err
		}
		restr = maps.Clone(restr)
		restr[bc.Name] = &restriction{col: bc, eq: vals, eqField: "bucketColumn", field: "bucketColumn"}
		bucketLabels = make(map[any]string, len(vals))
		for i, v := range vals {
			bucketLabels[valueKey(v)] = labels[i]
		}
		_, lists := partitionKeyLists(res.pk, restr)
		partitions = onePerStatement(lists)
	}
	pkIndex := map[string]int{}
	for i, c := range res.pk {
		pkIndex[c.Name] = i
	}
	timeConds, timeArgs, err := timeConditions(schema.QuoteIdent(tc.Name), p.TimeKind, tc.Type, q.TimeUnit, from, to)
	if err != nil {
		return nil, err
	}
	var out []Statement
	for _, pv := range partitions {
		var conds []string
		var args []any
		bucket := ""
		timeCond, timeArg := -1, -1
		for _, c := range orderedColumns(t) {
			if c.Name == tc.Name {
				timeCond, timeArg = len(conds), len(args)
				conds = append(conds, timeConds...)
				args = append(args, timeArgs...)
			}
			if pv != nil && c.Name == p.BucketColumn {
				bucket = bucketLabels[valueKey(pv[pkIndex[c.Name]][0])]
				p.BucketArg = len(args)
			}
			r := restr[c.Name]
			if r == nil {
				continue
			}
			if r.eq != nil {
				var vals []any
				if pv != nil && c.Kind == schema.PartitionKey {
					vals = pv[pkIndex[c.Name]]
				} else {
					vals = r.eq
				}
				if len(vals) == 1 {
					conds = append(conds, schema.QuoteIdent(c.Name)+" = ?")
					args = append(args, vals[0])
				} else {
					conds = append(conds, schema.QuoteIdent(c.Name)+" IN ?")
					args = append(args, append([]any(nil), vals...))
				}
			}
			for _, s := range r.slices {
				conds = append(conds, schema.QuoteIdent(c.Name)+" "+s.op+" ?")
				args = append(args, s.value)
			}
		}
		if p.Sample.CQL == "" && timeCond >= 0 {
			p.Sample = sampleStatement(t, tc, conds, args, timeCond, timeArg, len(timeConds), len(timeArgs), q.AllowFiltering)
		}
		out = append(out, res.statement(conds, args, bucket, pv))
	}
	return out, nil
}

// statement finishes one statement: its conditions, then ORDER BY, the limits and ALLOW
// FILTERING as the query asks.
func (res *resolved) statement(conds []string, args []any, bucket string, pv keyValues) Statement {
	cql := res.head + strings.Join(conds, " AND ")
	if res.orderBy != "" {
		cql += " ORDER BY " + res.orderBy
	}
	if res.perPartitionLimit > 0 {
		cql += " PER PARTITION LIMIT ?"
		args = append(args, int32(res.perPartitionLimit)) // #nosec G115 -- it is 1
	}
	if res.limit > 0 {
		cql += " LIMIT ?"
		args = append(args, int32(res.limit)) // #nosec G115 -- Query.Validate bounds the limit to math.MaxInt32
	}
	if res.q.AllowFiltering {
		cql += " ALLOW FILTERING"
	}
	st := Statement{CQL: cql, Args: args, Bucket: bucket}
	if pv != nil {
		st.Partitions = pv.partitions()
	}
	return st
}

// ErrNothingToRead marks a query whose filters select no rows at all (filters on one column
// with no value in common): the engine answers it with no data, not as a failure.
var ErrNothingToRead = errors.New("the query selects no rows")

// commonValues keeps the values of a that b also holds, in a's order.
func commonValues(a, b []any) []any {
	in := make(map[any]struct{}, len(b))
	for _, v := range b {
		in[valueKey(v)] = struct{}{}
	}
	var out []any
	for _, v := range a {
		if _, ok := in[valueKey(v)]; ok {
			out = append(out, v)
		}
	}
	return out
}

// collectFilters checks each filter's column, converts its values to the column's type and
// groups them per column.
func collectFilters(ctx context.Context, q *Query, t *schema.Table, tc schema.Column, notFound func(field, name string) error) (map[string]*restriction, error) {
	restr := map[string]*restriction{}
	for i, f := range q.Filters {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		field := fmt.Sprintf("filters[%d]", i)
		c, ok := t.Column(f.Column)
		if !ok {
			return nil, notFound(field+".column", f.Column)
		}
		if c.Name == tc.Name {
			return nil, errorf(field+".column", "%q is the time column, already limited to the dashboard's time range; remove this filter", c.Name)
		}
		var vals []any
		// Repeated values would read a partition twice and count its rows twice.
		seen := make(map[any]struct{}, len(f.Values))
		for j, s := range f.Values {
			if j%256 == 255 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			v, err := ConvertValue(c.Type, s)
			if err != nil {
				return nil, &Error{Field: field + ".values", Msg: fmt.Sprintf("filter on %q: %v", c.Name, err), Err: err}
			}
			k := valueKey(v)
			if _, dup := seen[k]; dup {
				continue
			}
			seen[k] = struct{}{}
			vals = append(vals, v)
		}
		r := restr[c.Name]
		if r == nil {
			r = &restriction{col: c, field: field}
			restr[c.Name] = r
		}
		switch f.Op {
		case OpEq, OpIn:
			if len(r.slices) > 0 {
				return nil, errorf(field+".column", "%q is already filtered with a range; remove one of the filters", c.Name)
			}
			if r.eq != nil {
				// Every filter holds, as in SQL: a dashboard variable's filter and an ad hoc
				// filter on the same column leave the values they have in common.
				vals = commonValues(r.eq, vals)
				if len(vals) == 0 {
					return nil, &Error{Field: field + ".values", Err: ErrNothingToRead,
						Msg: fmt.Sprintf("the filters on %q have no value in common, so the query selects no rows", c.Name)}
				}
			}
			r.eq = vals
			r.eqField = field
		default:
			if r.eq != nil {
				return nil, errorf(field+".column", "%q is already filtered with = or IN; remove one of the filters", c.Name)
			}
			r.slices = append(r.slices, slice{op: f.Op, value: vals[0]})
		}
	}
	return restr, nil
}

// checkRestrictions decides whether Cassandra can answer without ALLOW FILTERING and, if it
// cannot and the user did not allow filtering, says what to change. It reports whether the
// whole partition key is fixed by = or IN.
func checkRestrictions(q *Query, t *schema.Table, tc schema.Column, restr map[string]*restriction) (bool, error) {
	pk := t.PartitionKey()
	if len(pk) == 0 {
		return false, &Error{Msg: fmt.Sprintf("table %s.%s has no partition key in the schema; refresh the schema", t.Keyspace, t.Name)}
	}
	if tc.Kind != schema.Clustering && !q.AllowFiltering {
		return false, errorf("timeColumn", "%q is not a clustering column, so restricting it to the time range makes Cassandra filter every row; choose the table's time clustering column or tick \"Allow filtering\"", tc.Name)
	}
	var missing []string
	for _, c := range pk {
		if r := restr[c.Name]; r == nil || r.eq == nil {
			missing = append(missing, c.Name)
		}
	}
	pkFull := len(missing) == 0
	if q.AllowFiltering {
		return pkFull, nil
	}
	for _, c := range pk {
		if r := restr[c.Name]; r != nil && len(r.slices) > 0 {
			return false, errorf(r.field+".op", "%q is a partition key column: it takes = or IN only; change the operator or tick \"Allow filtering\"", c.Name)
		}
	}
	if !pkFull && len(missing) == len(pk) && saiScan(t, tc, restr) {
		return false, nil // SAI answers every restriction across the table
	}
	if !pkFull {
		if b := bucketLike(t, missing); b != "" && q.BucketColumn == "" {
			// Allow filtering is the wrong fix for a time bucket: it scans the whole table.
			return false, errorf("filters", "%q looks like the time bucket of a bucketed table (the partition key holds it): set the time bucket settings (bucket column %q, its granularity and, for text or numbers, its format) so the query reads one partition per bucket of the time range; "+
				"otherwise add = or IN filters on every partition key column (missing: %s)", b, b, strings.Join(missing, ", "))
		}
		return false, errorf("filters", "add = or IN filters on every partition key column (missing: %s) so Cassandra reads only those partitions, or tick \"Allow filtering\" to scan the whole table", strings.Join(missing, ", "))
	}
	// Clustering columns restrict without filtering only as a prefix: = or IN on each, up to
	// one range (the time range, or a filter with < <= > >=).
	closedBy := "" // the column that ended the prefix
	for _, c := range t.ClusteringKey() {
		r := restr[c.Name]
		ranged := c.Name == tc.Name || (r != nil && len(r.slices) > 0)
		restricted := ranged || (r != nil && r.eq != nil)
		if restricted && closedBy != "" {
			if c.Name == tc.Name {
				return false, errorf("timeColumn", "to restrict %q to the time range, the clustering columns before it need = or IN filters (%q has none); add them or tick \"Allow filtering\"", c.Name, closedBy)
			}
			return false, errorf(r.field+".column", "filtering on %q makes Cassandra filter rows, because the clustering column %q before it is not fixed with = or IN; remove the filter or tick \"Allow filtering\"", c.Name, closedBy)
		}
		if (ranged || !restricted) && closedBy == "" {
			closedBy = c.Name
		}
	}
	// Columns outside the primary key: only their indexes can serve them.
	if err := checkIndexed(indexedRestrictions(t, restr)); err != nil {
		return false, err
	}
	return true, nil
}

// orderedColumns is the table's columns in key order: partition key, clustering key, then the
// rest in schema order. Conditions follow it so generated CQL is stable.
func orderedColumns(t *schema.Table) []schema.Column {
	out := append(t.PartitionKey(), t.ClusteringKey()...)
	for _, c := range t.Columns {
		if c.Kind != schema.PartitionKey && c.Kind != schema.Clustering {
			out = append(out, c)
		}
	}
	return out
}

func tooManyValues(field string, f Filter) *Error {
	return errorf(field+".values", "the filter on %q has %d values; at most %d can be used: narrow the selection (for a variable, pick fewer options than All)", f.Column, len(f.Values), MaxFilterValues)
}

// valueKey maps a converted filter value to a comparable key that is equal exactly when
// Cassandra would see the same value, so de-duplication is one map lookup per value.
// Floats compare by their bits (as the driver sends them); decimals by unscaled value and
// scale, which is what the wire format holds (1.0 and 1.00 are different keys there too).
func valueKey(v any) any {
	type timeKey struct {
		sec  int64
		nsec int
	}
	type decKey struct {
		unscaled string
		scale    inf.Scale
	}
	type bigKey struct{ s string }
	type blobKey struct{ s string }
	switch x := v.(type) {
	case time.Time:
		return timeKey{x.Unix(), x.Nanosecond()}
	case *big.Int:
		return bigKey{x.String()}
	case *inf.Dec:
		return decKey{x.UnscaledBig().String(), x.Scale()}
	case []byte:
		return blobKey{string(x)}
	case float64:
		return math.Float64bits(x)
	case float32:
		return math.Float32bits(x)
	}
	// Strings, integers, booleans and durations are comparable as they are.
	return v
}

func appendUnique(list []string, s string) []string {
	if contains(list, s) {
		return list
	}
	return append(list, s)
}

// defaultSeriesColumns are the partition key columns that can take more than one value in
// the query: without them, rows of different partitions (say, several metrics) would be
// binned into one series. A column fixed to a single value (by = or an IN whose values are
// all the same) names no series.
func defaultSeriesColumns(t *schema.Table, restr map[string]*restriction) []string {
	var out []string
	for _, c := range t.PartitionKey() {
		if r := restr[c.Name]; r != nil && len(r.eq) == 1 {
			continue
		}
		out = append(out, c.Name)
	}
	return out
}

// sampleStatement is the first statement's conditions without those on the time column,
// selecting the time column of one row.
func sampleStatement(t *schema.Table, tc schema.Column, conds []string, args []any, timeCond, timeArg, nConds, nArgs int, allowFiltering bool) Statement {
	c := append(append([]string(nil), conds[:timeCond]...), conds[timeCond+nConds:]...)
	a := append(append([]any(nil), args[:timeArg]...), args[timeArg+nArgs:]...)
	cql := "SELECT " + schema.QuoteIdent(tc.Name) + " FROM " + t.QualifiedName()
	if len(c) > 0 {
		cql += " WHERE " + strings.Join(c, " AND ")
	}
	cql += " LIMIT 1"
	if allowFiltering {
		cql += " ALLOW FILTERING"
	}
	return Statement{CQL: cql, Args: a}
}

// bucketNames are partition key column names that hold a time bucket in the tables people
// write (day, hour, bucket, yyyymmdd...), for the advice of an unfiltered partition key.
var bucketNames = []string{"bucket", "day", "date", "hour", "week", "month", "year", "yyyymm", "yyyymmdd", "time_bucket", "ts_bucket", "partition_day"}

// bucketLike is the first of the missing partition key columns that looks like a time bucket:
// a date or timestamp column, or a text or integer column named like one.
func bucketLike(t *schema.Table, missing []string) string {
	for _, name := range missing {
		c, ok := t.Column(name)
		if !ok {
			continue
		}
		// The bucket column types the planner accepts (schema's classifier): a date or
		// timestamp needs no format, so it is a bucket whatever its name.
		if schema.IsBucketType(c.Type) && !schema.BucketNeedsFormat(c.Type) {
			return c.Name
		}
		if schema.BucketNeedsFormat(c.Type) {
			lower := strings.ToLower(c.Name)
			for _, b := range bucketNames {
				if lower == b || strings.HasSuffix(lower, "_"+b) || strings.HasPrefix(lower, b+"_") {
					return c.Name
				}
			}
		}
	}
	return ""
}
