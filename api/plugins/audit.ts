import fp from 'fastify-plugin';
import type pg from 'pg';
import { AuditWriter, type AuditEntry } from '../audit';

/**
 * One `platform.audit_log` row per call to a route whose config names an `action`, and per unknown route (never
 * its URL); written in batches off the response path (`app.flushAudit()` writes now; closing the app flushes).
 */
export const auditPlugin = fp<{ pool: pg.Pool; clock: () => Date }>(
  (app, opts, done) => {
    const audit = new AuditWriter(opts.pool, (err, dropped) =>
      app.log.error({ err, dropped }, 'audit log write failed (rows kept for the next attempt unless dropped)'),
    );
    app.decorate('flushAudit', () => audit.flush());
    app.addHook('onResponse', async (req, reply) => {
      const action = req.routeOptions.config?.action;
      const isNotFoundRoute = req.is404;
      if (!action && !isNotFoundRoute) return;
      const ctx = req.ctx ?? {};
      const status = reply.statusCode;
      const entry: AuditEntry = {
        occurredAt: opts.clock(),
        tenantId: ctx.tenantId ?? null,
        actor: ctx.principal?.keyId ?? 'anonymous',
        action: action ?? 'api.unknown_route',
        // Never the raw URL of an unknown route: a caller could put anything in it.
        resource: ctx.resource ?? (isNotFoundRoute ? '-' : (req.routeOptions.url ?? 'unmatched')),
        outcome:
          status < 400
            ? 'success'
            : ctx.denied || status === 401 || status === 403 || status === 429
              ? 'denied'
              : 'failure',
        workflowId: ctx.workflowId,
        runId: ctx.runId,
        details: {
          status,
          method: req.method,
          durationMs: Math.round(reply.elapsedTime * 100) / 100,
          code: ctx.errorCode,
        },
      };
      audit.write(entry);
    });
    app.addHook('onClose', async () => {
      await audit.close();
    });
    done();
  },
  { name: 'audit' },
);
