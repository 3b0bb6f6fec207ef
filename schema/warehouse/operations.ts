import { eventDate, nullable, personal, required, tenantId, userIdInFact } from './columns';
import { WAREHOUSE_RETENTION_DAYS } from '../retention/policy';
import type { Table } from './types';

/**
 * Operations: what the platform itself records — security detections, data-quality results, the audit trail and
 * pipeline run metadata. Written by activities (not by the Spark transform), keyed so a retried activity
 * overwrites its own row instead of adding one.
 */

// Retention (days a partition is kept) comes from schema/retention/policy.ts, like every table's.

export const securityIncidents: Table = {
  name: 'security_incidents',
  kind: 'operations',
  description:
    'Suspicious authentication patterns detected over fact_auth_events: brute force (many failures against one ' +
    'account) and credential stuffing (one source trying many accounts).',
  columns: [
    required(
      'incident_id',
      'STRING',
      'Deterministic id: hash of detector, tenant, window and subject, so re-detection overwrites.',
    ),
    eventDate('the detection window start'),
    tenantId(),
    required('detector', 'STRING', 'brute_force | credential_stuffing.'),
    required('severity', 'STRING', 'low | medium | high.'),
    required('window_start', 'TIMESTAMP', 'Start of the detection window (UTC).'),
    required('window_end', 'TIMESTAMP', 'End of the detection window (UTC).'),
    userIdInFact('NULLABLE', 'Targeted user for brute force against a known account; tokenised on erasure.'),
    personal('attempted_email', 'STRING', 'Targeted email for brute force against an unknown account.'),
    personal('ip', 'STRING', 'Source IP for credential stuffing (or the dominant IP of a brute force).'),
    required('failed_attempts', 'INT64', 'login_failure events in the window.'),
    required('distinct_accounts', 'INT64', 'Distinct user ids or attempted emails targeted in the window.'),
    required('distinct_ips', 'INT64', 'Distinct source IPs in the window.'),
    nullable('details', 'JSON', 'Detector thresholds and sample event ids; never personal data.'),
    required('detected_at', 'TIMESTAMP', 'When the detector ran (UTC).'),
  ],
  primaryKey: ['incident_id'],
  partitionColumn: 'event_date',
  clusterBy: ['tenant_id', 'detector'],
  retentionDays: WAREHOUSE_RETENTION_DAYS.security_incidents,
};

export const dqResults: Table = {
  name: 'dq_results',
  kind: 'operations',
  description: 'One row per data-quality check per pipeline run; severity error fails the run, warn notifies.',
  columns: [
    required('run_id', 'STRING', 'Temporal workflow id of the run that executed the check.'),
    required('logical_date', 'DATE', 'Logical date (data day) checked; the partition column.'),
    required(
      'check_name',
      'STRING',
      'Unique name of the check in the catalogue (e.g. fact_auth_events.event_id.unique).',
    ),
    required(
      'check_type',
      'STRING',
      'not_null | unique | accepted_values | relationships | row_count | freshness | volume_anomaly.',
    ),
    required('table_name', 'STRING', 'Warehouse table checked.'),
    nullable('column_name', 'STRING', 'Column checked, for column-level checks.'),
    required('severity', 'STRING', 'error | warn.'),
    required('passed', 'BOOL', 'Whether the check passed.'),
    nullable('observed_value', 'FLOAT64', 'What was measured (failing rows, row count, lag in hours, ...).'),
    nullable('expected_value', 'STRING', "The bound it was held to, human-readable (e.g. '= 0', '[950, 1050]')."),
    nullable('metadata', 'JSON', 'Check-specific details (sample failing keys, trailing averages); no personal data.'),
    required('checked_at', 'TIMESTAMP', 'When the check ran (UTC).'),
  ],
  primaryKey: ['run_id', 'check_name'],
  partitionColumn: 'logical_date',
  clusterBy: ['table_name', 'severity'],
  retentionDays: WAREHOUSE_RETENTION_DAYS.dq_results,
};

export const auditLog: Table = {
  name: 'audit_log',
  kind: 'operations',
  description:
    'Append-only audit trail: who did what, when, with which outcome. Holds no personal data in clear: actors are ' +
    'principal ids and data subjects appear only as unlinkable tokens, so rows survive erasure.',
  columns: [
    required('audit_id', 'STRING', 'Deterministic id (workflow id + step), so a retried write is idempotent.'),
    eventDate('the audited action'),
    required('occurred_at', 'TIMESTAMP', 'When the action happened (UTC).'),
    nullable('tenant_id', 'STRING', 'Tenant concerned, if any.'),
    required('actor', 'STRING', 'Principal id: service account, workflow or operator id — never an email.'),
    required('actor_type', 'STRING', 'service | operator | api_client.'),
    required('action', 'STRING', 'Dotted verb (e.g. pipeline.publish, gdpr.erasure.completed, schema.apply).'),
    required('resource', 'STRING', 'What was acted on (table, partition, workflow id, erasure request id).'),
    nullable('subject_token', 'STRING', 'Unlinkable token of the data subject (erasure requests), never the user id.'),
    required('outcome', 'STRING', 'success | failure | denied.'),
    nullable('workflow_id', 'STRING', 'Temporal workflow id, to open the run in the UI.'),
    nullable('run_id', 'STRING', 'Temporal run id.'),
    nullable('details', 'JSON', 'Action-specific details (row counts, certificate hash); no personal data.'),
  ],
  primaryKey: ['audit_id'],
  partitionColumn: 'event_date',
  clusterBy: ['tenant_id', 'action'],
  retentionDays: WAREHOUSE_RETENTION_DAYS.audit_log,
};

export const pipelineRuns: Table = {
  name: 'pipeline_runs',
  kind: 'operations',
  description: 'One row per pipeline run (per Temporal run), upserted as the run progresses.',
  columns: [
    required('workflow_id', 'STRING', 'Temporal workflow id (e.g. user-analytics-daily:2026-11-27).'),
    required('run_id', 'STRING', 'Temporal run id (a reset starts a new run).'),
    required('pipeline', 'STRING', 'Pipeline name (e.g. user-analytics-daily, backfill, retention, gdpr-erasure).'),
    required('logical_date', 'DATE', 'Data day the run processes; the partition column.'),
    required('status', 'STRING', 'running | succeeded | failed | cancelled.'),
    required('started_at', 'TIMESTAMP', 'Run start (UTC).'),
    nullable('finished_at', 'TIMESTAMP', 'Run end (UTC); NULL while running.'),
    nullable('extract_ms', 'INT64', 'Wall time of the extract stage.'),
    nullable('transform_ms', 'INT64', 'Wall time of the Spark transform stage.'),
    nullable('load_ms', 'INT64', 'Wall time of the load stage.'),
    nullable('quality_ms', 'INT64', 'Wall time of the data-quality stage.'),
    nullable('publish_ms', 'INT64', 'Wall time of the publish stage.'),
    nullable('rows_extracted', 'INT64', 'Rows read from the source, all tables.'),
    nullable('rows_loaded', 'INT64', 'Rows written to the warehouse, all tables.'),
    nullable('row_counts', 'JSON', 'Per table: {"<table>": {"extracted": n, "loaded": n}}.'),
    nullable(
      'transform_details',
      'JSON',
      'How Spark ran: {"runner": "local|dataproc-cluster|dataproc-serverless", "phasesMs": {...}, "usage"?, "reason"?, "resource"?}; clusterCreate/job/clusterDelete ms on a cluster, pending/running ms for a batch. NULL outside the daily pipeline.',
    ),
    nullable('error_type', 'STRING', 'Typed failure (ErrorType) when status = failed.'),
    nullable('error_message', 'STRING', 'Failure message, truncated; no payload data.'),
  ],
  primaryKey: ['workflow_id', 'run_id'],
  partitionColumn: 'logical_date',
  clusterBy: ['pipeline', 'status'],
  retentionDays: WAREHOUSE_RETENTION_DAYS.pipeline_runs,
};

export const operations: Table[] = [securityIncidents, dqResults, auditLog, pipelineRuns];
