import { eventDate, eventId, nullable, occurredAt, personal, required, tenantId, userIdInFact } from './columns';
import { WAREHOUSE_RETENTION_DAYS } from '../retention/policy';
import type { Table } from './types';

/**
 * Facts: one row per source event (or per session), derived by the Spark transform from the day's slice of the
 * source tables. Every fact is partitioned by `event_date`, clustered by `tenant_id` first, and keyed by the
 * source id so re-running a day replaces the partition without duplicates.
 */

export const factUserActivities: Table = {
  name: 'fact_user_activities',
  kind: 'fact',
  description: 'One row per product activity event (feature usage), from source activity_events.',
  columns: [
    eventId('activity_events'),
    eventDate(),
    tenantId(),
    userIdInFact('REQUIRED', 'Source users.user_id of the acting user; tokenised on erasure.'),
    nullable('session_id', 'STRING', 'Source sessions.session_id the activity happened in, if known.'),
    occurredAt('activity'),
    required('feature', 'STRING', 'Product feature used (e.g. job_posting, candidate_search).'),
    required('action', 'STRING', 'What the user did with the feature (e.g. view, create, export).'),
    nullable(
      'metadata',
      'JSON',
      'Event attributes from the source; the transform drops keys known to hold personal data. Nulled on erasure.',
    ),
  ],
  primaryKey: ['event_id'],
  partitionColumn: 'event_date',
  clusterBy: ['tenant_id', 'feature', 'user_id'],
  requirePartitionFilter: true,
  retentionDays: WAREHOUSE_RETENTION_DAYS.fact_user_activities,
};

export const factSessionMetrics: Table = {
  name: 'fact_session_metrics',
  kind: 'fact',
  description:
    'One row per session from source sessions, dated by its start. A session still open at extraction has no ' +
    'ended_at; reprocessing its start day completes it.',
  columns: [
    required('session_id', 'STRING', 'Source sessions.session_id.'),
    eventDate('the session start'),
    tenantId(),
    userIdInFact('REQUIRED', 'Source users.user_id of the session owner; tokenised on erasure.'),
    required('started_at', 'TIMESTAMP', 'Session start (UTC).'),
    nullable('ended_at', 'TIMESTAMP', 'Session end (UTC); NULL while the session is open.'),
    nullable('duration_seconds', 'INT64', 'ended_at - started_at in whole seconds; NULL while open.'),
    required('device', 'STRING', "Device class from the source ('desktop', 'mobile', 'tablet'; 'unknown' if absent)."),
    required(
      'activity_count',
      'INT64',
      'Activity events carrying this session_id, as extracted when the start day was last processed.',
    ),
    personal('ip', 'STRING', 'Client IP address at session start.'),
    personal('user_agent', 'STRING', 'Client user agent at session start.'),
  ],
  primaryKey: ['session_id'],
  partitionColumn: 'event_date',
  clusterBy: ['tenant_id', 'user_id'],
  requirePartitionFilter: true,
  retentionDays: WAREHOUSE_RETENTION_DAYS.fact_session_metrics,
};

export const factAuthEvents: Table = {
  name: 'fact_auth_events',
  kind: 'fact',
  description: 'One row per authentication event from source auth_events (logins, logouts, MFA, resets, refreshes).',
  columns: [
    eventId('auth_events'),
    eventDate(),
    tenantId(),
    userIdInFact(
      'NULLABLE',
      'Source users.user_id when the event resolved to a user; NULL for failures against unknown accounts. Tokenised on erasure.',
    ),
    occurredAt('authentication'),
    required(
      'event_type',
      'STRING',
      'login_success | login_failure | logout | mfa_challenge | password_reset | token_refresh.',
    ),
    nullable(
      'failure_reason',
      'STRING',
      'invalid_password | unknown_user | account_locked | mfa_failed | password_expired; set exactly for login_failure.',
    ),
    personal('attempted_email', 'STRING', 'Email typed at a login attempt (may not belong to any user).'),
    personal('ip', 'STRING', 'Client IP address.'),
    personal('user_agent', 'STRING', 'Client user agent.'),
  ],
  primaryKey: ['event_id'],
  partitionColumn: 'event_date',
  clusterBy: ['tenant_id', 'event_type', 'user_id'],
  requirePartitionFilter: true,
  retentionDays: WAREHOUSE_RETENTION_DAYS.fact_auth_events,
};

export const factTeamCollaborations: Table = {
  name: 'fact_team_collaborations',
  kind: 'fact',
  description:
    'One row per collaboration event (share, comment, assignment, mention) from source collaboration_events.',
  columns: [
    eventId('collaboration_events'),
    eventDate(),
    tenantId(),
    required('team_id', 'STRING', 'Source teams.team_id the collaboration happened in.'),
    userIdInFact('REQUIRED', 'Source collaboration_events.actor_user_id (the acting user); tokenised on erasure.'),
    nullable('target_user_id', 'STRING', 'Source collaboration_events.target_user_id, if any; cleared on erasure.'),
    occurredAt('collaboration'),
    required('kind', 'STRING', 'shared | commented | assigned | mentioned.'),
  ],
  primaryKey: ['event_id'],
  partitionColumn: 'event_date',
  clusterBy: ['tenant_id', 'team_id', 'kind'],
  retentionDays: WAREHOUSE_RETENTION_DAYS.fact_team_collaborations,
};

export const factApiRequests: Table = {
  name: 'fact_api_requests',
  kind: 'fact',
  description: 'One row per API request from source api_requests; feeds the system performance dashboard.',
  columns: [
    eventId('api_requests', 'request_id'),
    eventDate('the request'),
    tenantId(),
    userIdInFact(
      'NULLABLE',
      'Source users.user_id of the caller; NULL for unauthenticated calls. Tokenised on erasure.',
    ),
    occurredAt('API request'),
    required('endpoint', 'STRING', 'Route template, not the concrete path (e.g. /v1/jobs/:id), so it never holds ids.'),
    required('method', 'STRING', 'HTTP method: GET | POST | PUT | PATCH | DELETE.'),
    required('status_code', 'INT64', 'HTTP status code of the response.'),
    required('duration_ms', 'INT64', 'Server-side latency in whole milliseconds.'),
    required('is_error', 'BOOL', 'status_code >= 500 (server errors count towards the error rate; 4xx do not).'),
  ],
  primaryKey: ['event_id'],
  partitionColumn: 'event_date',
  clusterBy: ['tenant_id', 'endpoint', 'method'],
  requirePartitionFilter: true,
  retentionDays: WAREHOUSE_RETENTION_DAYS.fact_api_requests,
};

export const factPermissionChecks: Table = {
  name: 'fact_permission_checks',
  kind: 'fact',
  description: 'One row per authorisation decision from source permission_checks.',
  columns: [
    eventId('permission_checks', 'check_id'),
    eventDate('the check'),
    tenantId(),
    userIdInFact('REQUIRED', 'Source users.user_id whose permission was checked; tokenised on erasure.'),
    occurredAt('permission check'),
    required('resource', 'STRING', 'Resource checked, as <type>/<id> (e.g. jobs/4821); marts group by the type.'),
    required('permission', 'STRING', 'Permission checked (e.g. read, write, admin).'),
    required('granted', 'BOOL', 'Whether access was granted.'),
  ],
  primaryKey: ['event_id'],
  partitionColumn: 'event_date',
  clusterBy: ['tenant_id', 'resource', 'permission'],
  requirePartitionFilter: true,
  retentionDays: WAREHOUSE_RETENTION_DAYS.fact_permission_checks,
};

export const facts: Table[] = [
  factUserActivities,
  factSessionMetrics,
  factAuthEvents,
  factTeamCollaborations,
  factApiRequests,
  factPermissionChecks,
];
