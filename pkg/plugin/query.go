package plugin

import (
	"context"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"

	"github.com/metricsserver/cassandra-datasource/pkg/engine"
	"github.com/metricsserver/cassandra-datasource/pkg/errs"
	"github.com/metricsserver/cassandra-datasource/pkg/resources"
	"github.com/metricsserver/cassandra-datasource/pkg/rollup"
)

var (
	_ backend.QueryDataHandler    = (*Datasource)(nil)
	_ backend.CallResourceHandler = (*Datasource)(nil)
)

// QueryData hands every query to the engine. A connection failure is each query's error, with
// the status and source of the one mapping (pkg/errs).
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	c, err := d.Client(ctx)
	if err != nil {
		resp := backend.NewQueryDataResponse()
		for _, q := range req.Queries {
			resp.Responses[q.RefID] = errs.Response(err)
		}
		return resp, nil
	}
	opts := engine.OptionsFrom(d.settings)
	opts.Cache = d.cache
	if d.settings.RollupsReadable() {
		opts.Rollups = rollup.NewReader(d.settings.RollupKeyspace, c, d.rollups)
	}
	return engine.New(c, opts).QueryData(ctx, req), nil
}

// CallResource serves the editor's schema lookups with the same handler as the standalone
// server's /api/resources/.
func (d *Datasource) CallResource(ctx context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) error {
	return traceResource(ctx, req, sender, d.resourceHandler().CallResource)
}

func (d *Datasource) resourceHandler() backend.CallResourceHandler {
	d.resOnce.Do(func() {
		// A resource call may connect and then query: bound it by both timeouts, as a query is.
		timeout := d.settings.ConnectTimeout.Std() + d.settings.QueryTimeout.Std()
		d.resources = httpadapter.New(resources.NewHandler(d.Client, resources.Options{Timeout: timeout, Keyspaces: resources.KeyspacesOf(d.settings), Rollups: resources.RollupsOf(d.settings, d.rollups)}))
	})
	return d.resources
}
