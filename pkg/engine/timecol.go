package engine

import (
	"math/big"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
)

// timeInput reads a row's time as epoch milliseconds, whatever shape the column keeps it in:
// a timestamp or date, a timeuuid, or a number of epoch units.
type timeInput struct {
	dest any
	// ms is the current row's time; false for a null or a time outside int64 milliseconds,
	// and such a row is skipped.
	ms func() (int64, bool)
}

// gregorianToUnix is the number of 100 ns intervals between the start of the Gregorian
// calendar (a version 1 UUID's epoch) and the Unix epoch.
const gregorianToUnix = 0x01B21DD213814000

// isTimeColumn reports whether a result column can be the time axis: a timestamp, date or
// timeuuid column, or an int, bigint or varint column when the query names its epoch unit.
func isTimeColumn(c cassandra.ColumnInfo, unit string) bool {
	_, err := newTimeInput(c, unit)
	return err == nil
}

func newTimeInput(c cassandra.ColumnInfo, unit string) (timeInput, error) {
	if c.TypeInfo == nil {
		return timeInput{}, userErrorf("time column %q has no type", c.Name)
	}
	typ := c.TypeInfo.Type()
	if unit != "" {
		switch typ {
		case gocql.TypeInt:
			p := new(*int32)
			return timeInput{dest: p, ms: func() (int64, bool) {
				if *p == nil {
					return 0, false
				}
				return query.EpochToMillis(int64(**p), unit)
			}}, nil
		case gocql.TypeBigInt:
			p := new(*int64)
			return timeInput{dest: p, ms: func() (int64, bool) {
				if *p == nil {
					return 0, false
				}
				return query.EpochToMillis(**p, unit)
			}}, nil
		case gocql.TypeVarint:
			p := new(*big.Int)
			return timeInput{dest: p, ms: func() (int64, bool) {
				if *p == nil || !(*p).IsInt64() {
					return 0, false
				}
				return query.EpochToMillis((*p).Int64(), unit)
			}}, nil
		}
		return timeInput{}, userErrorf("time column %q is %s; an epoch unit (%s) needs an int, bigint or varint column", c.Name, c.Type, unit)
	}
	switch typ {
	case gocql.TypeTimestamp, gocql.TypeDate:
		t := new(time.Time)
		return timeInput{dest: t, ms: func() (int64, bool) {
			if t.IsZero() { // the driver's null
				return 0, false
			}
			return t.UnixMilli(), true
		}}, nil
	case gocql.TypeTimeUUID:
		b := new([]byte)
		return timeInput{dest: b, ms: func() (int64, bool) { return timeUUIDMillis(*b) }}, nil
	}
	return timeInput{}, userErrorf("time column %q is %s, not a timestamp, date or timeuuid (set the epoch unit for a number of seconds, milliseconds, microseconds or nanoseconds)", c.Name, c.Type)
}

// timeUUIDMillis is the time of a version 1 UUID in epoch milliseconds (rounded down from its
// 100 ns resolution), read straight from the bytes. Cassandra 5.0 has no dateOf(); this is
// what toTimestamp() would answer.
func timeUUIDMillis(u []byte) (int64, bool) {
	if len(u) != 16 || u[6]>>4 != 1 {
		return 0, false
	}
	ts := int64(u[6]&0x0F)<<56 | int64(u[7])<<48 | int64(u[4])<<40 | int64(u[5])<<32 |
		int64(u[0])<<24 | int64(u[1])<<16 | int64(u[2])<<8 | int64(u[3])
	d := ts - gregorianToUnix
	ms := d / 10000
	if d%10000 < 0 {
		ms--
	}
	return ms, true
}

// rawTimeUnit is the epoch unit for column c of a raw CQL result: the query's timeUnit applies
// to the column its timeColumn names.
func rawTimeUnit(q *query.Query, c cassandra.ColumnInfo) string {
	if q.TimeColumn == c.Name {
		return q.TimeUnit
	}
	return ""
}
