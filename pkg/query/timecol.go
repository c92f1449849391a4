package query

import (
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// Epoch units of a numeric time column (the query's timeUnit).
const (
	UnitSeconds = "s"
	UnitMillis  = "ms"
	UnitMicros  = "us"
	UnitNanos   = "ns"
)

var timeUnits = []string{UnitSeconds, UnitMillis, UnitMicros, UnitNanos}

// TimeUnits lists the epoch units a numeric time column may hold.
func TimeUnits() []string { return append([]string(nil), timeUnits...) }

// normalizeUnit accepts the spellings users type for an epoch unit.
func normalizeUnit(u string) string {
	u = strings.ToLower(strings.TrimSpace(u))
	switch u {
	case "µs", "μs", "micros", "microseconds":
		return UnitMicros
	case "sec", "secs", "seconds":
		return UnitSeconds
	case "millis", "milliseconds":
		return UnitMillis
	case "nanos", "nanoseconds":
		return UnitNanos
	}
	return u
}

// UnitDuration is the length of one step of an epoch unit.
func UnitDuration(unit string) (time.Duration, bool) {
	switch unit {
	case UnitSeconds:
		return time.Second, true
	case UnitMillis:
		return time.Millisecond, true
	case UnitMicros:
		return time.Microsecond, true
	case UnitNanos:
		return time.Nanosecond, true
	}
	return 0, false
}

// Time column kinds: how a column holds time (the CQL type classifier in package schema owns
// them).
const (
	TimeKindTimestamp = schema.TimeKindTimestamp
	TimeKindDate      = schema.TimeKindDate
	TimeKindTimeUUID  = schema.TimeKindTimeUUID
	TimeKindEpoch     = schema.TimeKindEpoch
)

// IsEpochType reports whether a CQL type can hold epoch time in some unit.
func IsEpochType(cqlType string) bool { return schema.IsEpochType(cqlType) }

// timeKindOf says how the column c holds time, or why it cannot be the time column.
func timeKindOf(c schema.Column, unit string) (string, error) {
	typ := strings.ToLower(c.Type)
	switch kind := schema.TimeKindOf(typ); kind {
	case TimeKindTimestamp, TimeKindDate, TimeKindTimeUUID:
		if unit != "" {
			return "", errorf("timeUnit", "%q is a %s column and holds its own time; clear the epoch unit (%s)", c.Name, typ, unit)
		}
		return kind, nil
	case TimeKindEpoch:
		if unit == "" {
			return "", errorf("timeUnit", "%q is %s %s column: choose the epoch unit it holds (%s)", c.Name, article(typ), typ, strings.Join(timeUnits, ", "))
		}
		return TimeKindEpoch, nil
	}
	return "", errorf("timeColumn", "%q is %s %s column; choose the table's time column (a timestamp, date or timeuuid column, or an int, bigint or varint column holding epoch time)", c.Name, article(c.Type), c.Type)
}

// timeConditions are the WHERE conditions that keep column col (quoted) to [from, to) and
// their bound values, for a column of the given kind and CQL type.
func timeConditions(quoted, kind, cqlType, unit string, from, to time.Time) ([]string, []any, error) {
	switch kind {
	case TimeKindTimeUUID:
		// minTimeuuid(t) is the smallest timeuuid of millisecond t, so [min(from), min(to))
		// holds exactly the uuids whose time is in [from, to).
		return []string{quoted + " >= minTimeuuid(?)", quoted + " < minTimeuuid(?)"}, []any{from.UTC(), to.UTC()}, nil
	case TimeKindDate:
		// A date stands for its midnight (UTC): it is in range when that midnight is, so both
		// bounds round up to the next midnight.
		return []string{quoted + " >= ?", quoted + " < ?"}, []any{ceilDay(from), ceilDay(to)}, nil
	case TimeKindEpoch:
		lo, err := epochBound(from, unit, cqlType)
		if err != nil {
			return nil, nil, err
		}
		hi, err := epochBound(to, unit, cqlType)
		if err != nil {
			return nil, nil, err
		}
		return []string{quoted + " >= ?", quoted + " < ?"}, []any{lo, hi}, nil
	}
	return []string{quoted + " >= ?", quoted + " < ?"}, []any{from.UTC(), to.UTC()}, nil
}

func ceilDay(t time.Time) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if d.Before(t) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// EpochCeil is the first whole unit at or after t: the epoch value v for which v units is the
// earliest time not before t. Both ends of [from, to) round up, so v >= EpochCeil(from) and
// v < EpochCeil(to) hold exactly the values whose time is in [from, to).
func EpochCeil(t time.Time, unit string) *big.Int {
	step, _ := UnitDuration(unit)
	ns := new(big.Int).Mul(big.NewInt(t.Unix()), big.NewInt(int64(time.Second)))
	ns.Add(ns, big.NewInt(int64(t.Nanosecond())))
	q, m := new(big.Int).DivMod(ns, big.NewInt(int64(step)), new(big.Int))
	if m.Sign() != 0 {
		q.Add(q, big.NewInt(1))
	}
	return q
}

// epochBound is EpochCeil as the Go value the driver binds for the column type.
func epochBound(t time.Time, unit, cqlType string) (any, error) {
	v := EpochCeil(t, unit)
	switch strings.ToLower(cqlType) {
	case "varint":
		return v, nil
	case "int":
		if v.IsInt64() && v.Int64() >= math.MinInt32 && v.Int64() <= math.MaxInt32 {
			// #nosec G115 -- the condition above keeps v within int32
			return int32(v.Int64()), nil
		}
		return nil, errorf("timeRange", "%s is outside what an int column holds in %s of epoch time; narrow the time range", t.UTC().Format(time.RFC3339), unitName(unit))
	default:
		if v.IsInt64() {
			return v.Int64(), nil
		}
		return nil, errorf("timeRange", "%s is outside what a bigint column holds in %s of epoch time; narrow the time range", t.UTC().Format(time.RFC3339), unitName(unit))
	}
}

func unitName(unit string) string {
	switch unit {
	case UnitSeconds:
		return "seconds"
	case UnitMillis:
		return "milliseconds"
	case UnitMicros:
		return "microseconds"
	case UnitNanos:
		return "nanoseconds"
	}
	return unit
}

// EpochToMillis converts an epoch value in unit to epoch milliseconds, rounding down (the
// bins' resolution). ok is false when the time does not fit in int64 milliseconds.
func EpochToMillis(v int64, unit string) (int64, bool) {
	switch unit {
	case UnitSeconds:
		if v > math.MaxInt64/1000 || v < math.MinInt64/1000 {
			return 0, false
		}
		return v * 1000, true
	case UnitMillis:
		return v, true
	case UnitMicros:
		return floorDiv(v, 1000), true
	case UnitNanos:
		return floorDiv(v, 1_000_000), true
	}
	return 0, false
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
