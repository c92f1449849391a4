/**
 * Dev page for the browser check: the plugin's ConfigEditor and QueryEditor with Grafana's theme
 * and global styles, outside Grafana. Resource calls and queries go through @grafana/runtime's
 * backend service to metrics-server (same origin, /api/resources/... and /api/query), which runs
 * the plugin's real handlers against Cassandra. The latest settings, query and query result are
 * shown as JSON for the check to read.
 */
import React, { useMemo, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { lastValueFrom } from 'rxjs';
import { css } from '@emotion/css';
import {
  CoreApp,
  createTheme,
  DataFrame,
  DataQueryResponse,
  DataSourceInstanceSettings,
  DataSourcePluginMeta,
  DataSourceSettings,
  dateTime,
  GrafanaTheme2,
  ThemeContext,
} from '@grafana/data';
import { initPluginTranslations } from '@grafana/i18n';
import { setBackendSrv, setTemplateSrv, TemplateSrv } from '@grafana/runtime';
import { GlobalStyles, useStyles2 } from '@grafana/ui';

import { ConfigEditor } from '../../src/components/ConfigEditor';
import { QueryEditor } from '../../src/components/QueryEditor';
import { DataSource } from '../../src/datasource';
import pluginJson from '../../src/plugin.json';
import { CassandraOptions, CassandraQuery, CassandraSecureJsonData } from '../../src/types';
import { devBackendSrv, requests } from './backendSrv';

const UID = 'cassandra-dev';
const meta = { ...pluginJson, module: '', baseUrl: '' } as unknown as DataSourcePluginMeta<CassandraOptions>;

// Outside a dashboard there are no variables: text passes through unchanged.
const templateSrv: TemplateSrv = {
  getVariables: () => [],
  replace: (target?: string) => target ?? '',
  containsTemplate: () => false,
  updateTimeRange: () => {},
};

type Settings = DataSourceSettings<CassandraOptions, CassandraSecureJsonData>;

/**
 * A saved data source with a password already stored (Grafana only says that it is set).
 * `database` is a deprecated field this data source does not use.
 */
const savedSettings: Omit<Settings, 'database'> = {
  id: 1,
  uid: UID,
  orgId: 1,
  name: 'Cassandra Metrics',
  type: meta.id,
  typeName: meta.name,
  typeLogoUrl: '',
  access: 'proxy',
  url: '',
  user: '',
  basicAuth: false,
  basicAuthUser: '',
  isDefault: false,
  readOnly: false,
  withCredentials: false,
  jsonData: {},
  secureJsonFields: { password: true },
  secureJsonData: {},
};
const initialSettings = savedSettings as Settings;

const instanceSettings: DataSourceInstanceSettings<CassandraOptions> = {
  // Deprecated, but still required by the type.
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  id: 1,
  uid: UID,
  type: meta.id,
  name: 'Cassandra Metrics',
  access: 'proxy',
  readOnly: false,
  jsonData: { hosts: ['127.0.0.1'] },
  meta,
};

/** What the page shows of the settings: secrets only as "set" with their length, never the text. */
function visibleSettings(options: Settings) {
  const secrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.secureJsonData ?? {})) {
    secrets[key] = value ? `<set, ${String(value).length} characters>` : '<empty>';
  }
  return { jsonData: options.jsonData, secureJsonFields: options.secureJsonFields, secureJsonData: secrets };
}

interface RunResult {
  run: number;
  query: CassandraQuery;
  state?: string;
  error?: string;
  frames?: Array<{
    name?: string;
    length: number;
    notices: string[];
    fields: Array<{ name: string; type: string; nonNull: number }>;
  }>;
}

function summarize(frames: DataFrame[]): RunResult['frames'] {
  return frames.map((f) => ({
    name: f.name,
    length: f.length,
    notices: (f.meta?.notices ?? []).map((n) => n.text),
    fields: f.fields.map((field) => ({
      name: field.name,
      type: field.type,
      nonNull: field.values.filter((v) => v !== null && v !== undefined).length,
    })),
  }));
}

function DevPage({ datasource }: { datasource: DataSource }) {
  const styles = useStyles2(getStyles);
  const [options, setOptions] = useState(initialSettings);
  const [query, setQuery] = useState<CassandraQuery>(() => ({
    refId: 'A',
    ...datasource.getDefaultQuery(CoreApp.PanelEditor),
  }));
  const latest = useRef(query);
  const runs = useRef(0);
  const [result, setResult] = useState<RunResult | undefined>();

  // As in a panel: onChange then onRunQuery, so the run uses the query onChange just gave.
  const onChange = (next: CassandraQuery) => {
    latest.current = next;
    setQuery(next);
  };
  const onRunQuery = async () => {
    const q = latest.current;
    const run = ++runs.current;
    if (!datasource.filterQuery(q)) {
      setResult({ run, query: q, state: 'skipped (not runnable yet)' });
      return;
    }
    const to = dateTime();
    const from = dateTime(to).subtract(1, 'hour');
    try {
      const rsp: DataQueryResponse = await lastValueFrom(
        datasource.query({
          requestId: `dev-${run}`,
          app: CoreApp.PanelEditor,
          targets: [q],
          range: { from, to, raw: { from: 'now-1h', to: 'now' } },
          interval: '1m',
          intervalMs: 60_000,
          maxDataPoints: 60,
          scopedVars: {},
          timezone: 'utc',
          startTime: Date.now(),
        })
      );
      if (run === runs.current) {
        setResult({
          run,
          query: q,
          state: rsp.state ?? 'Done',
          error: rsp.errors?.[0]?.message,
          frames: summarize(rsp.data),
        });
      }
    } catch (err) {
      if (run === runs.current) {
        setResult({ run, query: q, state: 'Error', error: String((err as Error)?.message ?? err) });
      }
    }
  };

  const settingsJson = useMemo(() => JSON.stringify(visibleSettings(options), null, 2), [options]);

  return (
    <div className={styles.page}>
      <h1>Cassandra Metrics: editor dev page</h1>
      <section className={styles.section} data-testid="config-section" aria-label="Data source settings">
        <h2>Data source settings</h2>
        <div className={styles.editor} data-testid="config-editor">
          <ConfigEditor options={options} onOptionsChange={setOptions} />
        </div>
        <pre className={styles.json} data-testid="options-json">
          {settingsJson}
        </pre>
      </section>
      <section className={styles.section} data-testid="query-section" aria-label="Query editor">
        <h2>Query editor</h2>
        <div className={styles.editor} data-testid="query-editor">
          <QueryEditor datasource={datasource} query={query} onChange={onChange} onRunQuery={onRunQuery} />
        </div>
        <h3>Query JSON</h3>
        <pre className={styles.json} data-testid="query-json">
          {JSON.stringify(query, null, 2)}
        </pre>
        <h3>Last run (last hour, 60 points)</h3>
        <pre className={styles.json} data-testid="query-result">
          {result ? JSON.stringify(result, null, 2) : 'not run yet'}
        </pre>
      </section>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ padding: theme.spacing(2, 3), maxWidth: 1400 }),
  section: css({ marginBottom: theme.spacing(4) }),
  editor: css({
    padding: theme.spacing(2),
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    marginBottom: theme.spacing(2),
  }),
  json: css({
    fontSize: theme.typography.bodySmall.fontSize,
    maxHeight: 320,
    overflow: 'auto',
  }),
});

async function main() {
  setBackendSrv(devBackendSrv);
  setTemplateSrv(templateSrv);
  await initPluginTranslations(meta.id);
  const mode = new URLSearchParams(window.location.search).get('theme') === 'light' ? 'light' : 'dark';
  const theme = createTheme({ colors: { mode } });
  const datasource = new DataSource(instanceSettings);
  // For the browser check: what went to metrics-server.
  Object.assign(window, { devPageRequests: requests });
  createRoot(document.getElementById('root')!).render(
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <DevPage datasource={datasource} />
    </ThemeContext.Provider>
  );
}

main().catch((err) => {
  document.body.textContent = `dev page failed to start: ${err}`;
  throw err;
});
