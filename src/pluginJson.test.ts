import fs from 'fs';
import path from 'path';

const read = (p: string) => JSON.parse(fs.readFileSync(path.join(__dirname, p), 'utf8'));

const DS_TYPE = 'metricsserver-cassandra-datasource';
const INPUT = '${DS_CASSANDRA_METRICS}';

/** The provisioned dashboard's data source references, made the import's input. */
function withInput(v: unknown): unknown {
  if (Array.isArray(v)) {
    return v.map(withInput);
  }
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o.type === DS_TYPE && o.uid === 'cassandra-metrics' && Object.keys(o).length === 2) {
      return { type: DS_TYPE, uid: INPUT };
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, withInput(x)]));
  }
  return v;
}

describe('plugin.json', () => {
  const plugin = read('plugin.json');

  it('has a category for the data source list', () => {
    expect(plugin.category).toBe('tsdb');
  });

  it('includes the demo dashboard, from a file the build copies into dist/', () => {
    const dashboards = plugin.includes.filter((i: { type: string }) => i.type === 'dashboard');
    expect(dashboards).toEqual([
      { type: 'dashboard', name: 'Cassandra Metrics demo', path: 'dashboards/cassandra-metrics-demo.json' },
    ]);
    // The build copies src/**/*.json into dist/ at the same path (.config/bundler/copyFiles.ts).
    expect(fs.existsSync(path.join(__dirname, dashboards[0].path))).toBe(true);
  });

  it('includes the provisioned demo dashboard with the data source as the import input', () => {
    // provisioning/ names the provisioned data source's uid; an imported dashboard gets the data
    // source it is imported from. Otherwise the two files are the same dashboard: edit both.
    const provisioned = read('../provisioning/dashboards/cassandra-metrics-demo.json');
    const included = read('dashboards/cassandra-metrics-demo.json');
    const { __inputs: inputs, ...rest } = included;
    expect(inputs).toEqual([
      expect.objectContaining({ name: 'DS_CASSANDRA_METRICS', type: 'datasource', pluginId: DS_TYPE }),
    ]);
    expect(rest).toEqual(withInput(provisioned));
    expect(JSON.stringify(rest)).not.toContain('"cassandra-metrics"');
  });
});
