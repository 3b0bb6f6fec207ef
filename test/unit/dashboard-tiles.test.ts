import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../adapters/warehouse/duckdb';
import { DashboardInputError, DashboardService, latestDaySql, provenanceSql } from '../../dashboards/service';
import { allTiles, DASHBOARDS, paramsOf, partitionOf, tablesOf, type TileSpec } from '../../dashboards/tiles';
import { findTable, KNOWN_PII_COLUMNS, userAnalytics } from '../../schema/warehouse';
import { workflowUiUrl } from '../../workflows/ui-links';
import { insertRow } from '../helpers/dashboard-fixture';

/**
 * The tile catalogue (dashboards/tiles.ts) against the one warehouse schema, and the service over a DuckDB warehouse
 * with a handful of rows: what every tile reads, that it reads no personal column, filters every table by day,
 * takes its input as parameters only, and that the tenant filter, the default range and the run links work.
 */

/** Columns that hold personal data anywhere in the schema: flagged pii, erased, known-personal names, user ids. */
const PERSONAL = new Set(
  userAnalytics.tables.flatMap((t) =>
    t.columns
      .filter(
        (c) =>
          c.pii === true ||
          (c.erasure !== undefined && c.erasure !== 'keep') ||
          KNOWN_PII_COLUMNS.includes(c.name) ||
          c.name === 'user_id',
      )
      .map((c) => c.name),
  ),
);

/** Identifiers of a statement (string literals removed) that name a personal column. */
function personalColumnsIn(sql: string): string[] {
  const code = sql.replace(/'[^']*'/g, "''");
  return [...new Set(code.match(/\b[a-z_][a-z0-9_]*\b/gi) ?? [])].filter((w) => PERSONAL.has(w.toLowerCase()));
}

/** Each `from <table>` of the statement must be followed, before the next `from`, by its day filter. */
function unfilteredReads(sql: string, filter: (partition: string) => string): string[] {
  const reads = [...sql.matchAll(/\bfrom\s+user_analytics\.([a-z0-9_]+)/gi)];
  return reads.flatMap((m, i) => {
    const table = m[1] ?? '';
    const segment = sql.slice(m.index, reads[i + 1]?.index ?? sql.length);
    return segment.includes(filter(partitionOf(table))) ? [] : [table];
  });
}

const between = (p: string) => `${p} between @from and @to`;

describe('the tile catalogue', () => {
  const tiles = allTiles();

  it('has the four dashboards, unique tile ids, and every mart of the issue', () => {
    expect(Object.keys(DASHBOARDS)).toEqual(['engagement', 'tenants', 'security', 'system']);
    expect(new Set(tiles.map((t) => t.id)).size).toBe(tiles.length);
    for (const [name, spec] of Object.entries(DASHBOARDS)) {
      for (const tile of spec.tiles) expect(tile.id.startsWith(`${name}.`), tile.id).toBe(true);
    }
    const marts = new Set(tiles.flatMap((t) => tablesOf(t.sql)));
    for (const mart of [
      'rpt_engagement_daily',
      'rpt_session_duration_daily',
      'rpt_feature_adoption_daily',
      'rpt_user_journeys_daily',
      'rpt_feature_funnel_daily',
      'rpt_tenant_growth_daily',
      'rpt_tenant_resources_daily',
      'rpt_team_performance_daily',
      'rpt_user_distribution_daily',
      'rpt_security_daily',
      'rpt_login_failures_daily',
      'rpt_permission_access_daily',
      'rpt_incidents_daily',
      'rpt_api_performance_daily',
      'rpt_api_errors_daily',
      'pipeline_runs',
      'stream_login_attempts_1m',
      'stream_feature_usage_1m',
      'stream_api_performance_1m',
      'stream_sessions_1m',
    ]) {
      expect(marts, mart).toContain(mart);
    }
  });

  it('the personal-column check knows the personal columns and catches one', () => {
    for (const c of ['email', 'ip', 'attempted_email', 'user_id', 'full_name', 'user_agent'])
      expect(PERSONAL).toContain(c);
    expect(personalColumnsIn('select count(distinct ip) as ips from user_analytics.fact_auth_events')).toEqual(['ip']);
    expect(personalColumnsIn("select count(*) from t where kind = 'email'")).toEqual([]);
  });

  it.each(tiles.map((t) => [t.id, t] as const))('%s reads no personal column', (_id, tile) => {
    expect(personalColumnsIn(tile.sql)).toEqual([]);
  });

  it.each(tiles.map((t) => [t.id, t] as const))(
    '%s filters every table it reads by day, through parameters only',
    (_id, tile) => {
      expect(tablesOf(tile.sql)).toContain(tile.mart);
      expect(unfilteredReads(tile.sql, between)).toEqual([]);
      expect(paramsOf(tile.sql).every((p) => ['from', 'to', 'tenant'].includes(p))).toBe(true);
      // A tenant-scoped tile applies the tenant filter to every table it reads; a platform tile reads none per tenant.
      const reads = (tile.sql.match(/\bfrom\s+user_analytics\./gi) ?? []).length;
      const tenantFilters = (tile.sql.match(/\(@tenant is null or tenant_id = @tenant\)/g) ?? []).length;
      expect(tenantFilters).toBe(tile.scope === 'tenant' ? reads : 0);
      if (tile.scope === 'platform') {
        for (const table of tablesOf(tile.sql))
          expect(findTable(userAnalytics, table).columns.map((c) => c.name)).not.toContain('tenant_id');
      }
    },
  );

  it('the provenance and default-range statements filter by day and read no personal column', () => {
    for (const spec of Object.values(DASHBOARDS)) {
      const provenance = provenanceSql(spec) ?? '';
      expect(unfilteredReads(provenance, between)).toEqual([]);
      expect(personalColumnsIn(provenance)).toEqual([]);
      expect(unfilteredReads(latestDaySql(spec), (p) => `${p} >= @since`)).toEqual([]);
    }
  });
});

describe('the dashboards over a DuckDB warehouse', () => {
  const wh = new DuckDbWarehouse(':memory:');
  const UI = { url: 'http://ui.test:8233', namespace: 'default' };
  const service = new DashboardService({ warehouse: wh, ui: UI, today: () => '2026-11-30' });
  const D1 = '2026-11-25';
  const D2 = '2026-11-26';

  beforeAll(async () => {
    await wh.ensureDataset(userAnalytics);
    await insertRow(wh, 'dim_tenants', D1, { tenant_id: 't1', tenant_name: 'Acme' });
    await insertRow(wh, 'dim_tenants', D1, { tenant_id: 't2', tenant_name: 'Globex' });
    // Every table a tile reads gets one row per tenant (or one, platform-wide) on each of the two days.
    const seeded = new Set<string>();
    for (const tile of allTiles()) {
      for (const table of tablesOf(tile.sql)) {
        if (seeded.has(table) || table === 'pipeline_runs') continue;
        seeded.add(table);
        const hasTenant = findTable(userAnalytics, table).columns.some((c) => c.name === 'tenant_id');
        for (const day of [D1, D2]) {
          for (const extra of fixtureVariants(table, day)) {
            if (!hasTenant) await insertRow(wh, table, day, extra);
            else {
              await insertRow(wh, table, day, {
                ...extra,
                tenant_id: 't1',
                ...(table === 'rpt_engagement_daily' ? { dau: 10 } : {}),
              });
              await insertRow(wh, table, day, {
                ...extra,
                tenant_id: 't2',
                ...(table === 'rpt_engagement_daily' ? { dau: 3 } : {}),
              });
            }
          }
        }
      }
    }
    const run = (day: string, runId: string, status: string, finished: string) =>
      insertRow(wh, 'pipeline_runs', day, {
        workflow_id: `user-analytics-daily:${day}`,
        run_id: runId,
        pipeline: 'user-analytics-daily',
        status,
        started_at: `${day}T01:00:00.000Z`,
        finished_at: finished,
        rows_loaded: 1000,
      });
    await run(D1, 'run-d1', 'succeeded', `${D1}T02:00:00.000Z`);
    await run(D2, 'run-d2-old', 'succeeded', `${D2}T02:00:00.000Z`);
    await run(D2, 'run-d2-new', 'succeeded', `${D2}T05:00:00.000Z`);
    await run(D2, 'run-d2-failed', 'failed', `${D2}T06:00:00.000Z`);
  });

  afterAll(() => wh.close());

  /** The rows a table needs so that every tile over it has something to show. */
  function fixtureVariants(table: string, day: string): Record<string, string | number>[] {
    if (table === 'rpt_user_distribution_daily') return [{ attribute: 'country' }, { attribute: 'role' }];
    if (table === 'rpt_api_performance_daily') return [{ requests: 100 }];
    if (table.startsWith('stream_')) return [{ window_start: `${day}T10:00:00.000Z` }];
    return [{}];
  }

  const tileOf = (tiles: { id: string }[], id: string) => {
    const tile = tiles.find((t) => t.id === id);
    if (!tile) throw new Error(`no tile ${id}`);
    return tile as TileSpec & { rows: Record<string, unknown>[]; run: { runId: string; url: string } | null };
  };

  it.each(Object.keys(DASHBOARDS) as (keyof typeof DASHBOARDS)[])(
    '%s: every tile has rows with the columns it declares, and pipeline tiles link to their run',
    async (name) => {
      const data = await service.load(name, { from: D1, to: D2 });
      expect(data.tenants).toEqual([
        { id: 't1', name: 'Acme' },
        { id: 't2', name: 'Globex' },
      ]);
      for (const tile of data.tiles) {
        expect(tile.rows.length, tile.id).toBeGreaterThan(0);
        const columns = Object.keys(tile.rows[0] ?? {});
        const declared = Array.isArray(tile.series)
          ? tile.series.map((s) => s.column)
          : [tile.series.by, tile.series.value];
        expect(columns, tile.id).toEqual(expect.arrayContaining([tile.x.column, ...declared]));
        if (tile.source === 'stream') {
          expect(tile.run).toBeNull();
          expect(tile.link?.url).toContain('stream-consumer');
          continue;
        }
        // The newest day shown is D2; its newest succeeded run produced it (not the older one, not the failed one).
        expect(tile.latestDate, tile.id).toBe(D2);
        expect(tile.run, tile.id).toEqual({
          workflowId: `user-analytics-daily:${D2}`,
          runId: 'run-d2-new',
          url: workflowUiUrl(UI, `user-analytics-daily:${D2}`, 'run-d2-new'),
        });
      }
    },
  );

  it('the tenant filter changes the numbers; a range ending on D1 links to the D1 run', async () => {
    const all = await service.load('engagement', { from: D1, to: D2 });
    const t2 = await service.load('engagement', { from: D1, to: D2, tenant: 't2' });
    expect(tileOf(all.tiles, 'engagement.active-users').rows.map((r) => r.dau)).toEqual([13, 13]);
    expect(tileOf(t2.tiles, 'engagement.active-users').rows.map((r) => r.dau)).toEqual([3, 3]);
    expect(t2.filters).toEqual({ tenant: 't2', from: D1, to: D2, defaulted: [] });
    const d1 = await service.load('engagement', { from: D1, to: D1 });
    expect(tileOf(d1.tiles, 'engagement.active-users').run?.runId).toBe('run-d1');
  });

  it('defaults to the 30 days ending on the newest day with data', async () => {
    const data = await service.load('security', {});
    expect(data.filters).toEqual({ tenant: null, from: '2026-10-28', to: D2, defaulted: ['to', 'from'] });
    const onlyTo = await service.load('security', { to: D1 });
    expect(onlyTo.filters).toMatchObject({ from: '2026-10-27', to: D1, defaulted: ['from'] });
  });

  it('refuses an unknown tenant, naming it', async () => {
    await expect(service.load('tenants', { tenant: 'nope' })).rejects.toThrow(DashboardInputError);
    await expect(service.load('tenants', { tenant: 'nope' })).rejects.toThrow(/unknown tenant "nope"/);
  });

  it('a warehouse without the tables answers empty tiles that say why', async () => {
    const empty = new DuckDbWarehouse(':memory:');
    try {
      const data = await new DashboardService({ warehouse: empty, ui: UI, today: () => D2 }).load('system', {});
      expect(data.tenants).toEqual([]);
      expect(data.filters).toMatchObject({ from: '2026-10-28', to: D2 });
      for (const tile of data.tiles) {
        expect(tile.rows).toEqual([]);
        expect(tile.note).toMatch(/not in the warehouse yet/);
      }
    } finally {
      await empty.close();
    }
  });
});
