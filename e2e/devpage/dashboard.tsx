/**
 * Dashboard page for the browser check: loads a provisioned dashboard's saved JSON and runs it the
 * way Grafana's dashboards do, on @grafana/scenes (the library Grafana's dashboards are built on):
 * query variables resolved in dependency order through the data source's variable support,
 * panels' targets run by SceneQueryRunner through DataSourceWithBackend.query (which calls
 * filterQuery and applyTemplateVariables), annotations through scenes' annotation layer, and
 * every reference interpolated by scenes' own interpolator. Requests go to metrics-server, which
 * runs the plugin's handlers against Cassandra. The only stand-ins are Grafana core's services
 * that no package publishes: the data source registry and runRequest (a thin adapter around
 * DataSourceApi.query).
 *
 * Panels are drawn with uPlot (time series), a table and a big number (stat); what each panel
 * received is exposed as window.dashboardCheck for the check to assert on.
 */
import React, { useEffect, useLayoutEffect, useRef } from 'react';
import { createRoot } from 'react-dom/client';
import { catchError, from, map, Observable, of } from 'rxjs';
import { css } from '@emotion/css';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import {
  AnnotationQuery,
  createTheme,
  DataFrame,
  DataQueryRequest,
  DataQueryResponse,
  DataSourceApi,
  DataSourceInstanceSettings,
  DataSourcePluginMeta,
  FieldType,
  GrafanaTheme2,
  LoadingState,
  PanelData,
  ScopedVars,
  ThemeContext,
} from '@grafana/data';
import { DataSourceRef } from '@grafana/schema';
import { initPluginTranslations } from '@grafana/i18n';
import {
  DataSourceSrv,
  setBackendSrv,
  setDataSourceSrv,
  setRunRequest,
  setTemplateSrv,
  TemplateSrv,
  toDataQueryError,
} from '@grafana/runtime';
import { initializeLoggersRegistry } from '@grafana/runtime/unstable';
import {
  AdHocFiltersVariable,
  AdHocFilterWithLabels,
  ConstantVariable,
  CustomVariable,
  dataLayers,
  EmbeddedScene,
  QueryVariable,
  SceneComponentProps,
  SceneDataLayerSet,
  SceneFlexItem,
  SceneFlexLayout,
  sceneGraph,
  SceneObject,
  SceneObjectBase,
  SceneObjectState,
  SceneQueryRunner,
  SceneTimeRange,
  SceneVariable,
  SceneVariableSet,
  TextBoxVariable,
  VariableValueSelectors,
} from '@grafana/scenes';
import { GlobalStyles, useStyles2 } from '@grafana/ui';

import { DataSource } from '../../src/datasource';
import pluginJson from '../../src/plugin.json';
import { CassandraOptions } from '../../src/types';
import { devBackendSrv, RecordedRequest, requests } from './backendSrv';

const meta = { ...pluginJson, module: '', baseUrl: '' } as unknown as DataSourcePluginMeta<CassandraOptions>;

// ---------------------------------------------------------------------------------------------
// Grafana core's services, reduced to what a dashboard uses.

let inFlight = 0;

/** Grafana's runRequest, reduced: one call of the query function, its response as PanelData. */
function runRequest(
  ds: DataSourceApi,
  request: DataQueryRequest,
  queryFunction?: (req: DataQueryRequest) => Observable<DataQueryResponse> | Promise<DataQueryResponse>
): Observable<PanelData> {
  inFlight++;
  const call = queryFunction ?? ((req: DataQueryRequest) => ds.query(req));
  let done = false;
  const finish = () => {
    if (!done) {
      done = true;
      inFlight--;
    }
  };
  return new Observable<PanelData>((subscriber) => {
    const sub = from(call(request) as Observable<DataQueryResponse>)
      .pipe(
        map((rsp): PanelData => ({
          state: rsp.state ?? (rsp.errors?.length ? LoadingState.Error : LoadingState.Done),
          series: rsp.data,
          errors: rsp.errors,
          timeRange: request.range,
          request,
        })),
        catchError((err) =>
          of<PanelData>({
            state: LoadingState.Error,
            series: [],
            errors: [toDataQueryError(err)],
            timeRange: request.range,
            request,
          })
        )
      )
      .subscribe({
        next: (v) => subscriber.next(v),
        error: (e) => {
          finish();
          subscriber.error(e);
        },
        complete: () => {
          finish();
          subscriber.complete();
        },
      });
    return () => {
      finish();
      sub.unsubscribe();
    };
  });
}

function dataSourceSrv(ds: DataSource, settings: DataSourceInstanceSettings<CassandraOptions>): DataSourceSrv {
  const matches = (ref?: DataSourceRef | string | null) =>
    !ref || (typeof ref === 'string' ? ref === settings.uid || ref === settings.name : ref.uid === settings.uid);
  return {
    get: async (ref) => {
      if (!matches(ref as DataSourceRef)) {
        throw new Error(`dashboard page: unknown data source ${JSON.stringify(ref)}`);
      }
      return ds as unknown as DataSourceApi;
    },
    getList: () => [settings],
    getInstanceSettings: (ref) => (matches(ref as DataSourceRef) ? settings : undefined),
    reload: async () => {},
    registerRuntimeDataSource: () => {},
  };
}

/**
 * Grafana's template service on a dashboard: when a scene is active, templateSrv.replace is
 * sceneGraph.interpolate on it.
 */
function sceneTemplateSrv(scene: () => SceneObject): TemplateSrv {
  return {
    getVariables: () => [],
    replace: (target?: string, scopedVars?: ScopedVars, format?: string | Function) =>
      sceneGraph.interpolate(scene(), target, scopedVars, format as Parameters<typeof sceneGraph.interpolate>[3]),
    containsTemplate: (target?: string) => Boolean(target && /\$|\[\[/.test(target)),
    updateTimeRange: () => {},
  };
}

// ---------------------------------------------------------------------------------------------
// The saved dashboard JSON, as Grafana stores it.

interface SavedVariable {
  name: string;
  type: string;
  datasource?: DataSourceRef;
  query?: unknown;
  refresh?: number;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
  regex?: string;
  sort?: number;
  definition?: string;
  current?: { value?: string | string[]; text?: string | string[] };
  /** Ad hoc filters as saved. */
  filters?: AdHocFilterWithLabels[];
  baseFilters?: AdHocFilterWithLabels[];
}

interface SavedPanel {
  id: number;
  type: string;
  title: string;
  datasource?: DataSourceRef;
  targets?: Array<Record<string, unknown> & { refId: string }>;
  maxDataPoints?: number;
  gridPos?: { w: number; h: number };
}

interface SavedDashboard {
  uid: string;
  title: string;
  time?: { from: string; to: string };
  templating?: { list: SavedVariable[] };
  annotations?: { list: Array<AnnotationQuery & { builtIn?: number }> };
  panels: SavedPanel[];
}

/** The panels that query, with Grafana's ids (assigned in order where the JSON has none). */
function panelsOf(dash: SavedDashboard): SavedPanel[] {
  return dash.panels.map((p, i) => ({ ...p, id: p.id ?? i + 1 })).filter((p) => p.targets?.length);
}

function toVariable(v: SavedVariable): SceneVariable {
  const current = v.current?.value;
  const common = {
    name: v.name,
    ...(current !== undefined && current !== '' ? { value: current, text: v.current?.text ?? current } : {}),
  };
  switch (v.type) {
    case 'query':
      return new QueryVariable({
        ...common,
        datasource: v.datasource ?? null,
        // As stored: a string, {query} or {rawCql}.
        query: v.query as QueryVariable['state']['query'],
        refresh: (v.refresh ?? 1) as QueryVariable['state']['refresh'],
        isMulti: Boolean(v.multi),
        includeAll: Boolean(v.includeAll),
        allValue: v.allValue || undefined,
        regex: v.regex ?? '',
        sort: (v.sort ?? 0) as QueryVariable['state']['sort'],
        definition: v.definition,
      });
    case 'custom':
      return new CustomVariable({
        ...common,
        query: String(v.query ?? ''),
        isMulti: Boolean(v.multi),
        includeAll: Boolean(v.includeAll),
      });
    case 'constant':
      return new ConstantVariable({ name: v.name, value: String(v.query ?? '') });
    case 'textbox':
      return new TextBoxVariable({ name: v.name, value: String(v.query ?? '') });
    case 'adhoc':
      // As Grafana's dashboards make it: applied by scenes to every query of its data source
      // (request.filters), and asking for keys with the panels' queries.
      return new AdHocFiltersVariable({
        name: v.name,
        datasource: v.datasource ?? null,
        filters: v.filters ?? [],
        baseFilters: v.baseFilters ?? [],
        applyMode: 'auto',
        useQueriesAsFilterForOptions: true,
        supportsMultiValueOperators: Boolean(
          (meta as { multiValueFilterOperators?: boolean }).multiValueFilterOperators
        ),
      });
    default:
      throw new Error(`dashboard page: variable type ${v.type} is not supported here`);
  }
}

// ---------------------------------------------------------------------------------------------
// What each panel received, for the check.

interface FieldSummary {
  name: string;
  type: string;
  nonNull: number;
  sum: number;
  labels?: Record<string, string>;
}
interface PanelSummary {
  id: number;
  title: string;
  type: string;
  state?: string;
  runs: number;
  /** The requestId of the run whose data the panel shows (scenes' DataQueryRequest.requestId). */
  requestId?: string;
  errors: string[];
  frames: Array<{ name?: string; length: number; fields: FieldSummary[] }>;
  annotations: number;
}

/** A panel's query runner's requestId prefix, so that each request sent names its panel. */
const requestIdPrefix = (panelId: number) => `P${panelId}-`;

/** The requestId DataSourceWithBackend.query appended to the URL it asked for. */
function requestIdOf(r: RecordedRequest): string | null {
  return new URLSearchParams(r.grafanaUrl.split('?')[1] ?? '').get('requestId');
}

const panels: Record<number, PanelSummary> = {};

function summarize(frames: DataFrame[] = []): PanelSummary['frames'] {
  return frames.map((f) => ({
    name: f.name,
    length: f.length,
    fields: f.fields.map((field) => {
      const values = Array.from(field.values as ArrayLike<unknown>);
      const nonNull = values.filter((v) => v !== null && v !== undefined);
      return {
        name: field.name,
        type: field.type,
        nonNull: nonNull.length,
        sum: field.type === FieldType.number ? nonNull.reduce<number>((s, v) => s + Number(v), 0) : 0,
        labels: field.labels,
      };
    }),
  }));
}

function annotationCount(data: PanelData): number {
  return (data.annotations ?? []).reduce((n, f) => n + f.length, 0);
}

// ---------------------------------------------------------------------------------------------
// Panels, drawn from their data.

interface CheckPanelState extends SceneObjectState {
  panelId: number;
  title: string;
  panelType: string;
}

class CheckPanel extends SceneObjectBase<CheckPanelState> {
  static Component = CheckPanelRenderer;
}

function CheckPanelRenderer({ model }: SceneComponentProps<CheckPanel>) {
  const styles = useStyles2(getStyles);
  const { title, panelType, panelId } = model.useState();
  const provider = sceneGraph.getData(model);
  const { data } = provider.useState();
  const errors = data?.errors?.map((e) => e.message ?? String(e)) ?? [];
  const box = useRef<HTMLDivElement>(null);
  // As Grafana's panels do: the query runner sizes maxDataPoints from the panel's width, and runs
  // only once it knows it.
  useLayoutEffect(() => {
    provider.setContainerWidth?.(Math.round(box.current?.clientWidth || 600));
  }, [provider]);
  return (
    <div className={styles.panel} data-testid={`panel-${panelId}`} ref={box}>
      <div className={styles.title}>
        {title} <span className={styles.kind}>{panelType}</span>
        {data?.state === LoadingState.Loading && <span className={styles.kind}> loading…</span>}
      </div>
      {errors.length > 0 && <div className={styles.error}>{errors.join('; ')}</div>}
      {data && panelType === 'timeseries' && <TimeSeriesView data={data} />}
      {data && panelType === 'stat' && <StatView frames={data.series} />}
      {data && panelType === 'table' && <TableView frames={data.series} />}
    </div>
  );
}

function displayName(frame: DataFrame, index: number): string {
  const f = frame.fields[index];
  return f.config?.displayNameFromDS ?? f.config?.displayName ?? frame.name ?? f.name;
}

const COLORS = ['#73bf69', '#f2cc0c', '#8ab8ff', '#ff780a', '#f2495c', '#5794f2', '#b877d9', '#fade2a'];

function TimeSeriesView({ data }: { data: PanelData }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) {
      return;
    }
    // One x axis: the union of every frame's times; each number field a line.
    const times = new Set<number>();
    const lines: Array<{ label: string; points: Map<number, number | null> }> = [];
    for (const frame of data.series) {
      const time = frame.fields.find((f) => f.type === FieldType.time);
      if (!time) {
        continue;
      }
      frame.fields.forEach((field, i) => {
        if (field.type !== FieldType.number) {
          return;
        }
        const points = new Map<number, number | null>();
        for (let r = 0; r < frame.length; r++) {
          const t = Number(time.values[r]);
          times.add(t);
          points.set(t, field.values[r] ?? null);
        }
        lines.push({ label: displayName(frame, i), points });
      });
    }
    const xs = [...times].sort((a, b) => a - b);
    const annotations = (data.annotations ?? []).flatMap((f) => {
      const time = f.fields.find((x) => x.name === 'time');
      return time ? Array.from(time.values as ArrayLike<number>) : [];
    });
    const plot = new uPlot(
      {
        width: el.clientWidth || 600,
        height: 220,
        series: [{}, ...lines.map((l, i) => ({ label: l.label, stroke: COLORS[i % COLORS.length], spanGaps: false }))],
        axes: [
          { stroke: '#ccccdc', grid: { stroke: '#2f3037' } },
          { stroke: '#ccccdc', grid: { stroke: '#2f3037' }, size: 70 },
        ],
        legend: { show: true },
        hooks: {
          draw: [
            (u) => {
              // Annotation events as vertical markers.
              const ctx = u.ctx;
              ctx.save();
              ctx.strokeStyle = '#ff5286';
              ctx.lineWidth = 1;
              for (const t of annotations) {
                const x = u.valToPos(t / 1000, 'x', true);
                ctx.beginPath();
                ctx.moveTo(x, u.bbox.top);
                ctx.lineTo(x, u.bbox.top + u.bbox.height);
                ctx.stroke();
              }
              ctx.restore();
            },
          ],
        },
      },
      [xs.map((t) => t / 1000), ...lines.map((l) => xs.map((t) => l.points.get(t) ?? null))] as uPlot.AlignedData,
      el
    );
    return () => plot.destroy();
  }, [data]);
  return <div ref={ref} />;
}

function StatView({ frames }: { frames: DataFrame[] }) {
  const styles = useStyles2(getStyles);
  const stats: Array<{ label: string; value: number }> = [];
  for (const frame of frames) {
    frame.fields.forEach((field, i) => {
      if (field.type !== FieldType.number || frame.length === 0) {
        return;
      }
      const value = field.values[frame.length - 1];
      if (value !== null && value !== undefined) {
        stats.push({ label: displayName(frame, i), value: Number(value) });
      }
    });
  }
  return (
    <div className={styles.stats}>
      {stats.map((s) => (
        <div key={s.label} className={styles.stat}>
          <div className={styles.statValue}>{s.value.toFixed(1)}</div>
          <div className={styles.kind}>{s.label}</div>
        </div>
      ))}
    </div>
  );
}

function TableView({ frames }: { frames: DataFrame[] }) {
  const styles = useStyles2(getStyles);
  const frame = frames[0];
  if (!frame) {
    return null;
  }
  const rows = Math.min(frame.length, 8);
  const cell = (v: unknown, type: string) =>
    v === null || v === undefined
      ? ''
      : type === FieldType.time
        ? new Date(Number(v)).toISOString()
        : typeof v === 'number'
          ? String(Math.round(v * 100) / 100)
          : String(v);
  return (
    <table className={styles.table}>
      <thead>
        <tr>
          {frame.fields.map((f) => (
            <th key={f.name}>{f.name}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {Array.from({ length: rows }, (_, r) => (
          <tr key={r}>
            {frame.fields.map((f) => (
              <td key={f.name}>{cell(f.values[r], f.type)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ padding: theme.spacing(2, 3), width: 1400 }),
  panel: css({
    padding: theme.spacing(1),
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    height: '100%',
    width: '100%',
    overflow: 'hidden',
  }),
  title: css({ fontWeight: theme.typography.fontWeightMedium, marginBottom: theme.spacing(1) }),
  kind: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  error: css({ color: theme.colors.error.text }),
  stats: css({ display: 'flex', gap: theme.spacing(3), flexWrap: 'wrap' }),
  stat: css({ minWidth: 160 }),
  statValue: css({ fontSize: 36, color: theme.colors.success.text }),
  table: css({
    width: '100%',
    fontSize: theme.typography.bodySmall.fontSize,
    td: { padding: theme.spacing(0.25, 1), borderTop: `1px solid ${theme.colors.border.weak}` },
    th: { textAlign: 'left', padding: theme.spacing(0.25, 1) },
  }),
});

// ---------------------------------------------------------------------------------------------
// The scene.

function buildScene(dash: SavedDashboard) {
  const variables = (dash.templating?.list ?? []).map(toVariable);
  const layers = (dash.annotations?.list ?? [])
    .filter((a) => !a.builtIn && a.enable !== false)
    .map((a) => new dataLayers.AnnotationsDataLayer({ name: a.name, query: a, isEnabled: true }));
  const rows: SceneFlexLayout[] = [];
  let row: SceneFlexItem[] = [];
  let width = 0;
  for (const p of panelsOf(dash)) {
    panels[p.id] = { id: p.id, title: p.title, type: p.type, runs: 0, errors: [], frames: [], annotations: 0 };
    const runner = new SceneQueryRunner({
      datasource: p.datasource,
      queries: p.targets ?? [],
      maxDataPoints: p.maxDataPoints,
      maxDataPointsFromWidth: true,
      requestIdPrefix: requestIdPrefix(p.id),
    });
    runner.subscribeToState((state, prev) => {
      const d = state.data;
      if (!d || d === prev.data) {
        return;
      }
      const summary = panels[p.id];
      if (d.state === LoadingState.Done || d.state === LoadingState.Error) {
        summary.runs++;
      }
      summary.state = d.state;
      summary.requestId = d.request?.requestId;
      summary.errors = (d.errors ?? []).map((e) => e.message ?? String(e));
      summary.frames = summarize(d.series);
      summary.annotations = annotationCount(d);
    });
    const w = p.gridPos?.w ?? 24;
    const item = new SceneFlexItem({
      width: `${(100 * w) / 24}%`,
      minHeight: (p.gridPos?.h ?? 8) * 36,
      body: new CheckPanel({ panelId: p.id, title: p.title, panelType: p.type, $data: runner }),
    });
    if (width + w > 24 && row.length) {
      rows.push(new SceneFlexLayout({ direction: 'row', children: row }));
      row = [];
      width = 0;
    }
    row.push(item);
    width += w;
  }
  if (row.length) {
    rows.push(new SceneFlexLayout({ direction: 'row', children: row }));
  }
  return {
    scene: new EmbeddedScene({
      $timeRange: new SceneTimeRange({ from: dash.time?.from ?? 'now-6h', to: dash.time?.to ?? 'now' }),
      $variables: new SceneVariableSet({ variables }),
      $data: new SceneDataLayerSet({ layers }),
      controls: [new VariableValueSelectors({})],
      body: new SceneFlexLayout({
        direction: 'column',
        children: rows.map((r) => new SceneFlexItem({ body: r })),
      }),
    }),
    variables,
    layers,
  };
}

/** Rewrites every query variable's saved query into one shape, to run the same dashboard in each. */
function withVariableShape(dash: SavedDashboard, shape: string | null): SavedDashboard {
  if (!shape) {
    return dash;
  }
  const cql = (q: unknown) =>
    typeof q === 'string'
      ? q
      : ((q as { rawCql?: string; query?: string })?.rawCql ?? (q as { query?: string })?.query);
  const list = (dash.templating?.list ?? []).map((v) => {
    if (v.type !== 'query') {
      return v;
    }
    const text = cql(v.query) ?? '';
    const query = shape === 'string' ? text : shape === 'query' ? { query: text } : { refId: 'A', rawCql: text };
    return { ...v, query };
  });
  return { ...dash, templating: { list } };
}

function DashboardPage({ scene, title }: { scene: EmbeddedScene; title: string }) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.page}>
      <h2>{title}</h2>
      <scene.Component model={scene} />
    </div>
  );
}

async function main() {
  const params = new URLSearchParams(window.location.search);
  const file = params.get('file');
  if (!file) {
    throw new Error('dashboard page: ?file=<dashboard json> is required');
  }
  const saved = (await (await fetch(`/provisioning/dashboards/${encodeURIComponent(file)}`)).json()) as SavedDashboard;
  const dash = withVariableShape(saved, params.get('shape'));

  const dsRef = dash.panels.find((p) => p.datasource?.uid)?.datasource;
  const settings: DataSourceInstanceSettings<CassandraOptions> = {
    // Deprecated, but still required by the type.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    id: 1,
    uid: dsRef?.uid ?? 'cassandra-metrics',
    type: meta.id,
    name: 'Cassandra Metrics',
    access: 'proxy',
    readOnly: false,
    // As provisioning/datasources/datasources.yml sets it.
    jsonData: { hosts: ['127.0.0.1'], keyspace: 'metric_data' },
    meta,
  };
  const ds = new DataSource(settings);

  // Grafana 13 boots its loggers first: scenes reach the data source through @grafana/runtime's
  // getDataSourceInstance, which logs (through those loggers) when it falls back to the
  // DataSourceSrv below, as it does here without Grafana's own data source cache.
  initializeLoggersRegistry();
  setBackendSrv(devBackendSrv);
  setRunRequest(runRequest);
  setDataSourceSrv(dataSourceSrv(ds, settings));
  const { scene, variables, layers } = buildScene(dash);
  setTemplateSrv(sceneTemplateSrv(() => scene));
  await initPluginTranslations(meta.id);

  const state = () => ({
    uid: dash.uid,
    title: dash.title,
    inFlight,
    variables: variables.map((v) => {
      const s = v.state as SceneVariable['state'] & { options?: Array<{ value: unknown }>; loading?: boolean };
      return {
        name: v.state.name,
        loading: Boolean(s.loading),
        error: s.error ? String(s.error) : undefined,
        options: (s.options ?? []).map((o) => String(o.value)),
        value: v.getValue(),
      };
    }),
    // Each panel with the sequence number (index among the requests the page sent) of the request
    // whose answer it shows, of the last request it sent, and the queries that request sent: a
    // check waits for the panels it looks at to show the answer to a query sent after its change.
    requestCount: requests.length,
    panels: Object.values(panels).map((p) => {
      const dataSeq = p.requestId ? requests.findIndex((r) => requestIdOf(r) === p.requestId) : -1;
      let lastSentSeq = -1;
      requests.forEach((r, i) => {
        if (requestIdOf(r)?.startsWith(requestIdPrefix(p.id))) {
          lastSentSeq = i;
        }
      });
      const queries = dataSeq >= 0 ? ((requests[dataSeq].body as { queries?: unknown[] })?.queries ?? []) : [];
      return { ...p, dataSeq, lastSentSeq, queries };
    }),
    annotationLayers: layers.map((l) => ({ name: l.state.name, state: l.state.data?.state })),
    // The query JSON that went to the backend, per target.
    sent: requests
      .filter((r) => r.url === '/api/query')
      .flatMap((r) => ((r.body as { queries?: unknown[] })?.queries ?? []) as unknown[]),
  });
  Object.assign(window, {
    dashboardCheck: {
      state,
      setVariable: (name: string, value: string | string[]) => {
        const v = variables.find((x) => x.state.name === name) as QueryVariable | undefined;
        if (!v) {
          throw new Error(`no variable ${name}`);
        }
        v.changeValueTo(value);
      },
      /** Sets an ad hoc variable's filters, as picking them in its bar does. */
      setAdHocFilters: (name: string, filters: Array<{ key: string; operator: string; value: string }>) => {
        const v = variables.find((x) => x.state.name === name);
        if (!(v instanceof AdHocFiltersVariable)) {
          throw new Error(`no ad hoc variable ${name}`);
        }
        v.updateFilters(filters);
      },
      /** The keys an ad hoc variable offers (the data source's getTagKeys, through scenes). */
      adHocKeys: async (name: string) => {
        const v = variables.find((x) => x.state.name === name);
        if (!(v instanceof AdHocFiltersVariable)) {
          throw new Error(`no ad hoc variable ${name}`);
        }
        return (await v._getKeys(null)).map((o) => String(o.value));
      },
    },
  });

  const theme = createTheme({ colors: { mode: 'dark' } });
  createRoot(document.getElementById('root')!).render(
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <DashboardPage scene={scene} title={dash.title} />
    </ThemeContext.Provider>
  );
}

main().catch((err) => {
  document.body.textContent = `dashboard page failed to start: ${err?.stack ?? err}`;
  Object.assign(window, { dashboardCheckError: String(err?.stack ?? err) });
  throw err;
});
