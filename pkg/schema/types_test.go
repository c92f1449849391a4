package schema

import "testing"

// One classifier: a timeuuid is a time column of its own kind, epoch numbers are time only with
// a unit, and the answers ignore case.
func TestTimeKindOf(t *testing.T) {
	for typ, want := range map[string]string{
		"timestamp": TimeKindTimestamp, "date": TimeKindDate, "timeuuid": TimeKindTimeUUID, "TimeUUID": TimeKindTimeUUID,
		"int": TimeKindEpoch, "bigint": TimeKindEpoch, "varint": TimeKindEpoch,
		"uuid": "", "text": "", "time": "", "double": "", "smallint": "",
	} {
		if got := TimeKindOf(typ); got != want {
			t.Errorf("TimeKindOf(%q) = %q, want %q", typ, got, want)
		}
		if IsTime(typ) != (want != "" && want != TimeKindEpoch) || IsEpochType(typ) != (want == TimeKindEpoch) {
			t.Errorf("%q: IsTime %v, IsEpochType %v disagree with kind %q", typ, IsTime(typ), IsEpochType(typ), want)
		}
	}
	for _, typ := range BucketFormatTypes {
		if !IsBucketType(typ) || !BucketNeedsFormat(typ) {
			t.Errorf("%q: a bucket type that needs a format", typ)
		}
	}
	for _, typ := range []string{"date", "timestamp"} {
		if !IsBucketType(typ) || BucketNeedsFormat(typ) {
			t.Errorf("%q: a bucket type without a format", typ)
		}
	}
}
