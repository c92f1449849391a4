package engine

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// D1 on Cassandra: builder queries over windows whose bin count overflows int64 get a clear
// error; before, the count wrapped negative, passed the limit and panicked in a scan worker,
// which took the process down.
func TestBuilderOverflowingWindowRefused(t *testing.T) {
	e := New(fixtureClient(t), Options{})
	for _, w := range []struct {
		from, to int64
		interval string
	}{{-5e18, 5e18, "1ms"}, {-math.MaxInt64, math.MaxInt64, "2ms"}} {
		q := dataQuery("A", seedBuilder(map[string]any{"interval": w.interval}), time.UnixMilli(w.from), time.UnixMilli(w.to), 1000)
		res := run(t, e, q)
		if res.Error == nil || !strings.Contains(res.Error.Error(), "widen the interval") {
			t.Errorf("%d..%d at %s: error %v, want a refusal naming the interval", w.from, w.to, w.interval, res.Error)
		}
		if res.Status != backend.StatusBadRequest {
			t.Errorf("%d..%d: status %v, want 400", w.from, w.to, res.Status)
		}
	}
}
