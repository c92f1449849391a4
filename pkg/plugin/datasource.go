// Package plugin is the Grafana glue: it turns instance settings into a Cassandra client and
// hands queries, health checks and resource calls to the packages that do the work.
package plugin

import (
	"context"
	"fmt"
	"sync"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/metricsserver/cassandra-datasource/pkg/bincache"
	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
	"github.com/metricsserver/cassandra-datasource/pkg/engine"
	"github.com/metricsserver/cassandra-datasource/pkg/rollup"
)

var (
	_ backend.CheckHealthHandler    = (*Datasource)(nil)
	_ instancemgmt.InstanceDisposer = (*Datasource)(nil)
)

// Datasource is one configured Cassandra Metrics data source.
type Datasource struct {
	settings    cassandra.Settings
	settingsErr error

	session *cassandra.Lazy
	// cache holds the closed bins of this data source's binned queries (nil when turned off).
	cache *bincache.Cache
	// rollups keeps what was read of the rollup keyspace's checkpoints.
	rollups *rollup.Cache

	resOnce   sync.Once
	resources backend.CallResourceHandler
}

// NewDatasource is the instance factory Grafana calls when a data source is created or its
// settings change. It never fails on bad settings: the error is reported by every query and
// by the health check, where the user can see it.
func NewDatasource(ctx context.Context, s backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	settings, err := cassandra.LoadSettings(s.JSONData, s.DecryptedSecureJSONData)
	if err == nil {
		settings.Dialer, err = secureSocksDialer(ctx, s)
	}
	return &Datasource{settings: settings, settingsErr: err, session: cassandra.NewLazy(settings, nil), cache: engine.NewCache(settings), rollups: rollup.NewCache()}, nil
}

// Dispose closes the session when Grafana replaces this instance.
func (d *Datasource) Dispose() { d.session.Close() }

// Client returns the instance's session, connecting on first use (see cassandra.Lazy).
func (d *Datasource) Client(ctx context.Context) (*cassandra.Client, error) {
	if d.settingsErr != nil {
		return nil, d.settingsErr
	}
	return d.session.Client(ctx)
}

// CheckHealth runs a real query and reports version, cluster, data center and keyspace.
func (d *Datasource) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	h, err := d.health(ctx)
	if err != nil {
		log.DefaultLogger.FromContext(ctx).Warn("Health check failed", "error", err.Error())
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: err.Error()}, nil
	}
	return &backend.CheckHealthResult{Status: backend.HealthStatusOk, Message: HealthMessage(h)}, nil
}

func (d *Datasource) health(ctx context.Context) (cassandra.Health, error) {
	c, err := d.Client(ctx)
	if err != nil {
		return cassandra.Health{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, d.settings.QueryTimeout.Std())
	defer cancel()
	h, err := c.Health(ctx)
	if err != nil {
		return h, err
	}
	if h.CheckedKeyspace && !h.KeyspaceExists {
		return h, &cassandra.Error{Kind: cassandra.KindKeyspaceMissing, Msg: fmt.Sprintf(
			"connected to Cassandra %s (cluster %q), but keyspace %q does not exist: create it or correct the default keyspace",
			h.ReleaseVersion, h.ClusterName, h.Keyspace)}
	}
	return h, nil
}

// HealthMessage is the text shown after "Save & test".
func HealthMessage(h cassandra.Health) string {
	msg := fmt.Sprintf("Connected to Cassandra %s, cluster %q, data center %q", h.ReleaseVersion, h.ClusterName, h.DataCenter)
	if h.CheckedKeyspace {
		msg += fmt.Sprintf("; keyspace %q exists", h.Keyspace)
	}
	return msg
}
