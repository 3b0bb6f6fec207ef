/**
 * What the stream processor hands to the stream store after one micro-batch, and what the store gives back to
 * rebuild a processor after a restart. Pure data: the processor (streaming/processor.ts) computes it, the store
 * (adapters/stream-store) commits it in one transaction, and only then are the batch's messages acknowledged.
 */
import type { StreamEvent } from '../schema/events';

/** Window rows are keyed by the minute they start (UTC, ISO `YYYY-MM-DDTHH:MM:00.000Z`) and the tenant. */
export interface WindowKey {
  windowStart: string;
  tenantId: string;
}

/** Increments to add to a row of `stream_login_attempts_1m` (key: window, tenant, outcome, failure_reason). */
export interface LoginDelta extends WindowKey {
  outcome: 'success' | 'failure';
  /** `none` for successes. */
  failureReason: string;
  attempts: number;
}

/** Increments for `stream_feature_usage_1m` (key: window, tenant, feature). */
export interface FeatureDelta extends WindowKey {
  feature: string;
  events: number;
}

/** Increments for `stream_api_performance_1m` (key: window, tenant, endpoint, method). */
export interface ApiDelta extends WindowKey {
  endpoint: string;
  method: string;
  requests: number;
  status4xx: number;
  status5xx: number;
  latencyMsSum: number;
  /** DDSketch of the batch's latencies (streaming/ddsketch.ts JSON); the store merges it into the row's sketch. */
  latencySketch: string;
}

/** Increments for `stream_sessions_1m` (key: window, tenant). Starts count in the start's window, ends in the end's. */
export interface SessionDelta extends WindowKey {
  started: number;
  ended: number;
  timedOut: number;
  durationSecondsSum: number;
  /** DDSketch of the durations of sessions that ended (or timed out) in this window. */
  durationSketch: string;
}

/** A session whose start was seen and whose end was not (yet). */
export interface OpenSession {
  sessionId: string;
  tenantId: string;
  userId?: string;
  startedAt: string;
  /** Latest event time seen for the session (its start or a feature use carrying its session_id). */
  lastSeenAt: string;
}

export type IncidentRule = 'brute_force_account' | 'brute_force_ip' | 'success_after_failures';

/** A real-time security incident, opened once per burst. */
export interface Incident {
  /** Deterministic from rule, tenant, subject and the burst's first failure: a replay opens the same id. */
  incidentId: string;
  rule: IncidentRule;
  tenantId: string;
  subjectKind: 'account' | 'ip';
  /** The account (user id, else the attempted email lower-cased) or the IP: personal data. */
  subject: string;
  userId?: string;
  failures: number;
  firstFailureAt: string;
  /** The event that crossed the threshold. */
  triggerEventId: string;
  triggerOccurredAt: string;
  /** Processing time of the detection; detection latency = detectedAt - triggerOccurredAt. */
  detectedAt: string;
  detectionLatencyMs: number;
}

/** A message the processor refused, with why. */
export interface Refusal {
  messageId: string;
  reason: string;
  detail: string;
}

/** An accepted event with the bus id that carried it (the raw buffer, the dedupe horizon). */
export interface AcceptedEvent {
  messageId: string;
  event: StreamEvent;
}

/** Counters of one batch. Always: received = processed + deadLettered + duplicates + redeliveries. */
export interface BatchCounts {
  /** Messages in the batch. */
  received: number;
  /** Accepted and applied to windows. */
  processed: number;
  deadLettered: number;
  /** A second message carrying an event_id already accepted within the lateness horizon (a producer retry). */
  duplicates: number;
  /** The same bus message again (already committed before a crash): skipped, counted nowhere else. */
  redeliveries: number;
}

export interface BatchOutput {
  counts: BatchCounts;
  accepted: AcceptedEvent[];
  refused: Refusal[];
  logins: LoginDelta[];
  features: FeatureDelta[];
  apis: ApiDelta[];
  sessions: SessionDelta[];
  /** Sessions opened (or extended) by this batch: the store upserts them. */
  openedSessions: OpenSession[];
  /** Session ids closed by this batch (an end, or the timeout): the store deletes them. */
  closedSessionIds: string[];
  incidents: Incident[];
  /** Event-time watermark after the batch (ISO); windows ending at or before it are closed. */
  watermark: string;
}

/** What a restarted processor is rebuilt from: all of it was committed by earlier batches. */
export interface ProcessorSnapshot {
  watermark?: string;
  openSessions: OpenSession[];
  /**
   * Accepted events whose event time is within the lateness horizon of the watermark (plus the incident lookback),
   * in commit order: they rebuild the dedupe set and the failure bursts without emitting anything again.
   */
  recent: AcceptedEvent[];
}
