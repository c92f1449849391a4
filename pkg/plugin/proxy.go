package plugin

import (
	"context"
	"fmt"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/proxy"

	"github.com/metricsserver/cassandra-datasource/pkg/cassandra"
)

// proxySetting is the jsonData switch of private data source connect, as the SDK reads it.
const proxySetting = "enableSecureSocksProxy"

// secureSocksDialer returns a dialer through Grafana's secure socks proxy when the data source
// turns it on, nil when it does not. Grafana's proxy address and certificates come with the
// request's context; the proxy user is the data source's UID unless jsonData names one, and
// its password is secureJsonData.secureSocksProxyPassword (both as the SDK reads them).
func secureSocksDialer(ctx context.Context, s backend.DataSourceInstanceSettings) (d cassandra.ContextDialer, err error) {
	defer func() {
		// The SDK type-asserts jsonData values; a wrong type there must not end the process.
		if p := recover(); p != nil {
			d, err = nil, &cassandra.SettingsError{Field: proxySetting, Msg: fmt.Sprintf("the secure socks proxy options cannot be read: %v", p)}
		}
	}()
	opts, err := s.ProxyOptionsFromContext(ctx)
	if err != nil {
		return nil, &cassandra.SettingsError{Field: proxySetting, Msg: "Grafana's secure socks proxy configuration cannot be read: " + err.Error()}
	}
	if opts == nil || !opts.Enabled {
		return nil, nil
	}
	if opts.ClientCfg == nil {
		return nil, &cassandra.SettingsError{Field: proxySetting, Msg: "the data source connects through the secure socks proxy, but Grafana's secure socks proxy is off: enable it in Grafana's [secure_socks_datasource_proxy] settings, or turn the data source's switch off"}
	}
	pd, err := proxy.New(opts).NewSecureSocksProxyContextDialer()
	if err != nil {
		return nil, &cassandra.SettingsError{Field: proxySetting, Msg: "the secure socks proxy cannot be set up from Grafana's [secure_socks_datasource_proxy] settings: " + err.Error()}
	}
	cd, ok := pd.(cassandra.ContextDialer)
	if !ok {
		return nil, fmt.Errorf("the secure socks proxy dialer %T cannot dial with a context", pd)
	}
	return cd, nil
}
