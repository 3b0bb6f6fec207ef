import { z } from 'zod';

/**
 * The User Module's real-time events: one versioned envelope, validated at the consumer's door. Versioning rule:
 * additive, optional changes (a new optional payload field, a new event type consumers may not know yet) keep
 * `schema_version` 1; anything else (a field renamed, removed, retyped or made required) is version 2, and consumers
 * that accept it deploy before any producer sends it. A consumer refuses a version it does not know rather than
 * guess; the refused message waits in the dead-letter stream until it is replayed (`analytics stream dlq replay`).
 */
export const EVENT_SCHEMA_VERSION = 1;
/** Larger messages are refused unread: nothing the User Module sends comes near it. */
export const MAX_EVENT_BYTES = 16 * 1024;

/** Why a message was refused, checked in this order. `too_late` and `from_future` are the processor's. */
export const DEAD_LETTER_REASONS = [
  'oversized',
  'malformed_json',
  'unsupported_version',
  'unknown_type',
  'invalid_envelope',
  'invalid_payload',
  'too_late',
  'from_future',
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

const digits = z.string().regex(/^[1-9][0-9]{0,18}$/, 'a positive integer id in decimal');
/** The User Module ids are bigints; a pseudonymised (erased) user is a negative one. */
const userId = z.string().regex(/^-?[1-9][0-9]{0,18}$/, 'an integer user id in decimal');
const text = (max: number) => z.string().min(1).max(max);

export const EVENT_TYPES = ['auth.attempt', 'session.start', 'session.end', 'feature.used', 'api.request'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const FAILURE_REASONS = [
  'invalid_password',
  'unknown_user',
  'account_locked',
  'mfa_failed',
  'password_expired',
] as const;

export const authAttemptPayload = z
  .strictObject({
    outcome: z.enum(['success', 'failure']),
    failure_reason: z.enum(FAILURE_REASONS).optional(),
    attempted_email: z.email().max(320).optional(),
    ip: z.union([z.ipv4(), z.ipv6()]).optional(),
    user_agent: text(512).optional(),
  })
  .refine((p) => (p.outcome === 'failure') === (p.failure_reason !== undefined), {
    message: 'failure_reason is required for a failure and not allowed for a success',
    path: ['failure_reason'],
  });

export const sessionStartPayload = z.strictObject({
  session_id: digits,
  device: z.enum(['desktop', 'mobile', 'tablet']).optional(),
  ip: z.union([z.ipv4(), z.ipv6()]).optional(),
  user_agent: text(512).optional(),
});

export const sessionEndPayload = z.strictObject({ session_id: digits });

export const featureUsedPayload = z.strictObject({
  feature: text(64),
  action: text(64),
  session_id: digits.optional(),
});

export const apiRequestPayload = z.strictObject({
  endpoint: z.string().regex(/^\/[^\s]{0,255}$/, 'a path starting with /'),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
  status: z.number().int().min(100).max(599),
  latency_ms: z.number().int().min(0).max(3_600_000),
});

const envelope = {
  schema_version: z.literal(EVENT_SCHEMA_VERSION),
  event_id: z.uuid(),
  tenant_id: digits,
  user_id: userId.optional(),
  occurred_at: z.iso.datetime({ offset: false, precision: 3 }),
};

export const streamEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...envelope, type: z.literal('auth.attempt'), payload: authAttemptPayload }),
  z.strictObject({ ...envelope, type: z.literal('session.start'), user_id: userId, payload: sessionStartPayload }),
  z.strictObject({ ...envelope, type: z.literal('session.end'), payload: sessionEndPayload }),
  z.strictObject({ ...envelope, type: z.literal('feature.used'), user_id: userId, payload: featureUsedPayload }),
  z.strictObject({ ...envelope, type: z.literal('api.request'), payload: apiRequestPayload }),
]);
export type StreamEvent = z.output<typeof streamEventSchema>;

/**
 * Bus attributes of an event, the same from every producer (the simulator, the ingest function): the tenant and the
 * person (GDPR purges find pending entries by them), the type.
 */
export function eventAttributes(e: StreamEvent): Record<string, string> {
  return { tenant_id: e.tenant_id, ...(e.user_id ? { user_id: e.user_id } : {}), event_type: e.type };
}

/** The bytes a producer publishes for an event (UTF-8 JSON). */
export function serializeEvent(event: StreamEvent): Buffer {
  return Buffer.from(JSON.stringify(event), 'utf8');
}

export type ParseResult = { ok: true; event: StreamEvent } | { ok: false; reason: DeadLetterReason; detail: string };

const MAX_DETAIL = 2048;
const refuse = (reason: DeadLetterReason, detail: string): ParseResult => ({
  ok: false,
  reason,
  detail: detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL - 1)}…` : detail,
});
const decoder = new TextDecoder('utf-8', { fatal: true });
const ENVELOPE_KEYS = new Set(['schema_version', 'event_id', 'type', 'tenant_id', 'user_id', 'occurred_at', 'payload']);

/**
 * Parses one message. Never throws: a refusal says why (`DEAD_LETTER_REASONS`, in the order checked) and what
 * (zod's message, at most 2 KiB). The detail never quotes field values (they may be personal data).
 */
export function parseEvent(data: Buffer): ParseResult {
  if (data.length > MAX_EVENT_BYTES) return refuse('oversized', `${data.length} bytes > ${MAX_EVENT_BYTES}`);
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(data));
  } catch (err) {
    return refuse('malformed_json', err instanceof TypeError ? 'not UTF-8' : `not JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return refuse('malformed_json', 'not a JSON object');
  const record = raw as Record<string, unknown>;
  if (record.schema_version !== EVENT_SCHEMA_VERSION) {
    return refuse(
      'unsupported_version',
      record.schema_version === undefined
        ? 'schema_version is missing'
        : `schema_version ${JSON.stringify(record.schema_version).slice(0, 20)} is not ${EVENT_SCHEMA_VERSION}`,
    );
  }
  if (typeof record.type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(record.type)) {
    return refuse(
      'unknown_type',
      `type ${JSON.stringify(record.type)?.slice(0, 64) ?? 'missing'} is not one of ${EVENT_TYPES.join(', ')}`,
    );
  }
  const parsed = streamEventSchema.safeParse(raw);
  if (parsed.success) return { ok: true, event: parsed.data };
  const issues = parsed.error.issues;
  const inPayload = issues.every((i) => i.path[0] === 'payload');
  const unknownEnvelopeKey = Object.keys(record).some((k) => !ENVELOPE_KEYS.has(k));
  const detail = issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
  return refuse(inPayload && !unknownEnvelopeKey ? 'invalid_payload' : 'invalid_envelope', detail);
}
