import React, { useState } from 'react';
import { DataSourceSettings } from '@grafana/data';
import { config } from '@grafana/runtime';
import { fireEvent, render, screen, within } from '@testing-library/react';

import { pickOption } from '../testUtils/combobox';

import { CassandraOptions, CassandraSecureJsonData } from '../types';
import { ConfigEditor, normalizeHosts, validateSettings } from './ConfigEditor';

// Field labels also carry their description, so match on how the label starts.
const label = (name: string) => new RegExp(`^${name}`);

type Settings = DataSourceSettings<CassandraOptions, CassandraSecureJsonData>;

function settings(overrides: Partial<Settings> = {}): Settings {
  // `database` is a deprecated field this data source does not use.
  const base: Omit<Settings, 'database'> = {
    id: 1,
    uid: 'cassandra',
    orgId: 1,
    name: 'Cassandra Metrics',
    type: 'metricsserver-cassandra-datasource',
    typeName: 'Cassandra Metrics',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    withCredentials: false,
    readOnly: false,
    version: 1,
    jsonData: { hosts: ['10.0.0.1'] },
    secureJsonFields: {},
  };
  return { ...base, ...overrides } as Settings;
}

/** Renders the editor the way Grafana does: it owns the settings and feeds changes back in. */
function renderEditor(initial: Settings) {
  const changes: Settings[] = [];
  function Harness() {
    const [options, setOptions] = useState(initial);
    return (
      <ConfigEditor
        options={options}
        onOptionsChange={(next) => {
          changes.push(next);
          setOptions(next);
        }}
      />
    );
  }
  render(<Harness />);
  const latest = () => changes[changes.length - 1];
  return { changes, latest };
}

describe('ConfigEditor', () => {
  it('writes connection settings to jsonData', () => {
    const { latest } = renderEditor(settings());
    fireEvent.change(screen.getByLabelText(label('Port')), { target: { value: '9142' } });
    fireEvent.change(screen.getByLabelText(label('Default keyspace')), { target: { value: 'metric_data' } });
    fireEvent.change(screen.getByLabelText(label('Local data center')), { target: { value: 'dc1' } });
    fireEvent.change(screen.getByLabelText(label('Username')), { target: { value: 'grafana' } });
    fireEvent.change(screen.getByLabelText(label('Connect timeout')), { target: { value: '10s' } });
    fireEvent.change(screen.getByLabelText(label('Query timeout')), { target: { value: '1m' } });
    fireEvent.change(screen.getByLabelText(label('Page size')), { target: { value: '1000' } });
    fireEvent.change(screen.getByLabelText(label('Max rows')), { target: { value: '50000' } });
    fireEvent.change(screen.getByLabelText(label('Max concurrency')), { target: { value: '4' } });
    expect(latest().jsonData).toEqual({
      hosts: ['10.0.0.1'],
      port: 9142,
      keyspace: 'metric_data',
      localDatacenter: 'dc1',
      username: 'grafana',
      connectTimeout: '10s',
      queryTimeout: '1m',
      pageSize: 1000,
      maxRows: 50000,
      maxConcurrency: 4,
    });
    expect(latest().secureJsonData).toBeUndefined();
  });

  it('adds hosts, splitting a pasted list', () => {
    const { latest } = renderEditor(settings({ jsonData: {} }));
    const input = screen.getByLabelText(label('Hosts'));
    fireEvent.change(input, { target: { value: 'c1.example.com, c2.example.com' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(latest().jsonData.hosts).toEqual(['c1.example.com', 'c2.example.com']);
  });

  it('takes host names and pasted lists longer than 50 characters, and removes hosts', () => {
    // Grafana's TagsInput silently refused anything over 50 characters.
    const long = 'cassandra-0.cassandra-headless.monitoring.svc.cluster.local';
    const { latest } = renderEditor(settings({ jsonData: {} }));
    const input = screen.getByLabelText(label('Hosts'));
    fireEvent.change(input, { target: { value: long } });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(latest().jsonData.hosts).toEqual([long]);
    fireEvent.change(input, { target: { value: 'cassandra-1.example.com, cassandra-2.example.com:9142' } });
    fireEvent.blur(input);
    expect(latest().jsonData.hosts).toEqual([long, 'cassandra-1.example.com', 'cassandra-2.example.com:9142']);
    expect(input).toHaveValue('');
    expect(screen.getByText(long)).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Remove cassandra-1.example.com', hidden: true }));
    expect(latest().jsonData.hosts).toEqual([long, 'cassandra-2.example.com:9142']);
  });

  it('picks a consistency level', async () => {
    const { latest } = renderEditor(settings());
    const input = screen.getByLabelText(label('Consistency'));
    expect(input).toHaveValue('LOCAL_ONE');
    await pickOption(input, 'LOCAL_QUORUM');
    expect(latest().jsonData.consistency).toBe('LOCAL_QUORUM');
  });

  it('writes allowed keyspaces to jsonData, and removes the setting with its last keyspace', () => {
    const { latest } = renderEditor(settings());
    const input = screen.getByLabelText(label('Allowed keyspaces'));
    fireEvent.change(input, { target: { value: 'metric_data, metrics_rollups' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(latest().jsonData.allowedKeyspaces).toEqual(['metric_data', 'metrics_rollups']);
    const list = screen.getByRole('list', { name: 'Allowed keyspaces' });
    expect(within(list).getByText('metrics_rollups')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Remove metrics_rollups', hidden: true }));
    fireEvent.click(screen.getByRole('button', { name: 'Remove metric_data', hidden: true }));
    expect(latest().jsonData).toEqual({ hosts: ['10.0.0.1'], allowedKeyspaces: undefined });
  });

  it('flags allowed keyspaces that leave out the default keyspace', () => {
    renderEditor(settings({ jsonData: { hosts: ['10.0.0.1'], keyspace: 'metric_data', allowedKeyspaces: ['other'] } }));
    expect(screen.getByText('Add the default keyspace metric_data, or leave the list empty')).toBeInTheDocument();
  });

  it('shows validation messages for missing hosts and a bad port', () => {
    renderEditor(settings({ jsonData: { hosts: [], port: 70000, queryTimeout: 'soon' } }));
    expect(screen.getByText('Add at least one Cassandra host')).toBeInTheDocument();
    expect(screen.getByText('Port must be a whole number from 1 to 65535')).toBeInTheDocument();
    expect(screen.getByText('Use a duration such as 500ms, 5s or 1m')).toBeInTheDocument();
  });

  it('puts the password in secureJsonData only', () => {
    const { latest } = renderEditor(settings());
    fireEvent.change(screen.getByLabelText(label('Password')), { target: { value: 's3cret' } });
    expect(latest().secureJsonData).toEqual({ password: 's3cret' });
    expect(JSON.stringify(latest().jsonData)).not.toContain('s3cret');
  });

  it('never shows a stored password, only that it is configured, and can reset it', () => {
    const { latest } = renderEditor(settings({ secureJsonFields: { password: true } }));
    const password = screen.getByLabelText(label('Password'));
    expect(password).toHaveValue('configured');
    expect(password).toBeDisabled();
    fireEvent.click(screen.getAllByText('Reset')[0]);
    expect(latest().secureJsonFields.password).toBe(false);
    expect(latest().secureJsonData).toEqual({ password: '' });
    expect(screen.getByLabelText(label('Password'))).toHaveValue('');
    expect(screen.getByLabelText(label('Password'))).toBeEnabled();
  });

  it('writes TLS settings to jsonData.tls and the client key to secureJsonData', () => {
    const { latest } = renderEditor(settings());
    expect(screen.queryByLabelText(label('CA certificate'))).not.toBeInTheDocument();
    fireEvent.click(screen.getByLabelText(label('Use TLS')));
    fireEvent.change(screen.getByLabelText(label('Server name')), { target: { value: 'cassandra.internal' } });
    fireEvent.change(screen.getByLabelText(label('CA certificate')), { target: { value: 'CA PEM' } });
    fireEvent.change(screen.getByLabelText(label('Client certificate')), { target: { value: 'CERT PEM' } });
    fireEvent.change(screen.getByLabelText(label('Client key')), { target: { value: 'KEY PEM' } });
    expect(latest().jsonData.tls).toEqual({
      enabled: true,
      serverName: 'cassandra.internal',
      caCert: 'CA PEM',
      clientCert: 'CERT PEM',
    });
    expect(latest().secureJsonData).toEqual({ tlsClientKey: 'KEY PEM' });
    expect(JSON.stringify(latest().jsonData)).not.toContain('KEY PEM');
  });

  it('warns when certificate verification is skipped', () => {
    const { latest } = renderEditor(settings({ jsonData: { hosts: ['h'], tls: { enabled: true } } }));
    expect(screen.queryByText('Certificate verification is off')).not.toBeInTheDocument();
    fireEvent.click(screen.getByLabelText(label('Skip certificate verification')));
    expect(latest().jsonData.tls).toEqual({ enabled: true, skipVerify: true });
    expect(screen.getByText('Certificate verification is off')).toBeInTheDocument();
  });

  it('writes the memory budget, bucket statement limit, bin cache and wide-partition settings to jsonData', () => {
    const { latest } = renderEditor(settings());
    expect(screen.getByLabelText(label('Query memory'))).toHaveAttribute('placeholder', '256');
    expect(screen.getByLabelText(label('Process memory'))).toHaveAttribute('placeholder', '1024');
    expect(screen.getByLabelText(label('Bin cache'))).toHaveAttribute('placeholder', '256');
    expect(screen.getByLabelText(label('Late data window'))).toHaveAttribute('placeholder', '5m');
    expect(screen.getByLabelText(label('Max bucket statements'))).toHaveAttribute('placeholder', '1000');
    fireEvent.change(screen.getByLabelText(label('Query memory')), { target: { value: '512' } });
    fireEvent.change(screen.getByLabelText(label('Process memory')), { target: { value: '2048' } });
    fireEvent.change(screen.getByLabelText(label('Max bucket statements')), { target: { value: '200' } });
    fireEvent.change(screen.getByLabelText(label('Bin cache')), { target: { value: '64' } });
    fireEvent.change(screen.getByLabelText(label('Late data window')), { target: { value: '10m' } });
    fireEvent.click(screen.getByLabelText(label('Turn off the bin cache')));
    fireEvent.click(screen.getByLabelText(label('Read partitions in one piece')));
    expect(latest().jsonData).toEqual({
      hosts: ['10.0.0.1'],
      maxQueryMemoryMiB: 512,
      maxProcessMemoryMiB: 2048,
      maxBucketStatements: 200,
      binCacheMiB: 64,
      lateDataWindow: '10m',
      disableBinCache: true,
      disableWideSplit: true,
    });
    // Cleared fields go back to the defaults: the key is dropped, not stored as 0 or ''.
    fireEvent.change(screen.getByLabelText(label('Query memory')), { target: { value: '' } });
    fireEvent.change(screen.getByLabelText(label('Late data window')), { target: { value: '' } });
    fireEvent.click(screen.getByLabelText(label('Turn off the bin cache')));
    fireEvent.click(screen.getByLabelText(label('Read partitions in one piece')));
    expect(latest().jsonData.maxQueryMemoryMiB).toBeUndefined();
    expect(latest().jsonData.lateDataWindow).toBeUndefined();
    expect(latest().jsonData.disableBinCache).toBeUndefined();
    expect(latest().jsonData.disableWideSplit).toBeUndefined();
  });

  it('writes the rollup keyspace and disableRollups to jsonData, and drops them when cleared', () => {
    const { latest } = renderEditor(settings());
    const keyspace = screen.getByLabelText(label('Rollup keyspace'));
    expect(keyspace).toHaveAttribute('placeholder', 'metrics_rollups');
    expect(keyspace).toHaveValue('');
    expect(screen.getByLabelText(label('Disable rollups'))).not.toBeChecked();
    fireEvent.change(keyspace, { target: { value: ' rollups_1m ' } });
    fireEvent.click(screen.getByLabelText(label('Disable rollups')));
    expect(latest().jsonData).toEqual({ hosts: ['10.0.0.1'], rollupKeyspace: 'rollups_1m', disableRollups: true });
    expect(screen.getByLabelText(label('Disable rollups'))).toBeChecked();
    fireEvent.change(keyspace, { target: { value: '' } });
    fireEvent.click(screen.getByLabelText(label('Disable rollups')));
    expect(latest().jsonData.rollupKeyspace).toBeUndefined();
    expect(latest().jsonData.disableRollups).toBeUndefined();
  });

  it('flags a rollup keyspace that is not a keyspace name, saying what to use', () => {
    const { latest } = renderEditor(settings());
    fireEvent.change(screen.getByLabelText(label('Rollup keyspace')), { target: { value: 'a.b' } });
    expect(latest().jsonData.rollupKeyspace).toBe('a.b');
    expect(
      screen.getByText(
        '"a.b" is not a keyspace name: use up to 48 letters, digits and underscores, or leave it empty for metrics_rollups'
      )
    ).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText(label('Rollup keyspace')), { target: { value: 'a_b' } });
    expect(screen.queryByText(/is not a keyspace name/)).not.toBeInTheDocument();
  });

  it('flags a bad late data window and a memory budget of 0 next to their fields', () => {
    renderEditor(settings({ jsonData: { hosts: ['h'], lateDataWindow: 'later', maxQueryMemoryMiB: 0 } }));
    expect(screen.getByText('Use a duration such as 500ms, 5s or 1m')).toBeInTheDocument();
    expect(screen.getByText('Must be a whole number above 0')).toBeInTheDocument();
  });

  describe('secure socks proxy', () => {
    const original = config.secureSocksDSProxyEnabled;
    afterEach(() => {
      config.secureSocksDSProxyEnabled = original;
    });

    it('is not offered when Grafana has no secure socks proxy', () => {
      config.secureSocksDSProxyEnabled = false;
      renderEditor(settings());
      expect(screen.queryByText('Secure Socks Proxy')).not.toBeInTheDocument();
    });

    it('turns on enableSecureSocksProxy when Grafana has the proxy', () => {
      config.secureSocksDSProxyEnabled = true;
      const { latest } = renderEditor(settings());
      const section = screen.getByText('Secure Socks Proxy').parentElement!;
      const toggle = within(section).getByRole('switch');
      expect(toggle).not.toBeChecked();
      fireEvent.click(toggle);
      expect(latest().jsonData).toEqual({ hosts: ['10.0.0.1'], enableSecureSocksProxy: true });
    });
  });

  it('shows a configured client key without its value', () => {
    renderEditor(
      settings({ jsonData: { hosts: ['h'], tls: { enabled: true } }, secureJsonFields: { tlsClientKey: true } })
    );
    expect(screen.getByLabelText(label('Client key'))).toHaveValue('configured');
    expect(screen.getByLabelText(label('Client key'))).toBeDisabled();
  });
});

describe('settings helpers', () => {
  it('normalises host lists', () => {
    expect(normalizeHosts(['a, b', 'b', ' c;d '])).toEqual(['a', 'b', 'c', 'd']);
  });

  it('accepts good settings and rejects hosts with a scheme', () => {
    expect(validateSettings({ hosts: ['a', '10.0.0.2:9043'], port: 9042, connectTimeout: '500ms' })).toEqual({});
    expect(validateSettings({ hosts: ['http://a'] }).hosts).toMatch(/not a host name/);
    expect(validateSettings({ hosts: ['a'], maxRows: 0 }).maxRows).toBeDefined();
    expect(validateSettings({ hosts: ['a'], binCacheMiB: -1 }).binCacheMiB).toBeDefined();
    expect(validateSettings({ hosts: ['a'], maxBucketStatements: 1.5 }).maxBucketStatements).toBeDefined();
    expect(validateSettings({ hosts: ['a'], lateDataWindow: '90s', binCacheMiB: 512 })).toEqual({});
    expect(validateSettings({ hosts: ['a'], lateDataWindow: '0s' }).lateDataWindow).toMatch(/above 0/);
    expect(validateSettings({ hosts: ['a'], lateDataWindow: '0.0m' }).lateDataWindow).toMatch(/above 0/);
    expect(validateSettings({ hosts: ['a'], lateDataWindow: '0.5s' })).toEqual({});
    expect(validateSettings({ hosts: ['a'], keyspace: 'metric_data', allowedKeyspaces: ['metric_data', 'b'] })).toEqual(
      {}
    );
    expect(validateSettings({ hosts: ['a'], allowedKeyspaces: ['b'] })).toEqual({});
    expect(
      validateSettings({ hosts: ['a'], keyspace: 'metric_data', allowedKeyspaces: ['b'] }).allowedKeyspaces
    ).toMatch(/default keyspace metric_data/);
  });

  it('takes a rollup keyspace of up to 48 letters, digits and underscores, as the backend does', () => {
    expect(validateSettings({ hosts: ['a'], rollupKeyspace: 'metrics_rollups' })).toEqual({});
    expect(validateSettings({ hosts: ['a'], rollupKeyspace: 'Rollups_2026' })).toEqual({});
    expect(validateSettings({ hosts: ['a'], rollupKeyspace: 'r'.repeat(48) })).toEqual({});
    // Empty is the default keyspace, as for the backend.
    expect(validateSettings({ hosts: ['a'], rollupKeyspace: '' })).toEqual({});
    for (const bad of ['a.b', 'r'.repeat(49), 'my-rollups', 'a b', '"quoted"', 'rollups;', 'rölls']) {
      expect(validateSettings({ hosts: ['a'], rollupKeyspace: bad }).rollupKeyspace).toMatch(/is not a keyspace name/);
    }
  });
});
