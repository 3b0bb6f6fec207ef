import { z } from 'zod';
import { codecHttpPayloadSchema } from '../security/codec-http';
import {
  ERASURE_STEPS,
  gdprErasureInputSchema,
  requestIdSchema,
  type ErasureCertificate,
  type ErasureStatus,
} from '../workflows/gdpr-contract';

/**
 * Every schema the API validates with. The routes (api/routes/*) declare them through the zod type provider, which
 * validates requests and types the handlers; @fastify/swagger generates the OpenAPI document from the same routes
 * (api/plugins/openapi.ts), where schemas registered here become named components.
 */
export const components = z.registry<{ id: string; description?: string }>();

const input = gdprErasureInputSchema.shape;

export const createErasureBody = z
  .strictObject({
    tenantId: input.tenantId,
    userId: input.userId,
    requestedBy: input.requestedBy.describe('Who asked: a principal id (ticket, operator id), never an email.'),
    reason: input.reason,
  })
  .register(components, { id: 'CreateErasureRequest' });

export const cancelErasureBody = z
  .strictObject({
    requestedBy: z.string().min(1).max(200).optional().describe('Defaults to the API key id.'),
    reason: z.string().max(1000).optional(),
  })
  .register(components, { id: 'CancelErasureRequest' });

export const idempotencyKeySchema = z
  .string()
  .min(8, 'at least 8 characters (use a UUID)')
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

// Header schemas are loose: validation replaces `req.headers` with its result, which must keep the other headers.
export const createErasureHeaders = z.looseObject({ 'idempotency-key': idempotencyKeySchema });

export const requestIdParams = z.strictObject({ id: requestIdSchema });

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      fields: z.record(z.string(), z.array(z.string())).optional(),
    }),
  })
  .register(components, { id: 'Error' });

export const linksSchema = z.object({
  self: z.url(),
  cancel: z.url(),
  certificate: z.url(),
  ui: z.url().describe('The run in the Temporal Web UI.'),
});

export const erasureAcceptedSchema = z
  .object({
    requestId: requestIdSchema,
    workflowId: z.string(),
    status: z.literal('accepted'),
    links: linksSchema,
  })
  .register(components, { id: 'ErasureAccepted' });

const stepName = z.enum(ERASURE_STEPS);
const counts = z.record(z.string(), z.number());

export const erasureStepSchema = z.object({
  name: stepName,
  status: z.enum(['pending', 'running', 'completed', 'failed', 'compensated', 'skipped']),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  counts,
  error: z.string().optional(),
});

export const erasureStatusSchema = z
  .object({
    requestId: z.string(),
    tenantId: z.string(),
    state: z.enum(['running', 'awaiting_operator', 'completed', 'rejected', 'cancelled']),
    stage: stepName,
    pointOfNoReturnPassed: z.boolean(),
    requestedAt: z.string(),
    updatedAt: z.string(),
    completedAt: z.string().optional(),
    reason: z.string().optional(),
    steps: z.array(erasureStepSchema),
    subjectToken: z.string(),
  })
  .register(components, { id: 'ErasureStatus' });

export const certificateSchema = z
  .object({
    certificateId: z.string(),
    requestId: z.string(),
    tenantId: z.string(),
    subjectToken: z.string(),
    requestedBy: z.string(),
    requestedAt: z.string(),
    completedAt: z.string(),
    workflowId: z.string(),
    runId: z.string(),
    steps: z.array(z.object({ name: stepName, startedAt: z.string(), finishedAt: z.string(), counts })),
    verification: z.array(z.object({ store: z.string(), scanned: z.number(), occurrences: z.number() })),
    residualCopies: z.array(z.object({ store: z.string(), description: z.string(), expiresAt: z.string() })),
    digest: z.string(),
  })
  .register(components, { id: 'ErasureCertificate' });

// The documentation schemas must describe exactly the contract's types (checked at compile time, both ways).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const statusMatches: Same<z.infer<typeof erasureStatusSchema>, ErasureStatus> = true;
const certificateMatches: Same<z.infer<typeof certificateSchema>, ErasureCertificate> = true;
void statusMatches;
void certificateMatches;

/** `state` of a request: the saga's state, or what happened to a run that closed without a result. */
export const requestStateSchema = z.enum([
  'running',
  'awaiting_operator',
  'completed',
  'rejected',
  'cancelled',
  'failed',
  'terminated',
  'timed_out',
]);

export const erasureRequestSchema = z
  .object({
    requestId: requestIdSchema,
    workflowId: z.string(),
    runId: z.string(),
    state: requestStateSchema,
    execution: z.string().describe('Temporal execution status (RUNNING, COMPLETED, TERMINATED, …).'),
    status: erasureStatusSchema.nullable().describe('The saga status; null when the run closed without a result.'),
    links: linksSchema,
  })
  .register(components, { id: 'ErasureRequest' });

export const cancelAcceptedSchema = z
  .object({ requestId: requestIdSchema, state: requestStateSchema, status: erasureStatusSchema })
  .register(components, { id: 'CancelAccepted' });

/**
 * The codec server protocol body (security/codec-http.ts), strict here: a payload with a field the protocol does
 * not have is refused (400), as the document says (`additionalProperties: false`).
 */
export const codecBody = z
  .strictObject({
    // At most 1000 payloads, as security/codec-http.ts allows.
    payloads: z.array(codecHttpPayloadSchema.strict()).max(1000),
  })
  .register(components, { id: 'CodecPayloads' });
export const codecHeaders = z.looseObject({
  'x-namespace': z
    .string()
    .max(255)
    .regex(/^[A-Za-z0-9._-]+$/, 'a namespace name')
    .optional(),
});

export const healthSchema = z.object({ status: z.literal('ok') }).register(components, { id: 'Health' });
export const readySchema = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    checks: z.record(z.string(), z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() })),
  })
  .register(components, { id: 'Readiness' });

const cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const valueFormat = z.enum(['count', 'percent', 'ms', 'minutes']);
const runLink = z.object({ workflowId: z.string(), runId: z.string(), url: z.url() });

/** A dashboard's tiles with their rows (dashboards/service.ts `DashboardData`); aggregates only, no personal data. */
export const dashboardSchema = z
  .object({
    dashboard: z.object({ name: z.string(), title: z.string(), description: z.string() }),
    dashboards: z.array(z.object({ name: z.string(), title: z.string() })),
    filters: z.object({
      tenant: z.string().nullable(),
      from: z.string(),
      to: z.string(),
      defaulted: z.array(z.enum(['from', 'to'])).describe('Which of from/to the server chose (no data: today).'),
    }),
    tenants: z.array(z.object({ id: z.string(), name: z.string() })).describe('Every tenant (dim_tenants).'),
    tiles: z.array(
      z.object({
        id: z.string(),
        title: z.string(),
        description: z.string(),
        mart: z.string().describe('The warehouse table the figures come from.'),
        scope: z
          .enum(['tenant', 'platform'])
          .describe('platform: across all tenants, the tenant filter does not apply.'),
        source: z.enum(['daily', 'runs', 'stream']),
        chart: z.enum(['line', 'bar', 'hbar', 'funnel', 'scatter']),
        x: z.object({
          column: z.string(),
          kind: z.enum(['date', 'time', 'category', 'value']),
          name: z.string().optional(),
        }),
        series: z.union([
          z.array(
            z.object({
              column: z.string(),
              name: z.string(),
              type: z.enum(['line', 'bar', 'scatter']),
              axis: z.union([z.literal(0), z.literal(1)]).optional(),
              stack: z.string().optional(),
            }),
          ),
          z.object({ by: z.string(), value: z.string(), type: z.enum(['line', 'bar']), stack: z.boolean().optional() }),
        ]),
        formats: z.array(valueFormat.optional()).optional(),
        empty: z.string().optional(),
        rows: z.array(z.record(z.string(), cell)),
        latestDate: z.string().nullable(),
        run: runLink.nullable().describe('The succeeded pipeline run that produced the newest day shown.'),
        link: z.object({ label: z.string(), url: z.url() }).optional(),
        note: z.string().optional(),
      }),
    ),
  })
  .register(components, { id: 'Dashboard' });
