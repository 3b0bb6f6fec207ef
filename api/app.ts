import Fastify from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { DashboardService } from '../dashboards/service';
import { TASK_QUEUES } from '../workflows/task-queues';
import type { ApiInstance, AppDeps } from './context';
import { ErasureService } from './erasures';
import { auditPlugin } from './plugins/audit';
import { authPlugin } from './plugins/auth';
import { corsPlugin } from './plugins/cors';
import { errorsPlugin } from './plugins/errors';
import { metricsPlugin } from './plugins/metrics';
import { openApiPlugin } from './plugins/openapi';
import { codecRoutes } from './routes/codec';
import { dashboardRoutes } from './routes/dashboards';
import { erasureRoutes } from './routes/erasures';
import { probeRoutes } from './routes/probes';

export type { AppDeps } from './context';

/**
 * Builds the HTTP API over its dependencies; it does not listen (tests use `app.inject()`, server.ts listens).
 * Plugins first, in the order their hooks run (CORS headers before authentication, so a 401 carries them too),
 * then the routes, each declaring its zod schemas; the OpenAPI document is generated from those routes.
 */
export function buildApp(deps: AppDeps): ApiInstance {
  const clock = deps.clock ?? (() => new Date());
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: deps.api.bodyLimitBytes,
    return503OnClosing: true,
  }).withTypeProvider<ZodTypeProvider>();
  // JSON only: Fastify's built-in text/plain parser would turn a wrong media type into a validation error.
  app.removeContentTypeParser('text/plain');

  void app.register(errorsPlugin);
  void app.register(metricsPlugin);
  void app.register(auditPlugin, { pool: deps.pool, clock });
  void app.register(corsPlugin, { uiUrl: deps.temporalUi.url });
  void app.register(authPlugin, { pool: deps.pool, rateLimitPerMinute: deps.api.rateLimitPerMinute, clock });
  void app.register(openApiPlugin, { publicUrl: deps.api.publicUrl });

  void app.register(probeRoutes, { temporal: deps.temporal, pool: deps.pool });
  const erasures = new ErasureService({
    temporal: deps.temporal,
    pool: deps.pool,
    subjectKey: deps.subjectKey,
    taskQueue: deps.taskQueue ?? TASK_QUEUES.gdpr,
    now: clock,
    workerDeadlineMs: deps.workerDeadlineMs,
  });
  void app.register(erasureRoutes, { erasures, publicUrl: deps.api.publicUrl, temporalUi: deps.temporalUi });
  void app.register(codecRoutes, {
    codec: deps.codec,
    uiCodecToken: deps.uiCodecToken,
    bodyLimitBytes: deps.api.bodyLimitBytes,
  });
  if (deps.warehouse) {
    const dashboards = new DashboardService({ warehouse: deps.warehouse, ui: deps.temporalUi });
    void app.register(dashboardRoutes, { dashboards });
  }
  return app;
}
