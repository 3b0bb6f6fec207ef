import { eventDate, nullable, occurredAt, personal, required, tenantId, userIdInFact } from './columns';
import { WAREHOUSE_RETENTION_DAYS } from '../retention/policy';
import type { Column, Table } from './types';

/**
 * Stream tables: what the real-time consumers (activities/stream) compute from the event bus, in 1-minute tumbling
 * windows of event time per tenant, plus the security incidents they open. The consumers commit them in their state
 * store (PostgreSQL schema `stream`, DDL generated from these definitions) batch by batch, and project each closed
 * window (and every later correction of it) into the warehouse with an idempotent upsert keyed by the primary key.
 */

const windowStart = (): Column =>
  required('window_start', 'TIMESTAMP', 'Start of the 1-minute tumbling window of event time (UTC).');
const windowDate = (): Column => required('window_date', 'DATE', 'UTC date of window_start; the partition column.');
const updatedAt = (): Column =>
  required('updated_at', 'TIMESTAMP', 'When the consumer last changed the row (a late event corrects its window).');

const windowTable = (name: string, description: string, key: string[], columns: Column[]): Table => ({
  name,
  kind: 'stream',
  description,
  columns: [windowStart(), windowDate(), tenantId(), ...columns, updatedAt()],
  primaryKey: ['window_start', 'tenant_id', ...key],
  partitionColumn: 'window_date',
  clusterBy: ['tenant_id', ...key.slice(0, 3)],
  requirePartitionFilter: true,
  retentionDays: WAREHOUSE_RETENTION_DAYS[name as keyof typeof WAREHOUSE_RETENTION_DAYS],
});

export const streamLoginAttempts = windowTable(
  'stream_login_attempts_1m',
  'Login attempts per minute and tenant, by outcome and failure reason (auth.attempt events).',
  ['outcome', 'failure_reason'],
  [
    required('outcome', 'STRING', 'success | failure.'),
    required(
      'failure_reason',
      'STRING',
      'invalid_password | unknown_user | account_locked | mfa_failed | password_expired; none for successes.',
    ),
    required('attempts', 'INT64', 'Attempts in the window.'),
  ],
);

export const streamFeatureUsage = windowTable(
  'stream_feature_usage_1m',
  'Feature use per minute and tenant (feature.used events).',
  ['feature'],
  [
    required('feature', 'STRING', 'Product feature used.'),
    required('events', 'INT64', 'feature.used events in the window.'),
  ],
);

export const streamApiPerformance = windowTable(
  'stream_api_performance_1m',
  'API requests per minute, tenant, endpoint and method, with error counts and latency quantiles from a DDSketch ' +
    '(1 % relative accuracy) that merges exactly into hours and days.',
  ['endpoint', 'method'],
  [
    required('endpoint', 'STRING', 'Request path template (e.g. /api/v1/jobs/:id).'),
    required('method', 'STRING', 'GET | POST | PUT | PATCH | DELETE.'),
    required('requests', 'INT64', 'Requests in the window.'),
    required('status_4xx', 'INT64', 'Requests answered 400-499.'),
    required('status_5xx', 'INT64', 'Requests answered 500-599.'),
    required('latency_ms_sum', 'INT64', 'Sum of latencies (ms): with requests, the mean.'),
    required('latency_p50_ms', 'FLOAT64', 'Median latency (ms), from latency_sketch.'),
    required('latency_p95_ms', 'FLOAT64', '95th percentile latency (ms), from latency_sketch.'),
    required('latency_p99_ms', 'FLOAT64', '99th percentile latency (ms), from latency_sketch.'),
    required('latency_sketch', 'STRING', 'The DDSketch of the window (JSON, streaming/ddsketch.ts): merge to roll up.'),
  ],
);

export const streamSessions = windowTable(
  'stream_sessions_1m',
  'Sessions per minute and tenant: starts in the window of the start, ends and timeouts in the window they closed ' +
    'in, with durations (session.start joined with session.end; no end within the timeout closes it).',
  [],
  [
    required('sessions_started', 'INT64', 'session.start events in the window.'),
    required('sessions_ended', 'INT64', 'session.end events in the window.'),
    required('sessions_timed_out', 'INT64', 'Sessions closed by the inactivity timeout in the window.'),
    required('duration_seconds_sum', 'INT64', 'Summed durations of the sessions closed in the window.'),
    nullable(
      'duration_p50_seconds',
      'FLOAT64',
      'Median duration of the sessions closed in the window; NULL when none closed.',
    ),
    nullable(
      'duration_p95_seconds',
      'FLOAT64',
      '95th percentile duration of the sessions closed in the window; NULL when none closed.',
    ),
    required('duration_sketch', 'STRING', 'DDSketch of the closed sessions’ durations (JSON): merge to roll up.'),
  ],
);

export const streamSecurityIncidents: Table = {
  name: 'stream_security_incidents',
  kind: 'stream',
  description:
    'Real-time security incidents: brute force against one account or from one IP (N failures within M minutes), ' +
    'and a success after a burst of failures. One row per burst; detection latency recorded.',
  columns: [
    required('incident_id', 'STRING', 'Deterministic from rule, tenant, subject and the burst’s first failure.'),
    required('window_date', 'DATE', 'UTC date of the triggering event; the partition column.'),
    tenantId(),
    required('rule', 'STRING', 'brute_force_account | brute_force_ip | success_after_failures.'),
    required('subject_kind', 'STRING', 'account | ip: which of user_id/attempted_email or ip names the subject.'),
    userIdInFact('NULLABLE', 'The targeted user when the account resolved to one; tokenised on erasure.'),
    personal('attempted_email', 'STRING', 'The targeted email when the account did not resolve to a user.'),
    personal('ip', 'STRING', 'The source IP (ip rule).'),
    required('failures', 'INT64', 'Failures in the burst when it was detected.'),
    required('first_failure_at', 'TIMESTAMP', 'Event time of the burst’s first failure.'),
    required('trigger_event_id', 'STRING', 'event_id of the event that crossed the threshold.'),
    required('trigger_occurred_at', 'TIMESTAMP', 'Event time of the triggering event.'),
    required('detected_at', 'TIMESTAMP', 'Processing time of the detection.'),
    required('detection_latency_ms', 'INT64', 'detected_at - trigger_occurred_at, in ms.'),
    required('status', 'STRING', 'open (triage happens outside the platform).'),
    nullable('notified_at', 'TIMESTAMP', 'When the Notifier accepted the alert; NULL until then.'),
  ],
  primaryKey: ['incident_id'],
  partitionColumn: 'window_date',
  clusterBy: ['tenant_id', 'rule'],
  retentionDays: WAREHOUSE_RETENTION_DAYS.stream_security_incidents,
};

export const streaming: Table[] = [
  streamLoginAttempts,
  streamFeatureUsage,
  streamApiPerformance,
  streamSessions,
  streamSecurityIncidents,
];

/**
 * The raw archive of the stream: every accepted event, flattened, written hourly by the consumers to the raw zone as
 * Parquet (`raw/fact_stream_events/dt=<day>/shard=<n>-from-<batch>.parquet`) and erased there by the GDPR saga like
 * any lake file. The warehouse table is its schema: on gcp an external (BigLake) table over the raw bucket, locally
 * `read_parquet` over the zone; nothing loads it row by row.
 */
export const factStreamEvents: Table = {
  name: 'fact_stream_events',
  kind: 'fact',
  description:
    'Raw real-time events as the stream consumers accepted them (schema/events), archived hourly to the raw zone.',
  columns: [
    required('event_id', 'STRING', 'The envelope event_id (uuid): unique per partition.'),
    eventDate(),
    tenantId(),
    userIdInFact('NULLABLE', 'The envelope user_id, if any; tokenised on erasure.'),
    occurredAt('stream'),
    required('type', 'STRING', 'auth.attempt | session.start | session.end | feature.used | api.request.'),
    required('shard', 'INT64', 'Consumer shard that accepted it.'),
    required('message_id', 'STRING', 'Bus id of the message that carried it.'),
    nullable('session_id', 'STRING', 'session.* and feature.used: the session.'),
    nullable('outcome', 'STRING', 'auth.attempt: success | failure.'),
    nullable('failure_reason', 'STRING', 'auth.attempt failures: the reason.'),
    personal('attempted_email', 'STRING', 'auth.attempt: the email typed.'),
    personal('ip', 'STRING', 'auth.attempt and session.start: the client IP.'),
    personal('user_agent', 'STRING', 'auth.attempt and session.start: the client user agent.'),
    nullable('device', 'STRING', 'session.start: desktop | mobile | tablet.'),
    nullable('feature', 'STRING', 'feature.used: the feature.'),
    nullable('action', 'STRING', 'feature.used: the action.'),
    nullable('endpoint', 'STRING', 'api.request: the path template.'),
    nullable('method', 'STRING', 'api.request: the HTTP method.'),
    nullable('status_code', 'INT64', 'api.request: the HTTP status.'),
    nullable('latency_ms', 'INT64', 'api.request: the latency in ms.'),
  ],
  primaryKey: ['event_id'],
  partitionColumn: 'event_date',
  clusterBy: ['tenant_id', 'type'],
  requirePartitionFilter: true,
  retentionDays: WAREHOUSE_RETENTION_DAYS.fact_stream_events,
};
