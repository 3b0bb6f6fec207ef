import { timingSafeEqual } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type pg from 'pg';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { type Config, workflowUiUrl } from '../config';
import { TASK_QUEUES } from '../workflows/task-queues';
import { AuditWriter, type AuditEntry } from './audit';
import { CodecHttpError, handleCodecRequest } from '../security/codec-http';
import { codecOrigins } from './codec';
import { ErasureService, canSee, type ErasureRow } from './erasures';
import { ApiError, notFound, parseOr400 } from './errors';
import { verifyApiKey, type Principal, type Scope } from './keys';
import { openApiDocument } from './openapi';
import { TokenBuckets } from './rate-limit';
import {
  cancelErasureBody,
  codecBody,
  codecHeaders,
  createErasureBody,
  createErasureHeaders,
  requestIdParams,
} from './schemas';

export interface AppDeps {
  /** A Temporal client built with the project's data converter (payload codec), see api/server.ts. */
  temporal: Client;
  /** Pool over the platform store (schema `platform`, migrated by schema/platform/migrate.ts). */
  pool: pg.Pool;
  api: Config['api'];
  /** Web UI base URL and namespace: response links, and the origin allowed to call the codec routes. */
  temporalUi: { url: string; namespace: string };
  /** GDPR subject key (security/secrets.ts): workflow ids and the HMACs of idempotency keys and bodies. */
  subjectKey: Buffer;
  /** The PayloadCodec served on /codec/encode and /codec/decode. */
  codec: PayloadCodec;
  /**
   * Capability token of the Web UI codec path `/codec/ui/<token>/{encode,decode}` (a UI without SSO cannot send an
   * API key); undefined disables the path.
   */
  uiCodecToken?: string;
  /** @default () => new Date() */
  clock?: () => Date;
  /** @default TASK_QUEUES.gdpr (tests pass their own) */
  taskQueue?: string;
  /** Fastify logger option (false in tests). @default false */
  logger?: boolean | Record<string, unknown>;
  /** Deadline for status queries and cancel updates, which need a worker. @default 10 s */
  workerDeadlineMs?: number;
}

interface RouteMeta {
  /** Required scope; absent = no authentication. */
  scope?: Scope;
  /** Audit action; absent = not audited (probes, scrapes, CORS preflight). */
  action?: string;
}

interface RequestContext {
  principal?: Principal;
  resource?: string;
  tenantId?: string | null;
  workflowId?: string;
  runId?: string;
  /** Answered as not found, but actually refused (another tenant). */
  denied?: boolean;
  errorCode?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    ctx: RequestContext;
  }
  interface FastifyInstance {
    /** Writes queued audit rows now (tests; shutdown does it too). */
    flushAudit(): Promise<void>;
    metricsRegistry: Registry;
  }
  interface FastifyContextConfig {
    scope?: Scope;
    action?: string;
  }
}

const CODEC_BODY_LIMIT = 4 * 1024 * 1024;
const REALM = 'Bearer realm="hire10x-analytics"';

/** Fastify's own errors (body parsing, media type, size) as the API's error shape; never a 500 for bad input. */
function fromFastifyError(err: FastifyError): ApiError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'payload_too_large', 'request body too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(415, 'unsupported_media_type', 'send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError(400, 'invalid_json', 'the body is empty but Content-Type says application/json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError(400, 'invalid_request', 'Content-Length does not match the body');
    default:
      break;
  }
  if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new ApiError(400, 'invalid_json', 'the body is not valid JSON');
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return new ApiError(err.statusCode, 'bad_request', err.message);
  }
  return undefined;
}

/** Temporal or PostgreSQL down: a 503 the caller can retry, not a 500. */
function isUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; name?: string };
  return (
    e.code === 14 ||
    e.code === 'ECONNREFUSED' ||
    e.code === '57P01' ||
    e.name === 'ServiceError' ||
    e.name === 'TransportError'
  );
}

/** Builds the HTTP API over its dependencies; it does not listen (tests use `app.inject()`, server.ts listens). */
export function buildApp(deps: AppDeps): FastifyInstance {
  const clock = deps.clock ?? (() => new Date());
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: deps.api.bodyLimitBytes,
    return503OnClosing: true,
  });
  // JSON only: Fastify's built-in text/plain parser would turn a wrong media type into a validation error.
  app.removeContentTypeParser('text/plain');
  const erasures = new ErasureService({
    temporal: deps.temporal,
    pool: deps.pool,
    subjectKey: deps.subjectKey,
    taskQueue: deps.taskQueue ?? TASK_QUEUES.gdpr,
    now: clock,
    workerDeadlineMs: deps.workerDeadlineMs,
  });
  const buckets = new TokenBuckets(deps.api.rateLimitPerMinute, () => clock().getTime());
  const audit = new AuditWriter(deps.pool, (err, dropped) =>
    app.log.error({ err, dropped }, 'audit log write failed (rows kept for the next attempt unless dropped)'),
  );
  const origins = codecOrigins(deps.temporalUi.url);
  const publicUrl = deps.api.publicUrl;

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  app.decorate('metricsRegistry', registry);
  app.decorate('flushAudit', () => audit.flush());
  app.decorateRequest('ctx', null as unknown as RequestContext);

  // --- every request: context, CORS for the codec routes, authentication, rate limit -------------------------
  app.addHook('onRequest', async (req, reply) => {
    req.ctx = {};
    if (req.url.startsWith('/codec/')) {
      const origin = req.headers.origin;
      if (origin && origins.has(origin)) {
        // Credentials mode 'include' (the UI's "include cross-origin credentials") forbids `*`: echo the origin.
        reply.header('access-control-allow-origin', origin);
        reply.header('access-control-allow-credentials', 'true');
      }
      reply.header('vary', 'Origin');
    }
    const meta = req.routeOptions.config as RouteMeta;
    if (!meta.scope) return;
    const header = req.headers.authorization;
    const token = typeof header === 'string' && /^Bearer /i.test(header) ? header.slice(7).trim() : undefined;
    if (!token) {
      throw new ApiError(401, 'unauthorized', 'an API key is required: Authorization: Bearer h10x_…', undefined, {
        'www-authenticate': REALM,
      });
    }
    const check = await verifyApiKey(deps.pool, token);
    if (!check.ok) {
      const message = check.reason === 'revoked' ? 'the API key was revoked' : 'unknown or malformed API key';
      throw new ApiError(401, 'unauthorized', message, undefined, {
        'www-authenticate': `${REALM}, error="invalid_token"`,
      });
    }
    req.ctx.principal = check.principal;
    req.ctx.tenantId = check.principal.tenantId;
    const taken = buckets.take(check.principal.keyId);
    if (!taken.ok) {
      throw new ApiError(429, 'rate_limited', 'rate limit of this API key exhausted', undefined, {
        'retry-after': String(taken.retryAfterSeconds),
      });
    }
    if (!check.principal.scopes.has(meta.scope)) {
      throw new ApiError(403, 'forbidden', `this API key lacks the scope ${meta.scope}`);
    }
  });

  // --- every response: metrics, audit -------------------------------------------------------------------------
  app.addHook('onResponse', async (req, reply) => {
    const route = req.is404 ? 'unmatched' : (req.routeOptions.url ?? 'unmatched');
    duration.observe({ method: req.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    const meta = (req.routeOptions.config ?? {}) as RouteMeta;
    const isNotFoundRoute = req.is404;
    if (!meta.action && !isNotFoundRoute) return;
    const ctx = req.ctx ?? {};
    const status = reply.statusCode;
    const entry: AuditEntry = {
      occurredAt: clock(),
      tenantId: ctx.tenantId ?? null,
      actor: ctx.principal?.keyId ?? 'anonymous',
      action: meta.action ?? 'api.unknown_route',
      // Never the raw URL of an unknown route: a caller could put anything in it.
      resource: ctx.resource ?? (isNotFoundRoute ? '-' : route),
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

  app.setErrorHandler((err: FastifyError, req, reply) => {
    let apiError = err instanceof ApiError ? err : fromFastifyError(err);
    if (!apiError && isUnavailable(err)) {
      req.log.warn({ err }, 'dependency unavailable');
      apiError = new ApiError(
        503,
        'unavailable',
        'a dependency (Temporal or the platform store) is unavailable',
        undefined,
        {
          'retry-after': '5',
        },
      );
    }
    if (!apiError) {
      req.log.error({ err }, 'unhandled error');
      apiError = new ApiError(500, 'internal_error', 'internal error');
    }
    if (req.ctx && (err as { denied?: boolean }).denied) req.ctx.denied = true;
    if (req.ctx) req.ctx.errorCode = apiError.code;
    void reply.status(apiError.statusCode).headers(apiError.headers).send(apiError.toJSON());
  });
  app.setNotFoundHandler((req, reply) => {
    req.ctx ??= {};
    req.ctx.errorCode = 'not_found';
    void reply.status(404).send(new ApiError(404, 'not_found', 'no such route').toJSON());
  });

  // --- probes, metrics, document --------------------------------------------------------------------------------
  app.get('/healthz', () => Promise.resolve({ status: 'ok' as const }));
  app.get('/readyz', async (_req, reply) => {
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
  });
  app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  const document = openApiDocument(publicUrl);
  app.get('/openapi.json', { config: { action: 'api.openapi' } }, () => Promise.resolve(document));

  // --- GDPR erasure requests ------------------------------------------------------------------------------------
  const links = (row: ErasureRow) => {
    const self = `${publicUrl}/v1/gdpr/erasure-requests/${row.requestId}`;
    return {
      self,
      cancel: `${self}/cancel`,
      certificate: `${self}/certificate`,
      ui: workflowUiUrl(deps.temporalUi, row.workflowId, row.runId),
    };
  };
  const remember = (req: FastifyRequest, row: ErasureRow) => {
    req.ctx.resource = row.requestId;
    req.ctx.tenantId = row.tenantId;
    req.ctx.workflowId = row.workflowId;
    req.ctx.runId = row.runId;
  };
  const findRow = async (req: FastifyRequest): Promise<ErasureRow> => {
    const { id } = parseOr400(requestIdParams, req.params, 'params');
    req.ctx.resource = id;
    const row = await erasures.find(req.ctx.principal!, id);
    remember(req, row);
    return row;
  };

  app.post(
    '/v1/gdpr/erasure-requests',
    { config: { scope: 'gdpr:write', action: 'gdpr.erasure.create' } },
    async (req: FastifyRequest, reply: FastifyReply) => {
      const headers = parseOr400(createErasureHeaders, req.headers, 'headers');
      const body = parseOr400(createErasureBody, req.body ?? {}, 'body');
      const principal = req.ctx.principal!;
      req.ctx.tenantId = body.tenantId;
      if (!canSee(principal, body.tenantId)) {
        req.ctx.denied = true;
        throw notFound('tenant');
      }
      const { row, replayed } = await erasures.create(principal, body, headers['idempotency-key']);
      remember(req, row);
      if (replayed) void reply.header('idempotent-replayed', 'true');
      return reply
        .status(202)
        .send({ requestId: row.requestId, workflowId: row.workflowId, status: 'accepted', links: links(row) });
    },
  );
  app.get(
    '/v1/gdpr/erasure-requests/:id',
    { config: { scope: 'gdpr:read', action: 'gdpr.erasure.status' } },
    async (req) => {
      const row = await findRow(req);
      const view = await erasures.view(row);
      return {
        requestId: row.requestId,
        workflowId: row.workflowId,
        runId: row.runId,
        state: view.state,
        execution: view.execution,
        status: view.status,
        links: links(row),
      };
    },
  );
  app.post(
    '/v1/gdpr/erasure-requests/:id/cancel',
    { config: { scope: 'gdpr:write', action: 'gdpr.erasure.cancel' } },
    async (req, reply) => {
      const row = await findRow(req);
      const body = parseOr400(cancelErasureBody, req.body ?? {}, 'body');
      const status = await erasures.cancel(row, {
        requestedBy: body.requestedBy ?? req.ctx.principal!.keyId,
        ...(body.reason !== undefined ? { reason: body.reason } : {}),
      });
      return reply.status(202).send({ requestId: row.requestId, state: status.state, status });
    },
  );
  app.get(
    '/v1/gdpr/erasure-requests/:id/certificate',
    { config: { scope: 'gdpr:read', action: 'gdpr.erasure.certificate' } },
    async (req) => erasures.certificate(await findRow(req)),
  );

  // --- Temporal Web UI codec server -----------------------------------------------------------------------------
  // Two ways in, one handler: an API key with gdpr:read, or the Web UI's capability path, whose token in the URL
  // stands in for the key (a UI without SSO cannot send one; encode/decode only).
  const uiToken = deps.uiCodecToken ? Buffer.from(deps.uiCodecToken) : undefined;
  const codecRoute = async (req: FastifyRequest, direction: 'encode' | 'decode', resource: string) => {
    req.ctx.resource = resource;
    parseOr400(codecHeaders, req.headers, 'headers');
    const body = parseOr400(codecBody, req.body, 'body');
    try {
      return await handleCodecRequest(deps.codec, direction, body);
    } catch (err) {
      if (err instanceof CodecHttpError) {
        throw new ApiError(err.status, err.status === 400 ? 'invalid_request' : 'codec_failed', err.message);
      }
      throw err;
    }
  };
  const bodyLimit = Math.max(CODEC_BODY_LIMIT, deps.api.bodyLimitBytes);
  for (const direction of ['encode', 'decode'] as const) {
    app.post(
      `/codec/${direction}`,
      { bodyLimit, config: { scope: 'gdpr:read', action: `codec.${direction}` } },
      (req) => codecRoute(req, direction, `codec.${direction}`),
    );
    app.post(
      `/codec/ui/:token/${direction}`,
      { bodyLimit, config: { action: `codec.ui.${direction}` } },
      async (req) => {
        const given = Buffer.from(String((req.params as { token?: string }).token ?? ''));
        if (!uiToken || given.length !== uiToken.length || !timingSafeEqual(given, uiToken)) {
          req.ctx.denied = true;
          throw new ApiError(401, 'unauthorized', 'unknown codec token');
        }
        return codecRoute(req, direction, `codec.ui.${direction}`);
      },
    );
  }
  app.options('/codec/*', async (_req, reply) =>
    reply
      .status(204)
      .header('access-control-allow-methods', 'POST, OPTIONS')
      .header('access-control-allow-headers', 'Authorization, Content-Type, X-Namespace')
      .header('access-control-max-age', '600')
      .send(),
  );

  app.addHook('onClose', async () => {
    await audit.close();
  });
  return app;
}
