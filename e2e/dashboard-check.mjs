/**
 * Dashboard checks for the browser check: every dashboard in provisioning/dashboards/ runs on the
 * dashboard page (e2e/devpage/dashboard.tsx) as Grafana runs it — saved JSON, @grafana/scenes
 * variables and query runners, the data source's front-end code, metrics-server, Cassandra — and
 * each variable and panel must get what it needs. One PASS line per dashboard variable and panel.
 */
import fs from 'node:fs';
import path from 'node:path';

function assert(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

/** What a panel type needs from its frames to draw anything. */
const NEEDS = {
  timeseries: (frames) =>
    frames.some(
      (f) => f.fields.some((x) => x.type === 'time') && f.fields.some((x) => x.type === 'number' && x.nonNull > 0)
    ),
  stat: (frames) => frames.some((f) => f.fields.some((x) => x.type === 'number' && x.nonNull > 0)),
  table: (frames) => frames.some((f) => f.length > 0 && f.fields.length > 0),
};

// Only a hang guard: every wait goes on as soon as what it waits for is there.
const WAIT_MS = 60_000;

const settled = (s) =>
  s.inFlight === 0 &&
  s.variables.every((v) => !v.loading) &&
  s.panels.every((p) => p.runs > 0 && (p.state === 'Done' || p.state === 'Error')) &&
  s.annotationLayers.every((l) => l.state === 'Done' || l.state === 'Error');

async function waitSettled(page, minRuns = 1) {
  await page.waitForFunction(
    (min) => {
      if (window.dashboardCheckError) {
        return true;
      }
      const s = window.dashboardCheck?.state();
      return (
        s &&
        s.inFlight === 0 &&
        s.variables.every((v) => !v.loading) &&
        s.panels.every((p) => p.runs >= min && (p.state === 'Done' || p.state === 'Error')) &&
        s.annotationLayers.every((l) => l.state === 'Done' || l.state === 'Error')
      );
    },
    minRuns,
    { timeout: WAIT_MS, polling: 100 }
  );
  const error = await page.evaluate(() => window.dashboardCheckError);
  assert(!error, `the dashboard page failed: ${error}`);
  const state = await page.evaluate(() => window.dashboardCheck.state());
  assert(settled(state), `dashboard not settled: ${JSON.stringify(state).slice(0, 800)}`);
  return state;
}

/**
 * Sets a variable's value (or an ad hoc variable's filters) on the dashboard page, as picking it
 * does, and returns the number of requests the page had sent before: every request from that
 * index on was sent after the change.
 */
function setVariable(page, name, value) {
  return page.evaluate(
    ([n, v]) => {
      const since = window.dashboardCheck.state().requestCount;
      window.dashboardCheck.setVariable(n, v);
      return since;
    },
    [name, value]
  );
}
function setAdHocFilters(page, name, filters) {
  return page.evaluate(
    ([n, f]) => {
      const since = window.dashboardCheck.state().requestCount;
      window.dashboardCheck.setAdHocFilters(n, f);
      return since;
    },
    [name, filters]
  );
}

/**
 * Waits until each panel of `ids` shows the answer to its newest query, sent after a change
 * (`since`, from setVariable or setAdHocFilters), with no variable loading; `want` (optional) is what each query of
 * that run must carry: a filter on `column` with exactly `values`, or `text` in its JSON. This is
 * the condition itself: other panels, annotation layers and requests in flight are not waited for,
 * and no run is counted. WAIT_MS is only a hang guard; when it trips, the error says which panel
 * was not there yet.
 */
async function waitForPanels(page, ids, since, want = {}) {
  const spec = { ids, since, want: want.values ? { ...want, values: [...want.values].sort() } : want };
  try {
    await page.waitForFunction(
      ({ ids, since, want }) => {
        if (window.dashboardCheckError) {
          return true;
        }
        const s = window.dashboardCheck?.state();
        if (!s || s.variables.some((v) => v.loading)) {
          return false;
        }
        const carries = (q) =>
          (!want.column ||
            (q.filters ?? []).some(
              (f) => f.column === want.column && JSON.stringify([...f.values].sort()) === JSON.stringify(want.values)
            )) &&
          (!want.text || JSON.stringify(q).includes(want.text));
        return ids.every((id) => {
          const p = s.panels.find((x) => x.id === id);
          return (
            p &&
            (p.state === 'Done' || p.state === 'Error') &&
            p.dataSeq >= since &&
            p.dataSeq === p.lastSentSeq &&
            p.queries.length > 0 &&
            p.queries.every(carries)
          );
        });
      },
      spec,
      { timeout: WAIT_MS, polling: 100 }
    );
  } catch (err) {
    const s = await page.evaluate(() => window.dashboardCheck?.state()).catch(() => undefined);
    const where = (s?.panels ?? [])
      .filter((p) => ids.includes(p.id))
      .map((p) => `${p.id} ${p.state} data #${p.dataSeq} last sent #${p.lastSentSeq} ${JSON.stringify(p.queries)}`)
      .join('\n    ');
    const loading = (s?.variables ?? []).filter((v) => v.loading).map((v) => v.name);
    const what = `panels ${ids} to show a query sent at or after #${since} carrying ${JSON.stringify(want)}`;
    throw new Error(
      `${err?.message ?? err}\n  waiting for ${what}; loading variables: [${loading}]\n    ${where}`.slice(0, 3000)
    );
  }
  const error = await page.evaluate(() => window.dashboardCheckError);
  assert(!error, `the dashboard page failed: ${error}`);
  return page.evaluate(() => window.dashboardCheck.state());
}

/** A fingerprint of the data a panel drew: row counts and sums of every number field. */
const fingerprint = (p) =>
  JSON.stringify(p.frames.map((f) => [f.length, f.fields.map((x) => (x.type === 'number' ? x.sum : x.nonNull))]));

export async function dashboardChecks({ context, pageUrl, check, outputDir, root }) {
  const dir = path.join(root, 'provisioning', 'dashboards');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert(files.length > 0, 'no dashboards in provisioning/dashboards/');
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));

  for (const file of files) {
    const saved = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    const uid = saved.uid;
    let state;

    await check(`dashboard ${uid}: loads, resolves its variables and runs its panels`, async () => {
      await page.goto(`${pageUrl}dashboard.html?file=${encodeURIComponent(file)}`);
      state = await waitSettled(page);
    });
    if (!state) {
      continue;
    }

    for (const v of saved.templating?.list ?? []) {
      if (v.type === 'adhoc') {
        await check(`dashboard ${uid}: ad hoc variable $${v.name} offers the partition key columns`, async () => {
          const keys = await page.evaluate((name) => window.dashboardCheck.adHocKeys(name), v.name);
          for (const k of ['environment', 'application', 'metric_name']) {
            assert(keys.includes(k), `ad hoc keys ${JSON.stringify(keys)} lack ${k}`);
          }
        });
        continue;
      }
      await check(`dashboard ${uid}: variable $${v.name} has values from Cassandra`, async () => {
        const got = state.variables.find((x) => x.name === v.name);
        assert(got, `variable ${v.name} missing`);
        assert(!got.error, `variable ${v.name}: ${got.error}`);
        assert(got.options.length > 0, `variable ${v.name} has no options (saved query ${JSON.stringify(v.query)})`);
        const value = [got.value].flat();
        assert(
          value.length > 0 && value.every((x) => got.options.includes(x)),
          `${v.name} = ${JSON.stringify(got.value)} is not one of ${got.options}`
        );
      });
    }

    // Grafana numbers panels without an id in order, as the dashboard page does.
    const panels = saved.panels.map((p, i) => ({ ...p, id: p.id ?? i + 1 })).filter((p) => p.targets?.length);
    for (const p of panels) {
      await check(`dashboard ${uid}: panel "${p.title}" (${p.type}) draws data`, async () => {
        const got = state.panels.find((x) => x.id === p.id);
        assert(got, `panel ${p.id} did not run`);
        assert(got.errors.length === 0, `panel errors: ${got.errors.join('; ')}`);
        const need = NEEDS[p.type];
        assert(need, `no check for panel type ${p.type}`);
        assert(need(got.frames), `frames do not fit a ${p.type} panel: ${JSON.stringify(got.frames).slice(0, 600)}`);
      });
    }

    await check(`dashboard ${uid}: no variable reference reaches the backend`, async () => {
      const names = (saved.templating?.list ?? []).map((v) => v.name);
      assert(state.sent.length > 0, 'no query went to the backend');
      for (const q of state.sent) {
        const text = JSON.stringify(q);
        const left = names.filter((n) => new RegExp(`\\$\\{?${n}\\b|\\[\\[${n}`).test(text));
        assert(left.length === 0, `$${left.join(', $')} reached the backend in ${text}`);
      }
    });

    const annotations = (saved.annotations?.list ?? []).filter((a) => !a.builtIn && a.enable !== false);
    for (const a of annotations) {
      await check(`dashboard ${uid}: annotation "${a.name}" returns events`, async () => {
        const layer = state.annotationLayers.find((l) => l.name === a.name);
        assert(layer && layer.state === 'Done', `annotation layer: ${JSON.stringify(layer)}`);
        // Events reach the panels with their data, as Grafana draws them.
        const ts = state.panels.filter((x) => x.type === 'timeseries');
        assert(
          ts.length > 0 && ts.every((x) => x.annotations > 0),
          `annotation "${a.name}" gave the time series panels no events`
        );
      });
    }

    await check(`dashboard ${uid}: screenshot`, async () => {
      // The panels drew in the frame after their data: two animation frames later they are on screen.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      await page.screenshot({ path: path.join(outputDir, `dashboard-${uid}.png`), fullPage: true });
    });

    // Another value of the first variable that has one must change what the panels show.
    const first = state.variables.find((v) => v.options.length > 1);
    if (first) {
      const next =
        first.options.includes('staging') && first.value !== 'staging'
          ? 'staging'
          : first.options.find((o) => o !== first.value);
      await check(
        `dashboard ${uid}: changing $${first.name} from ${first.value} to ${next} changes the data`,
        async () => {
          const before = Object.fromEntries(state.panels.map((p) => [p.id, fingerprint(p)]));
          // Every panel reads the variable: each must show the answer to a query sent with the new value.
          const since = await setVariable(page, first.name, next);
          const after = await waitForPanels(
            page,
            state.panels.map((p) => p.id),
            since,
            { text: next }
          );
          for (const p of after.panels) {
            assert(p.errors.length === 0, `panel "${p.title}" after the change: ${p.errors.join('; ')}`);
            assert(NEEDS[p.type](p.frames), `panel "${p.title}" has no data after the change`);
          }
          const changed = after.panels.filter((p) => fingerprint(p) !== before[p.id]);
          assert(
            changed.length === after.panels.length,
            `panels whose data did not change: ${after.panels
              .filter((p) => !changed.includes(p))
              .map((p) => p.title)
              .join(', ')}`
          );
          await page.screenshot({
            path: path.join(outputDir, `dashboard-${uid}-${first.name}-${next}.png`),
            fullPage: true,
          });
        }
      );
    }

    // An ad hoc filter narrows every builder panel, on top of the dashboard's variables.
    const adhoc = (saved.templating?.list ?? []).find((v) => v.type === 'adhoc');
    const multi = (saved.templating?.list ?? []).find((v) => v.type === 'query' && v.multi);
    if (adhoc && multi) {
      await check(
        `dashboard ${uid}: ad hoc filter on ${multi.name}'s column narrows the builder panels to one series`,
        async () => {
          await page.goto(`${pageUrl}dashboard.html?file=${encodeURIComponent(file)}`);
          let now = await waitSettled(page);
          // Every value of the multi-value variable: each builder panel shows several series.
          const all = now.variables.find((v) => v.name === multi.name).options;
          assert(all.length > 1, `$${multi.name} has ${all.length} options; the check needs two or more`);
          const builder = panels.filter((p) => p.targets.every((t) => t.queryType === 'builder')).map((p) => p.id);
          const column = saved.panels
            .flatMap((p) => p.targets ?? [])
            .flatMap((t) => t.filters ?? [])
            .find((f) => f.values?.includes(`$${multi.name}`))?.column;
          assert(column, `no builder filter uses $${multi.name}`);
          // Only the builder panels are waited for: a panel that does not read the variable (the
          // raw CQL table) does not run again, and need not.
          let since = await setVariable(page, multi.name, all);
          now = await waitForPanels(page, builder, since, { column, values: all });
          const series = (p) => p.frames.reduce((n, f) => n + f.fields.filter((x) => x.type === 'number').length, 0);
          for (const p of now.panels.filter((x) => builder.includes(x.id))) {
            assert(p.errors.length === 0, `panel "${p.title}": ${p.errors.join('; ')}`);
            assert(series(p) > 1, `panel "${p.title}" shows ${series(p)} series for every $${multi.name}`);
          }

          const sentBefore = now.sent.length;
          since = await setAdHocFilters(page, adhoc.name, [{ key: column, operator: '=', value: all[0] }]);
          now = await waitForPanels(page, builder, since, { column, values: [all[0]] });
          for (const p of now.panels.filter((x) => builder.includes(x.id))) {
            assert(p.errors.length === 0, `panel "${p.title}" with the ad hoc filter: ${p.errors.join('; ')}`);
            assert(
              NEEDS[p.type](p.frames) && series(p) === 1,
              `panel "${p.title}" shows ${series(p)} series with ${column} = ${all[0]}, want 1`
            );
          }
          // The filter went to the backend with each builder panel's query, beside the variable's values.
          const sent = now.sent.slice(sentBefore);
          for (const p of panels.filter((x) => builder.includes(x.id))) {
            for (const t of p.targets) {
              assert(
                sent.some(
                  (q) =>
                    q.table === t.table &&
                    q.filters?.some((f) => f.column === column && f.values.length === 1 && f.values[0] === all[0])
                ),
                `panel "${p.title}": no query for ${t.table} with the ad hoc filter among ${JSON.stringify(sent).slice(0, 600)}`
              );
            }
          }
          await page.screenshot({ path: path.join(outputDir, `dashboard-${uid}-adhoc.png`), fullPage: true });

          // "One of" (=|, the data source's multi-value operator): two values, two series.
          const two = all.slice(0, 2);
          since = await setAdHocFilters(page, adhoc.name, [
            { key: column, operator: '=|', value: two[0], values: two },
          ]);
          now = await waitForPanels(page, builder, since, { column, values: two });
          for (const p of now.panels.filter((x) => builder.includes(x.id))) {
            assert(p.errors.length === 0, `panel "${p.title}" with ${column} one of ${two}: ${p.errors.join('; ')}`);
            assert(
              series(p) === 2,
              `panel "${p.title}" shows ${series(p)} series with ${column} one of ${two}, want 2`
            );
          }
        }
      );
    }

    // The same dashboard with its variable queries saved in the other shapes Grafana keeps.
    for (const shape of ['string', 'query', 'rawCql']) {
      await check(
        `dashboard ${uid}: variables saved as ${shape === 'string' ? 'a plain string' : `{${shape}}`} give the same options`,
        async () => {
          await page.goto(`${pageUrl}dashboard.html?file=${encodeURIComponent(file)}&shape=${shape}`);
          const other = await waitSettled(page);
          for (const v of state.variables) {
            const o = other.variables.find((x) => x.name === v.name);
            assert(
              JSON.stringify(o?.options) === JSON.stringify(v.options),
              `${v.name}: ${JSON.stringify(o?.options)} vs ${JSON.stringify(v.options)}`
            );
          }
        }
      );
    }
  }

  await check('dashboard page: no page errors', async () => {
    assert(pageErrors.length === 0, `page errors:\n  ${pageErrors.join('\n  ')}`);
  });
  await page.close();
}
