// Package pluginhost starts a built backend plugin binary the way Grafana does (go-plugin
// handshake over gRPC) so the shipped executable itself can be checked, not just the code.
package pluginhost

import (
	"context"
	"fmt"
	"io"
	"os/exec"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
)

// Plugin is a running plugin process.
type Plugin struct {
	client      *goplugin.Client
	diagnostics grpcplugin.DiagnosticsClient
	data        grpcplugin.DataClient
}

// Start launches the binary and completes the handshake. logs receives the plugin's log output.
func Start(binary string, logs io.Writer) (*Plugin, error) {
	if logs == nil {
		logs = io.Discard
	}
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: goplugin.HandshakeConfig{
			ProtocolVersion:  grpcplugin.ProtocolVersion,
			MagicCookieKey:   grpcplugin.MagicCookieKey,
			MagicCookieValue: grpcplugin.MagicCookieValue,
		},
		VersionedPlugins: map[int]goplugin.PluginSet{grpcplugin.ProtocolVersion: {
			"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
			"data":        &grpcplugin.DataGRPCPlugin{},
		}},
		Cmd:              exec.Command(binary),
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Warn}),
	})
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("start plugin %s: %w", binary, err)
	}
	p := &Plugin{client: client}
	raw, err := rpc.Dispense("diagnostics")
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("plugin %s has no diagnostics service: %w", binary, err)
	}
	p.diagnostics = raw.(grpcplugin.DiagnosticsClient)
	if raw, err := rpc.Dispense("data"); err == nil {
		p.data = raw.(grpcplugin.DataClient)
	}
	return p, nil
}

// Kill stops the plugin process.
func (p *Plugin) Kill() { p.client.Kill() }

// CheckHealth sends a health check for a data source with the given settings.
func (p *Plugin) CheckHealth(ctx context.Context, s *backend.DataSourceInstanceSettings) (*backend.CheckHealthResult, error) {
	pc := backend.PluginContext{OrgID: 1, PluginID: "metricsserver-cassandra-datasource", DataSourceInstanceSettings: s}
	res, err := p.diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: backend.ToProto().PluginContext(pc)})
	if err != nil {
		return nil, fmt.Errorf("check health over gRPC: %w", err)
	}
	return backend.FromProto().CheckHealthResponse(res), nil
}

// QueryData sends a data request.
func (p *Plugin) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	if p.data == nil {
		return nil, fmt.Errorf("plugin has no data service")
	}
	res, err := p.data.QueryData(ctx, backend.ToProto().QueryDataRequest(req))
	if err != nil {
		return nil, fmt.Errorf("query data over gRPC: %w", err)
	}
	return backend.FromProto().QueryDataResponse(res)
}
