package resources

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gopkg.in/inf.v0"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/errs"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
	"github.com/metricsserver/cassandra-datasource/pkg/schema"
)

// The editor's routes: validate checks raw CQL the way a query is checked, without Cassandra;
// preview answers the CQL the engine runs for a builder query. Both keep the query logic in
// pkg/query, so what the editor shows is what runs.

const (
	// MaxEditorBody bounds a POST /validate or /preview body: a query and a time range.
	MaxEditorBody = 1 << 20
	// maxPreviewStatements bounds the statements a preview lists; a fan-out over many
	// partitions repeats one statement with other key values.
	maxPreviewStatements = 20
	defaultPreviewWindow = 6 * time.Hour
)

// editorBody is what the editor posts: the query (raw CQL text for validate, the builder
// query's JSON for preview) and, optionally, the dashboard's time range and interval.
type editorBody struct {
	Query      json.RawMessage `json:"query"`
	From       *int64          `json:"from"`
	To         *int64          `json:"to"`
	IntervalMs *int64          `json:"intervalMs"`
}

// readEditorBody decodes a POST body or, for GET, the URL parameters query, from, to and
// intervalMs. It writes the error and returns false when the request is unusable.
func readEditorBody(w http.ResponseWriter, r *http.Request, example string) (editorBody, bool) {
	var b editorBody
	if r.Method == http.MethodPost {
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxEditorBody)).Decode(&b); err != nil {
			var mb *http.MaxBytesError
			if errors.As(err, &mb) {
				writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes: send a shorter query", mb.Limit))
				return b, false
			}
			writeError(w, http.StatusBadRequest, "body must be JSON like "+example+": "+err.Error())
			return b, false
		}
		return b, true
	}
	v := r.URL.Query()
	if s := v.Get("query"); s != "" {
		q, _ := json.Marshal(s)
		if json.Valid([]byte(s)) && strings.HasPrefix(strings.TrimSpace(s), "{") {
			q = []byte(s)
		}
		b.Query = q
	}
	for name, dst := range map[string]**int64{"from": &b.From, "to": &b.To, "intervalMs": &b.IntervalMs} {
		s := v.Get(name)
		if s == "" {
			continue
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("parameter %q must be a whole number of milliseconds, got %q", name, s))
			return b, false
		}
		*dst = &n
	}
	return b, true
}

// timeRange is the body's range, or the last 6 hours (a dashboard's default) when it has none.
func (b editorBody) timeRange(w http.ResponseWriter) (time.Time, time.Time, bool) {
	to := time.Now().UTC()
	if b.To != nil {
		to = time.UnixMilli(*b.To).UTC()
	}
	from := to.Add(-defaultPreviewWindow)
	if b.From != nil {
		from = time.UnixMilli(*b.From).UTC()
	}
	if !to.After(from) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("the time range ends (%s) before or when it starts (%s): swap from and to", to.Format(time.RFC3339), from.Format(time.RFC3339)))
		return from, to, false
	}
	return from, to, true
}

// Validation is the answer of /validate: the statement that would run, or what is wrong and
// where. A refused text is a normal answer (200), not a failed request.
type Validation struct {
	Valid     bool            `json:"valid"`
	Statement string          `json:"statement,omitempty"`
	Problems  []query.Problem `json:"problems"`
}

// validate runs raw CQL through the lexer, the read-only guard and the macros, exactly as a
// query is run, and answers the problem's position for the editor to mark. It does not reach
// Cassandra, so it is cheap enough to call as the user types.
func (h *handler) validate(w http.ResponseWriter, r *http.Request) {
	b, ok := readEditorBody(w, r, `{"query": "SELECT ...", "from": <epoch ms>, "to": <epoch ms>, "intervalMs": 60000}`)
	if !ok {
		return
	}
	var cql string
	if len(b.Query) == 0 || json.Unmarshal(b.Query, &cql) != nil {
		writeError(w, http.StatusBadRequest, `"query" is required: the raw CQL text as a JSON string`)
		return
	}
	from, to, ok := b.timeRange(w)
	if !ok {
		return
	}
	interval := time.Minute
	if b.IntervalMs != nil {
		if *b.IntervalMs <= 0 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf(`"intervalMs" must be above 0, got %d`, *b.IntervalMs))
			return
		}
		interval = time.Duration(*b.IntervalMs) * time.Millisecond
	}
	stmt, problem := h.diagnose(cql, from, to, interval)
	v := Validation{Valid: problem == nil, Statement: stmt, Problems: []query.Problem{}}
	if problem != nil {
		v.Problems = append(v.Problems, *problem)
	}
	respond(w, v, nil)
}

// Preview is the answer of /preview: the CQL the engine runs for a builder query, from the
// same plan the engine builds. A query the engine would refuse (an unknown column, a filter
// without values while the user is still choosing) is answered too, with Error saying why, as
// the query's run would: the editor asks while the query is being built.
type Preview struct {
	// Error is why the engine would refuse the query; nothing else is set then.
	Error string `json:"error,omitempty"`
	// CQL is the first statement with its bound values written in as CQL literals, for
	// reading; Cassandra receives them as bound parameters.
	CQL string `json:"cql"`
	// Executed is the first statement as sent, with ? markers: what the query's
	// executedQueryString shows.
	Executed string `json:"executed"`
	// Statements lists at most 20 statements with their values as CQL literals.
	Statements []PreviewStatement `json:"statements"`
	// StatementCount is how many statements run (one per partition when filters fan out).
	StatementCount int `json:"statementCount"`
	// PartitionCount is how many partitions the statements name in all (0 for a scan), and
	// StatementPartitions the most one statement names.
	PartitionCount      int              `json:"partitionCount"`
	StatementPartitions int              `json:"statementPartitions"`
	Measures            []PreviewMeasure `json:"measures"`
	Instant             bool             `json:"instant,omitempty"`
	Keyspace            string           `json:"keyspace"`
	Table               string           `json:"table"`
}

// PreviewStatement is one statement with its bound values as CQL literals, in marker order.
type PreviewStatement struct {
	CQL    string   `json:"cql"`
	Values []string `json:"values"`
}

// PreviewMeasure is one measure and the aggregations applied per bin.
type PreviewMeasure struct {
	query.Measure
	// Formula says how a derived measure is computed from its columns.
	Formula string `json:"formula,omitempty"`
}

func (h *handler) preview(w http.ResponseWriter, r *http.Request) {
	b, ok := readEditorBody(w, r, `{"query": {"keyspace": "...", "table": "...", ...}, "from": <epoch ms>, "to": <epoch ms>}`)
	if !ok {
		return
	}
	if len(b.Query) == 0 {
		writeError(w, http.StatusBadRequest, `"query" is required: the builder query as a JSON object`)
		return
	}
	q, err := query.Parse(b.Query)
	if err != nil {
		refused(w, err)
		return
	}
	if q.QueryType != query.QueryTypeBuilder {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("a preview is for builder queries; this one is %q (raw CQL runs as written)", q.QueryType))
		return
	}
	from, to, ok := b.timeRange(w)
	if !ok {
		return
	}
	c := h.client(w, r)
	if c == nil {
		return
	}
	if q.Keyspace == "" {
		q.Keyspace = c.Settings().Keyspace
	}
	if q.Keyspace == "" || q.Table == "" {
		respond(w, Preview{Error: "choose a keyspace and a table (or set the data source's default keyspace)"}, nil)
		return
	}
	if err := h.ks.Check(q.Keyspace); err != nil {
		refused(w, err)
		return
	}
	t, err := c.Table(r.Context(), q.Keyspace, q.Table)
	if err != nil {
		refused(w, err)
		return
	}
	plan, err := query.BuildPlan(r.Context(), q, t, from, to, query.PlanOptions{MaxBucketStatements: c.Settings().MaxBucketStatements, MaxPartitions: c.Settings().MaxPartitions})
	if err != nil {
		refused(w, err)
		return
	}
	respond(w, previewOf(q, t, plan), nil)
}

// refused answers a query the engine would refuse as a preview that says why (200), and any
// other failure (Cassandra unreachable, too slow) as the failed request it is.
func refused(w http.ResponseWriter, err error) {
	switch errs.Of(err) {
	case errs.BadInput, errs.NotFound:
		respond(w, Preview{Error: err.Error()}, nil)
	default:
		writeErr(w, err)
	}
}

func previewOf(q *query.Query, t *schema.Table, plan *query.Plan) Preview {
	p := Preview{StatementCount: len(plan.Statements), PartitionCount: plan.Partitions, Instant: plan.Instant, Keyspace: q.Keyspace, Table: q.Table, Statements: []PreviewStatement{}}
	for i, s := range plan.Statements {
		p.StatementPartitions = max(p.StatementPartitions, s.Partitions)
		if i == maxPreviewStatements {
			break
		}
		ps := PreviewStatement{CQL: s.CQL, Values: make([]string, len(s.Args))}
		cols := markerColumns(s.CQL)
		for j, a := range s.Args {
			// A date column's value is bound as a time; written in, it must be a date literal.
			if j < len(cols) {
				if c, found := t.Column(cols[j]); found && strings.EqualFold(c.Type, "date") {
					a = asDates(a)
				}
			}
			ps.Values[j] = Literal(a)
		}
		p.Statements = append(p.Statements, ps)
	}
	if len(plan.Statements) > 0 {
		p.Executed = plan.Statements[0].CQL
		p.CQL = Inline(p.Statements[0].CQL, p.Statements[0].Values)
	}
	for _, m := range plan.Measures {
		pm := PreviewMeasure{Measure: m}
		if m.Derived && len(m.Columns) == 2 {
			pm.Formula = m.Columns[0] + " - " + m.Columns[1]
		}
		p.Measures = append(p.Measures, pm)
	}
	return p
}

// asDates turns the times of a date column's bound value (one, or an IN list) into the
// 'YYYY-MM-DD' text Cassandra reads as a date.
func asDates(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format("2006-01-02")
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = asDates(e)
		}
		return out
	}
	return v
}

// markerColumns names, for each ? marker of a builder statement in order, the column its value
// is compared with: the last quoted identifier before it in the same condition ("" when none,
// as for LIMIT ?).
func markerColumns(cql string) []string {
	toks, err := query.Tokens(cql)
	if err != nil {
		return nil
	}
	var cols []string
	last := ""
	for _, t := range toks {
		switch {
		case t.Kind == query.TokQuotedIdent:
			last = strings.ReplaceAll(t.Text[1:len(t.Text)-1], `""`, `"`)
		case t.IsWord("AND") || t.IsWord("WHERE") || t.IsWord("LIMIT") || t.IsWord("PER"):
			last = ""
		case t.Kind == query.TokPunct && t.Text == "?":
			cols = append(cols, last)
		}
	}
	return cols
}

// Inline writes values (CQL literals) in place of the ? markers of cql, in order. Markers
// inside strings, quoted identifiers and comments are text, not markers.
func Inline(cql string, values []string) string {
	toks, err := query.Tokens(cql)
	if err != nil {
		return cql
	}
	var b strings.Builder
	n := 0
	for _, t := range toks {
		if t.Kind == query.TokPunct && t.Text == "?" && n < len(values) {
			b.WriteString(values[n])
			n++
			continue
		}
		b.WriteString(t.Text)
	}
	return b.String()
}

// Literal writes a bound value as the CQL literal it stands for: strings quoted with ' doubled,
// timestamps as quoted ISO 8601 in UTC, times of day as quoted HH:MM:SS.nnnnnnnnn, blobs as
// 0x hex, numbers as they are, a list (an IN value) in parentheses.
func Literal(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'"
	case time.Time:
		return "'" + x.UTC().Format("2006-01-02T15:04:05.000Z") + "'"
	case time.Duration:
		return "'" + cassandra.FormatTimeOfDay(x) + "'"
	case []byte:
		return "0x" + hex.EncodeToString(x)
	case bool:
		return strconv.FormatBool(x)
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64:
		return fmt.Sprintf("%d", x)
	case float32:
		return floatLiteral(float64(x), 32)
	case float64:
		return floatLiteral(x, 64)
	case *big.Int:
		return x.String()
	case *inf.Dec:
		return x.String()
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = Literal(e)
		}
		return "(" + strings.Join(parts, ", ") + ")"
	}
	return Literal(fmt.Sprint(v))
}

// floatLiteral writes a float as CQL reads it (NaN, Infinity and -Infinity are CQL's names).
func floatLiteral(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(f, 'g', -1, bits)
}
