import React, { ChangeEvent, useId } from 'react';
import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { ConfigSection, DataSourceDescription } from '@grafana/plugin-ui';
import { config } from '@grafana/runtime';
import {
  Alert,
  Combobox,
  ComboboxOption,
  Divider,
  Field,
  Input,
  SecretInput,
  SecretTextArea,
  SecureSocksProxySettings,
  Stack,
  Switch,
  TextArea,
} from '@grafana/ui';

import {
  CassandraOptions,
  CassandraSecureJsonData,
  CONSISTENCY_LEVELS,
  ConsistencyLevel,
  SETTINGS_DEFAULTS,
  TlsOptions,
} from '../types';
import { parseSettingDuration } from '../duration';
import { LIMITS } from '../vocabulary.generated';
import { HostsInput } from './HostsInput';

type Props = DataSourcePluginOptionsEditorProps<CassandraOptions, CassandraSecureJsonData>;

/** Where the settings are explained; the config page links to it. */
export const DOCS_URL = 'https://github.com/metricsserver/cassandra-datasource/blob/main/docs/configuration.md';

const CONSISTENCY_OPTIONS: Array<ComboboxOption<ConsistencyLevel>> = CONSISTENCY_LEVELS.map((c) => ({
  label: c,
  value: c,
}));

type DurationKey = 'connectTimeout' | 'queryTimeout' | 'lateDataWindow';
type NumberKey =
  | 'pageSize'
  | 'maxRows'
  | 'maxConcurrency'
  | 'maxQueryMemoryMiB'
  | 'maxProcessMemoryMiB'
  | 'maxBucketStatements'
  | 'maxPartitions'
  | 'binCacheMiB';
// Keyspace names the backend reads unquoted: the rule of its check on rollupKeyspace.
const KEYSPACE_NAME = /^[A-Za-z0-9_]{1,48}$/;
const DURATION_KEYS: DurationKey[] = ['connectTimeout', 'queryTimeout', 'lateDataWindow'];
const NUMBER_KEYS: NumberKey[] = [
  'pageSize',
  'maxRows',
  'maxConcurrency',
  'maxQueryMemoryMiB',
  'maxProcessMemoryMiB',
  'maxBucketStatements',
  'maxPartitions',
  'binCacheMiB',
];

/** Checks on the settings, shown next to the fields; exported for tests and reuse. */
export function validateSettings(jsonData: CassandraOptions): Partial<Record<keyof CassandraOptions, string>> {
  const errors: Partial<Record<keyof CassandraOptions, string>> = {};
  const hosts = jsonData.hosts ?? [];
  if (hosts.length === 0) {
    errors.hosts = 'Add at least one Cassandra host';
  } else {
    const bad = hosts.find((h) => !/^[^\s/]+$/.test(h) || h.includes('://'));
    if (bad) {
      errors.hosts = `"${bad}" is not a host name or address (no scheme or path)`;
    }
  }
  if (
    jsonData.port !== undefined &&
    !(Number.isInteger(jsonData.port) && jsonData.port >= 1 && jsonData.port <= 65535)
  ) {
    errors.port = 'Port must be a whole number from 1 to 65535';
  }
  // The backend's grammar (duration.ts): 1h30m, 1.5h, 1d, or a plain number of seconds.
  for (const key of DURATION_KEYS) {
    const v = jsonData[key];
    const d = v === undefined ? undefined : parseSettingDuration(v);
    if (d === undefined) {
      continue;
    }
    if (d.error !== undefined) {
      errors[key] = 'Use a duration such as 500ms, 5s or 1m';
    } else if (d.ns < BigInt(0)) {
      errors[key] = 'Must be a positive duration (leave it empty for the default)';
    } else if (key === 'lateDataWindow' && v !== '' && d.ns === BigInt(0)) {
      // The backend refuses it too: a bin would be cached before the rows at its end arrive.
      errors[key] =
        'Must be above 0 (leave it empty for the default); to read every refresh in full, turn off the bin cache';
    }
  }
  const allowed = jsonData.allowedKeyspaces ?? [];
  if (jsonData.keyspace && allowed.length > 0 && !allowed.includes(jsonData.keyspace)) {
    // The backend refuses it too: every query of the default keyspace would be refused.
    errors.allowedKeyspaces = `Add the default keyspace ${jsonData.keyspace}, or leave the list empty`;
  }
  if (jsonData.rollupKeyspace && !KEYSPACE_NAME.test(jsonData.rollupKeyspace)) {
    errors.rollupKeyspace = `"${jsonData.rollupKeyspace}" is not a keyspace name: use up to 48 letters, digits and underscores, or leave it empty for ${SETTINGS_DEFAULTS.rollupKeyspace}`;
  }
  for (const key of NUMBER_KEYS) {
    const v = jsonData[key];
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) {
      errors[key] = 'Must be a whole number above 0';
    }
  }
  return errors;
}

/** Splits pasted lists ("a, b c") into single hosts and drops duplicates. */
export function normalizeHosts(tags: string[]): string[] {
  const out: string[] = [];
  for (const part of tags.flatMap((t) => t.split(/[\s,;]+/))) {
    const host = part.trim();
    if (host && !out.includes(host)) {
      out.push(host);
    }
  }
  return out;
}

function parseNumber(text: string): number | undefined {
  if (text.trim() === '') {
    return undefined;
  }
  const n = Number(text);
  return Number.isNaN(n) ? undefined : n;
}

// The timeouts, limits and cache sizes share one layout: a short input with the default as placeholder.
const LIMIT_FIELDS: Array<
  | { key: DurationKey; kind: 'duration'; label: string; description: string; note?: string }
  | { key: NumberKey; kind: 'number'; label: string; description: string; note?: string }
  | { key: 'rollupKeyspace'; kind: 'text'; label: string; description: string; note?: string }
> = [
  {
    key: 'connectTimeout',
    kind: 'duration',
    label: 'Connect timeout',
    description: 'Time allowed to connect to a node',
  },
  {
    key: 'queryTimeout',
    kind: 'duration',
    label: 'Query timeout',
    description: 'Time allowed for each request to Cassandra',
  },
  { key: 'pageSize', kind: 'number', label: 'Page size', description: 'Rows fetched per page while streaming results' },
  {
    key: 'maxRows',
    kind: 'number',
    label: 'Max rows',
    description: 'Most rows a table or raw query returns',
    note: '; binned queries are not limited by it',
  },
  {
    key: 'maxConcurrency',
    kind: 'number',
    label: 'Max concurrency',
    description: 'Partitions read in parallel per query',
  },
  {
    key: 'maxQueryMemoryMiB',
    kind: 'number',
    label: 'Query memory (MiB)',
    description: 'Memory one binned query may hold in bins and results (series x bins x aggregations)',
    note: '; a query over it is refused with what to reduce',
  },
  {
    key: 'maxProcessMemoryMiB',
    kind: 'number',
    label: 'Process memory (MiB)',
    description:
      'Memory every binned query of the plugin process may hold at once, all requests and data sources together',
    note: '; a query that would pass it waits up to 10 s for others to finish, then fails',
  },
  {
    key: 'maxBucketStatements',
    kind: 'number',
    label: 'Max bucket statements',
    description: 'Statements a builder query over a time-bucketed table may run',
  },
  {
    key: 'maxPartitions',
    kind: 'number',
    label: 'Max partitions',
    description: 'Partitions one builder query may name with its partition key filters (the product of their values)',
    note: `; more is refused with the count. One statement names at most ${LIMITS.maxStatementPartitions}`,
  },
  {
    key: 'binCacheMiB',
    kind: 'number',
    label: 'Bin cache (MiB)',
    description: 'Memory of the cache of closed bins that lets a refresh read only newer rows',
  },
  {
    key: 'lateDataWindow',
    kind: 'duration',
    label: 'Late data window',
    description: 'How long after their time rows may still arrive',
    note: '; younger bins are read again on every refresh',
  },
  {
    key: 'rollupKeyspace',
    kind: 'text',
    label: 'Rollup keyspace',
    description:
      "Keyspace where metrics-server's rollup writer keeps pre-aggregated bins; long ranges read them where they exist instead of every raw row",
  },
];

// Settings that turn a default behaviour off: stored only when on, so a cleared switch leaves no key.
const SWITCH_FIELDS: Array<{
  key: 'disableBinCache' | 'disableWideSplit' | 'disableRollups';
  label: string;
  description: string;
}> = [
  {
    key: 'disableBinCache',
    label: 'Turn off the bin cache',
    description: "Read every binned query's whole time range on every refresh",
  },
  {
    key: 'disableWideSplit',
    label: 'Read partitions in one piece',
    description:
      'Read each partition of a binned query with one statement. By default a long range over few partitions is read as bin-aligned pieces in parallel (same answer, faster)',
  },
  {
    key: 'disableRollups',
    label: 'Disable rollups',
    description: "Always read raw rows, even where rollups hold a query's range",
  },
];

export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields, secureJsonData } = options;
  const tls = jsonData.tls ?? {};
  const errors = validateSettings(jsonData);
  const ids = {
    hosts: useId(),
    port: useId(),
    keyspace: useId(),
    allowedKeyspaces: useId(),
    localDc: useId(),
    consistency: useId(),
    username: useId(),
    password: useId(),
    connectTimeout: useId(),
    queryTimeout: useId(),
    pageSize: useId(),
    maxRows: useId(),
    maxConcurrency: useId(),
    maxQueryMemoryMiB: useId(),
    maxProcessMemoryMiB: useId(),
    maxBucketStatements: useId(),
    maxPartitions: useId(),
    binCacheMiB: useId(),
    lateDataWindow: useId(),
    rollupKeyspace: useId(),
    disableBinCache: useId(),
    disableWideSplit: useId(),
    disableRollups: useId(),
    tlsEnabled: useId(),
    skipVerify: useId(),
    serverName: useId(),
    caCert: useId(),
    clientCert: useId(),
    clientKey: useId(),
  };

  const setJson = (patch: Partial<CassandraOptions>) =>
    onOptionsChange({ ...options, jsonData: { ...jsonData, ...patch } });
  const setTls = (patch: Partial<TlsOptions>) => setJson({ tls: { ...tls, ...patch } });
  const setText =
    (key: 'keyspace' | 'username' | 'localDatacenter' | 'rollupKeyspace' | DurationKey) =>
    (e: ChangeEvent<HTMLInputElement>) =>
      setJson({ [key]: e.currentTarget.value.trim() === '' ? undefined : e.currentTarget.value.trim() });
  const setNumber = (key: 'port' | NumberKey) => (e: ChangeEvent<HTMLInputElement>) =>
    setJson({ [key]: parseNumber(e.currentTarget.value) });

  // Secrets go to secureJsonData only; Grafana never sends them back, it just says they are set.
  const setSecret = (key: keyof CassandraSecureJsonData, value: string) =>
    onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, [key]: value } });
  const resetSecret = (key: keyof CassandraSecureJsonData) =>
    onOptionsChange({
      ...options,
      secureJsonFields: { ...secureJsonFields, [key]: false },
      secureJsonData: { ...secureJsonData, [key]: '' },
    });

  return (
    <Stack direction="column" gap={2}>
      <DataSourceDescription dataSourceName="Cassandra Metrics" docsLink={DOCS_URL} hasRequiredFields />
      <Divider spacing={1} />
      <ConfigSection
        title="Connection"
        description="The Cassandra nodes to reach, and how every query reads from them."
      >
        <Field
          required
          label="Hosts"
          description="Contact points: host names or IP addresses, optionally host:port. Press Enter after each, or paste a comma-separated list."
          invalid={Boolean(errors.hosts)}
          error={errors.hosts}
          htmlFor={ids.hosts}
        >
          <HostsInput
            id={ids.hosts}
            placeholder="cassandra-1.example.com"
            hosts={jsonData.hosts ?? []}
            invalid={Boolean(errors.hosts)}
            onChange={(tags) => setJson({ hosts: normalizeHosts(tags) })}
          />
        </Field>
        <Field
          label="Port"
          description={`CQL native protocol port used for hosts given without one (default ${SETTINGS_DEFAULTS.port})`}
          invalid={Boolean(errors.port)}
          error={errors.port}
          htmlFor={ids.port}
        >
          <Input
            id={ids.port}
            type="number"
            width={16}
            placeholder={String(SETTINGS_DEFAULTS.port)}
            value={jsonData.port ?? ''}
            onChange={setNumber('port')}
          />
        </Field>
        <Field
          label="Default keyspace"
          description="Keyspace used by queries that name none, and the builder's first choice"
          htmlFor={ids.keyspace}
        >
          <Input
            id={ids.keyspace}
            width={40}
            placeholder="metric_data"
            value={jsonData.keyspace ?? ''}
            onChange={setText('keyspace')}
          />
        </Field>
        <Field
          label="Allowed keyspaces"
          description="The only keyspaces queries, variables and the editor may read. Empty allows every keyspace but Cassandra's system keyspaces (system, system_auth, system_views, ...), which are never read."
          invalid={Boolean(errors.allowedKeyspaces)}
          error={errors.allowedKeyspaces}
          htmlFor={ids.allowedKeyspaces}
        >
          <HostsInput
            id={ids.allowedKeyspaces}
            placeholder="metric_data"
            listLabel="Allowed keyspaces"
            hosts={jsonData.allowedKeyspaces ?? []}
            invalid={Boolean(errors.allowedKeyspaces)}
            onChange={(tags) => {
              const list = normalizeHosts(tags);
              setJson({ allowedKeyspaces: list.length > 0 ? list : undefined });
            }}
          />
        </Field>
        <Field
          label="Local data center"
          description="Queries go to nodes of this data center first (token-aware, DC-aware routing). Empty uses all nodes."
          htmlFor={ids.localDc}
        >
          <Input
            id={ids.localDc}
            width={40}
            placeholder="datacenter1"
            value={jsonData.localDatacenter ?? ''}
            onChange={setText('localDatacenter')}
          />
        </Field>
        <Field label="Consistency" description="Consistency level of every read" htmlFor={ids.consistency}>
          <Combobox
            id={ids.consistency}
            width={24}
            options={CONSISTENCY_OPTIONS}
            value={jsonData.consistency ?? SETTINGS_DEFAULTS.consistency}
            onChange={(o) => setJson({ consistency: o.value })}
          />
        </Field>
      </ConfigSection>

      <Divider spacing={1} />
      <ConfigSection
        title="Authentication"
        description="For Cassandra's password authentication (PasswordAuthenticator). Leave both empty when it is off."
      >
        <Field
          label="Username"
          description="For password authentication; leave empty if it is off"
          htmlFor={ids.username}
        >
          <Input
            id={ids.username}
            width={40}
            autoComplete="off"
            value={jsonData.username ?? ''}
            onChange={setText('username')}
          />
        </Field>
        <Field label="Password" htmlFor={ids.password}>
          <SecretInput
            id={ids.password}
            width={40}
            autoComplete="new-password"
            isConfigured={Boolean(secureJsonFields?.password)}
            value={secureJsonData?.password ?? ''}
            onChange={(e) => setSecret('password', e.currentTarget.value)}
            onReset={() => resetSecret('password')}
          />
        </Field>
      </ConfigSection>

      <Divider spacing={1} />
      <ConfigSection
        title="TLS"
        description="Encrypted connections to nodes with client_encryption_options enabled, optionally with a client certificate."
      >
        <Field
          label="Use TLS"
          description="Encrypt connections to Cassandra (client_encryption_options)"
          htmlFor={ids.tlsEnabled}
        >
          <Switch
            id={ids.tlsEnabled}
            value={Boolean(tls.enabled)}
            onChange={(e) => setTls({ enabled: e.currentTarget.checked })}
          />
        </Field>
        {tls.enabled && (
          <>
            <Field
              label="Skip certificate verification"
              description="Accept any server certificate. Only for testing."
              htmlFor={ids.skipVerify}
            >
              <Switch
                id={ids.skipVerify}
                value={Boolean(tls.skipVerify)}
                onChange={(e) => setTls({ skipVerify: e.currentTarget.checked })}
              />
            </Field>
            {tls.skipVerify && (
              <Alert severity="warning" title="Certificate verification is off">
                Grafana will not check who it is talking to, so anyone between Grafana and Cassandra can read or change
                the data, including the password. Provide a CA certificate instead.
              </Alert>
            )}
            <Field
              label="Server name"
              description="Name expected in the server certificate, when it differs from the host name"
              htmlFor={ids.serverName}
            >
              <Input
                id={ids.serverName}
                width={40}
                value={tls.serverName ?? ''}
                onChange={(e) => setTls({ serverName: e.currentTarget.value.trim() || undefined })}
              />
            </Field>
            <Field
              label="CA certificate"
              description="PEM certificate(s) of the authority that signed the nodes' certificates. Empty uses the system's."
              htmlFor={ids.caCert}
            >
              <TextArea
                id={ids.caCert}
                rows={4}
                placeholder="-----BEGIN CERTIFICATE-----"
                value={tls.caCert ?? ''}
                onChange={(e) => setTls({ caCert: e.currentTarget.value || undefined })}
              />
            </Field>
            <Field
              label="Client certificate"
              description="PEM certificate for client authentication (require_client_auth)"
              htmlFor={ids.clientCert}
            >
              <TextArea
                id={ids.clientCert}
                rows={4}
                placeholder="-----BEGIN CERTIFICATE-----"
                value={tls.clientCert ?? ''}
                onChange={(e) => setTls({ clientCert: e.currentTarget.value || undefined })}
              />
            </Field>
            <Field
              label="Client key"
              description="PEM private key of the client certificate; stored encrypted"
              htmlFor={ids.clientKey}
            >
              <SecretTextArea
                id={ids.clientKey}
                rows={4}
                placeholder="-----BEGIN PRIVATE KEY-----"
                isConfigured={Boolean(secureJsonFields?.tlsClientKey)}
                value={secureJsonData?.tlsClientKey ?? ''}
                onChange={(e) => setSecret('tlsClientKey', e.currentTarget.value)}
                onReset={() => resetSecret('tlsClientKey')}
              />
            </Field>
          </>
        )}
      </ConfigSection>

      <Divider spacing={1} />
      <ConfigSection
        title="Additional settings"
        description="Timeouts, limits, the bin cache and rollups. Empty fields take the defaults shown."
        isCollapsible
        isInitiallyOpen
      >
        {LIMIT_FIELDS.map((f) => (
          <Field
            key={f.key}
            label={f.label}
            description={`${f.description} (default ${SETTINGS_DEFAULTS[f.key]})${f.note ?? ''}`}
            invalid={Boolean(errors[f.key])}
            error={errors[f.key]}
            htmlFor={ids[f.key]}
          >
            <Input
              id={ids[f.key]}
              type={f.kind === 'number' ? 'number' : undefined}
              width={f.kind === 'text' ? 24 : 16}
              placeholder={String(SETTINGS_DEFAULTS[f.key])}
              value={jsonData[f.key] ?? ''}
              onChange={f.kind === 'number' ? setNumber(f.key) : setText(f.key)}
            />
          </Field>
        ))}
        {SWITCH_FIELDS.map((f) => (
          <Field key={f.key} label={f.label} description={f.description} htmlFor={ids[f.key]}>
            <Switch
              id={ids[f.key]}
              value={Boolean(jsonData[f.key])}
              onChange={(e) => setJson({ [f.key]: e.currentTarget.checked || undefined })}
            />
          </Field>
        ))}
        {/* Private data source connect: only when Grafana runs the secure socks proxy. */}
        {config.secureSocksDSProxyEnabled && (
          <SecureSocksProxySettings options={options} onOptionsChange={onOptionsChange} />
        )}
      </ConfigSection>
    </Stack>
  );
}
