package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// Bounds of POST /api/query, so one request cannot ask for unbounded work.
const (
	MaxQueries           = 50
	DefaultMaxDataPoints = 1000
)

// queryRequest is POST /api/query's body: Grafana's /api/ds/query shape, with the plugin's
// query JSON in queries.
type queryRequest struct {
	Queries       []json.RawMessage `json:"queries"`
	From          json.RawMessage   `json:"from"`
	To            json.RawMessage   `json:"to"`
	MaxDataPoints int64             `json:"maxDataPoints"`
	IntervalMs    float64           `json:"intervalMs"`
}

// queryHeader is what the server reads of each query; the engine reads the rest.
type queryHeader struct {
	RefID         string   `json:"refId"`
	QueryType     string   `json:"queryType"`
	MaxDataPoints *int64   `json:"maxDataPoints"`
	IntervalMs    *float64 `json:"intervalMs"`
}

// BuildQueryRequest turns POST /api/query's body into the request the plugin would get from
// Grafana. Queries without a refId get A, B, ... in order.
func BuildQueryRequest(body []byte, now time.Time) (*backend.QueryDataRequest, error) {
	var qr queryRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&qr); err != nil {
		return nil, fmt.Errorf(`the body must be JSON like {"queries": [{"refId": "A", ...}], "from": "now-6h", "to": "now"}: %v`, err)
	}
	if len(qr.Queries) == 0 {
		return nil, errors.New(`"queries" is empty: send at least one query`)
	}
	if len(qr.Queries) > MaxQueries {
		return nil, fmt.Errorf(`%d queries in one request: send at most %d`, len(qr.Queries), MaxQueries)
	}
	from, to := now.Add(-6*time.Hour).UTC(), now.UTC()
	if len(qr.From) > 0 && string(qr.From) != "null" {
		t, err := parseRangeTime(qr.From, now, false)
		if err != nil {
			return nil, fmt.Errorf(`"from": %v`, err)
		}
		from = t
	}
	if len(qr.To) > 0 && string(qr.To) != "null" {
		t, err := parseRangeTime(qr.To, now, true)
		if err != nil {
			return nil, fmt.Errorf(`"to": %v`, err)
		}
		to = t
	}
	if !to.After(from) {
		return nil, fmt.Errorf(`"from" (%s) must be before "to" (%s)`, isoTime(from), isoTime(to))
	}
	checkMDP := func(field string, n int64) error {
		if n < 0 || n > MaxSize {
			return fmt.Errorf(`%s: want 1 to %d, got %d`, field, MaxSize, n)
		}
		return nil
	}
	checkInterval := func(field string, ms float64) error {
		if ms < 0 || ms > float64(365*24*time.Hour/time.Millisecond) {
			return fmt.Errorf(`%s: want a positive number of milliseconds, got %v`, field, ms)
		}
		return nil
	}
	if err := checkMDP("maxDataPoints", qr.MaxDataPoints); err != nil {
		return nil, err
	}
	if err := checkInterval("intervalMs", qr.IntervalMs); err != nil {
		return nil, err
	}
	req := &backend.QueryDataRequest{}
	seen := map[string]bool{}
	for i, raw := range qr.Queries {
		var h queryHeader
		if err := json.Unmarshal(raw, &h); err != nil {
			return nil, fmt.Errorf("queries[%d] must be a query object: %v", i, err)
		}
		if h.RefID == "" {
			h.RefID = refID(i)
		}
		if seen[h.RefID] {
			return nil, fmt.Errorf("queries[%d]: refId %q is used twice", i, h.RefID)
		}
		seen[h.RefID] = true
		mdp, interval := qr.MaxDataPoints, qr.IntervalMs
		if h.MaxDataPoints != nil {
			if err := checkMDP(fmt.Sprintf("queries[%d].maxDataPoints", i), *h.MaxDataPoints); err != nil {
				return nil, err
			}
			mdp = *h.MaxDataPoints
		}
		if h.IntervalMs != nil {
			if err := checkInterval(fmt.Sprintf("queries[%d].intervalMs", i), *h.IntervalMs); err != nil {
				return nil, err
			}
			interval = *h.IntervalMs
		}
		if mdp == 0 {
			mdp = DefaultMaxDataPoints
		}
		req.Queries = append(req.Queries, backend.DataQuery{
			RefID: h.RefID, QueryType: h.QueryType, MaxDataPoints: mdp,
			Interval:  time.Duration(interval * float64(time.Millisecond)),
			TimeRange: backend.TimeRange{From: from, To: to},
			JSON:      raw,
		})
	}
	return req, nil
}

// refID names the i-th query A..Z, then AA, AB, ... like Grafana.
func refID(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}

// query is POST /api/query: the plugin's QueryData over HTTP. The answer is the SDK's own JSON
// of the response, {"results": {refId: {"frames": [...]} or {"error": ...}}}, with status 200
// as long as the request itself was well formed: each query succeeds or fails on its own.
func (s *Server) query(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body) // read by readBody already, from memory
	if err != nil {
		writeBodyError(w, err, s.opts.BodyTimeout)
		return
	}
	req, err := BuildQueryRequest(body, s.opts.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if !s.opts.EnableRawCQL {
		if raw := rawCQLQuery(req); raw != "" {
			writeError(w, http.StatusForbidden, rawCQLOff(raw))
			return
		}
	}
	resp, err := s.runQueries(r.Context(), req)
	if err != nil {
		fail(w, err)
		return
	}
	s.logQueries(r, resp)
	b, err := encodeAnswer(resp, s.opts.MaxAnswerBytes)
	if errors.As(err, new(*AnswerTooLargeError)) {
		fail(w, err)
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "could not encode the answer: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(b)
}

// runQueries runs the request on the engine, holding a query slot for the Cassandra work only:
// the body was read before, the answer is encoded and sent after.
func (s *Server) runQueries(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	if err := s.acquire(ctx); err != nil {
		return nil, err
	}
	defer s.release()
	c, err := s.Client(ctx)
	if err != nil {
		return nil, err
	}
	return s.engine(c).QueryData(ctx, req), nil
}
