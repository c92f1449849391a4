// Package vocab is the backend's vocabulary as the editors read it: aggregations, fills,
// filter operators, bucket granularities, epoch units, time column kinds, the CQL type
// classifier's lists, the duration grammar's units, consistency levels, query and setting
// defaults and limits. Nothing here is defined twice: each value is taken from the package
// that owns it (query, binning, schema, duration, cassandra), and the function TypeScript
// writes it into src/vocabulary.generated.ts, which the editors import. The test in this
// package fails when that checked-in file differs from what TypeScript returns, and feeds the backend's parsers the
// table of inputs (testdata/vocabulary-cases.json) that the editors' Jest test feeds theirs.
//
// Regenerate with: go generate ./pkg/vocab
package vocab

//go:generate go test -run TestGeneratedTypeScript -update .

import (
	"math"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/metricsserver/cassandra-datasource/pkg/binning"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/duration"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// GeneratedFile is where the output of TypeScript is checked in, from the repository root.
const GeneratedFile = "src/vocabulary.generated.ts"

// Vocabulary is what the editors need to accept and refuse exactly what the backend does.
type Vocabulary struct {
	Aggregations        []string
	FillModes           []string
	FilterOps           []string
	BucketGranularities []string
	TimeUnits           []string
	TimeKinds           []string
	QueryFormats        []string
	ConsistencyLevels   []string
	CQLTypes            CQLTypes
	Durations           Durations
	QueryDefaults       []Entry
	SettingsDefaults    []Entry
	Limits              []Entry
}

// CQLTypes are the classifier's lists (package schema).
type CQLTypes struct {
	Time, Epoch, Numeric, Bucket, BucketFormat []string
}

// Durations are the units of the duration grammar (package duration), lengths in nanoseconds.
type Durations struct {
	Units, CalendarUnits []duration.Unit
	RefusedUnits         []string
	MinInterval          time.Duration
	Auto                 string
}

// Entry is a named default or limit: a string, an int or a time.Duration (written in the
// grammar, e.g. "5s").
type Entry struct {
	Name  string
	Value any
}

// Current is the vocabulary of this build.
func Current() Vocabulary {
	return Vocabulary{
		Aggregations:        query.Aggregations(),
		FillModes:           query.FillModes(),
		FilterOps:           query.FilterOps(),
		BucketGranularities: query.Granularities(),
		TimeUnits:           query.TimeUnits(),
		TimeKinds:           []string{query.TimeKindTimestamp, query.TimeKindDate, query.TimeKindTimeUUID, query.TimeKindEpoch},
		QueryFormats:        []string{string(query.FormatTimeSeries), string(query.FormatTable)},
		ConsistencyLevels:   consistencyLevels(),
		CQLTypes: CQLTypes{
			Time: schema.TimeTypes, Epoch: schema.EpochTypes, Numeric: schema.NumericTypes,
			Bucket: schema.BucketTypes, BucketFormat: schema.BucketFormatTypes,
		},
		Durations: Durations{
			Units: duration.Units, CalendarUnits: duration.CalendarUnits, RefusedUnits: duration.RefusedUnits,
			MinInterval: duration.MinInterval, Auto: duration.Auto,
		},
		QueryDefaults: []Entry{
			{"queryType", string(query.QueryTypeBuilder)},
			{"interval", query.IntervalAuto},
			{"fill", query.FillNull},
			{"format", string(query.FormatTimeSeries)},
		},
		SettingsDefaults: []Entry{
			{"port", cassandra.DefaultPort},
			{"consistency", cassandra.DefaultConsistency},
			{"connectTimeout", cassandra.DefaultConnectTimeout},
			{"queryTimeout", cassandra.DefaultQueryTimeout},
			{"pageSize", cassandra.DefaultPageSize},
			{"maxRows", cassandra.DefaultMaxRows},
			{"maxConcurrency", cassandra.DefaultMaxConcurrency},
			{"maxQueryMemoryMiB", cassandra.DefaultMaxQueryMemoryMiB},
			{"maxProcessMemoryMiB", cassandra.DefaultMaxProcessMemoryMiB},
			{"maxBucketStatements", query.DefaultMaxBucketStatements},
			{"maxPartitions", query.DefaultMaxPartitions},
			{"binCacheMiB", cassandra.DefaultBinCacheMiB},
			{"lateDataWindow", cassandra.DefaultLateDataWindow},
			{"rollupKeyspace", cassandra.DefaultRollupKeyspace},
		},
		Limits: []Entry{
			{"maxFilters", query.MaxFilters},
			{"maxFilterValues", query.MaxFilterValues},
			{"maxFanOut", query.MaxFanOut},
			{"maxStatementPartitions", query.MaxStatementPartitions},
			{"maxStatementCombinations", query.MaxStatementCombinations},
			{"maxRawCqlBytes", query.MaxRawCQLBytes},
			{"maxLimit", math.MaxInt32}, // Cassandra's LIMIT is a 32-bit int (query.Validate)
			{"maxBins", binning.DefaultMaxBins},
			{"defaultMaxDataPoints", binning.DefaultMaxDataPoints},
			{"minAutoWidth", binning.MinAutoWidth},
		},
	}
}

// consistencyLevels are the levels the settings accept (gocql.ParseConsistencyWrapper), in
// gocql's order, named by gocql.
func consistencyLevels() []string {
	var out []string
	for _, c := range []gocql.Consistency{
		gocql.Any, gocql.One, gocql.Two, gocql.Three, gocql.Quorum, gocql.All,
		gocql.LocalQuorum, gocql.EachQuorum, gocql.LocalOne,
	} {
		out = append(out, c.String())
	}
	return out
}
