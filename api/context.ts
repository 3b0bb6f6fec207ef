import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import type { Warehouse } from '../adapters/ports';
import type { Config } from '../config';
import type { Principal, Scope } from './keys';

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
  /**
   * The warehouse the local dashboards read (`/dashboards/`, dashboards/). Without one the dashboard routes are not
   * registered (the CLI passes one on the local platform only). @default none
   */
  warehouse?: Warehouse;
}

/** What a route declares in its `config`: read by the auth and audit plugins. */
export interface RouteMeta {
  /** Required scope; absent = no authentication. */
  scope?: Scope;
  /** Audit action; absent = not audited (probes, scrapes, CORS preflight). */
  action?: string;
  /** The request body may be absent (documented as `requestBody.required: false`). */
  optionalBody?: boolean;
}

/** Per-request facts the hooks and handlers fill in and the audit plugin writes. */
export interface RequestContext {
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
    optionalBody?: boolean;
  }
}

/** The Fastify instance every plugin and route module receives: zod schemas type requests and replies. */
export type ApiInstance = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;
