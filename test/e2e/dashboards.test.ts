import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Adapters, QueryParam } from '../../adapters/ports';
import { DuckDbWarehouse } from '../../adapters/warehouse/duckdb';
import { startApi, type RunningApi } from '../../api/server';
import { startDaily } from '../../cli/run-daily';
import { PROJECT_ROOT } from '../../config';
import { DASHBOARDS, type DashboardName } from '../../dashboards/tiles';
import { buildAdapters } from '../../workers/adapters';
import { workflowUiUrl } from '../../workflows/ui-links';
import { insertRow } from '../helpers/dashboard-fixture';
import { seedDay, type SeededDay } from '../helpers/seeded-day';
import { createTestWorkerEnv, type TestWorkerEnv } from '../helpers/temporal';

/**
 * The local dashboards as a user sees them: one real daily pipeline run (small data set, one day, shared test
 * platform, private database and data directory) fills the warehouse; the API serves the pages; Debian's Chromium
 * opens each of the four. Every chart must hold data (read from the ECharts instance, not the DOM), the numbers
 * must equal the test's own SQL over the same marts for all tenants and after picking a tenant in the filter, the
 * pipeline tiles must link to the run that produced them, and the console must stay clean. Screenshots:
 * `.data/test/artifacts/dashboards/<name>.png`.
 */
const DAY = '2026-11-26';
const FROM = '2026-10-28'; // the default range: the 30 days ending on the newest day with data
const ARTIFACTS = path.join(PROJECT_ROOT, '.data/test/artifacts/dashboards');
const DS = 'user_analytics';

let env: TestWorkerEnv;
let seeded: SeededDay;
let adapters: Adapters;
let warehouse: DuckDbWarehouse;
let api: RunningApi;
let browser: Browser;
let run: { workflowId: string; runId: string };
/** The tenant the filter is set to: the one with the most daily active users. */
let tenant: string;

/**
 * The test's own figure for a tile, over the same mart: `agg` of the chart's values (of the named series, or of all
 * of them with '*') must equal the first column of `sql` (parameters @from, @to, @tenant; NULL tenant = all).
 */
interface Check {
  series: string;
  agg: 'sum' | 'max';
  sql: string;
}
const tenantOr = '(@tenant is null or tenant_id = @tenant)';
const range = (column = 'report_date') => `${column} between @from and @to`;
const CHECKS: Record<string, Check> = {
  'engagement.active-users': {
    series: 'DAU',
    agg: 'sum',
    sql: `select sum(dau) from ${DS}.rpt_engagement_daily where ${range()} and ${tenantOr}`,
  },
  'engagement.session-duration': {
    series: '*',
    agg: 'sum',
    sql: `select sum(m) from (select sum(total_duration_seconds) / sum(sessions) / 60.0 as m
          from ${DS}.rpt_session_duration_daily where ${range()} and ${tenantOr}
          group by report_date, device having sum(sessions) > 0) as per_device`,
  },
  'engagement.feature-adoption': {
    series: 'Events',
    agg: 'sum',
    sql: `select sum(events) from ${DS}.rpt_feature_adoption_daily where ${range()} and ${tenantOr}`,
  },
  'engagement.user-journeys': {
    series: 'Sessions',
    agg: 'max',
    sql: `select max(s) from (select sum(sessions) as s from ${DS}.rpt_user_journeys_daily
          where ${range()} and ${tenantOr} group by path) as paths`,
  },
  'engagement.funnel': {
    series: '*',
    agg: 'sum',
    sql: `select sum(users) from ${DS}.rpt_feature_funnel_daily where ${range()} and ${tenantOr}`,
  },
  'tenants.growth': {
    series: 'Users',
    agg: 'sum',
    sql: `select sum(total_users) from ${DS}.rpt_tenant_growth_daily where ${range()} and ${tenantOr}`,
  },
  'tenants.resources': {
    series: 'API calls',
    agg: 'sum',
    sql: `select sum(api_calls) from ${DS}.rpt_tenant_resources_daily where ${range()} and ${tenantOr}`,
  },
  'tenants.team-performance': {
    series: 'Shares',
    agg: 'sum',
    sql: `select sum(s) from (select sum(shares) as s from ${DS}.rpt_team_performance_daily
          where ${range()} and ${tenantOr} group by tenant_id, team_id
          order by sum(collaborations) desc, max(team_name) limit 10) as top_teams`,
  },
  'tenants.users-by-country': {
    series: 'Users',
    agg: 'max',
    sql: `select max(u) from (select sum(users) as u from ${DS}.rpt_user_distribution_daily
          where report_date = @to and attribute = 'country' and ${tenantOr} group by attribute_value) as c`,
  },
  'tenants.users-by-role': {
    series: 'Users',
    agg: 'sum',
    sql: `select sum(users) from ${DS}.rpt_user_distribution_daily
          where report_date = @to and attribute = 'role' and ${tenantOr}`,
  },
  'security.auth-patterns': {
    series: 'Login attempts',
    agg: 'sum',
    sql: `select sum(login_attempts) from ${DS}.rpt_security_daily where ${range()} and ${tenantOr}`,
  },
  'security.login-failures': {
    series: '*',
    agg: 'sum',
    sql: `select sum(failures) from ${DS}.rpt_login_failures_daily where ${range()} and ${tenantOr}`,
  },
  'security.permission-access': {
    series: 'Checks',
    agg: 'max',
    sql: `select max(c) from (select sum(checks) as c from ${DS}.rpt_permission_access_daily
          where ${range()} and ${tenantOr} group by resource, permission) as pairs`,
  },
  'security.denials-by-role': {
    series: 'Checks',
    agg: 'sum',
    sql: `select sum(checks) from ${DS}.rpt_permission_access_daily where ${range()} and ${tenantOr}`,
  },
  'security.incidents': {
    series: '*',
    agg: 'sum',
    sql: `select sum(incidents) from ${DS}.rpt_incidents_daily where ${range()} and ${tenantOr}`,
  },
  'system.api-latency': {
    series: 'p95',
    agg: 'max',
    sql: `select sum(p95_ms * requests) / sum(requests) from ${DS}.rpt_api_performance_daily
          where ${range()} and p95_ms is not null`,
  },
  'system.slowest-endpoints': {
    series: 'p95',
    agg: 'max',
    sql: `select max(p95_ms) from ${DS}.rpt_api_performance_daily where report_date = @to and requests >= 20`,
  },
  'system.api-errors': {
    series: 'Requests',
    agg: 'sum',
    sql: `select sum(requests) from ${DS}.rpt_api_errors_daily where ${range()} and ${tenantOr}`,
  },
  'system.pipeline-scalability': {
    series: 'transform',
    agg: 'sum',
    sql: `select sum(transform_ms) from ${DS}.pipeline_runs
          where ${range('logical_date')} and pipeline = 'user-analytics-daily' and status = 'succeeded'`,
  },
  'system.stream-rate': {
    series: '*',
    agg: 'sum',
    sql: `select sum(n) from (
            select attempts as n from ${DS}.stream_login_attempts_1m where ${range('window_date')} and ${tenantOr}
            union all select events from ${DS}.stream_feature_usage_1m where ${range('window_date')} and ${tenantOr}
            union all select requests from ${DS}.stream_api_performance_1m where ${range('window_date')} and ${tenantOr}
            union all select sessions_started + sessions_ended from ${DS}.stream_sessions_1m
              where ${range('window_date')} and ${tenantOr}) as events`,
  },
};

interface ChartSeries {
  name: string;
  type: string;
  data: unknown[];
}
interface TileView {
  id: string;
  empty: boolean;
  emptyText: string;
  canvas: boolean;
  series: ChartSeries[];
  runId: string | null;
  runHref: string | null;
  provenance: string;
}

/** Every tile as drawn: the ECharts instance's option (series and their data), the empty state and the run link. */
const TILES_IN_PAGE = `(() => [...document.querySelectorAll('[data-tile]')].map((el) => {
  const box = el.querySelector('.chart');
  const chart = window.echarts.getInstanceByDom(box);
  const option = chart ? chart.getOption() : null;
  const link = el.querySelector('a[data-run-id]');
  const canvas = box.querySelector('canvas');
  return {
    id: el.dataset.tile,
    empty: el.hasAttribute('data-empty'),
    emptyText: el.querySelector('.empty').textContent,
    canvas: Boolean(canvas && canvas.width > 0 && canvas.height > 0 && box.getBoundingClientRect().height > 0),
    series: option ? option.series.map((s) => ({ name: s.name, type: s.type, data: s.data })) : [],
    runId: link ? link.dataset.runId : null,
    runHref: link ? link.href : null,
    provenance: el.querySelector('.provenance').textContent,
  };
}))()`;

/** The numbers of a series' data: plain values, [x, y] pairs (y) or funnel items ({ value }). */
function valuesOf(data: unknown[]): number[] {
  return data.flatMap((d) => {
    const v: unknown = Array.isArray(d)
      ? (d as unknown[])[1]
      : d !== null && typeof d === 'object'
        ? (d as { value: unknown }).value
        : d;
    return typeof v === 'number' ? [v] : [];
  });
}

function figure(view: TileView, check: Check): number {
  const series = check.series === '*' ? view.series : view.series.filter((s) => s.name === check.series);
  if (check.series !== '*' && series.length === 0) throw new Error(`${view.id}: no series ${check.series}`);
  const values = series.flatMap((s) => valuesOf(s.data));
  return check.agg === 'sum' ? values.reduce((a, b) => a + b, 0) : Math.max(...values);
}

async function sqlFigure(check: Check, tenantId: string | null): Promise<number> {
  const params: Record<string, QueryParam> = {
    from: { type: 'DATE', value: FROM },
    to: { type: 'DATE', value: DAY },
    tenant: { type: 'STRING', value: tenantId },
  };
  const used = Object.fromEntries(Object.entries(params).filter(([name]) => check.sql.includes(`@${name}`)));
  const [row] = await warehouse.query(check.sql, used);
  return Number(Object.values(row ?? {})[0] ?? 0);
}

async function tilesOf(page: Page): Promise<TileView[]> {
  return page.evaluate<TileView[]>(TILES_IN_PAGE);
}

/** Waits for the page to finish its n-th load (the first load is 1); a selector, so it works under the page's CSP. */
async function loaded(page: Page, n: number): Promise<void> {
  await page.waitForSelector(`body[data-loads="${n}"]:not([data-state="loading"])`, {
    state: 'attached',
    timeout: 30_000,
  });
  expect(await page.getAttribute('body', 'data-state')).toBe('ready');
}

/**
 * Opens a dashboard in a fresh context. The page's CSP forbids evaluating strings, which is how this test reads
 * the ECharts instances: `inspect` contexts bypass the CSP; `strict` ones keep it, to prove the page itself runs
 * under it (a violation is a console error).
 */
async function openPage(
  name: DashboardName,
  query = '',
  mode: 'inspect' | 'strict' = 'inspect',
): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, bypassCSP: mode === 'inspect' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  await page.goto(`${api.url}/dashboards/${name}${query}`);
  await loaded(page, 1);
  return { page, errors, close: () => context.close() };
}

/** Real-time windows for two tenants, written through the warehouse port (the consumers' projection writes them). */
async function writeStreamWindows(): Promise<void> {
  const other = (
    await warehouse.query(`select min(tenant_id) as t from ${DS}.dim_tenants where tenant_id <> @t`, {
      t: tenant,
    })
  )[0]?.t as string;
  for (const [i, t] of [tenant, other].entries()) {
    for (let minute = 0; minute < 5; minute++) {
      const window = { window_start: `${DAY}T12:0${minute}:00.000Z`, tenant_id: t };
      await insertRow(warehouse, 'stream_login_attempts_1m', DAY, {
        ...window,
        outcome: 'success',
        failure_reason: 'none',
        attempts: 3 + i,
      });
      await insertRow(warehouse, 'stream_feature_usage_1m', DAY, {
        ...window,
        feature: 'pipeline',
        events: 7 + minute,
      });
      await insertRow(warehouse, 'stream_api_performance_1m', DAY, {
        ...window,
        endpoint: '/api/v1/jobs',
        method: 'GET',
        requests: 20 * (i + 1),
      });
      await insertRow(warehouse, 'stream_sessions_1m', DAY, { ...window, sessions_started: 2, sessions_ended: 1 });
    }
  }
}

beforeAll(async () => {
  env = await createTestWorkerEnv();
  seeded = await seedDay('dash_e2e', DAY);
  adapters = buildAdapters(seeded.config, () => undefined);
  const workflowId = env.workflowId('user-analytics-daily');
  run = await env.withWorker(async () => {
    const h = await startDaily(
      env.client,
      seeded.config,
      { logicalDate: DAY },
      { taskQueue: env.taskQueue, workflowId },
    );
    await h.result();
    return { workflowId: h.workflowId, runId: h.runId };
  }, adapters);
  await adapters.close();
  // One Warehouse for the API and the test's own queries: one DuckDB instance in this process.
  warehouse = new DuckDbWarehouse(seeded.config.warehouse.duckdbPath, 10_000);
  const [top] = await warehouse.query(
    `select tenant_id from ${DS}.rpt_engagement_daily where report_date = @d order by dau desc, tenant_id limit 1`,
    { d: { type: 'DATE', value: DAY } },
  );
  tenant = String(top?.tenant_id);
  api = await startApi(seeded.config, { host: '127.0.0.1', port: 0, warehouse });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await api?.close(); // closes the warehouse too
  await env?.close();
  await seeded?.destroy();
});

describe('the local dashboards in Chromium, over a real daily run', () => {
  it('the stream tile says honestly that there is no stream data yet', async () => {
    const { page, errors, close } = await openPage('system');
    try {
      const stream = (await tilesOf(page)).find((t) => t.id === 'system.stream-rate');
      expect(stream?.empty).toBe(true);
      expect(stream?.canvas).toBe(false);
      expect(stream?.emptyText).toMatch(/no stream data/);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
    await writeStreamWindows();
  });

  it.each(Object.keys(DASHBOARDS) as DashboardName[])(
    '%s: every chart has data equal to SQL, for all tenants and for one, with run links and a clean console',
    async (name) => {
      // Under the page's own CSP: it loads, every tile draws a canvas, nothing is refused.
      const strict = await openPage(name, '', 'strict');
      try {
        expect(await strict.page.locator('.tile .chart canvas').count()).toBe(DASHBOARDS[name].tiles.length);
        expect(strict.errors).toEqual([]);
      } finally {
        await strict.close();
      }
      const { page, errors, close } = await openPage(name);
      try {
        // The default range: the 30 days ending on the newest day with data.
        expect(await page.inputValue('input[name=from]')).toBe(FROM);
        expect(await page.inputValue('input[name=to]')).toBe(DAY);
        const all = await tilesOf(page);
        expect(all.map((t) => t.id)).toEqual(DASHBOARDS[name].tiles.map((t) => t.id));
        for (const view of all) {
          const spec = DASHBOARDS[name].tiles.find((t) => t.id === view.id)!;
          expect(view.empty, `${view.id} is empty: ${view.emptyText}`).toBe(false);
          expect(view.canvas, `${view.id} drew no canvas`).toBe(true);
          expect(view.series.length, view.id).toBeGreaterThan(0);
          expect(
            view.series.some((s) => valuesOf(s.data).length > 0),
            `${view.id} has no values`,
          ).toBe(true);
          const check = CHECKS[view.id];
          expect(check, `no check for ${view.id}`).toBeDefined();
          expect(figure(view, check!), view.id).toBeCloseTo(await sqlFigure(check!, null), 6);
          if (spec.source === 'stream') {
            expect(view.runId).toBeNull();
            expect(view.provenance).toMatch(/stream consumers/);
          } else {
            // The run that produced the newest day shown: the one this test ran, as a Temporal UI link.
            expect(view.runId, view.id).toBe(run.runId);
            expect(view.runHref, view.id).toBe(
              workflowUiUrl(
                { url: seeded.config.temporal.uiUrl, namespace: seeded.config.temporal.namespace },
                run.workflowId,
                run.runId,
              ),
            );
          }
        }
        await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

        // Pick a tenant: the page refetches; tenant tiles change and equal the same SQL for that tenant.
        await page.selectOption('select[name=tenant]', tenant);
        await loaded(page, 2);
        expect(new URL(page.url()).searchParams.get('tenant')).toBe(tenant);
        const one = await tilesOf(page);
        for (const view of one) {
          const spec = DASHBOARDS[name].tiles.find((t) => t.id === view.id)!;
          const before = all.find((t) => t.id === view.id)!;
          const expected = await sqlFigure(CHECKS[view.id]!, spec.scope === 'tenant' ? tenant : null);
          if (expected === 0 && view.empty) continue; // this tenant has none of it (e.g. no incident)
          expect(view.empty, `${view.id} under tenant ${tenant}`).toBe(false);
          expect(figure(view, CHECKS[view.id]!), `${view.id} under tenant ${tenant}`).toBeCloseTo(expected, 6);
          if (spec.scope === 'tenant') expect(view.series, `${view.id} did not change`).not.toEqual(before.series);
          else expect(view.series, `${view.id} is platform-wide`).toEqual(before.series);
        }
        await page.screenshot({ path: path.join(ARTIFACTS, `${name}-tenant.png`), fullPage: true });
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    },
    120_000,
  );

  it('changing the date range refetches: a range without data shows every tile empty; the run link is real', async () => {
    const { page, errors, close } = await openPage('engagement', `?from=${FROM}&to=${DAY}`);
    try {
      await page.fill('input[name=to]', '2026-11-25');
      await loaded(page, 2);
      const views = await tilesOf(page);
      for (const view of views) {
        expect(view.empty, view.id).toBe(true);
        expect(view.emptyText, view.id).toBe('no data for these filters');
      }
      expect(new URL(page.url()).searchParams.get('to')).toBe('2026-11-25');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
    const described = await env.client.workflow.getHandle(run.workflowId, run.runId).describe();
    expect(described.status.name).toBe('COMPLETED');
  });
});
