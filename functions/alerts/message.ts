import type { Topic } from '@google-cloud/pubsub';
import { z } from 'zod';

/**
 * The alerts topic's message: one JSON object per Pub/Sub message, validated by the alert handler before anything is
 * posted. Producers: workflows and the watchdog (pipeline failures, SLA misses), the stream consumer (security
 * incidents), the data-validation function (quarantined files). Additive optional fields keep `version` 1.
 */
export const ALERT_KINDS = ['pipeline_failure', 'sla_miss', 'security_incident', 'data_quarantine'] as const;
export const ALERT_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;

export const alertMessageSchema = z.strictObject({
  version: z.literal(1),
  kind: z.enum(ALERT_KINDS),
  severity: z.enum(ALERT_SEVERITIES),
  /**
   * Dedupe key: the same key within the dedupe window is posted once (a retried workflow, a redelivered event, a file
   * validated twice). Printable ASCII without spaces, e.g. `pipeline_failure:daily:2026-01-31`.
   */
  key: z.string().regex(/^[\x21-\x7e]{1,256}$/, 'printable ASCII without spaces, 1-256 characters'),
  title: z.string().min(1).max(200),
  text: z.string().min(1).max(3000),
  /** Who raised it (`workflow:daily-pipeline`, `function:dataValidation`). */
  source: z.string().min(1).max(100),
  occurred_at: z.iso.datetime({ offset: true }),
  /** Rate-limit channel. @default the kind */
  channel: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, _ and -')
    .optional(),
  /** A page to open (the Temporal UI run, the quarantined object). */
  link: z.url().optional(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});
export type AlertMessage = z.output<typeof alertMessageSchema>;

export type AlertParse = { ok: true; alert: AlertMessage } | { ok: false; detail: string };

/** Parses one message's bytes; never throws. */
export function parseAlert(data: Buffer): AlertParse {
  let raw: unknown;
  try {
    raw = JSON.parse(data.toString('utf8'));
  } catch (err) {
    return { ok: false, detail: `not JSON: ${(err as Error).message}` };
  }
  const parsed = alertMessageSchema.safeParse(raw);
  return parsed.success ? { ok: true, alert: parsed.data } : { ok: false, detail: z.prettifyError(parsed.error) };
}

/** The channel an alert's rate limit counts against. */
export const channelOf = (alert: AlertMessage) => alert.channel ?? alert.kind;

/** Publishes a validated alert (attributes carry kind, severity and key, for subscription filters). */
export async function publishAlert(topic: Topic, alert: AlertMessage): Promise<string> {
  const checked = alertMessageSchema.parse(alert);
  return topic.publishMessage({
    data: Buffer.from(JSON.stringify(checked), 'utf8'),
    attributes: { kind: checked.kind, severity: checked.severity, key: checked.key },
  });
}
