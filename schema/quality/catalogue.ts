import { reporting } from '../warehouse/reporting';
/**
 * The data-quality catalogue: declarative checks kept beside the warehouse schema. The quality activity turns each
 * into one parameterised query, returns a result row per check (stored in dq_results), and the workflow decides:
 * severity `error` fails the run, `warn` notifies.
 */

export type Severity = 'error' | 'warn';

interface Base {
  table: string;
  severity: Severity;
}
export type QualityCheck =
  | (Base & { type: 'not_null'; column: string })
  | (Base & { type: 'unique'; columns: string[] })
  | (Base & { type: 'accepted_values'; column: string; values: string[] })
  /** Every non-null `column` of the day's rows exists in `toTable.toColumn` (fact → dimension). */
  | (Base & { type: 'relationships'; column: string; toTable: string; toColumn: string })
  /** The day's row count equals the rows extracted from `sourceTable` (reconciliation with the source). */
  | (Base & { type: 'row_count'; sourceTable: string })
  /** The newest `column` of the day lies within `maxLagHours` of the end of the logical day. */
  | (Base & { type: 'freshness'; column: string; maxLagHours: number })
  /** The day's row count within ±`tolerance` (share) of the trailing `days` average; skipped with < `minHistory` days. */
  | (Base & { type: 'volume_anomaly'; days: number; tolerance: number; minHistory: number })
  /**
   * The stream's count of the day (sum of `measure` over the stream table's windows of the day, rows matching
   * `where`) equals the batch fact's (rows of `factTable` on the day matching `factWhere`). Skipped when the stream
   * has no window that day (a day before streaming started). `label` names the event type compared. The filters are
   * literal SQL over validated columns, written here and nowhere else.
   */
  | (Base & {
      type: 'stream_reconciliation';
      label: string;
      measure: string;
      where?: string;
      factTable: string;
      factWhere?: string;
    })
  /**
   * A mart adds up to its fact: the day's sum of `measure` in `table` equals the day's rows of `factTable`. Unlike
   * stream_reconciliation, a day with no rows on both sides passes (0 = 0). `where` (literal SQL, written here only)
   * narrows the mart's rows.
   */
  | (Base & { type: 'sum_matches'; measure: string; where?: string; factTable: string });

export const checkName = (c: QualityCheck): string => {
  switch (c.type) {
    case 'not_null':
    case 'accepted_values':
    case 'freshness':
      return `${c.table}.${c.column}.${c.type}`;
    case 'unique':
      return `${c.table}.${c.columns.join('+')}.unique`;
    case 'relationships':
      return `${c.table}.${c.column}.relationships:${c.toTable}`;
    case 'row_count':
      return `${c.table}.row_count:${c.sourceTable}`;
    case 'volume_anomaly':
      return `${c.table}.volume_anomaly`;
    case 'stream_reconciliation':
      return `${c.table}.stream_reconciliation:${c.label}`;
    case 'sum_matches':
      return `${c.table}.${c.measure}.sum_matches:${c.factTable}`;
  }
};

/** Facts that mirror one source event table each: reconciled row for row. */
export const FACT_SOURCE_TABLES: Record<string, string> = {
  fact_user_activities: 'activity_events',
  fact_session_metrics: 'sessions',
  fact_auth_events: 'auth_events',
  fact_api_requests: 'api_requests',
  fact_team_collaborations: 'collaboration_events',
  fact_permission_checks: 'permission_checks',
};
const EVENT_KEY: Record<string, string> = {
  fact_user_activities: 'event_id',
  fact_session_metrics: 'session_id',
  fact_auth_events: 'event_id',
  fact_api_requests: 'event_id',
  fact_team_collaborations: 'event_id',
  fact_permission_checks: 'event_id',
};
const TIME_COLUMN: Record<string, string> = {
  fact_user_activities: 'occurred_at',
  fact_session_metrics: 'started_at',
  fact_auth_events: 'occurred_at',
  fact_api_requests: 'occurred_at',
  fact_team_collaborations: 'occurred_at',
  fact_permission_checks: 'occurred_at',
};

/**
 * The real-time path and the batch path see the same events (the User Module writes each event and publishes it
 * through its outbox), so on any day the stream covered, their counts per event type are equal.
 */
const STREAM_RECONCILIATION: QualityCheck[] = [
  {
    type: 'stream_reconciliation',
    table: 'stream_login_attempts_1m',
    label: 'login_success',
    measure: 'attempts',
    where: "outcome = 'success'",
    factTable: 'fact_auth_events',
    factWhere: "event_type = 'login_success'",
    severity: 'error',
  },
  {
    type: 'stream_reconciliation',
    table: 'stream_login_attempts_1m',
    label: 'login_failure',
    measure: 'attempts',
    where: "outcome = 'failure'",
    factTable: 'fact_auth_events',
    factWhere: "event_type = 'login_failure'",
    severity: 'error',
  },
  {
    type: 'stream_reconciliation',
    table: 'stream_feature_usage_1m',
    label: 'feature_used',
    measure: 'events',
    factTable: 'fact_user_activities',
    severity: 'error',
  },
  {
    type: 'stream_reconciliation',
    table: 'stream_api_performance_1m',
    label: 'api_request',
    measure: 'requests',
    factTable: 'fact_api_requests',
    severity: 'error',
  },
  {
    type: 'stream_reconciliation',
    table: 'stream_sessions_1m',
    label: 'session_start',
    measure: 'sessions_started',
    factTable: 'fact_session_metrics',
    severity: 'error',
  },
];

export const QUALITY_CHECKS: QualityCheck[] = [
  ...STREAM_RECONCILIATION,
  ...Object.entries(FACT_SOURCE_TABLES).flatMap(([table, sourceTable]): QualityCheck[] => [
    { type: 'not_null', table, column: EVENT_KEY[table] ?? 'event_id', severity: 'error' },
    { type: 'unique', table, columns: [EVENT_KEY[table] ?? 'event_id'], severity: 'error' },
    { type: 'not_null', table, column: 'tenant_id', severity: 'error' },
    {
      type: 'relationships',
      table,
      column: 'tenant_id',
      toTable: 'dim_tenants',
      toColumn: 'tenant_id',
      severity: 'error',
    },
    { type: 'row_count', table, sourceTable, severity: 'error' },
    { type: 'freshness', table, column: TIME_COLUMN[table] ?? 'occurred_at', maxLagHours: 6, severity: 'warn' },
    { type: 'volume_anomaly', table, days: 7, tolerance: 0.6, minHistory: 3, severity: 'warn' },
  ]),
  {
    type: 'relationships',
    table: 'fact_user_activities',
    column: 'user_id',
    toTable: 'dim_users',
    toColumn: 'user_id',
    severity: 'error',
  },
  {
    type: 'relationships',
    table: 'fact_session_metrics',
    column: 'user_id',
    toTable: 'dim_users',
    toColumn: 'user_id',
    severity: 'error',
  },
  {
    type: 'relationships',
    table: 'fact_auth_events',
    column: 'user_id',
    toTable: 'dim_users',
    toColumn: 'user_id',
    severity: 'error',
  },
  {
    type: 'relationships',
    table: 'fact_team_collaborations',
    column: 'team_id',
    toTable: 'dim_teams',
    toColumn: 'team_id',
    severity: 'error',
  },
  {
    type: 'accepted_values',
    table: 'fact_auth_events',
    column: 'event_type',
    values: ['login_success', 'login_failure', 'logout', 'mfa_challenge', 'password_reset', 'token_refresh'],
    severity: 'error',
  },
  {
    type: 'accepted_values',
    table: 'fact_team_collaborations',
    column: 'kind',
    values: ['shared', 'commented', 'assigned', 'mentioned'],
    severity: 'error',
  },
  {
    type: 'accepted_values',
    table: 'fact_api_requests',
    column: 'method',
    values: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    severity: 'warn',
  },
  { type: 'unique', table: 'dim_users', columns: ['user_id'], severity: 'error' },
  { type: 'unique', table: 'dim_tenants', columns: ['tenant_id'], severity: 'error' },
  { type: 'row_count', table: 'dim_users', sourceTable: 'users', severity: 'warn' },
  { type: 'row_count', table: 'dim_tenants', sourceTable: 'tenants', severity: 'warn' },
];

/**
 * Checks of the marts the publish step builds (activities/marts.ts and the engagement marts): run by publish right
 * after it writes them, since the quality stage runs before they exist. Every mart's key is complete and unique; the
 * count marts add up to their facts; the categorical columns hold known values.
 */
const PUBLISHED_MARTS = [
  'rpt_engagement_daily',
  'rpt_feature_adoption_daily',
  'rpt_tenant_growth_daily',
  'rpt_user_journeys_daily',
  'rpt_feature_funnel_daily',
  'rpt_tenant_resources_daily',
  'rpt_team_performance_daily',
  'rpt_permission_access_daily',
  'rpt_incidents_daily',
  'rpt_api_errors_daily',
];

export const MART_CHECKS: QualityCheck[] = [
  ...PUBLISHED_MARTS.flatMap((table): QualityCheck[] => {
    const t = reporting.find((r) => r.name === table);
    if (!t?.primaryKey) throw new Error(`mart ${table} has no primary key in schema/warehouse/reporting.ts`);
    return [
      ...t.primaryKey.map((column): QualityCheck => ({ type: 'not_null', table, column, severity: 'error' })),
      { type: 'unique', table, columns: t.primaryKey, severity: 'error' },
    ];
  }),
  {
    type: 'sum_matches',
    table: 'rpt_api_errors_daily',
    measure: 'requests',
    factTable: 'fact_api_requests',
    severity: 'error',
  },
  {
    type: 'sum_matches',
    table: 'rpt_tenant_resources_daily',
    measure: 'api_calls',
    factTable: 'fact_api_requests',
    severity: 'error',
  },
  {
    type: 'sum_matches',
    table: 'rpt_permission_access_daily',
    measure: 'checks',
    factTable: 'fact_permission_checks',
    severity: 'error',
  },
  {
    type: 'sum_matches',
    table: 'rpt_team_performance_daily',
    measure: 'collaborations',
    factTable: 'fact_team_collaborations',
    severity: 'error',
  },
  {
    type: 'sum_matches',
    table: 'rpt_incidents_daily',
    measure: 'incidents',
    where: "source = 'batch'",
    factTable: 'security_incidents',
    severity: 'error',
  },
  {
    type: 'accepted_values',
    table: 'rpt_api_errors_daily',
    column: 'status_class',
    values: ['2xx', '3xx', '4xx', '5xx'],
    severity: 'error',
  },
  {
    type: 'accepted_values',
    table: 'rpt_incidents_daily',
    column: 'status',
    values: ['detected', 'open', 'notified'],
    severity: 'error',
  },
  {
    type: 'accepted_values',
    table: 'rpt_incidents_daily',
    column: 'source',
    values: ['batch', 'stream'],
    severity: 'error',
  },
  {
    type: 'relationships',
    table: 'rpt_team_performance_daily',
    column: 'team_id',
    toTable: 'dim_teams',
    toColumn: 'team_id',
    severity: 'error',
  },
  {
    type: 'relationships',
    table: 'rpt_tenant_resources_daily',
    column: 'tenant_id',
    toTable: 'dim_tenants',
    toColumn: 'tenant_id',
    severity: 'error',
  },
];
