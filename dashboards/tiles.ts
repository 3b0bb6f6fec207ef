import { findTable, JOURNEY_STEPS, MIN_GROUP, userAnalytics } from '../schema/warehouse';
import { DAILY_PIPELINE } from '../workflows/pipelines';

/**
 * The tile catalogue of the four local dashboards: dashboard → tiles → mart, SQL and chart. Declarative, so the
 * page, the JSON API, the tests and the benchmark all read the same list.
 *
 * Every query is one static, portable statement (DuckDB and BigQuery) whose only inputs are the parameters
 * `@from`, `@to` (DATE) and `@tenant` (STRING, NULL for all tenants): nothing a user sends is ever spliced into SQL.
 * Every table a query reads is filtered on its partition column (`<partition> between @from and @to`), and a query
 * selects counts and other aggregates only: no user id, email, IP or other personal column (checked by
 * test/unit/dashboard-tiles.test.ts against the schema).
 */

export const DASHBOARD_NAMES = ['engagement', 'tenants', 'security', 'system'] as const;
export type DashboardName = (typeof DASHBOARD_NAMES)[number];

/** How the x axis reads its column: calendar days, minutes (a time axis), categories, or numbers (scatter). */
export type AxisKind = 'date' | 'time' | 'category' | 'value';
/** How a value is printed on an axis and in tooltips (rates are fractions 0-1, printed as percentages). */
export type ValueFormat = 'count' | 'percent' | 'ms' | 'minutes';

export interface SeriesSpec {
  /** The result column holding the values. */
  column: string;
  /** Legend name. */
  name: string;
  type: 'line' | 'bar' | 'scatter';
  /** Value axis: 0 (left) or 1 (right, e.g. a rate beside counts). @default 0 */
  axis?: 0 | 1;
  /** Bars of the same stack are piled up. */
  stack?: string;
}

/** One series per distinct value of `by` (e.g. one per failure reason), each plotting `value`. */
export interface PivotSpec {
  by: string;
  value: string;
  type: 'line' | 'bar';
  stack?: boolean;
}

export interface TileSpec {
  /** `<dashboard>.<tile>`, stable: the page's DOM ids and the tests use it. */
  id: string;
  title: string;
  /** What the numbers are, shown under the title. */
  description: string;
  /** The table the figures come from (the one a run link refers to). */
  mart: string;
  /** `tenant`: the tenant filter applies; `platform`: figures across all tenants (the mart has no tenant). */
  scope: 'tenant' | 'platform';
  /**
   * Who writes the mart: `daily` (userAnalyticsDaily: the tile links to the run that produced its latest day),
   * `runs` (pipeline_runs itself: links to the newest run shown), `stream` (the real-time consumers).
   */
  source: 'daily' | 'runs' | 'stream';
  chart: 'line' | 'bar' | 'hbar' | 'funnel' | 'scatter';
  x: { column: string; kind: AxisKind; name?: string };
  series: SeriesSpec[] | PivotSpec;
  /** Formats of the left and right value axes. @default ['count', 'count'] */
  formats?: [ValueFormat, ValueFormat?];
  sql: string;
  /** Shown instead of the chart when the query returns no rows. @default 'no data for these filters' */
  empty?: string;
}

export interface DashboardSpec {
  name: DashboardName;
  title: string;
  /** The Looker dashboard it stands in for, and what it answers. */
  description: string;
  tiles: TileSpec[];
}

/** A qualified table name, checked against the schema when the catalogue loads (a typo fails at import). */
const t = (name: string) => `${userAnalytics.name}.${findTable(userAnalytics, name).name}`;
/** The tenant filter: every tenant when @tenant is NULL. */
const TENANT = '(@tenant is null or tenant_id = @tenant)';
const days = (column = 'report_date') => `${column} between @from and @to`;

const engagement: DashboardSpec = {
  name: 'engagement',
  title: 'User engagement',
  description: 'Active users and stickiness, session durations, feature adoption and the paths users take.',
  tiles: [
    {
      id: 'engagement.active-users',
      title: 'Active users and stickiness',
      description: 'DAU, WAU and MAU summed over tenants; stickiness = DAU / MAU (right axis).',
      mart: 'rpt_engagement_daily',
      scope: 'tenant',
      source: 'daily',
      chart: 'line',
      x: { column: 'report_date', kind: 'date' },
      series: [
        { column: 'dau', name: 'DAU', type: 'line' },
        { column: 'wau', name: 'WAU', type: 'line' },
        { column: 'mau', name: 'MAU', type: 'line' },
        { column: 'stickiness', name: 'Stickiness (DAU/MAU)', type: 'line', axis: 1 },
      ],
      formats: ['count', 'percent'],
      sql: `select report_date, sum(dau) as dau, sum(wau) as wau, sum(mau) as mau,
                   sum(dau) / nullif(sum(mau), 0) as stickiness
            from ${t('rpt_engagement_daily')}
            where ${days()} and ${TENANT}
            group by report_date order by report_date`,
    },
    {
      id: 'engagement.session-duration',
      title: 'Session duration',
      description: 'Mean duration of completed sessions per day and device class, in minutes.',
      mart: 'rpt_session_duration_daily',
      scope: 'tenant',
      source: 'daily',
      chart: 'line',
      x: { column: 'report_date', kind: 'date' },
      series: { by: 'device', value: 'avg_minutes', type: 'line' },
      formats: ['minutes'],
      sql: `select report_date, device, sum(total_duration_seconds) / nullif(sum(sessions), 0) / 60 as avg_minutes
            from ${t('rpt_session_duration_daily')}
            where ${days()} and ${TENANT}
            group by report_date, device order by report_date, device`,
    },
    {
      id: 'engagement.feature-adoption',
      title: 'Feature adoption',
      description: 'Per feature over the range: activity events, and users who used it for the first time ever.',
      mart: 'rpt_feature_adoption_daily',
      scope: 'tenant',
      source: 'daily',
      chart: 'bar',
      x: { column: 'feature', kind: 'category' },
      series: [
        { column: 'events', name: 'Events', type: 'bar' },
        { column: 'new_adopters', name: 'New adopters', type: 'bar', axis: 1 },
      ],
      sql: `select feature, sum(events) as events, sum(new_adopters) as new_adopters
            from ${t('rpt_feature_adoption_daily')}
            where ${days()} and ${TENANT}
            group by feature order by events desc, feature`,
    },
    {
      id: 'engagement.user-journeys',
      title: 'Common paths',
      description:
        `The ten most frequent paths (first ${JOURNEY_STEPS} distinct features of a session), by sessions; ` +
        `paths of fewer than ${MIN_GROUP} sessions are '(other)'.`,
      mart: 'rpt_user_journeys_daily',
      scope: 'tenant',
      source: 'daily',
      chart: 'hbar',
      x: { column: 'path', kind: 'category' },
      series: [{ column: 'sessions', name: 'Sessions', type: 'bar' }],
      sql: `select path, sum(sessions) as sessions
            from ${t('rpt_user_journeys_daily')}
            where ${days()} and ${TENANT}
            group by path order by sessions desc, path limit 10`,
    },
    {
      id: 'engagement.funnel',
      title: 'Recruiting funnel',
      description: 'Users reaching each step in order within a day, summed over the days of the range (user-days).',
      mart: 'rpt_feature_funnel_daily',
      scope: 'tenant',
      source: 'daily',
      chart: 'funnel',
      x: { column: 'step_name', kind: 'category' },
      series: [{ column: 'users', name: 'User-days', type: 'bar' }],
      sql: `select step, step_name, sum(users) as users
            from ${t('rpt_feature_funnel_daily')}
            where ${days()} and ${TENANT}
            group by step, step_name order by step`,
    },
  ],
};

/** Users by one attribute on the newest day of the range (a stock: days are not summed). */
const distribution = (attribute: string, title: string): TileSpec => ({
  id: `tenants.users-by-${attribute}`,
  title,
  description: `Users by ${attribute} on the newest day of the range; values held by fewer than 5 users are '(other)'.`,
  mart: 'rpt_user_distribution_daily',
  scope: 'tenant',
  source: 'daily',
  chart: 'hbar',
  x: { column: 'attribute_value', kind: 'category', name: attribute },
  series: [{ column: 'users', name: 'Users', type: 'bar' }],
  sql: `select attribute_value, sum(users) as users
        from ${t('rpt_user_distribution_daily')}
        where ${days()} and ${TENANT} and attribute = '${attribute}'
          and report_date = (select max(report_date) from ${t('rpt_user_distribution_daily')}
                             where ${days()} and ${TENANT})
        group by attribute_value order by users desc, attribute_value limit 15`,
});

const tenants: DashboardSpec = {
  name: 'tenants',
  title: 'Tenant analytics',
  description: 'Tenant growth, resource use, team collaboration and how users are distributed.',
  tiles: [
    {
      id: 'tenants.growth',
      title: 'Growth',
      description: 'Users and teams at the end of each day; users created and deleted that day (right axis).',
      mart: 'rpt_tenant_growth_daily',
      scope: 'tenant',
      source: 'daily',
      chart: 'line',
      x: { column: 'report_date', kind: 'date' },
      series: [
        { column: 'total_users', name: 'Users', type: 'line' },
        { column: 'active_users_30d', name: 'Active (30 days)', type: 'line' },
        { column: 'total_teams', name: 'Teams', type: 'line' },
        { column: 'new_users', name: 'New users', type: 'bar', axis: 1 },
        { column: 'deleted_users', name: 'Deleted users', type: 'bar', axis: 1 },
      ],
      sql: `select report_date, sum(total_users) as total_users, sum(active_users_30d) as active_users_30d,
                   sum(total_teams) as total_teams, sum(new_users) as new_users, sum(deleted_users) as deleted_users
            from ${t('rpt_tenant_growth_daily')}
            where ${days()} and ${TENANT}
            group by report_date order by report_date`,
    },
    {
      id: 'tenants.resources',
      title: 'Resource utilisation',
      description:
        "Seats, API calls and warehouse rows added per day; the tenant's share of the day's rows, which is its share of " +
        'the pipeline cost (right axis; 100 % for all tenants).',
      mart: 'rpt_tenant_resources_daily',
      scope: 'tenant',
      source: 'daily',
      chart: 'bar',
      x: { column: 'report_date', kind: 'date' },
      series: [
        { column: 'seats_used', name: 'Seats used', type: 'bar' },
        { column: 'api_calls', name: 'API calls', type: 'bar' },
        { column: 'stored_rows', name: 'Rows stored', type: 'bar' },
        { column: 'pipeline_share', name: 'Share of pipeline cost', type: 'line', axis: 1 },
      ],
      formats: ['count', 'percent'],
      sql: `select report_date, sum(seats_used) as seats_used, sum(api_calls) as api_calls,
                   sum(stored_rows) as stored_rows, sum(stored_rows_share) as pipeline_share
            from ${t('rpt_tenant_resources_daily')}
            where ${days()} and ${TENANT}
            group by report_date order by report_date`,
    },
    {
      id: 'tenants.team-performance',
      title: 'Team collaboration',
      description: 'The ten most collaborative teams over the range: collaboration events by kind.',
      mart: 'rpt_team_performance_daily',
      scope: 'tenant',
      source: 'daily',
      chart: 'hbar',
      x: { column: 'team', kind: 'category' },
      series: [
        { column: 'shares', name: 'Shares', type: 'bar', stack: 'kind' },
        { column: 'comments', name: 'Comments', type: 'bar', stack: 'kind' },
        { column: 'assignments', name: 'Assignments', type: 'bar', stack: 'kind' },
        { column: 'mentions', name: 'Mentions', type: 'bar', stack: 'kind' },
      ],
      sql: `select max(team_name) as team, sum(shares) as shares, sum(comments) as comments,
                   sum(assignments) as assignments, sum(mentions) as mentions, sum(collaborations) as collaborations
            from ${t('rpt_team_performance_daily')}
            where ${days()} and ${TENANT}
            group by tenant_id, team_id order by collaborations desc, team limit 10`,
    },
    distribution('country', 'Users by country'),
    distribution('role', 'Users by role'),
  ],
};

const security: DashboardSpec = {
  name: 'security',
  title: 'Security analytics',
  description: 'Authentication patterns, failed logins, permission checks and security incidents.',
  tiles: [
    {
      id: 'security.auth-patterns',
      title: 'Authentication patterns',
      description: 'Login attempts and failures, MFA challenges and password resets; failure rate on the right.',
      mart: 'rpt_security_daily',
      scope: 'tenant',
      source: 'daily',
      chart: 'bar',
      x: { column: 'report_date', kind: 'date' },
      series: [
        { column: 'login_attempts', name: 'Login attempts', type: 'bar' },
        { column: 'login_failures', name: 'Failed logins', type: 'bar' },
        { column: 'mfa_challenges', name: 'MFA challenges', type: 'line' },
        { column: 'password_resets', name: 'Password resets', type: 'line' },
        { column: 'failure_rate', name: 'Failure rate', type: 'line', axis: 1 },
      ],
      formats: ['count', 'percent'],
      sql: `select report_date, sum(login_attempts) as login_attempts, sum(login_failures) as login_failures,
                   sum(mfa_challenges) as mfa_challenges, sum(password_resets) as password_resets,
                   sum(login_failures) / nullif(sum(login_attempts), 0) as failure_rate
            from ${t('rpt_security_daily')}
            where ${days()} and ${TENANT}
            group by report_date order by report_date`,
    },
    {
      id: 'security.login-failures',
      title: 'Failed logins by reason',
      description: 'Failed login attempts per day, stacked by failure reason.',
      mart: 'rpt_login_failures_daily',
      scope: 'tenant',
      source: 'daily',
      chart: 'bar',
      x: { column: 'report_date', kind: 'date' },
      series: { by: 'failure_reason', value: 'failures', type: 'bar', stack: true },
      sql: `select report_date, failure_reason, sum(failures) as failures
            from ${t('rpt_login_failures_daily')}
            where ${days()} and ${TENANT}
            group by report_date, failure_reason order by report_date, failure_reason`,
    },
    {
      id: 'security.permission-access',
      title: 'Permission checks',
      description: 'The twelve most checked resource:permission pairs over the range: checks and denials.',
      mart: 'rpt_permission_access_daily',
      scope: 'tenant',
      source: 'daily',
      chart: 'hbar',
      x: { column: 'access', kind: 'category' },
      series: [
        { column: 'checks', name: 'Checks', type: 'bar' },
        { column: 'denied', name: 'Denied', type: 'bar' },
      ],
      sql: `select concat(resource, ':', permission) as access, sum(checks) as checks, sum(denied) as denied
            from ${t('rpt_permission_access_daily')}
            where ${days()} and ${TENANT}
            group by resource, permission order by checks desc, access limit 12`,
    },
    {
      id: 'security.denials-by-role',
      title: 'Denials by role',
      description: "Permission checks and the share denied, by the checked user's role.",
      mart: 'rpt_permission_access_daily',
      scope: 'tenant',
      source: 'daily',
      chart: 'bar',
      x: { column: 'role_name', kind: 'category', name: 'role' },
      series: [
        { column: 'checks', name: 'Checks', type: 'bar' },
        { column: 'deny_rate', name: 'Denied share', type: 'line', axis: 1 },
      ],
      formats: ['count', 'percent'],
      sql: `select role_name, sum(checks) as checks, sum(denied) / nullif(sum(checks), 0) as deny_rate
            from ${t('rpt_permission_access_daily')}
            where ${days()} and ${TENANT}
            group by role_name order by checks desc, role_name`,
    },
    {
      id: 'security.incidents',
      title: 'Incidents by status',
      description: 'Security incidents per day (batch detectors and real-time rules), stacked by status.',
      mart: 'rpt_incidents_daily',
      scope: 'tenant',
      source: 'daily',
      chart: 'bar',
      x: { column: 'report_date', kind: 'date' },
      series: { by: 'status', value: 'incidents', type: 'bar', stack: true },
      sql: `select report_date, status, sum(incidents) as incidents
            from ${t('rpt_incidents_daily')}
            where ${days()} and ${TENANT}
            group by report_date, status order by report_date, status`,
    },
  ],
};

/** Request-weighted mean of one latency percentile over the endpoints (a percentile of a union is not derivable). */
const weighted = (column: string) =>
  `sum(${column} * requests) / nullif(sum(case when ${column} is null then 0 else requests end), 0) as ${column}`;

const system: DashboardSpec = {
  name: 'system',
  title: 'System performance',
  description: 'API latency and errors, the daily pipeline against its volume, and the real-time event rate.',
  tiles: [
    {
      id: 'system.api-latency',
      title: 'API response times',
      description:
        'p50, p95 and p99 per day: the request-weighted mean of the endpoints’ percentiles (all tenants; the mart ' +
        'keeps percentiles per endpoint, which cannot be split by tenant).',
      mart: 'rpt_api_performance_daily',
      scope: 'platform',
      source: 'daily',
      chart: 'line',
      x: { column: 'report_date', kind: 'date' },
      series: [
        { column: 'p50_ms', name: 'p50', type: 'line' },
        { column: 'p95_ms', name: 'p95', type: 'line' },
        { column: 'p99_ms', name: 'p99', type: 'line' },
      ],
      formats: ['ms'],
      sql: `select report_date, ${weighted('p50_ms')}, ${weighted('p95_ms')}, ${weighted('p99_ms')}
            from ${t('rpt_api_performance_daily')}
            where ${days()}
            group by report_date order by report_date`,
    },
    {
      id: 'system.slowest-endpoints',
      title: 'Slowest endpoints',
      description:
        'The ten endpoints with the highest p95 on the newest day of the range (≥ 20 requests; all tenants).',
      mart: 'rpt_api_performance_daily',
      scope: 'platform',
      source: 'daily',
      chart: 'hbar',
      x: { column: 'endpoint', kind: 'category' },
      series: [
        { column: 'p50_ms', name: 'p50', type: 'bar' },
        { column: 'p95_ms', name: 'p95', type: 'bar' },
        { column: 'p99_ms', name: 'p99', type: 'bar' },
      ],
      formats: ['ms'],
      sql: `select concat(method, ' ', endpoint) as endpoint, p50_ms, p95_ms, p99_ms
            from ${t('rpt_api_performance_daily')}
            where ${days()} and requests >= 20
              and report_date = (select max(report_date) from ${t('rpt_api_performance_daily')} where ${days()})
            order by p95_ms desc, endpoint limit 10`,
    },
    {
      id: 'system.api-errors',
      title: 'Error rate by status class',
      description: 'API requests per day, and the share answered 4xx and 5xx (right axis).',
      mart: 'rpt_api_errors_daily',
      scope: 'tenant',
      source: 'daily',
      chart: 'bar',
      x: { column: 'report_date', kind: 'date' },
      series: [
        { column: 'requests', name: 'Requests', type: 'bar' },
        { column: 'rate_4xx', name: '4xx share', type: 'line', axis: 1 },
        { column: 'rate_5xx', name: '5xx share', type: 'line', axis: 1 },
      ],
      formats: ['count', 'percent'],
      sql: `select report_date, sum(requests) as requests,
                   sum(case when status_class = '4xx' then requests else 0 end) / nullif(sum(requests), 0) as rate_4xx,
                   sum(case when status_class = '5xx' then requests else 0 end) / nullif(sum(requests), 0) as rate_5xx
            from ${t('rpt_api_errors_daily')}
            where ${days()} and ${TENANT}
            group by report_date order by report_date`,
    },
    {
      id: 'system.pipeline-scalability',
      title: 'Pipeline scalability',
      description: 'Each succeeded daily run: stage wall time against the rows it loaded (all tenants).',
      mart: 'pipeline_runs',
      scope: 'platform',
      source: 'runs',
      chart: 'scatter',
      x: { column: 'rows_loaded', kind: 'value', name: 'rows loaded' },
      series: [
        { column: 'extract_ms', name: 'extract', type: 'scatter' },
        { column: 'transform_ms', name: 'transform', type: 'scatter' },
        { column: 'load_ms', name: 'load', type: 'scatter' },
        { column: 'quality_ms', name: 'quality', type: 'scatter' },
        { column: 'publish_ms', name: 'publish', type: 'scatter' },
      ],
      formats: ['ms'],
      sql: `select rows_loaded, extract_ms, transform_ms, load_ms, quality_ms, publish_ms
            from ${t('pipeline_runs')}
            where ${days('logical_date')} and pipeline = '${DAILY_PIPELINE}' and status = 'succeeded'
            order by rows_loaded, logical_date`,
    },
    {
      id: 'system.stream-rate',
      title: 'Stream rate',
      description:
        'Real-time events per minute by kind, from the consumers’ 1-minute windows (the newest 1,440 minutes with data).',
      mart: 'stream_login_attempts_1m',
      scope: 'tenant',
      source: 'stream',
      chart: 'line',
      x: { column: 'window_start', kind: 'time' },
      series: [
        { column: 'logins', name: 'Login attempts', type: 'line', stack: 'kind' },
        { column: 'feature_events', name: 'Feature use', type: 'line', stack: 'kind' },
        { column: 'api_requests', name: 'API requests', type: 'line', stack: 'kind' },
        { column: 'session_events', name: 'Session starts and ends', type: 'line', stack: 'kind' },
      ],
      sql: `select * from (
              select window_start, sum(logins) as logins, sum(feature_events) as feature_events,
                     sum(api_requests) as api_requests, sum(session_events) as session_events
              from (
                select window_start, attempts as logins, 0 as feature_events, 0 as api_requests, 0 as session_events
                from ${t('stream_login_attempts_1m')} where ${days('window_date')} and ${TENANT}
                union all
                select window_start, 0, events, 0, 0
                from ${t('stream_feature_usage_1m')} where ${days('window_date')} and ${TENANT}
                union all
                select window_start, 0, 0, requests, 0
                from ${t('stream_api_performance_1m')} where ${days('window_date')} and ${TENANT}
                union all
                select window_start, 0, 0, 0, sessions_started + sessions_ended
                from ${t('stream_sessions_1m')} where ${days('window_date')} and ${TENANT}
              ) as windows
              group by window_start order by window_start desc limit 1440
            ) as newest order by window_start`,
      empty:
        'no stream data in this range: the real-time consumers have projected no windows ' +
        '(analytics stream start, then analytics app simulate)',
    },
  ],
};

export const DASHBOARDS: Record<DashboardName, DashboardSpec> = { engagement, tenants, security, system };

export const allTiles = (): TileSpec[] => Object.values(DASHBOARDS).flatMap((d) => d.tiles);

/** The warehouse tables (unqualified) a query reads, in order of first mention. */
export function tablesOf(sql: string): string[] {
  const prefix = `${userAnalytics.name}.`;
  const found = [...sql.matchAll(/\b(?:from|join)\s+([a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*)/gi)]
    .map((m) => m[1] ?? '')
    .filter((name) => name.startsWith(prefix))
    .map((name) => name.slice(prefix.length));
  return [...new Set(found)];
}

/** The partition column of a warehouse table (every table a tile reads has one). */
export function partitionOf(table: string): string {
  const column = findTable(userAnalytics, table).partitionColumn;
  if (!column) throw new Error(`table ${table} has no partition column: a dashboard cannot filter it by day`);
  return column;
}

/** The parameter names a statement uses (`@name`), so a tile passes exactly those. */
export function paramsOf(sql: string): string[] {
  return [...new Set([...sql.matchAll(/@([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? ''))];
}
