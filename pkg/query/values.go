package query

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strconv"
	"strings"
	"time"

	"gopkg.in/inf.v0"
)

// ConvertValue turns a filter value typed in the editor into the Go value the driver binds
// for the CQL type: text types → string, tinyint/smallint/int/bigint/counter → int8/16/32/64,
// varint → *big.Int, decimal → *inf.Dec, float → float32, double → float64, boolean → bool,
// timestamp → time.Time (RFC 3339 or epoch milliseconds), date → "YYYY-MM-DD" string,
// time → time.Duration since midnight, uuid/timeuuid → canonical string, inet → string,
// blob → []byte (0x hex). Binding the exact type makes a bad value fail here, with a message
// naming the column, rather than in the driver.
//
// It is one switch over the CQL types, longer than most functions: each case is a few lines,
// and one table of every type reads better than the same cases spread over helpers.
func ConvertValue(cqlType, s string) (any, error) {
	typ := strings.ToLower(strings.TrimSpace(cqlType))
	bad := func(hint string) error {
		msg := fmt.Sprintf("%q is not %s %s", s, article(typ), typ)
		if hint != "" {
			msg += " (" + hint + ")"
		}
		return fmt.Errorf("%s", msg)
	}
	switch typ {
	case "text", "varchar", "ascii":
		if typ == "ascii" {
			for i := 0; i < len(s); i++ {
				if s[i] > 127 {
					return nil, bad("only ASCII characters")
				}
			}
		}
		return s, nil
	case "tinyint", "smallint", "int", "bigint", "counter":
		bits := map[string]int{"tinyint": 8, "smallint": 16, "int": 32, "bigint": 64, "counter": 64}[typ]
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, bits)
		if errors.Is(err, strconv.ErrRange) {
			return nil, bad("out of range")
		}
		if err != nil {
			return nil, bad("")
		}
		switch bits {
		case 8:
			// #nosec G115 -- ParseInt was given bitSize 8, so n fits
			return int8(n), nil
		case 16:
			// #nosec G115 -- ParseInt was given bitSize 16, so n fits
			return int16(n), nil
		case 32:
			// #nosec G115 -- ParseInt was given bitSize 32, so n fits
			return int32(n), nil
		}
		return n, nil
	case "varint":
		n, ok := new(big.Int).SetString(strings.TrimSpace(s), 10)
		if !ok {
			return nil, bad("")
		}
		return n, nil
	case "decimal":
		d, ok, inRange := parseDecimal(strings.TrimSpace(s))
		if !ok {
			return nil, bad("use a decimal number such as 12.5 or 1.25e3")
		}
		if !inRange {
			return nil, bad(fmt.Sprintf("out of range: at most %d digits after the point, and an exponent of at most %d", maxDecimalScale, maxDecimalScale))
		}
		return d, nil
	case "float":
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 32)
		if err != nil {
			return nil, bad("")
		}
		return float32(f), nil
	case "double":
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, bad("")
		}
		return f, nil
	case "boolean":
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, bad("use true or false")
	case "timestamp":
		t, err := ParseTimestamp(s)
		if err != nil {
			return nil, bad("use RFC 3339 like 2024-01-02T15:04:05Z or epoch milliseconds")
		}
		return t, nil
	case "date":
		if _, err := time.Parse("2006-01-02", strings.TrimSpace(s)); err != nil {
			return nil, bad("use YYYY-MM-DD")
		}
		return strings.TrimSpace(s), nil
	case "time":
		d, ok := parseTimeOfDay(strings.TrimSpace(s))
		if !ok {
			return nil, bad("use HH:MM:SS or HH:MM:SS.fff")
		}
		return d, nil
	case "uuid", "timeuuid":
		u, ok := canonicalUUID(s)
		if !ok {
			return nil, bad("use the form 123e4567-e89b-12d3-a456-426614174000")
		}
		return u, nil
	case "inet":
		ip := net.ParseIP(strings.TrimSpace(s))
		if ip == nil {
			return nil, bad("use an IPv4 or IPv6 address")
		}
		return ip.String(), nil
	case "blob":
		h := strings.TrimSpace(s)
		if !strings.HasPrefix(h, "0x") && !strings.HasPrefix(h, "0X") {
			return nil, bad("use hex bytes such as 0xcafe")
		}
		b, err := hex.DecodeString(h[2:])
		if err != nil {
			return nil, bad("use hex bytes such as 0xcafe")
		}
		return b, nil
	}
	return nil, fmt.Errorf("filtering on %s columns is not supported", typ)
}

// maxDecimalScale bounds a decimal filter value's scale both ways. Cassandra compares
// decimals of different scales by scaling one of them, so 1e-2000000000 would cost the server
// a number of two billion digits; no stored value needs this many.
const maxDecimalScale = 1000

// parseDecimal reads a decimal number with an optional exponent (12.5, -3, 1e5, 1.25E-3).
// The exponent only moves the point: 1e5 is 1 with scale -5, as Cassandra would store it.
func parseDecimal(s string) (d *inf.Dec, ok, inRange bool) {
	mant, exp := s, int64(0)
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.ParseInt(s[i+1:], 10, 32)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, false, false
		}
		if err != nil {
			return nil, true, false
		}
		mant, exp = s[:i], e
	}
	// inf.Dec reads digits with an optional sign and point; it also takes a leading '+',
	// which is fine for a filter value.
	d, ok = new(inf.Dec).SetString(mant)
	if !ok || mant == "" || strings.ContainsAny(mant, "eE") {
		return nil, false, false
	}
	scale := int64(d.Scale()) - exp
	if scale > maxDecimalScale || scale < -maxDecimalScale {
		return nil, true, false
	}
	return d.SetScale(inf.Scale(scale)), true, true
}

// ParseTimestamp reads an RFC 3339 time or a number of epoch milliseconds, in UTC.
func ParseTimestamp(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

func parseTimeOfDay(s string) (time.Duration, bool) {
	t, err := time.Parse("15:04:05.999999999", s)
	if err != nil {
		return 0, false
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute +
		time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond()), true
}

// canonicalUUID checks the 8-4-4-4-12 hex form and lower-cases it.
func canonicalUUID(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) != 36 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", false
			}
		default:
			if !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
				return "", false
			}
		}
	}
	return s, true
}

func article(word string) string {
	if word != "" && !strings.HasPrefix(word, "u") && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}
