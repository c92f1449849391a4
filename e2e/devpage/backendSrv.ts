import { Observable, lastValueFrom } from 'rxjs';
import { BackendSrv, BackendSrvRequest, FetchError, FetchResponse } from '@grafana/runtime';

/** One request the page sent, for the browser check to inspect. */
export interface RecordedRequest {
  method: string;
  /** The URL the plugin asked for (Grafana's). */
  grafanaUrl: string;
  /** The URL it went to (metrics-server's, same origin). */
  url: string;
  status?: number;
  /** The JSON body of a POST, as sent. */
  body?: unknown;
}

export const requests: RecordedRequest[] = [];

// DataSourceWithBackend.getResource asks for /api/datasources/uid/<uid>/resources/<path>, and
// query() posts to /api/ds/query?ds_type=...; metrics-server serves the same handlers at
// /api/resources/<path> and /api/query.
const RESOURCE_URL = /^\/?api\/datasources\/uid\/[^/]+\/resources\/(.+)$/;
const QUERY_URL = /^\/?api\/ds\/query(\?.*)?$/;

export function metricsServerUrl(url: string): string {
  const resource = RESOURCE_URL.exec(url);
  if (resource) {
    return `/api/resources/${resource[1]}`;
  }
  if (QUERY_URL.test(url)) {
    return '/api/query';
  }
  throw new Error(`dev page: no metrics-server route for ${url}`);
}

/** Grafana's params serialisation: undefined and null are left out, arrays repeat the key. */
function queryString(params: BackendSrvRequest['params']): string {
  if (!params || typeof params !== 'object') {
    return '';
  }
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params as Record<string, unknown>)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v !== undefined && v !== null) {
        search.append(key, String(v));
      }
    }
  }
  const s = search.toString();
  return s ? `?${s}` : '';
}

async function send<T>(options: BackendSrvRequest, signal: AbortSignal): Promise<FetchResponse<T>> {
  const method = (options.method ?? 'GET').toUpperCase();
  const target = metricsServerUrl(options.url) + queryString(options.params);
  const record: RecordedRequest = { method, grafanaUrl: options.url, url: target };
  requests.push(record);
  const headers: Record<string, string> = { Accept: 'application/json', ...(options.headers ?? {}) };
  let body: string | undefined;
  if (options.data !== undefined && method !== 'GET') {
    body = typeof options.data === 'string' ? options.data : JSON.stringify(options.data);
    headers['Content-Type'] = 'application/json';
    record.body = JSON.parse(body);
  }
  const res = await fetch(target, { method, headers, body, signal });
  record.status = res.status;
  const text = await res.text();
  let data: unknown = text;
  if ((res.headers.get('Content-Type') ?? '').includes('json') && text !== '') {
    data = JSON.parse(text);
  }
  if (!res.ok) {
    // The shape Grafana's backend service rejects with; resourceErrorMessage reads data.error.
    const err: FetchError = { status: res.status, statusText: res.statusText, data, config: options };
    throw err;
  }
  return {
    data: data as T,
    status: res.status,
    statusText: res.statusText,
    ok: res.ok,
    headers: res.headers,
    redirected: res.redirected,
    type: res.type,
    url: res.url,
    config: options,
  };
}

function fetchObservable<T>(options: BackendSrvRequest): Observable<FetchResponse<T>> {
  return new Observable<FetchResponse<T>>((subscriber) => {
    const controller = new AbortController();
    send<T>(options, controller.signal).then(
      (response) => {
        subscriber.next(response);
        subscriber.complete();
      },
      (err) => subscriber.error(err)
    );
    return () => controller.abort();
  });
}

const request = async <T>(options: BackendSrvRequest): Promise<T> =>
  (await lastValueFrom(fetchObservable<T>(options))).data;

/** A fetch-based stand-in for Grafana's backend service, talking to metrics-server. */
export const devBackendSrv: BackendSrv = {
  fetch: fetchObservable,
  // Deprecated in Grafana but still members of the BackendSrv interface.
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  request,
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  datasourceRequest: <T>(options: BackendSrvRequest) => lastValueFrom(fetchObservable<T>(options)),
  get: (url, params, _requestId, options) => request({ ...options, url, params, method: 'GET' }),
  delete: (url, data, options) => request({ ...options, url, data, method: 'DELETE' }),
  post: (url, data, options) => request({ ...options, url, data, method: 'POST' }),
  patch: (url, data, options) => request({ ...options, url, data, method: 'PATCH' }),
  put: (url, data, options) => request({ ...options, url, data, method: 'PUT' }),
  chunked: () => {
    throw new Error('dev page: chunked requests are not supported');
  },
};
