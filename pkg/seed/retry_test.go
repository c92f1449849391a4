package seed

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
)

// fakeWriter fails its first calls with the given errors, then succeeds.
type fakeWriter struct {
	errs  []error
	calls int
}

func (f *fakeWriter) ExecBatch(context.Context, string, [][]any) error {
	f.calls++
	if f.calls <= len(f.errs) {
		return f.errs[f.calls-1]
	}
	return nil
}

func TestExecRetryingRetriesOnlyTimeouts(t *testing.T) {
	pause := retryPause
	retryPause = func(int) time.Duration { return 0 }
	t.Cleanup(func() { retryPause = pause })
	boom := errors.New("boom")
	timeout := &cassandra.Error{Kind: cassandra.KindTimeout, Msg: "Cassandra timed out writing"}
	refused := &cassandra.Error{Kind: cassandra.KindQuery, Msg: "Cassandra refused the query"}
	tests := []struct {
		name      string
		errs      []error
		wantCalls int
		wantErr   error
	}{
		{"first try", nil, 1, nil},
		{"two timeouts, then written", []error{timeout, timeout}, 3, nil},
		{"refused: no retry", []error{refused}, 1, refused},
		{"timeouts every time: bounded", []error{timeout, timeout, timeout, timeout, timeout, timeout}, writeAttempts, timeout},
		{"not a Cassandra error: no retry", []error{boom}, 1, boom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &fakeWriter{errs: tt.errs}
			err := execRetrying(context.Background(), w, batch{cql: "INSERT", rows: [][]any{{1}}})
			if w.calls != tt.wantCalls {
				t.Errorf("%d calls, want %d", w.calls, tt.wantCalls)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
		})
	}
}
