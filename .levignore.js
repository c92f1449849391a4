// Read by `npm run compat` (@grafana/levitate is-compatible), which must run from this directory.
// @grafana/runtime's `config` is one GrafanaBootConfig object whose type changes in every Grafana
// release, so levitate reports it as changed against any other version. The plugin reads only
// `config.secureSocksDSProxyEnabled`, a boolean in 13.0.0's types as in 13.2's (and since 10.x).
module.exports = {
  changes: [/^config$/],
};
