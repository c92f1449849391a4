package server

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/metricsserver/cassandra-datasource/pkg/errs"
)

// DefaultMaxAnswerMiB bounds the JSON answer of one POST /api/query (server.max_answer_mib).
const DefaultMaxAnswerMiB = 64

// AnswerTooLargeError is a /api/query answer that passed the bound while it was encoded.
type AnswerTooLargeError struct {
	Limit int64            // bytes
	At    string           // the refId whose frames passed the bound
	Sizes map[string]int64 // bytes of each query encoded, At included
}

// ErrorKind makes it a 422: the request asks for more than the bound.
func (e *AnswerTooLargeError) ErrorKind() errs.Kind { return errs.AnswerTooLarge }

func (e *AnswerTooLargeError) Error() string {
	refs := make([]string, 0, len(e.Sizes))
	for ref := range e.Sizes {
		refs = append(refs, ref)
	}
	slices.Sort(refs)
	sizes := make([]string, len(refs))
	for i, ref := range refs {
		sizes[i] = fmt.Sprintf("%s: %s", ref, size(e.Sizes[ref]))
	}
	return fmt.Sprintf("the answer passes %s, metrics-server's bound (server.max_answer_mib, %s), at query %q (%s): "+
		"ask for less in one request: fewer queries, a shorter time range, a lower maxDataPoints, fewer value columns or series",
		size(e.Limit), EnvMaxAnswerMiB, e.At, strings.Join(sizes, ", "))
}

func size(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// encodeAnswer is json.Marshal(resp), the SDK's {"results": {refId: {...}}}, written one
// query at a time in refId order as the SDK writes it, so it stops as soon as the answer
// passes limit bytes instead of building an answer of any size. Each query's frames are
// dropped from resp once encoded, for the collector to take while the next is encoded.
func encodeAnswer(resp *backend.QueryDataResponse, limit int64) ([]byte, error) {
	refs := make([]string, 0, len(resp.Responses))
	for ref := range resp.Responses {
		refs = append(refs, ref)
	}
	slices.Sort(refs)
	out := []byte(`{"results":{`)
	sizes := map[string]int64{}
	for i, ref := range refs {
		key, err := json.Marshal(ref)
		if err != nil {
			return nil, err
		}
		part, err := json.Marshal(resp.Responses[ref])
		if err != nil {
			return nil, fmt.Errorf("query %q: %w", ref, err)
		}
		delete(resp.Responses, ref)
		sizes[ref] = int64(len(part))
		if i > 0 {
			out = append(out, ',')
		}
		if int64(len(out)+len(key)+1+len(part)+len("}}")) > limit {
			return nil, &AnswerTooLargeError{Limit: limit, At: ref, Sizes: sizes}
		}
		out = append(append(append(out, key...), ':'), part...)
	}
	return append(out, "}}"...), nil
}
