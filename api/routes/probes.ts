import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../context';
import { healthSchema, readySchema } from '../schemas';
import { json } from './responses';

/** `/healthz` (no I/O), `/readyz` (Temporal and PostgreSQL), `/metrics` (Prometheus): no authentication, no audit. */
export const probeRoutes: FastifyPluginCallbackZod<Pick<AppDeps, 'temporal' | 'pool'>> = (app, deps, done) => {
  app.get(
    '/healthz',
    { schema: { operationId: 'health', summary: 'Liveness', response: { 200: json(healthSchema, 'Alive') } } },
    () => Promise.resolve({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'ready',
        summary: 'Readiness: Temporal and the platform store answer',
        response: { 200: json(readySchema, 'Ready'), 503: json(readySchema, 'Not ready') },
      },
    },
    async (_req, reply) => {
      const timed = async (fn: () => Promise<unknown>) => {
        const started = performance.now();
        try {
          await fn();
          return { ok: true, latencyMs: Math.round(performance.now() - started) };
        } catch (err) {
          return { ok: false, latencyMs: Math.round(performance.now() - started), error: (err as Error).message };
        }
      };
      const [temporal, postgres] = await Promise.all([
        timed(() =>
          deps.temporal.connection.withDeadline(Date.now() + 2_000, () =>
            deps.temporal.workflowService.getSystemInfo({}),
          ),
        ),
        timed(() => deps.pool.query('select 1')),
      ]);
      const ready = temporal.ok && postgres.ok;
      return reply
        .status(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'not_ready', checks: { temporal, postgres } });
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        operationId: 'metrics',
        summary: 'Prometheus metrics',
        response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } } },
      },
    },
    async (_req, reply) => reply.type(app.metricsRegistry.contentType).send(await app.metricsRegistry.metrics()),
  );
  done();
};
