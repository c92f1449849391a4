package cassandra

import (
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// IsTimeType answers as the one classifier (schema.IsTime) does: a timeuuid holds time.
func TestIsTimeTypeAsTheClassifier(t *testing.T) {
	for typ, want := range map[gocql.Type]bool{
		gocql.TypeTimestamp: true, gocql.TypeDate: true, gocql.TypeTimeUUID: true,
		gocql.TypeUUID: false, gocql.TypeBigInt: false, gocql.TypeTime: false, gocql.TypeText: false,
	} {
		if got := IsTimeType(gocql.NewNativeType(4, typ, "")); got != want {
			t.Errorf("IsTimeType(%v) = %v, want %v", typ, got, want)
		}
	}
	if IsTimeType(nil) {
		t.Error("IsTimeType(nil) = true")
	}
}
