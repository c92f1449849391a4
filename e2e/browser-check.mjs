#!/usr/bin/env node
/**
 * Browser check: the plugin's ConfigEditor and QueryEditor in a real Chromium, answered by the
 * real backend (metrics-server's resource routes and /api/query) against the local Cassandra.
 *
 * It builds metrics-server, loads demo data, starts metrics-server on a free port, bundles the
 * dev page (e2e/devpage) with esbuild, serves it with a small HTTP server that proxies /api to
 * metrics-server, drives Debian's Chromium through playwright-core, saves screenshots under
 * test-output/browser/ and stops everything it started, also on failure.
 *
 *   CASSANDRA_HOSTS=127.0.0.1 npm run e2e:browser
 *
 * Environment: CASSANDRA_HOSTS (default 127.0.0.1), CHROMIUM_PATH (default /usr/bin/chromium),
 * BROWSER_CHECK_KEEP=1 keeps the page and servers up until Ctrl-C, to look at it by hand.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

import { dashboardChecks } from './dashboard-check.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outputDir = path.join(root, 'test-output', 'browser');
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const cassandraHosts = process.env.CASSANDRA_HOSTS || '127.0.0.1';
const keepOpen = /^(1|true|yes)$/i.test(process.env.BROWSER_CHECK_KEEP ?? '');
// Generous: the check waits for go build, the demo data load and Cassandra queries on a machine
// that may be busy; a hang still ends.
const WATCHDOG_MS = 600_000;
// Each wait for the page, metrics-server or Cassandra: only a hang guard (a check goes on as soon
// as its answer is there), long enough for a machine whose cores are busy with other work.
const WAIT_MS = 60_000;
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// The choices the check makes in the query editor, and what the editor must then send.
const KEYSPACE = 'metric_data';
const TABLE = 'raw_timer_with_interval';
const VALUE_COLUMNS = ['p99', 'interval_count'];
const FILTERS = [
  { column: 'environment', value: 'prod' },
  { column: 'application', value: 'checkout' },
  { column: 'metric_name', value: 'http.requests' },
];
const PASSWORD = 'Sup3r-secret-pw';
const LONG_HOST = 'cassandra-0.cassandra-headless.monitoring.svc.cluster.local';

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const log = (msg) => console.log(`[browser check ${elapsed()}] ${msg}`);

// ---------------------------------------------------------------------------------------------
// Everything started is stopped in reverse order, on success, failure, a signal or the watchdog.

const cleanups = [];
let cleaning;
function cleanup() {
  cleaning ??= (async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        console.error(`[browser check] cleanup: ${err?.message ?? err}`);
      }
    }
  })();
  return cleaning;
}
let interrupted;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    interrupted = signal;
    console.error(`[browser check] ${signal}: stopping what was started`);
    cleanup().finally(() => {
      console.log(`browser check: interrupted by ${signal}, 0 passed, 1 failed`);
      process.exit(1);
    });
  });
}

/** Runs a command to completion; rejects with its output on a non-zero exit. */
function run(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (err) => reject(new Error(`${cmd}: ${err.message}`)));
    child.on('close', (code, signal) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`${cmd} ${args.join(' ')} exited with ${signal ?? code}:\n${output.slice(-4000)}`))
    );
  });
}

/** Stops a child process by its pid: SIGTERM, then SIGKILL after 5 s. */
function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHealth(port, child, logFile) {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(
        `metrics-server exited with ${child.exitCode}:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`
      );
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/health`);
      if (res.ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `metrics-server did not answer /api/health within 30 s:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`
  );
}

// ---------------------------------------------------------------------------------------------
// Set-up: metrics-server with demo data, the dev page bundle, and the page's HTTP server.

async function startMetricsServer(tmp) {
  const bin = path.join(tmp, 'metrics-server');
  log('building metrics-server');
  await run('go', ['build', '-o', bin, './cmd/metrics-server']);
  const env = { ...process.env, METRICS_SERVER_CASSANDRA: cassandraHosts };
  log(`loading demo data into ${cassandraHosts} (metrics-server demo-data --span 2h)`);
  await run(bin, ['demo-data', '--span', '2h'], { env });
  const port = await freePort();
  const logFile = path.join(outputDir, 'metrics-server.log');
  const logFd = fs.openSync(logFile, 'w');
  const child = spawn(bin, [], {
    cwd: root,
    // The CQL editor steps and variable queries run raw CQL, which metrics-server runs only when told to.
    env: {
      ...env,
      METRICS_SERVER_HOST: '127.0.0.1',
      METRICS_SERVER_PORT: String(port),
      METRICS_SERVER_ENABLE_RAW_CQL: 'true',
    },
    stdio: ['ignore', logFd, logFd],
  });
  fs.closeSync(logFd);
  cleanups.push(() => stopProcess(child));
  await waitForHealth(port, child, logFile);
  log(`metrics-server (pid ${child.pid}) answers on 127.0.0.1:${port}`);
  return port;
}

/**
 * @grafana/scenes and @grafana/plugin-compat are published for webpack (Grafana's and plugins'
 * bundler), which turns a named import that a package does not export into undefined: they probe
 * newer @grafana/runtime functions that way, and scenes' app routing imports react-router 6 names
 * that @grafana/ui's react-router-dom 5 lacks (unused by dashboards). esbuild refuses such imports,
 * so these files read those names from the module namespace instead, which gives webpack's result.
 */
const webpackMissingExports = {
  name: 'webpack-missing-exports',
  setup(build) {
    const probed = /import\s*\{([^}]*)\}\s*from\s*(['"])(@grafana\/runtime(?:\/unstable)?|react-router-dom)\2;?/g;
    build.onLoad({ filter: /node_modules[\\/]@grafana[\\/](scenes|plugin-compat)[\\/].*\.m?js$/ }, async (args) => {
      let n = 0;
      const source = await fsp.readFile(args.path, 'utf8');
      const contents = source.replace(probed, (_, names, _q, pkg) => {
        const ns = `__probed${n++}`;
        const bindings = names
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
          .map((x) => {
            const [imported, local = imported] = x.split(/\s+as\s+/);
            return `const ${local} = ${ns}[${JSON.stringify(imported)}];`;
          });
        return `import * as ${ns} from '${pkg}'; ${bindings.join(' ')}`;
      });
      return { contents, loader: 'js' };
    });
  },
};

async function bundleDevPage(tmp) {
  const outdir = path.join(tmp, 'page');
  log('bundling the dev page (esbuild)');
  const t0 = Date.now();
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['e2e/devpage/index.tsx', 'e2e/devpage/dashboard.tsx'],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome110',
    outdir,
    tsconfig: 'e2e/tsconfig.json',
    // Development React: its warnings about the editors show up as console errors below.
    define: { 'process.env.NODE_ENV': '"development"', global: 'globalThis' },
    loader: { '.svg': 'file', '.png': 'file', '.woff': 'file', '.woff2': 'file', '.ttf': 'file' },
    logLevel: 'error',
    plugins: [webpackMissingExports],
  });
  for (const [name, title] of [
    ['index', 'Cassandra Metrics: editor dev page'],
    ['dashboard', 'Cassandra Metrics: dashboard page'],
  ]) {
    await fsp.writeFile(
      path.join(outdir, `${name}.html`),
      `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <link rel="icon" href="data:," />
    ${fs.existsSync(path.join(outdir, `${name}.css`)) ? `<link rel="stylesheet" href="/${name}.css" />` : ''}
  </head>
  <body>
    <script>
      // What Grafana's index page sets before plugins load; @grafana/runtime's config reads it.
      window.grafanaBootData = { assets: { dark: '', light: '' }, settings: {}, user: {}, navTree: [] };
    </script>
    <div id="root"></div>
    <script type="module" src="/${name}.js"></script>
  </body>
</html>
`
    );
  }
  log(`bundled in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  return outdir;
}

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.json': 'application/json',
};

const ICON_PATH = '/public/build/img/icons/';
const SPINNER_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M12 2a10 10 0 1 0 10 10h-2a8 8 0 1 1-8-8z"/></svg>';
const DASHBOARD_PATH = '/provisioning/dashboards/';
const dashboardDir = path.join(root, 'provisioning', 'dashboards');

/** Serves the bundle and Grafana's icons, and proxies /api/* to metrics-server. */
async function startPageServer(pageDir, apiPort) {
  // Grafana's Icon component loads public/build/img/icons/<dir>/<name>.svg; @grafana/ui ships them.
  const iconDir = path.join(root, 'node_modules', '@grafana', 'ui', 'dist', 'public', 'img', 'icons');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/api/')) {
      const upstream = http.request(
        { host: '127.0.0.1', port: apiPort, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        }
      );
      upstream.on('error', (err) => {
        res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end(`proxy to metrics-server failed: ${err.message}`);
      });
      req.pipe(upstream);
      return;
    }
    // The dashboard page loads the provisioned dashboards' saved JSON as it is in the repository.
    const [base, rel] = url.pathname.startsWith(ICON_PATH)
      ? [iconDir, url.pathname.slice(ICON_PATH.length)]
      : url.pathname.startsWith(DASHBOARD_PATH)
        ? [dashboardDir, url.pathname.slice(DASHBOARD_PATH.length)]
        : [pageDir, url.pathname === '/' ? 'index.html' : url.pathname.slice(1)];
    const file = path.resolve(base, decodeURIComponent(rel));
    // Grafana serves the spinner icon (the code editor's loading placeholder) from its own build;
    // @grafana/ui's package has no file for it.
    if (url.pathname === `${ICON_PATH}unicons/spinner.svg` && !fs.existsSync(file)) {
      res.writeHead(200, { 'Content-Type': 'image/svg+xml' });
      res.end(SPINNER_SVG);
      return;
    }
    if (!file.startsWith(base + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })
  );
  const { port } = server.address();
  log(`dev page on http://127.0.0.1:${port}/`);
  return `http://127.0.0.1:${port}/`;
}

// ---------------------------------------------------------------------------------------------
// Page helpers.

function assert(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

function assertEqual(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  assert(a === e, `${what}: expected ${e}, got ${a}`);
}

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The option list a Combobox or MultiCombobox input controls (rendered in a portal). */
async function listFor(page, input) {
  if ((await input.getAttribute('aria-expanded')) !== 'true') {
    await input.click();
  }
  const menuId = await input.getAttribute('aria-controls');
  assert(menuId, 'the combobox has no aria-controls');
  const list = page.locator(`[id="${menuId}"]`);
  await list.waitFor({ state: 'visible' });
  return list;
}

/**
 * Scrolls a virtualised option list down by half a page (or back to the top), as a user would;
 * false when it cannot move.
 */
function scrollList(list, toTop = false) {
  return list.evaluate((menu, top) => {
    const scroller = [menu, ...menu.querySelectorAll('*')].find((el) => el.scrollHeight > el.clientHeight + 1);
    if (!scroller) {
      return false;
    }
    const before = scroller.scrollTop;
    scroller.scrollTop = top ? 0 : before + scroller.clientHeight / 2;
    return scroller.scrollTop !== before;
  }, toTop);
}

/** The option labels a combobox offers, scrolling through its virtualised list. */
async function optionLabels(page, input) {
  const list = await listFor(page, input);
  await list.locator('[role="option"]').first().waitFor();
  const labels = [];
  for (let i = 0; i < 50; i++) {
    for (const text of await list.locator('[role="option"] [class*="combobox-option-label"]').allInnerTexts()) {
      if (!labels.includes(text.trim())) {
        labels.push(text.trim());
      }
    }
    if (!(await scrollList(list))) {
      break;
    }
    await page.waitForTimeout(50);
  }
  await input.press('Escape');
  return labels;
}

/** Opens a combobox and clicks the option with this label, scrolling the list until it shows. */
async function pickOption(page, input, label) {
  const list = await listFor(page, input);
  await list.locator('[role="option"]').first().waitFor();
  const option = list.locator('[role="option"]').filter({
    has: page.locator('[class*="combobox-option-label"]', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }),
  });
  // A multi-select stays open, scrolled to where the last pick was: start again from the top.
  if ((await option.count()) === 0 && (await scrollList(list, true))) {
    await page.waitForTimeout(50);
  }
  for (let i = 0; i < 50 && (await option.count()) === 0; i++) {
    if (!(await scrollList(list))) {
      break;
    }
    await page.waitForTimeout(50);
  }
  assert((await option.count()) > 0, `no option "${label}" in the list`);
  await option.first().click();
}

async function readJson(page, testId) {
  return JSON.parse(await page.getByTestId(testId).innerText());
}

/** Waits until the dev page shows the result of a run of exactly this query (a real server's answer). */
function waitForRun(page, query, timeout = WAIT_MS) {
  return page.waitForFunction(
    (q) => {
      const text = document.querySelector('[data-testid="query-result"]').textContent;
      if (!text.startsWith('{')) {
        return false;
      }
      const r = JSON.parse(text);
      return JSON.stringify(r.query) === q && r.state !== undefined;
    },
    JSON.stringify(query),
    { timeout }
  );
}

// ---------------------------------------------------------------------------------------------
// The checks.

async function checks(context, page, pageUrl, results) {
  const consoleErrors = [];
  const pageErrors = [];
  const apiResponses = [];
  page.on('console', (msg) => {
    const where = msg.location()?.url ?? '';
    // Grafana's web fonts (Inter, Roboto Mono) are not in any npm package; Chromium falls back
    // to the system's sans-serif, so their 404s are expected here.
    if (msg.type() === 'error' && !new URL(where || 'http://x/').pathname.startsWith('/public/fonts/')) {
      consoleErrors.push(where ? `${msg.text()} (${where})` : msg.text());
    }
  });
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('response', (res) => {
    const u = new URL(res.url());
    if (u.pathname.startsWith('/api/')) {
      apiResponses.push({ method: res.request().method(), path: u.pathname, search: u.search, status: res.status() });
    }
  });

  let shot = 0;
  const check = async (name, fn) => {
    if (interrupted) {
      return;
    }
    const t0 = Date.now();
    try {
      await fn();
      results.push({ name, ok: true });
      log(`PASS ${name} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
    } catch (err) {
      if (interrupted) {
        return;
      }
      results.push({ name, ok: false, error: err });
      const file = path.join(outputDir, `failure-${++shot}.png`);
      await page.screenshot({ path: file, fullPage: true }).catch(() => {});
      log(`FAIL ${name}: ${err?.message ?? err}\n      screenshot: ${path.relative(root, file)}`);
    }
  };

  await check('dev page loads with the Grafana theme', async () => {
    await page.goto(pageUrl);
    await page.getByTestId('query-json').waitFor();
    const style = await page.evaluate(() => {
      const s = getComputedStyle(document.body);
      return { background: s.backgroundColor, font: s.fontFamily, color: s.color };
    });
    // Grafana's dark theme: canvas #111217, text rgb(204, 204, 220); Inter first in the font stack.
    assertEqual(style.background, 'rgb(17, 18, 23)', 'body background (GlobalStyles, dark canvas)');
    assert(style.font.includes('Inter'), `body font is Grafana's (Inter, ...), got ${style.font}`);
    assert(pageErrors.length === 0, `page errors: ${pageErrors.join('; ')}`);
  });

  const config = page.getByTestId('config-section');

  await check('ConfigEditor writes jsonData', async () => {
    const hosts = config.getByLabel(/^Hosts/);
    await hosts.fill('127.0.0.1');
    await hosts.press('Enter');
    // A pasted list is split into single hosts; long names are fine.
    await hosts.fill(`${LONG_HOST}, cassandra-3.example.com:9142, typo.example.com`);
    await hosts.press('Enter');
    await config.getByRole('button', { name: 'Remove typo.example.com' }).click();
    await config.getByLabel(/^Port/).fill('9042');
    await config.getByLabel(/^Default keyspace/).fill('metric_data');
    await config.getByLabel(/^Username/).fill('grafana');
    await pickOption(page, config.getByLabel(/^Consistency/), 'LOCAL_QUORUM');
    await config.getByLabel(/^Query timeout/).fill('45s');
    const { jsonData } = await readJson(page, 'options-json');
    assertEqual(
      jsonData,
      {
        hosts: ['127.0.0.1', LONG_HOST, 'cassandra-3.example.com:9142'],
        port: 9042,
        keyspace: 'metric_data',
        username: 'grafana',
        consistency: 'LOCAL_QUORUM',
        queryTimeout: '45s',
      },
      'jsonData'
    );
    // The host tags show, and no field is marked invalid.
    for (const host of jsonData.hosts) {
      await config.getByText(host, { exact: true }).waitFor();
    }
    assertEqual(await config.locator('[role="alert"]').count(), 0, 'validation errors shown');
  });

  await check('ConfigEditor never shows the password', async () => {
    const password = config.getByLabel('Password', { exact: true });
    // A stored password is only reported as configured.
    assert(await password.isDisabled(), 'a configured password field is read-only');
    assertEqual(await password.inputValue(), 'configured', 'configured password field text');
    await config.getByRole('button', { name: 'Reset' }).click();
    assert(await password.isEnabled(), 'after Reset the password field takes a new one');
    await password.fill(PASSWORD);
    assertEqual(await password.getAttribute('type'), 'password', 'password input type');
    const options = await readJson(page, 'options-json');
    assertEqual(options.secureJsonData, { password: `<set, ${PASSWORD.length} characters>` }, 'secureJsonData');
    assertEqual(options.secureJsonFields, { password: false }, 'secureJsonFields');
    assert(!JSON.stringify(options.jsonData).includes(PASSWORD), 'the password is not in jsonData');
    const text = await page.locator('body').innerText();
    assert(!text.includes(PASSWORD), 'the password text appears on the page');
    await password.blur();
    await page.getByTestId('config-editor').screenshot({ path: path.join(outputDir, 'config-editor.png') });
  });

  const editor = page.getByTestId('query-section');
  const field = (label) => editor.getByLabel(label, { exact: true });
  // By role: the format's Table option is labelled "Table" too.
  const tablePicker = editor.getByRole('combobox', { name: 'Table', exact: true });

  await check('QueryEditor lists keyspaces and tables from Cassandra', async () => {
    const keyspaces = await optionLabels(page, field('Keyspace'));
    assert(keyspaces.includes('metric_data'), `keyspace options ${JSON.stringify(keyspaces)} lack metric_data`);
    // Queries never read Cassandra's own keyspaces, so the editor does not offer them.
    assertEqual(
      keyspaces.filter((ks) => ks.startsWith('system')),
      [],
      'system keyspaces among the options'
    );
    await pickOption(page, field('Keyspace'), KEYSPACE);
    await editor.locator(`input[placeholder="Choose table"]`).waitFor();
    const tables = await optionLabels(page, tablePicker);
    for (const t of ['raw_counter', 'raw_counter_with_interval', 'raw_timer', 'raw_timer_with_interval']) {
      assert(tables.includes(t), `table options ${JSON.stringify(tables)} lack ${t}`);
    }
  });

  await check('QueryEditor builds the query by clicking', async () => {
    await pickOption(page, tablePicker, TABLE);
    // The table brings its time column and series columns from the real schema.
    await page.waitForFunction(() => {
      const q = JSON.parse(document.querySelector('[data-testid="query-json"]').textContent);
      return q.timeColumn === 'metric_timestamp';
    });
    const measures = await optionLabels(page, field('Values'));
    for (const m of ['p99', 'count', 'mean', 'interval_count']) {
      assert(measures.includes(m), `value options ${JSON.stringify(measures)} lack ${m}`);
    }
    for (const v of VALUE_COLUMNS) {
      await pickOption(page, field('Values'), v);
      // As a user sees each pick land before making the next: the query holds it and its run is
      // back (the answer re-renders the editor; a click during that re-render can miss).
      await page
        .waitForFunction(
          (col) =>
            JSON.parse(document.querySelector('[data-testid="query-json"]').textContent).valueColumns?.includes(col),
          v,
          { timeout: WAIT_MS }
        )
        .catch(() => {
          throw new Error(`picking "${v}" in Values did not reach the query`);
        });
      await waitForRun(page, await readJson(page, 'query-json'));
    }
    await field('Values').press('Escape');

    for (const [i, f] of FILTERS.entries()) {
      await editor.getByRole('button', { name: 'Add filter' }).click();
      const row = editor.getByRole('group', { name: `Filter ${i + 1}` });
      // Column, operator and values, in that order (placeholders change while a list is open).
      const [column, op, values] = [0, 1, 2].map((n) => row.getByRole('combobox').nth(n));
      if (i === 0) {
        const keyColumns = await optionLabels(page, column);
        assertEqual(keyColumns, ['environment', 'application', 'metric_name', 'metric_timestamp'], 'filter columns');
      }
      await pickOption(page, column, f.column);
      assertEqual(await op.inputValue(), '=', `filter ${i + 1} operator`);
      if (i === FILTERS.length - 1) {
        // The values Cassandra has for this partition key column, as the user sees them.
        const offered = await optionLabels(page, values);
        for (const name of ['cache.get', 'db.query', 'http.requests']) {
          assert(offered.includes(name), `${f.column} options ${JSON.stringify(offered)} lack ${name}`);
        }
        await listFor(page, values);
        await page.screenshot({ path: path.join(outputDir, 'query-editor-values.png') });
      }
      await pickOption(page, values, f.value);
      await values.press('Escape');
    }

    const query = await readJson(page, 'query-json');
    const expected = {
      refId: 'A',
      queryType: 'builder',
      keyspace: KEYSPACE,
      table: TABLE,
      timeColumn: 'metric_timestamp',
      valueColumns: VALUE_COLUMNS,
      filters: FILTERS.map((f) => ({ column: f.column, op: '=', values: [f.value] })),
      // Empty: the backend's default series, the partition key columns not fixed by =.
      seriesColumns: [],
      aggregations: [],
      interval: 'auto',
      fill: 'null',
      format: 'time_series',
    };
    for (const [key, value] of Object.entries(expected)) {
      assertEqual(query[key], value, `query.${key}`);
    }
    // The preview comes from the server's builder: wait for its answer to this query (the attribute
    // is set only once the answer for the current query is in), then read it.
    await page
      .waitForFunction(() => document.querySelector('[data-testid="cql-preview"]')?.dataset.executed, null, {
        timeout: WAIT_MS,
      })
      .catch(() => {});
    const preview = await editor.getByTestId('cql-preview').innerText();
    assert(
      preview.includes('FROM "metric_data"."raw_timer_with_interval"') && preview.includes('"metric_name" = '),
      `CQL preview: ${preview}`
    );
  });

  await check('the editor query runs through DataSourceWithBackend.query with data', async () => {
    const query = await readJson(page, 'query-json');
    await waitForRun(page, query);
    const result = await readJson(page, 'query-result');
    assert(!result.error, `query error: ${result.error}`);
    assertEqual(result.state, 'Done', 'query state');
    // One series (prod/checkout/http.requests), a timeseries-multi frame per measure.
    assertEqual(
      result.frames.map((f) => f.fields.map((x) => x.name)),
      VALUE_COLUMNS.map((c) => ['time', c]),
      'frames and their fields'
    );
    for (const frame of result.frames) {
      for (const f of frame.fields) {
        assert(f.nonNull > 0, `field ${f.name} has no values: ${JSON.stringify(frame)}`);
      }
    }
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.getByTestId('query-editor').screenshot({ path: path.join(outputDir, 'query-editor.png') });
  });

  await check('POST /api/query with the editor query answers frames with data', async () => {
    const query = await readJson(page, 'query-json');
    const answer = await page.evaluate(async (q) => {
      const res = await fetch('/api/query', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ queries: [q], from: 'now-1h', to: 'now', maxDataPoints: 60 }),
      });
      return { status: res.status, body: await res.json() };
    }, query);
    assertEqual(answer.status, 200, 'HTTP status');
    const a = answer.body.results?.A;
    assert(a && !a.error, `result A: ${JSON.stringify(a)?.slice(0, 500)}`);
    // One series, a timeseries-multi frame per measure (the dataplane contract).
    assertEqual(
      a.frames?.map((f) => f.schema.fields.map((x) => x.name)),
      VALUE_COLUMNS.map((c) => ['time', c]),
      'frames and their field names'
    );
    for (const frame of a.frames) {
      assertEqual(frame.schema.meta.type, 'timeseries-multi', 'frame type');
      // Every partition key column is fixed by =: one series, which they do not label (the
      // backend's default series columns leave them out); the label names the measure.
      const name = frame.schema.fields[1].name;
      const labels = frame.schema.fields[1].labels ?? {};
      for (const key of ['environment', 'application', 'metric_name']) {
        assert(!(key in labels), `series labels ${JSON.stringify(labels)} name ${key}, which the filters fix`);
      }
      assertEqual(labels.measure, name, 'the measure label');
      const [times, values] = frame.data.values;
      assert(times.length >= 20, `want at least 20 one- or two-minute bins in the last hour, got ${times.length}`);
      const nonNull = values.filter((v) => v !== null).length;
      assert(nonNull >= times.length / 2, `${name}: only ${nonNull} of ${times.length} bins have data`);
    }
    const meta = a.frames[0].schema.meta;
    assert(meta.executedQueryString.includes('"raw_timer_with_interval"'), `executed CQL: ${meta.executedQueryString}`);
  });

  await check("the builder's CQL preview is the backend's CQL", async () => {
    const preview = editor.getByTestId('cql-preview');
    await page.waitForFunction(() => document.querySelector('[data-testid="cql-preview"]')?.dataset.executed);
    const executed = await preview.getAttribute('data-executed');
    const query = await readJson(page, 'query-json');
    const ran = await page.evaluate(async (q) => {
      const res = await fetch('/api/query', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ queries: [q], from: 'now-1h', to: 'now', maxDataPoints: 60 }),
      });
      return (await res.json()).results?.A?.frames?.[0]?.schema?.meta?.executedQueryString;
    }, query);
    // The executed string may add notes after the statement (the ranges read, cached bins).
    assertEqual(executed, ran?.split('\n')[0], 'the preview statement and the executed statement');
    // The preview shows the statement with its bound values written in: each filter's value and the
    // time range as literals, in the statement's own order.
    const text = await preview.innerText();
    const oneLine = text.split('\n-- ')[0].replace(/\s+/g, ' ');
    const values = [
      ...FILTERS.map((f) => `'${f.value}'`),
      /'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z'/,
      /'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z'/,
    ];
    let pattern = '';
    for (const part of executed.split('?')) {
      pattern += escapeRegExp(part) + '(.+?)';
    }
    pattern = `^${pattern.slice(0, -'(.+?)'.length)}$`;
    const m = new RegExp(pattern).exec(oneLine);
    assert(
      m,
      `preview ${JSON.stringify(oneLine)} is not the executed statement ${JSON.stringify(executed)} with values`
    );
    const bound = m.slice(1);
    assertEqual(bound.length, values.length, 'bound values shown');
    for (const v of values.filter((v) => typeof v === 'string')) {
      assert(bound.includes(v), `preview values ${JSON.stringify(bound)} lack ${v}`);
    }
    assertEqual(bound.filter((b) => /^'\d{4}-.*Z'$/.test(b)).length, 2, 'time range literals');
    assert(text.includes('-- per bin: max(p99), sum(interval_count)'), `preview notes: ${text}`);
  });

  await check(
    'QueryEditor reads a day-bucketed table: picks its time bucket column, runs with a bucket notice',
    async () => {
      // timer_by_day: PRIMARY KEY ((environment, application, metric_name, day), metric_timestamp).
      await pickOption(page, tablePicker, 'timer_by_day');
      await page.waitForFunction(() => {
        const q = JSON.parse(document.querySelector('[data-testid="query-json"]').textContent);
        return q.table === 'timer_by_day' && q.timeColumn === 'metric_timestamp';
      });
      const bucketOptions = await optionLabels(page, field('Time bucket'));
      assert(bucketOptions.includes('day'), `time bucket options ${JSON.stringify(bucketOptions)} lack day`);
      await pickOption(page, field('Time bucket'), 'day');
      await page.waitForFunction(() => {
        const q = JSON.parse(document.querySelector('[data-testid="query-json"]').textContent);
        return q.bucketColumn === 'day' && q.bucketGranularity === 'day';
      });
      let query = await readJson(page, 'query-json');
      // Measures this table lacks (interval_count needs previous_count) are taken out by hand.
      for (const v of query.valueColumns.filter((v) => v !== 'p99')) {
        await editor.getByRole('button', { name: `Remove ${v}` }).click();
      }
      await page.waitForFunction(() => {
        const q = JSON.parse(document.querySelector('[data-testid="query-json"]').textContent);
        return JSON.stringify(q.valueColumns) === '["p99"]';
      });
      query = await readJson(page, 'query-json');
      assert(
        !query.filters.some((f) => f.column === 'day'),
        `the bucket column is no filter: ${JSON.stringify(query.filters)}`
      );
      // The builder runs the query on each change, as in a panel.
      await waitForRun(page, query);
      const result = await readJson(page, 'query-result');
      assert(!result.error, `query error: ${result.error}`);
      assertEqual(result.frames.length, 1, 'frames (one series)');
      const p99 = result.frames[0].fields.find((f) => f.name === 'p99');
      assert(p99 && p99.nonNull > 0, `no p99 values: ${JSON.stringify(result.frames[0])}`);
      const notices = result.frames.flatMap((f) => f.notices);
      assert(
        notices.some((n) => /day buckets? of "day"/.test(n)),
        `no bucket notice among ${JSON.stringify(notices)}`
      );
      await page.getByTestId('query-editor').screenshot({ path: path.join(outputDir, 'query-editor-buckets.png') });
    }
  );

  await check('CQL editor: completion of a column, Ctrl+Enter runs, inline error for a second statement', async () => {
    await editor.getByLabel('CQL', { exact: true }).check({ force: true });
    const cql = editor.getByTestId('cql-editor');
    const monacoInput = cql.locator('.monaco-editor textarea');
    await monacoInput.waitFor({ state: 'attached', timeout: WAIT_MS });
    await cql.locator('.monaco-editor[role="code"]').click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    // Typed as a user types, except the table part, which keeps Monaco's auto-closed quotes out of it.
    await page.keyboard.insertText(
      `SELECT metric_timestamp, \nFROM ${KEYSPACE}.${TABLE}\nWHERE ${FILTERS.map((f) => `${f.column} = '${f.value}'`).join(' AND ')}\n  AND $__timeFilter(metric_timestamp)`
    );
    await page.keyboard.press('ControlOrMeta+Home');
    await page.keyboard.press('End');
    await page.keyboard.type('p9');
    await page.keyboard.press('Control+Space');
    const labels = page.locator('.suggest-widget .monaco-list-row .label-name');
    await labels
      .filter({ hasText: /^p999$/ })
      .first()
      .waitFor();
    const offered = (await labels.allInnerTexts()).map((l) => l.trim());
    for (const col of ['p95', 'p98', 'p99', 'p999']) {
      assert(
        offered.includes(col),
        `completion offers ${JSON.stringify(offered)}, lacking the column ${col} of ${TABLE}`
      );
    }
    // Accept the column p99 from the list.
    await labels.filter({ hasText: /^p99$/ }).first().click();
    await page.keyboard.press('ControlOrMeta+Enter');
    await page.waitForFunction(
      () => {
        const q = JSON.parse(document.querySelector('[data-testid="query-json"]').textContent);
        const r = document.querySelector('[data-testid="query-result"]').textContent;
        return (
          q.rawCql?.startsWith('SELECT metric_timestamp, p99\n') && r.includes('"rawCql"') && r.includes('"state"')
        );
      },
      undefined,
      { timeout: WAIT_MS }
    );
    const query = await readJson(page, 'query-json');
    assertEqual(query.queryType, 'cql', 'queryType');
    const result = await readJson(page, 'query-result');
    assertEqual(result.query.rawCql, query.rawCql, 'the run used the edited text');
    assert(!result.error, `query error: ${result.error}`);
    const fields = result.frames.flatMap((f) => f.fields.map((x) => x.name));
    assert(fields.includes('p99'), `fields ${JSON.stringify(fields)} lack p99`);

    // A second statement is underlined where it starts, with the backend's message on hover.
    await page.keyboard.press('ControlOrMeta+End');
    await page.keyboard.insertText(';\nSELECT 1');
    const squiggle = cql.locator('.squiggly-error');
    await squiggle.first().waitFor({ timeout: WAIT_MS });
    await squiggle.first().hover({ force: true });
    const hover = page.locator('.monaco-hover').filter({ hasText: 'only one statement can run' });
    await hover.first().waitFor({ timeout: WAIT_MS });
    await page.getByTestId('query-editor').screenshot({ path: path.join(outputDir, 'cql-editor.png') });
    // Without the second statement the mark goes away.
    await page.keyboard.press('Escape');
    await cql.locator('.monaco-editor[role="code"]').click();
    await page.keyboard.press('ControlOrMeta+End');
    for (let i = 0; i < ';\nSELECT 1'.length; i++) {
      await page.keyboard.press('Backspace');
    }
    await squiggle.first().waitFor({ state: 'detached', timeout: WAIT_MS });
  });

  await check(
    'CQL editor: raw CQL over epoch milliseconds runs once Time column and Time unit name the column',
    async () => {
      const cql = editor.getByTestId('cql-editor');
      await cql.locator('.monaco-editor[role="code"]').click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Delete');
      // timer_epoch_ms keeps its time as a bigint of epoch milliseconds (ts_ms).
      const where = FILTERS.map((f) => `${f.column} = '${f.value}'`).join(' AND ');
      await page.keyboard.insertText(
        `SELECT ts_ms, p99 FROM ${KEYSPACE}.timer_epoch_ms WHERE ${where} AND $__timeFilter_ms(ts_ms)`
      );
      await page.keyboard.press('ControlOrMeta+Enter');
      await page.waitForFunction(() =>
        JSON.parse(document.querySelector('[data-testid="query-json"]').textContent).rawCql?.includes('timer_epoch_ms')
      );
      let query = await readJson(page, 'query-json');
      await waitForRun(page, query);
      let result = await readJson(page, 'query-result');
      // Without them the number is no time: the error says which fields to set.
      assert(
        result.error?.includes('Time column') && result.error.includes('Time unit'),
        `the run without a time column: ${JSON.stringify(result).slice(0, 400)}`
      );

      const column = field('Time column');
      await column.fill('ts_ms');
      await column.press('Enter');
      await pickOption(page, field('Time unit'), 'ms');
      await page.waitForFunction(() => {
        const q = JSON.parse(document.querySelector('[data-testid="query-json"]').textContent);
        return q.timeColumn === 'ts_ms' && q.timeUnit === 'ms';
      });
      query = await readJson(page, 'query-json');
      await waitForRun(page, query);
      result = await readJson(page, 'query-result');
      assert(!result.error, `query error: ${result.error}`);
      assertEqual(result.frames.length, 1, 'frames (one series)');
      const [frame] = result.frames;
      assertEqual(frame.fields[0].type, 'time', 'the first field is the time');
      const p99 = frame.fields.find((f) => f.name === 'p99');
      assert(p99 && p99.nonNull >= 20, `want p99 in at least 20 points of the last hour: ${JSON.stringify(frame)}`);
      await page.getByTestId('query-editor').screenshot({ path: path.join(outputDir, 'cql-editor-epoch.png') });
    }
  );

  await check('resource calls were answered by metrics-server', async () => {
    for (const route of ['keyspaces', 'tables', 'columns', 'measures', 'values', 'preview', 'validate']) {
      const hits = apiResponses.filter((r) => r.path === `/api/resources/${route}`);
      assert(hits.length > 0, `no request to /api/resources/${route}`);
      const bad = hits.filter((r) => r.status !== 200);
      assert(bad.length === 0, `failed: ${JSON.stringify(bad)}`);
    }
    const queries = apiResponses.filter((r) => r.path === '/api/query');
    assert(queries.length > 0 && queries.every((r) => r.status === 200), `queries: ${JSON.stringify(queries)}`);
    const recorded = await page.evaluate(() => window.devPageRequests);
    const grafanaUrls = new Set(recorded.map((r) => r.grafanaUrl.replace(/\?.*/, '')));
    assert(
      grafanaUrls.has('/api/datasources/uid/cassandra-dev/resources/columns') && grafanaUrls.has('/api/ds/query'),
      `the plugin asked for Grafana's URLs: ${[...grafanaUrls].join(', ')}`
    );
  });

  await check('no page errors or console errors', async () => {
    assert(pageErrors.length === 0, `page errors:\n  ${pageErrors.join('\n  ')}`);
    assert(consoleErrors.length === 0, `console errors:\n  ${consoleErrors.join('\n  ')}`);
  });

  await dashboardChecks({ context, pageUrl, check, outputDir, root });
}

// ---------------------------------------------------------------------------------------------

async function main() {
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(
      `no Chromium at ${chromiumPath}: install Debian's (apt-get install -y chromium) or set CHROMIUM_PATH`
    );
  }
  await fsp.rm(outputDir, { recursive: true, force: true });
  await fsp.mkdir(outputDir, { recursive: true });
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'browser-check-'));
  cleanups.push(() => fsp.rm(tmp, { recursive: true, force: true }));

  // Both at once; wait for both before giving up, so nothing still writes into tmp during cleanup.
  const [server, bundle] = await Promise.allSettled([startMetricsServer(tmp), bundleDevPage(tmp)]);
  for (const r of [server, bundle]) {
    if (r.status === 'rejected') {
      throw r.reason;
    }
  }
  const [apiPort, pageDir] = [server.value, bundle.value];
  const pageUrl = await startPageServer(pageDir, apiPort);

  log(`starting ${chromiumPath}`);
  const context = await chromium.launchPersistentContext(path.join(tmp, 'chromium-profile'), {
    executablePath: chromiumPath,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1400, height: 1000 },
    timeout: 60_000,
  });
  cleanups.push(() => context.close());
  context.setDefaultTimeout(WAIT_MS);
  const page = context.pages()[0] ?? (await context.newPage());

  const results = [];
  await checks(context, page, pageUrl, results);

  if (keepOpen) {
    log(`BROWSER_CHECK_KEEP: the page stays at ${pageUrl}; Ctrl-C stops everything`);
    await new Promise(() => {});
  }
  return results;
}

const watchdog = setTimeout(() => {
  console.error(`[browser check] still running after ${WATCHDOG_MS / 1000} s: giving up`);
  console.log('browser check: 0 passed, 1 failed');
  cleanup().finally(() => process.exit(1));
}, WATCHDOG_MS);
if (keepOpen) {
  clearTimeout(watchdog);
}

let results = [];
let setupError;
try {
  results = await main();
} catch (err) {
  setupError = err;
} finally {
  await cleanup();
  clearTimeout(watchdog);
}

const passed = results.filter((r) => r.ok).length;
let failed = results.length - passed;
if (setupError) {
  failed++;
  console.error(`[browser check] set-up failed: ${setupError?.stack ?? setupError}`);
}
for (const r of results.filter((r) => !r.ok)) {
  console.error(`  FAILED ${r.name}: ${r.error?.message ?? r.error}`);
}
console.log(`screenshots: ${path.relative(root, outputDir)}/ (took ${elapsed()})`);
console.log(`browser check: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
