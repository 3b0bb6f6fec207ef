import Fastify from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorType, PlatformError } from '../../adapters/errors';
import type { Warehouse } from '../../adapters/ports';
import { DuckDbWarehouse } from '../../adapters/warehouse/duckdb';
import { errorsPlugin } from '../../api/plugins/errors';
import { openApiPlugin } from '../../api/plugins/openapi';
import { dashboardRoutes } from '../../api/routes/dashboards';
import { DashboardService } from '../../dashboards/service';
import { DASHBOARDS } from '../../dashboards/tiles';
import { userAnalytics } from '../../schema/warehouse';
import { insertRow } from '../helpers/dashboard-fixture';

/**
 * The dashboard routes on the API's own error handling and zod validation (the plugins buildApp registers), over an
 * in-memory DuckDB warehouse: bad filters answer 400 naming the field, a busy warehouse 503, the pages and assets.
 */
const UI = { url: 'http://ui.test:8233', namespace: 'default' };

function appOver(warehouse: Warehouse) {
  const app = Fastify().withTypeProvider<ZodTypeProvider>();
  void app.register(errorsPlugin);
  void app.register(openApiPlugin, { publicUrl: 'http://api.test' });
  void app.register(dashboardRoutes, { dashboards: new DashboardService({ warehouse, ui: UI }) });
  return app;
}

const wh = new DuckDbWarehouse(':memory:');
const app = appOver(wh);

beforeAll(async () => {
  await wh.ensureDataset(userAnalytics);
  await insertRow(wh, 'dim_tenants', '2026-11-26', { tenant_id: '7', tenant_name: 'Acme' });
  await insertRow(wh, 'rpt_engagement_daily', '2026-11-26', { tenant_id: '7', dau: 4 });
});

afterAll(async () => {
  await app.close();
  await wh.close();
});

const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });
const errorOf = (body: string) =>
  (JSON.parse(body) as { error: { code: string; message: string; fields?: Record<string, string[]> } }).error;

describe('GET /dashboards/api/<name>', () => {
  it('answers the tiles for valid filters, and all tenants for an empty tenant', async () => {
    const res = await get('/dashboards/api/engagement?tenant=&from=2026-11-01&to=2026-11-30');
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body) as { filters: unknown; tiles: { id: string; rows: unknown[] }[] };
    expect(body.filters).toEqual({ tenant: null, from: '2026-11-01', to: '2026-11-30', defaulted: [] });
    expect(body.tiles.map((t) => t.id)).toEqual(DASHBOARDS.engagement.tiles.map((t) => t.id));
    expect(body.tiles[0]?.rows).toHaveLength(1);
    expect((await get('/dashboards/api/engagement?tenant=7')).statusCode).toBe(200);
  });

  it.each([
    ['from=2026-13-01', 'querystring.from', /from is not a calendar day/],
    ['from=2026-02-30&to=2026-03-01', 'querystring.from', /from is not a calendar day/],
    ['to=yesterday', 'querystring.to', /to must be a day as YYYY-MM-DD/],
    ['from=2026-11-30&to=2026-11-01', 'querystring.from', /from \(2026-11-30\) is after to \(2026-11-01\)/],
    ['from=2025-01-01&to=2026-11-01', 'querystring.to', /covers 670 days; at most 366/],
    ['tenant=a%27%20or%201%3D1', 'querystring.tenant', /tenant must be a tenant id/],
    ['tenant=nope', 'querystring.tenant', /unknown tenant "nope"/],
    ['tenant=7&limit=5', 'querystring', /unrecognized key/i],
  ])('?%s → 400 naming %s', async (qs, field, message) => {
    const res = await get(`/dashboards/api/security?${qs}`);
    expect(res.statusCode).toBe(400);
    const error = errorOf(res.body);
    expect(error.code).toBe('invalid_request');
    const messages = Object.entries(error.fields ?? {})
      .filter(([k]) => k === field || k.startsWith(`${field}.`))
      .flatMap(([, v]) => v);
    expect(messages.join(' ') || error.message, JSON.stringify(error)).toMatch(message);
  });

  it('a warehouse held by another process answers 503 with Retry-After', async () => {
    const busy: Warehouse = {
      ...wh,
      query: () =>
        Promise.reject(new PlatformError(ErrorType.TransientInfrastructure, 'open: Could not set lock on file')),
      close: () => Promise.resolve(),
    } as unknown as Warehouse;
    const other = appOver(busy);
    try {
      const res = await other.inject({ method: 'GET', url: '/dashboards/api/system' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('2');
      expect(errorOf(res.body).message).toMatch(/warehouse is busy/);
    } finally {
      await other.close();
    }
  });

  it('an unknown dashboard is 404', async () => {
    expect((await get('/dashboards/api/looker')).statusCode).toBe(404);
    expect((await get('/dashboards/looker')).statusCode).toBe(404);
  });
});

describe('the pages and their assets', () => {
  it('serves each page with its tiles under a strict CSP, and the index', async () => {
    expect((await get('/dashboards')).headers.location).toBe('/dashboards/');
    const index = await get('/dashboards/');
    expect(index.statusCode).toBe(200);
    for (const name of Object.keys(DASHBOARDS)) expect(index.body).toContain(`href="/dashboards/${name}"`);
    for (const [name, spec] of Object.entries(DASHBOARDS)) {
      const res = await get(`/dashboards/${name}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['content-security-policy']).toMatch(/script-src 'self';/);
      expect(res.body).toContain(`data-api="/dashboards/api/${name}"`);
      for (const tile of spec.tiles) expect(res.body).toContain(`data-tile="${tile.id}"`);
      expect(res.body).not.toMatch(/<script>|https?:\/\//); // no inline script, nothing from another origin
    }
  });

  it('serves ECharts and the client from the project, with validators', async () => {
    const echarts = await get('/dashboards/assets/echarts.min.js');
    expect(echarts.statusCode).toBe(200);
    expect(echarts.headers['content-type']).toMatch(/^text\/javascript/);
    expect(echarts.body.length).toBeGreaterThan(500_000);
    const etag = String(echarts.headers.etag);
    expect((await get('/dashboards/assets/echarts.min.js', { 'if-none-match': etag })).statusCode).toBe(304);
    expect((await get('/dashboards/assets/dashboard.js')).body).toContain('/dashboards/api/');
    expect((await get('/dashboards/assets/../../package.json')).statusCode).toBe(404);
    expect((await get('/dashboards/assets/nope.js')).statusCode).toBe(404);
  });

  it('documents the JSON routes in OpenAPI, not the pages', async () => {
    const doc = JSON.parse((await get('/openapi.json')).body) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters?: { name: string }[] }>>;
    };
    const paths = Object.keys(doc.paths).filter((p) => p.startsWith('/dashboards'));
    expect(paths.sort()).toEqual(
      Object.keys(DASHBOARDS)
        .map((n) => `/dashboards/api/${n}`)
        .sort(),
    );
    const op = doc.paths['/dashboards/api/tenants']!.get!;
    expect(Object.keys(op.responses).sort()).toEqual(['200', '400', '503']);
    expect(op.parameters?.map((p) => p.name).sort()).toEqual(['from', 'tenant', 'to']);
  });
});
