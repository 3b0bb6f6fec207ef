import type { FastifyReply } from 'fastify';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { dashboardQuerySchema } from '../../dashboards/filters';
import { BASE, CONTENT_SECURITY_POLICY, dashboardPage, indexPage, loadAssets } from '../../dashboards/page';
import { DashboardInputError, type DashboardService } from '../../dashboards/service';
import { DASHBOARD_NAMES, DASHBOARDS } from '../../dashboards/tiles';
import { ErrorType } from '../../schema/failure-types';
import { ApiError } from '../errors';
import { dashboardSchema } from '../schemas';
import { errorResponses, json } from './responses';

export interface DashboardRoutesOptions {
  dashboards: DashboardService;
}

/** The warehouse could not be opened in time (another process held the DuckDB file): retry shortly. */
const BUSY: readonly string[] = [ErrorType.TransientInfrastructure, ErrorType.Timeout];
const isBusy = (err: unknown) =>
  (err as { name?: string }).name === 'PlatformError' && BUSY.includes((err as { type: string }).type);

const html = (reply: FastifyReply, body: string) =>
  reply
    .type('text/html; charset=utf-8')
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'no-cache')
    .send(body);

/**
 * The local dashboards (dashboards/): the pages and their assets (hidden from the OpenAPI document: they are not
 * the JSON API) and one JSON endpoint per dashboard. No API key: they show counts only, and are registered only when
 * the API is given a warehouse (the local platform; see cli/gdpr.ts).
 */
export const dashboardRoutes: FastifyPluginCallbackZod<DashboardRoutesOptions> = (app, opts, done) => {
  const assets = loadAssets();
  const pages = new Map(DASHBOARD_NAMES.map((name) => [name, dashboardPage(name)]));
  const index = indexPage();

  app.get(BASE, { schema: { hide: true } }, (_req, reply) => reply.redirect(`${BASE}/`));
  app.get(`${BASE}/`, { schema: { hide: true } }, (_req, reply) => html(reply, index));
  for (const [name, page] of pages)
    app.get(`${BASE}/${name}`, { schema: { hide: true } }, (_r, reply) => html(reply, page));

  app.get(`${BASE}/assets/:file`, { schema: { hide: true, params: z.object({ file: z.string() }) } }, (req, reply) => {
    const asset = assets.get(req.params.file);
    if (!asset) throw new ApiError(404, 'not_found', 'no such asset');
    void reply.header('etag', asset.etag).header('cache-control', 'public, max-age=300');
    if (req.headers['if-none-match'] === asset.etag) return reply.status(304).send();
    return reply.type(asset.contentType).header('x-content-type-options', 'nosniff').send(asset.body);
  });

  for (const name of DASHBOARD_NAMES) {
    const spec = DASHBOARDS[name];
    app.get(
      `${BASE}/api/${name}`,
      {
        schema: {
          operationId: `dashboard${name[0]?.toUpperCase()}${name.slice(1)}`,
          summary: `${spec.title} dashboard: every tile's rows, the tenants and the run links`,
          description:
            `${spec.description} Tiles: ${spec.tiles.map((t) => `${t.title} (${t.mart})`).join(', ')}. ` +
            'Without from/to: the 30 days ending on the newest day with data.',
          tags: ['dashboards'],
          querystring: dashboardQuerySchema,
          response: {
            200: json(dashboardSchema, 'The tiles'),
            ...errorResponses(400, 503),
          },
        },
      },
      async (req) => {
        try {
          return await opts.dashboards.load(name, req.query);
        } catch (err) {
          if (err instanceof DashboardInputError) {
            throw new ApiError(400, 'invalid_request', err.message, { [`querystring.${err.field}`]: [err.message] });
          }
          if (isBusy(err)) {
            req.log.warn({ err }, 'warehouse busy');
            throw new ApiError(
              503,
              'unavailable',
              'the warehouse is busy (another process holds it); retry',
              undefined,
              {
                'retry-after': '2',
              },
            );
          }
          throw err;
        }
      },
    );
  }
  done();
};
