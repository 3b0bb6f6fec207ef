import { nullable, reportDate, required, tenantId } from './columns';
import { WAREHOUSE_RETENTION_DAYS } from '../retention/policy';
import type { Table } from './types';

/**
 * Reporting tables behind the four dashboards (user engagement, tenant analytics, security, system performance).
 * Refreshed by the publish step from facts and dimensions: each run replaces the logical date's partition.
 * They hold counts only, never a user id; small groups are folded as described per table.
 */

/** Every reporting table: partitioned by day; retention per table from schema/retention/policy.ts. */
const daily = {
  kind: 'reporting',
  partitionColumn: 'report_date',
} as const;

// User engagement dashboard

export const rptEngagementDaily: Table = {
  ...daily,
  name: 'rpt_engagement_daily',
  retentionDays: WAREHOUSE_RETENTION_DAYS.rpt_engagement_daily,
  description: 'Active users per tenant and day: DAU, WAU, MAU and stickiness.',
  columns: [
    reportDate(),
    tenantId(),
    required('dau', 'INT64', 'Distinct users with any activity or session on report_date.'),
    required('wau', 'INT64', 'Distinct active users over the 7 days ending on report_date.'),
    required('mau', 'INT64', 'Distinct active users over the 30 days ending on report_date.'),
    nullable('stickiness', 'FLOAT64', 'dau / mau (0-1); NULL when mau = 0.'),
    nullable('weekly_stickiness', 'FLOAT64', 'dau / wau (0-1); NULL when wau = 0.'),
    required('new_users', 'INT64', 'Users created on report_date.'),
    required('total_users', 'INT64', 'Users existing (not deleted) at the end of report_date.'),
  ],
  primaryKey: ['report_date', 'tenant_id'],
  clusterBy: ['tenant_id'],
};

export const rptSessionDurationDaily: Table = {
  ...daily,
  name: 'rpt_session_duration_daily',
  retentionDays: WAREHOUSE_RETENTION_DAYS.rpt_session_duration_daily,
  description: 'Session duration trend per tenant, device class and day (sessions started that day and ended).',
  columns: [
    reportDate(),
    tenantId(),
    required('device', 'STRING', "Device class ('unknown' when the source has none)."),
    required('sessions', 'INT64', 'Completed sessions started on report_date.'),
    required('users', 'INT64', 'Distinct users with such a session.'),
    required('total_duration_seconds', 'INT64', 'Sum of session durations.'),
    nullable('avg_duration_seconds', 'FLOAT64', 'Mean duration; NULL when sessions = 0.'),
    nullable('p50_duration_seconds', 'FLOAT64', 'Median duration (approximate in BigQuery).'),
    nullable('p95_duration_seconds', 'FLOAT64', '95th percentile duration (approximate in BigQuery).'),
  ],
  primaryKey: ['report_date', 'tenant_id', 'device'],
  clusterBy: ['tenant_id', 'device'],
};

export const rptFeatureAdoptionDaily: Table = {
  ...daily,
  name: 'rpt_feature_adoption_daily',
  retentionDays: WAREHOUSE_RETENTION_DAYS.rpt_feature_adoption_daily,
  description: 'Feature adoption per tenant, feature and day.',
  columns: [
    reportDate(),
    tenantId(),
    required('feature', 'STRING', 'Product feature (fact_user_activities.feature).'),
    required('events', 'INT64', 'Activity events on report_date.'),
    required('active_users', 'INT64', 'Distinct users of the feature on report_date.'),
    required('new_adopters', 'INT64', 'Users whose first ever use of the feature was on report_date.'),
    required('cumulative_adopters', 'INT64', 'Users who used the feature at least once up to report_date.'),
    nullable('adoption_rate', 'FLOAT64', "cumulative_adopters / the tenant's total_users (0-1); NULL when 0 users."),
  ],
  primaryKey: ['report_date', 'tenant_id', 'feature'],
  clusterBy: ['tenant_id', 'feature'],
};

/**
 * The recruiting funnel the user-journey tile follows, in order: a user reaches step k on a day when they used each
 * earlier step's feature, each after the one before, within that day.
 */
export const FUNNEL_STEPS = ['candidate_search', 'candidate_profile', 'pipeline', 'interview_scheduling'] as const;

/** Groups smaller than this are folded into '(other)' so that no row describes a handful of people. */
export const MIN_GROUP = 5;

/**
 * Features per journey path: a session's entry feature and the next one. Three steps spread the small set's sessions
 * over ~1000 paths and folded nearly 90 % of them into '(other)'; two keep about 70 % visible.
 */
export const JOURNEY_STEPS = 2;

export const rptUserJourneysDaily: Table = {
  ...daily,
  name: 'rpt_user_journeys_daily',
  retentionDays: WAREHOUSE_RETENTION_DAYS.rpt_user_journeys_daily,
  description:
    `Common paths per tenant and day: the first ${JOURNEY_STEPS} features of each session with activity that day, in ` +
    `order (consecutive repeats collapsed). Paths taken by fewer than ${MIN_GROUP} sessions are folded into '(other)'.`,
  columns: [
    reportDate(),
    tenantId(),
    required('path', 'STRING', "Features joined by ' > ' (e.g. 'candidate_search > candidate_profile'), or '(other)'."),
    required('steps', 'INT64', `Features in the path (1-${JOURNEY_STEPS}); 0 for '(other)'.`),
    required('sessions', 'INT64', 'Sessions whose activity on report_date followed the path.'),
    required('users', 'INT64', 'Distinct users of those sessions.'),
  ],
  primaryKey: ['report_date', 'tenant_id', 'path'],
  clusterBy: ['tenant_id'],
};

export const rptFeatureFunnelDaily: Table = {
  ...daily,
  name: 'rpt_feature_funnel_daily',
  retentionDays: WAREHOUSE_RETENTION_DAYS.rpt_feature_funnel_daily,
  description: `The recruiting funnel per tenant and day (${FUNNEL_STEPS.join(' → ')}): users reaching each step in order.`,
  columns: [
    reportDate(),
    tenantId(),
    required('step', 'INT64', 'Position in the funnel, from 1.'),
    required('step_name', 'STRING', 'The feature of that step.'),
    required('users', 'INT64', 'Users who used every feature up to this step, in order, on report_date.'),
    nullable('conversion_from_previous', 'FLOAT64', 'users / users of the previous step (0-1); NULL at step 1 or 0.'),
    nullable('conversion_from_start', 'FLOAT64', 'users / users of step 1 (0-1); NULL when step 1 has none.'),
  ],
  primaryKey: ['report_date', 'tenant_id', 'step'],
  clusterBy: ['tenant_id'],
};

// Tenant analytics dashboard

export const rptTenantGrowthDaily: Table = {
  ...daily,
  name: 'rpt_tenant_growth_daily',
  retentionDays: WAREHOUSE_RETENTION_DAYS.rpt_tenant_growth_daily,
  description: 'Tenant growth per day: users and teams, created and removed.',
  columns: [
    reportDate(),
    tenantId(),
    required('total_users', 'INT64', 'Users existing (not deleted) at the end of report_date.'),
    required('new_users', 'INT64', 'Users created on report_date.'),
    required('deleted_users', 'INT64', 'Users soft-deleted on report_date.'),
    required('active_users_30d', 'INT64', 'Distinct active users over the 30 days ending on report_date.'),
    required('total_teams', 'INT64', 'Teams existing at the end of report_date.'),
    required('new_teams', 'INT64', 'Teams created on report_date.'),
  ],
  primaryKey: ['report_date', 'tenant_id'],
  clusterBy: ['tenant_id'],
};

export const rptUserDistributionDaily: Table = {
  ...daily,
  name: 'rpt_user_distribution_daily',
  retentionDays: WAREHOUSE_RETENTION_DAYS.rpt_user_distribution_daily,
  description:
    'User distribution per tenant along one attribute at a time (country, region, timezone, job_title, status, ' +
    "role). Values held by fewer than 5 users are folded into '(other)' so no row singles out a person.",
  columns: [
    reportDate(),
    tenantId(),
    required('attribute', 'STRING', 'country | region | timezone | job_title | status | role.'),
    required('attribute_value', 'STRING', "The value; '(unknown)' for NULL, '(other)' for folded small groups."),
    required('users', 'INT64', 'Users existing at the end of report_date with that value.'),
  ],
  primaryKey: ['report_date', 'tenant_id', 'attribute', 'attribute_value'],
  clusterBy: ['tenant_id', 'attribute'],
};

export const rptTeamCompositionDaily: Table = {
  ...daily,
  name: 'rpt_team_composition_daily',
  retentionDays: WAREHOUSE_RETENTION_DAYS.rpt_team_composition_daily,
  description: 'Team composition per team and role (from dim_team_members and dim_user_roles) at the end of the day.',
  columns: [
    reportDate(),
    tenantId(),
    required('team_id', 'STRING', 'Source teams.team_id.'),
    required('team_name', 'STRING', 'Team name at report_date.'),
    required('role_id', 'STRING', "Source roles.role_id of the members' role; '(none)' for members without a role."),
    required('role_name', 'STRING', "Role name; '(none)' for members without a role."),
    required('members', 'INT64', 'Members of the team holding the role.'),
    required('active_members_30d', 'INT64', 'Of those, members active over the 30 days ending on report_date.'),
  ],
  primaryKey: ['report_date', 'tenant_id', 'team_id', 'role_id'],
  clusterBy: ['tenant_id', 'team_id'],
};

export const rptTenantResourcesDaily: Table = {
  ...daily,
  name: 'rpt_tenant_resources_daily',
  retentionDays: WAREHOUSE_RETENTION_DAYS.rpt_tenant_resources_daily,
  description:
    "Resource use per tenant and day: seats, API calls, the warehouse rows the day added, and the tenant's share " +
    "of the daily pipeline's work (its share of the day's fact rows times the run's stage time).",
  columns: [
    reportDate(),
    tenantId(),
    required('plan', 'STRING', 'Tenant plan (dim_tenants.plan).'),
    required('seats_used', 'INT64', 'Users existing (not deleted) at the end of report_date.'),
    required('active_users', 'INT64', 'Distinct users with activity or a session on report_date.'),
    required('api_calls', 'INT64', 'API requests on report_date.'),
    required('api_server_errors', 'INT64', 'Of those, responses with status >= 500.'),
    required(
      'stored_rows',
      'INT64',
      'Fact rows of report_date held for the tenant (all six facts): the storage it adds.',
    ),
    nullable('stored_rows_share', 'FLOAT64', "stored_rows / all tenants' (0-1); NULL when the day has no rows."),
  ],
  primaryKey: ['report_date', 'tenant_id'],
  clusterBy: ['tenant_id'],
};

export const rptTeamPerformanceDaily: Table = {
  ...daily,
  name: 'rpt_team_performance_daily',
  retentionDays: WAREHOUSE_RETENTION_DAYS.rpt_team_performance_daily,
  description: 'Collaboration per team and day: members, activity and collaboration events by kind.',
  columns: [
    reportDate(),
    tenantId(),
    required('team_id', 'STRING', 'Source teams.team_id.'),
    required('team_name', 'STRING', 'Team name.'),
    required('members', 'INT64', 'Members at the end of report_date.'),
    required('active_members', 'INT64', 'Members with any product activity on report_date.'),
    required('collaborations', 'INT64', 'Collaboration events in the team on report_date.'),
    required('collaborating_members', 'INT64', 'Distinct acting users of those events.'),
    required('shares', 'INT64', "Events of kind 'shared'."),
    required('comments', 'INT64', "Events of kind 'commented'."),
    required('assignments', 'INT64', "Events of kind 'assigned'."),
    required('mentions', 'INT64', "Events of kind 'mentioned'."),
    nullable('collaborations_per_member', 'FLOAT64', 'collaborations / members; NULL when the team has no members.'),
  ],
  primaryKey: ['report_date', 'tenant_id', 'team_id'],
  clusterBy: ['tenant_id', 'team_id'],
};

// Security dashboard

export const rptSecurityDaily: Table = {
  ...daily,
  name: 'rpt_security_daily',
  retentionDays: WAREHOUSE_RETENTION_DAYS.rpt_security_daily,
  description: 'Authentication health per tenant and day: failed logins and suspicious patterns.',
  columns: [
    reportDate(),
    tenantId(),
    required('login_attempts', 'INT64', 'login_success + login_failure events.'),
    required('login_failures', 'INT64', 'login_failure events.'),
    nullable('failure_rate', 'FLOAT64', 'login_failures / login_attempts (0-1); NULL when no attempts.'),
    required('distinct_failed_users', 'INT64', 'Distinct known users with at least one failed login.'),
    required('distinct_failed_ips', 'INT64', 'Distinct client IPs with at least one failed login.'),
    required('mfa_challenges', 'INT64', 'mfa_challenge events.'),
    required('password_resets', 'INT64', 'password_reset events.'),
    required('brute_force_incidents', 'INT64', "security_incidents with detector 'brute_force' on report_date."),
    required(
      'credential_stuffing_incidents',
      'INT64',
      "security_incidents with detector 'credential_stuffing' on report_date.",
    ),
  ],
  primaryKey: ['report_date', 'tenant_id'],
  clusterBy: ['tenant_id'],
};

export const rptLoginFailuresDaily: Table = {
  ...daily,
  name: 'rpt_login_failures_daily',
  retentionDays: WAREHOUSE_RETENTION_DAYS.rpt_login_failures_daily,
  description: 'Failed logins per tenant, failure reason and day.',
  columns: [
    reportDate(),
    tenantId(),
    required('failure_reason', 'STRING', "Failure reason ('unknown' when the source has none)."),
    required('failures', 'INT64', 'login_failure events.'),
    required('distinct_ips', 'INT64', 'Distinct client IPs.'),
    required('distinct_attempted_emails', 'INT64', 'Distinct attempted emails (a credential-stuffing signal).'),
  ],
  primaryKey: ['report_date', 'tenant_id', 'failure_reason'],
  clusterBy: ['tenant_id', 'failure_reason'],
};

export const rptPermissionAccessDaily: Table = {
  ...daily,
  name: 'rpt_permission_access_daily',
  retentionDays: WAREHOUSE_RETENTION_DAYS.rpt_permission_access_daily,
  description:
    "Authorisation decisions per tenant, resource, permission and the checked user's role, per day: checks and " +
    'denials (permission access patterns).',
  columns: [
    reportDate(),
    tenantId(),
    required('resource', 'STRING', "Resource type checked (the fact's resource without its id, e.g. jobs)."),
    required('permission', 'STRING', 'Permission checked (the action).'),
    required('role_name', 'STRING', "The checked user's role (the first by name if several); '(none)' without one."),
    required('checks', 'INT64', 'Permission checks on report_date.'),
    required('denied', 'INT64', 'Of those, checks that denied access.'),
    nullable('deny_rate', 'FLOAT64', 'denied / checks (0-1); NULL when no checks.'),
    required('denied_users', 'INT64', 'Distinct users denied at least once.'),
  ],
  primaryKey: ['report_date', 'tenant_id', 'resource', 'permission', 'role_name'],
  clusterBy: ['tenant_id', 'resource'],
};

export const rptIncidentsDaily: Table = {
  ...daily,
  name: 'rpt_incidents_daily',
  retentionDays: WAREHOUSE_RETENTION_DAYS.rpt_incidents_daily,
  description:
    'Security incidents per tenant and day, from the batch detectors (security_incidents) and the real-time rules ' +
    '(stream_security_incidents), by detector and status: incident tracking over time.',
  columns: [
    reportDate(),
    tenantId(),
    required('source', 'STRING', 'batch | stream.'),
    required('detector', 'STRING', 'Batch detector or stream rule (e.g. brute_force, brute_force_ip).'),
    required('severity', 'STRING', "low | medium | high for batch detections; 'n/a' for stream rules (none given)."),
    required(
      'status',
      'STRING',
      'detected (batch: recorded by the daily run) | open (stream: not yet notified) | notified (stream: alert sent).',
    ),
    required('incidents', 'INT64', 'Incidents of report_date.'),
    required('failed_attempts', 'INT64', 'Failed logins summed over those incidents.'),
    nullable('p95_detection_latency_ms', 'FLOAT64', 'Stream only: 95th percentile of detection latency (ms).'),
  ],
  primaryKey: ['report_date', 'tenant_id', 'source', 'detector', 'severity', 'status'],
  clusterBy: ['tenant_id', 'detector'],
};

// System performance dashboard (platform-wide: percentiles cannot be summed across tenants)

export const rptApiPerformanceDaily: Table = {
  ...daily,
  name: 'rpt_api_performance_daily',
  retentionDays: WAREHOUSE_RETENTION_DAYS.rpt_api_performance_daily,
  description: 'API latency percentiles and error rate per endpoint, method and day, across all tenants.',
  columns: [
    reportDate(),
    required('endpoint', 'STRING', 'Route template.'),
    required('method', 'STRING', 'HTTP method.'),
    required('requests', 'INT64', 'Requests on report_date.'),
    required('server_errors', 'INT64', 'Responses with status >= 500.'),
    required('client_errors', 'INT64', 'Responses with status 400-499.'),
    nullable('error_rate', 'FLOAT64', 'server_errors / requests (0-1); NULL when no requests.'),
    nullable('avg_ms', 'FLOAT64', 'Mean latency in milliseconds.'),
    nullable('p50_ms', 'FLOAT64', 'Median latency (approximate in BigQuery).'),
    nullable('p95_ms', 'FLOAT64', '95th percentile latency (approximate in BigQuery).'),
    nullable('p99_ms', 'FLOAT64', '99th percentile latency (approximate in BigQuery).'),
    nullable('max_ms', 'FLOAT64', 'Slowest request.'),
    required('tenants', 'INT64', 'Distinct tenants calling the endpoint.'),
  ],
  primaryKey: ['report_date', 'endpoint', 'method'],
  clusterBy: ['endpoint', 'method'],
};

export const rptApiErrorsDaily: Table = {
  ...daily,
  name: 'rpt_api_errors_daily',
  retentionDays: WAREHOUSE_RETENTION_DAYS.rpt_api_errors_daily,
  description:
    'Error-rate analysis: API requests per tenant, endpoint, method and status class (2xx, 3xx, 4xx, 5xx) per day. ' +
    'Counts, so they add up across tenants, unlike the percentiles of rpt_api_performance_daily.',
  columns: [
    reportDate(),
    tenantId(),
    required('endpoint', 'STRING', 'Route template.'),
    required('method', 'STRING', 'HTTP method.'),
    required('status_class', 'STRING', '2xx | 3xx | 4xx | 5xx.'),
    required('requests', 'INT64', 'Requests answered with that class on report_date.'),
    required('total_ms', 'INT64', 'Summed latency of those requests (ms): with requests, the mean.'),
  ],
  primaryKey: ['report_date', 'tenant_id', 'endpoint', 'method', 'status_class'],
  clusterBy: ['tenant_id', 'endpoint'],
};

export const reporting: Table[] = [
  rptEngagementDaily,
  rptSessionDurationDaily,
  rptFeatureAdoptionDaily,
  rptTenantGrowthDaily,
  rptUserDistributionDaily,
  rptTeamCompositionDaily,
  rptSecurityDaily,
  rptLoginFailuresDaily,
  rptApiPerformanceDaily,
  rptUserJourneysDaily,
  rptFeatureFunnelDaily,
  rptTenantResourcesDaily,
  rptTeamPerformanceDaily,
  rptPermissionAccessDaily,
  rptIncidentsDaily,
  rptApiErrorsDaily,
];
