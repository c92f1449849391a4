// Package query holds what a user asks for and how it becomes CQL: the query model the query
// editor sends (JSON), its validation, the macros of raw CQL, the read-only guard and the CQL
// that builder queries run. It does no I/O; the engine runs what it produces.
package query

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/binning"
	"github.com/metricsserver/cassandra-datasource/pkg/duration"
)

// QueryType selects how a query is written: with the visual builder or as raw CQL.
type QueryType string

const (
	QueryTypeBuilder QueryType = "builder"
	QueryTypeCQL     QueryType = "cql"
)

// Format is the shape of the result.
type Format string

const (
	FormatTimeSeries Format = "time_series"
	FormatTable      Format = "table"
)

// Filter operators.
const (
	OpEq = "="
	OpIn = "IN"
	OpLt = "<"
	OpLe = "<="
	OpGt = ">"
	OpGe = ">="
)

// Fill modes for bins without data (binning owns them).
const (
	FillNull     = string(binning.FillNull)
	FillPrevious = string(binning.FillPrevious)
	FillZero     = string(binning.FillZero)
	FillValue    = string(binning.FillValue)
	FillNone     = string(binning.FillNone)
)

// IntervalAuto lets the engine choose the bin width from the time range and panel width.
const IntervalAuto = duration.Auto

// Filter restricts one column. Values are strings as typed in the editor; the builder converts
// them to the column's type.
type Filter struct {
	Column string   `json:"column"`
	Op     string   `json:"op"`
	Values []string `json:"values"`
}

// Query is one query as the editor sends it. The JSON names are a public contract: saved
// dashboards and alert rules hold them.
type Query struct {
	RefID     string    `json:"refId"`
	QueryType QueryType `json:"queryType"`

	Keyspace       string   `json:"keyspace"`
	Table          string   `json:"table"`
	TimeColumn     string   `json:"timeColumn"`
	ValueColumns   []string `json:"valueColumns"`
	Filters        []Filter `json:"filters"`
	SeriesColumns  []string `json:"seriesColumns"`
	Aggregations   []string `json:"aggregations"`
	Interval       string   `json:"interval"`
	Fill           string   `json:"fill"`
	FillValue      *float64 `json:"fillValue"`
	Limit          int64    `json:"limit"`
	AllowFiltering bool     `json:"allowFiltering"`
	Instant        bool     `json:"instant"`
	Alias          string   `json:"alias"`
	// TimeUnit is the epoch unit (s, ms, us, ns) of an int, bigint or varint time column; empty
	// for timestamp, date and timeuuid columns, which hold their own time.
	TimeUnit string `json:"timeUnit,omitempty"`
	// BucketColumn is a partition key column that buckets the time column (a day, hour, week or
	// month per partition). The builder reads every bucket the time range touches.
	BucketColumn string `json:"bucketColumn,omitempty"`
	// BucketGranularity is hour, day, week (ISO, starting Monday) or month, in UTC.
	BucketGranularity string `json:"bucketGranularity,omitempty"`
	// BucketFormat writes a bucket's start into a text or int bucket column, e.g. YYYY-MM-DD or
	// YYYYMMDDHH; date and timestamp bucket columns need none.
	BucketFormat string `json:"bucketFormat,omitempty"`

	RawCQL string `json:"rawCql"`
	Format Format `json:"format"`
	// Binning bins a raw CQL result (time column plus numeric columns). When the JSON leaves
	// it out, it is on for time series and off for tables.
	Binning bool `json:"binning"`
	Hide    bool `json:"hide"`
	// Cache false makes a binned query read its whole time range on every refresh instead of
	// taking closed bins from the data source's bin cache (absent means true).
	Cache *bool `json:"cache,omitempty"`
	// Rollups false reads raw rows even where metrics-server's rollups hold the range's bins
	// (absent means true).
	Rollups *bool `json:"rollups,omitempty"`
}

// Error says which field of a query is wrong and what to change. Err, when set, is the
// underlying cause (for example a *schema.NotFoundError) for errors.As.
type Error struct {
	Field string
	Msg   string
	Err   error
	// jsonField marks a JSON decoding error, where Field is the JSON path of the value.
	jsonField bool
}

func (e *Error) Error() string {
	switch {
	case e.Field == "":
		return e.Msg
	case e.jsonField:
		return fmt.Sprintf("field %q: %s", e.Field, e.Msg)
	}
	return e.Field + ": " + e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

func errorf(field, format string, args ...any) *Error {
	return &Error{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// aggregationNames are the aggregations the binning engine implements, in its order.
var aggregationNames = func() []string {
	var out []string
	for _, a := range binning.Aggs() {
		out = append(out, string(a))
	}
	return out
}()

// Aggregations returns the valid aggregation names.
func Aggregations() []string { return append([]string(nil), aggregationNames...) }

// IsAggregation reports whether name is a valid aggregation.
func IsAggregation(name string) bool {
	for _, a := range aggregationNames {
		if a == name {
			return true
		}
	}
	return false
}

var fillModes = func() []string {
	var out []string
	for _, m := range binning.FillModes() {
		out = append(out, string(m))
	}
	return out
}()

// FillModes returns the valid fill modes.
func FillModes() []string { return append([]string(nil), fillModes...) }

var filterOps = []string{OpEq, OpIn, OpLt, OpLe, OpGt, OpGe}

// FilterOps returns the filter operators.
func FilterOps() []string { return append([]string(nil), filterOps...) }

// listFields are the JSON fields that hold lists, so a type error inside one reads well.
var listFields = map[string]string{
	"valueColumns":   "a list of column names",
	"seriesColumns":  "a list of column names",
	"aggregations":   "a list of aggregation names",
	"filters":        "a list of filters",
	"filters.values": "a list of strings",
}

// Parse decodes a query, fills the defaults and normalises names. It does not validate: call
// Validate (or BuildPlan / PrepareRaw, which need a valid query) afterwards.
func Parse(raw json.RawMessage) (*Query, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = json.RawMessage("{}")
	}
	var q Query
	if err := json.Unmarshal(raw, &q); err != nil {
		return nil, decodeError(err)
	}
	// A bool cannot tell "absent" from false, and binning defaults to on for time series.
	var presence struct {
		Binning *bool `json:"binning"`
	}
	if err := json.Unmarshal(raw, &presence); err != nil {
		return nil, decodeError(err)
	}

	if q.QueryType == "" {
		switch {
		case q.Table != "":
			q.QueryType = QueryTypeBuilder
		case strings.TrimSpace(q.RawCQL) != "":
			q.QueryType = QueryTypeCQL
		default:
			q.QueryType = QueryTypeBuilder
		}
	}
	if q.Format == "" {
		q.Format = FormatTimeSeries
	}
	if presence.Binning == nil {
		q.Binning = q.Format == FormatTimeSeries
	}
	if strings.TrimSpace(q.Interval) == "" {
		q.Interval = IntervalAuto
	}
	q.Interval = strings.TrimSpace(q.Interval)
	if q.Fill == "" {
		q.Fill = FillNull
	}
	q.Fill = strings.ToLower(strings.TrimSpace(q.Fill))
	q.TimeUnit = normalizeUnit(q.TimeUnit)
	q.BucketColumn = strings.TrimSpace(q.BucketColumn)
	q.BucketGranularity = strings.ToLower(strings.TrimSpace(q.BucketGranularity))
	for i := range q.Filters {
		op := strings.ToUpper(strings.TrimSpace(q.Filters[i].Op))
		if op == "" {
			op = OpEq
		}
		q.Filters[i].Op = op
	}
	// Aggregation names are case-insensitive in the editor; duplicates would only repeat fields.
	var aggs []string
	seen := map[string]bool{}
	for _, a := range q.Aggregations {
		a = strings.ToLower(strings.TrimSpace(a))
		if !seen[a] {
			seen[a] = true
			aggs = append(aggs, a)
		}
	}
	q.Aggregations = aggs
	return &q, nil
}

func decodeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return &Error{Msg: fmt.Sprintf("the query must be a JSON object, not %s", te.Value), Err: err}
		}
		want := ""
		if list, ok := listFields[te.Field]; ok && te.Type.Kind() != reflect.Slice {
			want = list
		} else {
			switch te.Type.Kind() {
			case reflect.String:
				want = "a string"
			case reflect.Bool:
				want = "true or false"
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
				want = "a whole number"
				if !strings.HasPrefix(te.Value, "number") {
					want = "a number"
				}
			case reflect.Float32, reflect.Float64:
				want = "a number"
			case reflect.Slice:
				want = "a list"
			case reflect.Struct, reflect.Map:
				want = "an object"
			default:
				want = te.Type.String()
			}
		}
		return &Error{Field: te.Field, Msg: "want " + want + ", got " + te.Value, Err: err, jsonField: true}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &Error{Msg: fmt.Sprintf("the query is not valid JSON (at byte %d): %v", se.Offset, se.Error()), Err: err}
	}
	return &Error{Msg: "the query is not valid JSON: " + err.Error(), Err: err}
}

// IsEmpty reports whether the query has nothing to run yet: a fresh query in a new panel.
func (q *Query) IsEmpty() bool {
	switch q.QueryType {
	case QueryTypeCQL:
		return strings.TrimSpace(q.RawCQL) == ""
	case QueryTypeBuilder:
		return q.Table == "" && len(q.ValueColumns) == 0
	}
	return false
}

// Validate checks what can be checked without the table's schema. BuildPlan checks names and
// types against the schema.
func (q *Query) Validate() error {
	switch q.QueryType {
	case QueryTypeBuilder:
		if err := q.validateBuilder(); err != nil {
			return err
		}
	case QueryTypeCQL:
		if strings.TrimSpace(q.RawCQL) == "" {
			return errorf("rawCql", "write a SELECT statement")
		}
		if err := CheckReadOnly(q.RawCQL); err != nil {
			return err
		}
	default:
		return errorf("queryType", "%q is not a query type; use %q or %q", q.QueryType, QueryTypeBuilder, QueryTypeCQL)
	}
	switch q.Format {
	case FormatTimeSeries, FormatTable:
	default:
		return errorf("format", "%q is not a format; use %q or %q", q.Format, FormatTimeSeries, FormatTable)
	}
	if _, err := q.IntervalDuration(); err != nil {
		return err
	}
	if !contains(fillModes, q.Fill) {
		return errorf("fill", "%q is not a fill mode; use one of %s", q.Fill, strings.Join(fillModes, ", "))
	}
	if q.Fill == FillValue && q.FillValue == nil {
		return errorf("fillValue", `fill "value" needs a fill value; enter the number to put in empty intervals`)
	}
	if q.FillValue != nil && (math.IsNaN(*q.FillValue) || math.IsInf(*q.FillValue, 0)) {
		return errorf("fillValue", "enter a finite number")
	}
	for i, a := range q.Aggregations {
		if !IsAggregation(a) {
			return errorf(fmt.Sprintf("aggregations[%d]", i), "%q is not an aggregation; use one of %s", a, strings.Join(aggregationNames, ", "))
		}
	}
	if q.TimeUnit != "" && !contains(timeUnits, q.TimeUnit) {
		return errorf("timeUnit", "%q is not an epoch unit; use one of %s", q.TimeUnit, strings.Join(timeUnits, ", "))
	}
	if err := q.validateBucket(); err != nil {
		return err
	}
	if q.Limit < 0 {
		return errorf("limit", "must be 0 (no limit) or a positive number of rows")
	}
	if q.Limit > math.MaxInt32 {
		// Cassandra's LIMIT is a 32-bit int.
		return errorf("limit", "must be at most %d", math.MaxInt32)
	}
	return nil
}

func (q *Query) validateBuilder() error {
	if q.Keyspace == "" {
		return errorf("keyspace", "choose a keyspace")
	}
	if q.Table == "" {
		return errorf("table", "choose a table")
	}
	if q.TimeColumn == "" {
		return errorf("timeColumn", "choose the table's time column (a timestamp, date, timeuuid or epoch clustering column)")
	}
	if len(q.ValueColumns) == 0 {
		return errorf("valueColumns", "choose at least one value column")
	}
	for i, c := range q.ValueColumns {
		if c == "" {
			return errorf(fmt.Sprintf("valueColumns[%d]", i), "choose a column or remove the empty entry")
		}
	}
	for i, c := range q.SeriesColumns {
		if c == "" {
			return errorf(fmt.Sprintf("seriesColumns[%d]", i), "choose a column or remove the empty entry")
		}
	}
	if len(q.Filters) > MaxFilters {
		return errorf("filters", "%d filters; at most %d can be used: keep one filter per column", len(q.Filters), MaxFilters)
	}
	for i, f := range q.Filters {
		field := fmt.Sprintf("filters[%d]", i)
		if len(f.Values) > MaxFilterValues {
			return tooManyValues(field, f)
		}
		if f.Column == "" {
			return errorf(field+".column", "choose the column to filter on")
		}
		if !contains(filterOps, f.Op) {
			return errorf(field+".op", "%q is not an operator; use one of %s", f.Op, strings.Join(filterOps, " "))
		}
		if len(f.Values) == 0 {
			return errorf(field+".values", "enter a value to compare %q with", f.Column)
		}
		if len(f.Values) > 1 && f.Op != OpIn {
			return errorf(field+".values", "%q takes one value; use IN to match several", f.Op)
		}
	}
	return nil
}

// IntervalDuration returns the fixed bin width, or 0 for "auto".
func (q *Query) IntervalDuration() (time.Duration, error) {
	if q.Interval == "" || strings.EqualFold(q.Interval, IntervalAuto) {
		return 0, nil
	}
	d, err := ParseInterval(q.Interval)
	if err != nil {
		return 0, &Error{Field: "interval", Msg: err.Error()}
	}
	return d, nil
}

// ParseInterval parses a fixed interval in the one duration grammar (package duration): a Go
// duration such as "30s", "5m", "1.5h" or "1h30m", or a whole number of days or weeks ("1d",
// "1w"). It must be at least 1ms and a whole number of milliseconds; "auto" is not a duration
// (IntervalDuration reads it).
func ParseInterval(s string) (time.Duration, error) {
	bad := fmt.Errorf("%q is not an interval; use \"auto\" or a duration like 30s, 5m, 1h or 1d", s)
	if t := strings.TrimSpace(s); t == "" || strings.EqualFold(t, IntervalAuto) {
		return 0, bad
	}
	d, err := duration.ParseInterval(s)
	var de *duration.Error
	if !errors.As(err, &de) {
		return d, err
	}
	switch {
	case de.Kind == duration.ErrCalendar:
		return 0, fmt.Errorf("%q: months and years have no fixed length; use days or weeks, e.g. 30d", s)
	case de.Kind == duration.ErrTooShort && de.Value <= 0:
		return 0, fmt.Errorf("%q is not a positive interval; use \"auto\" or a duration like 30s, 5m, 1h or 1d", s)
	case de.Kind == duration.ErrTooShort:
		return 0, fmt.Errorf("%q is shorter than 1ms, the precision of Cassandra timestamps", s)
	case de.Kind == duration.ErrNotWholeMs:
		return 0, fmt.Errorf("%q is not a whole number of milliseconds, the precision of Cassandra timestamps", s)
	}
	return 0, bad
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
