package resources

import (
	"context"
	"net/http"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/query"
	"github.com/metricsserver/cassandra-datasource/pkg/rollup"
)

// RollupCoverage is what the rollups route needs of the rollup keyspace (pkg/rollup's Reader
// has it): what the keyspace holds of a source table (keyspace.table), coarsest width first.
type RollupCoverage interface {
	Coverage(ctx context.Context, source string) ([]query.Rollup, error)
}

// RollupsOf is how the rollups route reads the rollup keyspace of a data source's settings,
// with the checkpoints kept in cache (the one its queries use): nil when the data source does
// not read rollups (disableRollups, or a rollup keyspace outside allowedKeyspaces).
func RollupsOf(s cassandra.Settings, cache *rollup.Cache) func(c *cassandra.Client) RollupCoverage {
	if !s.RollupsReadable() {
		return nil
	}
	return func(c *cassandra.Client) RollupCoverage { return rollup.NewReader(s.RollupKeyspace, c, cache) }
}

// Rollups is the answer of /rollups: what the rollup keyspace holds of one table, coarsest
// width first, as the engine would read it; an empty list when it holds nothing of it. Disabled
// says the data source never reads rollups (its disableRollups setting); the list is empty then.
type Rollups struct {
	Rollups  []query.Rollup `json:"rollups"`
	Disabled bool           `json:"disabled"`
}

// rollups answers what the rollup keyspace holds of the keyspace and table parameters. The
// table is not looked up: one that does not exist has no rollups, and the columns route says
// it does not exist.
func (h *handler) rollups(w http.ResponseWriter, r *http.Request) {
	ks, ok := h.keyspace(w, r)
	if !ok {
		return
	}
	tbl, ok := required(w, r, "table")
	if !ok {
		return
	}
	if h.rollupsOf == nil {
		respond(w, Rollups{Rollups: []query.Rollup{}, Disabled: true}, nil)
		return
	}
	c := h.client(w, r)
	if c == nil {
		return
	}
	cov, err := h.rollupsOf(c).Coverage(r.Context(), ks+"."+tbl)
	if err != nil {
		writeErr(w, err)
		return
	}
	out := Rollups{Rollups: make([]query.Rollup, 0, len(cov))}
	for _, ru := range cov { // copies: the reader's cache keeps its own
		if ru.ValueColumns == nil {
			ru.ValueColumns = []string{}
		}
		if ru.SeriesColumns == nil {
			ru.SeriesColumns = []string{}
		}
		out.Rollups = append(out.Rollups, ru)
	}
	respond(w, out, nil)
}
