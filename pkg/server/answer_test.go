package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

func testResponses() map[string]backend.DataResponse {
	frame := func(name string, n int) *data.Frame {
		ts, vs := make([]time.Time, n), make([]*float64, n)
		for i := range ts {
			ts[i] = testEnd.Add(time.Duration(i) * time.Second)
			if i%3 != 0 {
				v := float64(i) / 7
				vs[i] = &v
			}
		}
		return data.NewFrame(name, data.NewField("time", nil, ts), data.NewField("value", data.Labels{"app": "<checkout & co>"}, vs))
	}
	return map[string]backend.DataResponse{
		"B":         {Frames: data.Frames{frame("b", 50), frame("b2", 3)}},
		"A":         {Frames: data.Frames{frame("a", 10)}},
		`C "<&>" é`: backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, `table "x" <not found>`),
		"D":         {},
	}
}

// The answer is encoded query by query, and must be byte for byte what json.Marshal makes of
// the whole response (the SDK's JSON, escaped as encoding/json escapes).
func TestEncodeAnswerIsTheSDKJSON(t *testing.T) {
	for _, tc := range []struct {
		name      string
		responses map[string]backend.DataResponse
	}{
		{"no queries", map[string]backend.DataResponse{}},
		{"frames, an error, an empty answer and a refId to escape", testResponses()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := json.Marshal(&backend.QueryDataResponse{Responses: tc.responses})
			if err != nil {
				t.Fatal(err)
			}
			got, err := encodeAnswer(&backend.QueryDataResponse{Responses: tc.responses}, 1<<30)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Fatalf("encodeAnswer differs from json.Marshal (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEncodeAnswerStopsAtTheBound(t *testing.T) {
	full, err := encodeAnswer(&backend.QueryDataResponse{Responses: testResponses()}, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		limit  int64
		wantAt string // "" when the answer fits
	}{
		{int64(len(full)), ""},
		{int64(len(full)) - 1, "D"}, // the last query in refId order passes it
		{100, "A"},
	} {
		t.Run(fmt.Sprint(tc.limit), func(t *testing.T) {
			got, err := encodeAnswer(&backend.QueryDataResponse{Responses: testResponses()}, tc.limit)
			var tl *AnswerTooLargeError
			switch {
			case tc.wantAt == "" && err != nil:
				t.Fatalf("an answer of exactly the bound: %v", err)
			case tc.wantAt == "" && string(got) != string(full):
				t.Fatal("the answer changed")
			case tc.wantAt != "" && !errors.As(err, &tl):
				t.Fatalf("want AnswerTooLargeError, got %v (%d bytes)", err, len(got))
			case tc.wantAt != "" && tl.At != tc.wantAt:
				t.Fatalf("passed the bound at %q, want %q", tl.At, tc.wantAt)
			}
		})
	}
}

// An answer larger than the server's bound fails with 422 naming the bound, its setting and
// what to ask for less of, instead of an answer of any size; a smaller one is answered.
func TestQueryAnswerBound(t *testing.T) {
	query := func(maxDataPoints int) string {
		return fmt.Sprintf(`{"from": %d, "to": %d, "maxDataPoints": %d, "queries": [{"refId": "A", "queryType": "builder",
			"keyspace": %q, "table": "raw_timer", "timeColumn": "metric_timestamp", "valueColumns": ["p95", "p99"],
			"filters": [{"column": "environment", "op": "=", "values": ["prod"]}, {"column": "application", "op": "=", "values": ["search"]},
			            {"column": "metric_name", "op": "=", "values": ["db.query"]}]}]}`,
			testEnd.Add(-time.Hour).UnixMilli(), testEnd.UnixMilli(), maxDataPoints, testKeyspace)
	}
	open := newTestServer(t, Options{})
	small := do(t, http.MethodPost, open.URL+"/api/query", query(4), nil)
	large := do(t, http.MethodPost, open.URL+"/api/query", query(600), nil)
	if small.status != http.StatusOK || large.status != http.StatusOK || len(large.body) < 4*len(small.body) {
		t.Fatalf("unbounded: %d (%d bytes) and %d (%d bytes); want two answers, the second much larger", small.status, len(small.body), large.status, len(large.body))
	}

	limit := int64(2 * len(small.body))
	ts := newTestServer(t, Options{MaxAnswerBytes: limit})
	if r := do(t, http.MethodPost, ts.URL+"/api/query", query(4), nil); r.status != http.StatusOK || string(r.body) != string(small.body) {
		t.Fatalf("an answer within the bound: %d %.300s", r.status, r.body)
	}
	r := do(t, http.MethodPost, ts.URL+"/api/query", query(600), nil)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("a %d-byte answer past a %d-byte bound: want 422, got %d (%d bytes)", len(large.body), limit, r.status, len(r.body))
	}
	msg := r.errorText(t)
	for _, want := range []string{"server.max_answer_mib", EnvMaxAnswerMiB, `query "A"`, "maxDataPoints", "shorter time range"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error does not say %q: %s", want, msg)
		}
	}
	t.Logf("bound %d bytes; answers of %d and %d bytes unbounded; %s", limit, len(small.body), len(large.body), msg)
}
