package schema

import "strings"

// The CQL type classifier: what a column of each CQL type can be in a builder query. The
// planner, the decoders' checks and the editors (through src/vocabulary.generated.ts, written
// from these lists by pkg/vocab) all ask here. Types are compared as system_schema spells
// them, case ignored.

// Time column kinds: how a column holds time.
const (
	TimeKindTimestamp = "timestamp"
	TimeKindDate      = "date"
	TimeKindTimeUUID  = "timeuuid"
	TimeKindEpoch     = "epoch"
)

// TimeTypes hold their own time: a timestamp, a date (its midnight, UTC) or a version 1 UUID's
// time. Each is its own time kind.
var TimeTypes = []string{"timestamp", "date", "timeuuid"}

// EpochTypes can hold epoch time as a number of units (the query's timeUnit says which).
var EpochTypes = []string{"int", "bigint", "varint"}

// NumericTypes can be value columns, binned as float64.
var NumericTypes = []string{"tinyint", "smallint", "int", "bigint", "varint", "counter", "float", "double", "decimal"}

// BucketTypes can hold a time bucket in a partition key column. The date and timestamp ones
// hold the bucket's start; the others (BucketFormatTypes) hold it written in a format such as
// YYYYMMDD.
var BucketTypes = []string{"date", "timestamp", "text", "varchar", "ascii", "int", "bigint", "varint"}

// BucketFormatTypes are the bucket types that need a bucket format.
var BucketFormatTypes = []string{"text", "varchar", "ascii", "int", "bigint", "varint"}

// TimeKindOf says how a column of the CQL type can hold time: TimeKindTimestamp, TimeKindDate
// or TimeKindTimeUUID for the types that hold their own, TimeKindEpoch for a number of epoch
// units, "" for a type that cannot be a time column.
func TimeKindOf(cqlType string) string {
	t := strings.ToLower(strings.TrimSpace(cqlType))
	switch {
	case has(TimeTypes, t):
		return t
	case has(EpochTypes, t):
		return TimeKindEpoch
	}
	return ""
}

// IsNumeric reports whether a CQL type can be a value column (binned as float64).
func IsNumeric(cqlType string) bool { return has(NumericTypes, strings.ToLower(cqlType)) }

// IsTime reports whether a CQL type holds its own time (timestamp, date, timeuuid); epoch
// numbers are time columns only with a unit (IsEpochType).
func IsTime(cqlType string) bool { return has(TimeTypes, strings.ToLower(cqlType)) }

// IsEpochType reports whether a CQL type can hold epoch time in some unit.
func IsEpochType(cqlType string) bool { return has(EpochTypes, strings.ToLower(cqlType)) }

// IsBucketType reports whether a partition key column of the CQL type can hold a time bucket.
func IsBucketType(cqlType string) bool { return has(BucketTypes, strings.ToLower(cqlType)) }

// BucketNeedsFormat reports whether a bucket column of the CQL type needs a bucket format.
func BucketNeedsFormat(cqlType string) bool {
	return has(BucketFormatTypes, strings.ToLower(cqlType))
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
