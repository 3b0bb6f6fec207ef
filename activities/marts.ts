import type { QueryParam, Row, Warehouse } from '../adapters/ports';
import { FUNNEL_STEPS, JOURNEY_STEPS, MIN_GROUP } from '../schema/warehouse';

/**
 * The reporting marts built at publish from the loaded facts and dimensions, by portable SQL (DuckDB locally,
 * BigQuery on gcp). Each function returns the day's rows in its table's shape; publish writes them as the day's
 * partition. Percentiles, which the two engines spell differently, are computed here from small row sets.
 */

const DAY_MS = 86_400_000;
const dayBounds = (day: string) => {
  const start = new Date(Date.parse(`${day}T00:00:00Z`));
  return { dayStart: start, dayEnd: new Date(start.getTime() + DAY_MS) };
};
const dateParam = (value: string): QueryParam => ({ type: 'DATE', value });
export const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 1e6) / 1e6);
export const num = (v: Row[string] | undefined) => Number(v ?? 0);

/** The facts a tenant's stored rows are counted over, with each one's partition column. */
const FACTS_BY_DAY: [table: string, partition: string][] = [
  ['fact_user_activities', 'event_date'],
  ['fact_session_metrics', 'event_date'],
  ['fact_auth_events', 'event_date'],
  ['fact_team_collaborations', 'event_date'],
  ['fact_api_requests', 'event_date'],
  ['fact_permission_checks', 'event_date'],
];

/** Common paths: each session's first JOURNEY_STEPS features (consecutive repeats collapsed); small groups folded. */
export async function userJourneys(warehouse: Warehouse, ds: string, day: string): Promise<Row[]> {
  const rows = await warehouse.query(
    `with marked as (
       select tenant_id, user_id, session_id, feature, occurred_at, event_id,
              lag(feature) over (partition by session_id order by occurred_at, event_id) as prev
       from ${ds}.fact_user_activities where event_date = @d and session_id is not null
     ),
     steps as (
       select tenant_id, user_id, session_id, feature,
              row_number() over (partition by session_id order by occurred_at, event_id) as rn
       from marked where prev is null or prev <> feature
     ),
     paths as (
       select tenant_id, session_id, min(user_id) as user_id,
              string_agg(feature, ' > ' order by rn) as path, count(*) as steps
       from steps where rn <= @maxSteps group by tenant_id, session_id
     ),
     sized as (
       select tenant_id, session_id, user_id, path, steps,
              count(*) over (partition by tenant_id, path) as path_sessions
       from paths
     )
     select tenant_id,
            case when path_sessions >= @minGroup then path else '(other)' end as path,
            case when path_sessions >= @minGroup then steps else 0 end as steps,
            count(*) as sessions, count(distinct user_id) as users
     from sized group by 1, 2, 3`,
    { d: dateParam(day), minGroup: MIN_GROUP, maxSteps: JOURNEY_STEPS },
  );
  return rows.map((r) => ({
    report_date: day,
    tenant_id: String(r.tenant_id),
    path: String(r.path),
    steps: num(r.steps),
    sessions: num(r.sessions),
    users: num(r.users),
  }));
}

/** The recruiting funnel: users reaching each FUNNEL_STEPS feature after the previous one, within the day. */
export async function featureFunnel(warehouse: Warehouse, ds: string, day: string): Promise<Row[]> {
  const params: Record<string, QueryParam> = { d: dateParam(day) };
  FUNNEL_STEPS.forEach((f, i) => (params[`f${i + 1}`] = f));
  const stepCtes = FUNNEL_STEPS.slice(1).map(
    (_, i) =>
      `s${i + 2} as (
         select s.tenant_id, s.user_id, min(a.occurred_at) as t
         from s${i + 1} s join acts a
           on a.tenant_id = s.tenant_id and a.user_id = s.user_id and a.feature = @f${i + 2} and a.occurred_at > s.t
         group by s.tenant_id, s.user_id
       )`,
  );
  const rows = await warehouse.query(
    `with acts as (
       select tenant_id, user_id, feature, occurred_at from ${ds}.fact_user_activities
       where event_date = @d and feature in (${FUNNEL_STEPS.map((_, i) => `@f${i + 1}`).join(', ')})
     ),
     s1 as (select tenant_id, user_id, min(occurred_at) as t from acts where feature = @f1 group by tenant_id, user_id),
     ${stepCtes.join(',\n     ')}
     ${FUNNEL_STEPS.map((_, i) => `select tenant_id, ${i + 1} as step, count(*) as users from s${i + 1} group by tenant_id`).join('\n     union all ')}`,
    params,
  );
  const byTenant = new Map<string, number[]>();
  for (const r of rows) {
    const counts = byTenant.get(String(r.tenant_id)) ?? FUNNEL_STEPS.map(() => 0);
    counts[num(r.step) - 1] = num(r.users);
    byTenant.set(String(r.tenant_id), counts);
  }
  return [...byTenant].flatMap(([tenant, counts]) =>
    FUNNEL_STEPS.map((name, i) => ({
      report_date: day,
      tenant_id: tenant,
      step: i + 1,
      step_name: name,
      users: counts[i] ?? 0,
      conversion_from_previous: i === 0 ? null : ratio(counts[i] ?? 0, counts[i - 1] ?? 0),
      conversion_from_start: ratio(counts[i] ?? 0, counts[0] ?? 0),
    })),
  );
}

/**
 * Resource use per tenant. `seats`/`active` come from the engagement counts publish already computed. The tenant's
 * share of the day's fact rows is its share of the pipeline's cost. The run's stage times are not in the mart: they
 * differ from run to run, and a re-run of a day must leave every mart byte-identical (pipeline_runs has them).
 */
export async function tenantResources(
  warehouse: Warehouse,
  ds: string,
  day: string,
  ctx: { seats: Map<string, { seats: number; active: number }> },
): Promise<Row[]> {
  const { dayEnd } = dayBounds(day);
  const rows = await warehouse.query(
    `with f as (
       ${FACTS_BY_DAY.map(([t, p]) => `select tenant_id, count(*) as n from ${ds}.${t} where ${p} = @d group by tenant_id`).join('\n       union all ')}
     ),
     stored as (select tenant_id, sum(n) as stored_rows from f group by tenant_id),
     api as (
       select tenant_id, count(*) as api_calls, count(case when status_code >= 500 then 1 end) as api_server_errors
       from ${ds}.fact_api_requests where event_date = @d group by tenant_id
     )
     select t.tenant_id as tenant_id, t.plan as plan,
            coalesce(stored.stored_rows, 0) as stored_rows,
            coalesce(api.api_calls, 0) as api_calls, coalesce(api.api_server_errors, 0) as api_server_errors
     from ${ds}.dim_tenants t
     left join stored on stored.tenant_id = t.tenant_id
     left join api on api.tenant_id = t.tenant_id
     where t.created_at < @dayEnd or stored.tenant_id is not null or api.tenant_id is not null`,
    { d: dateParam(day), dayEnd },
  );
  const total = rows.reduce((s, r) => s + num(r.stored_rows), 0);
  return rows.map((r) => {
    const tenant = String(r.tenant_id);
    return {
      report_date: day,
      tenant_id: tenant,
      plan: String(r.plan),
      seats_used: ctx.seats.get(tenant)?.seats ?? 0,
      active_users: ctx.seats.get(tenant)?.active ?? 0,
      api_calls: num(r.api_calls),
      api_server_errors: num(r.api_server_errors),
      stored_rows: num(r.stored_rows),
      stored_rows_share: ratio(num(r.stored_rows), total),
    };
  });
}

/**
 * Collaboration per team: members at the end of the day, who was active, and the day's collaboration events. A team
 * is in the day if it existed by the day's end or has collaborations that day (a `created_at` later than its own
 * events must not drop them: the sum_matches check would fail the run).
 */
export async function teamPerformance(warehouse: Warehouse, ds: string, day: string): Promise<Row[]> {
  const { dayEnd } = dayBounds(day);
  const rows = await warehouse.query(
    `with active as (select distinct user_id from ${ds}.fact_user_activities where event_date = @d),
     m as (
       select tm.team_id, count(*) as members, count(a.user_id) as active_members
       from ${ds}.dim_team_members tm left join active a on a.user_id = tm.user_id
       where tm.joined_at < @dayEnd group by tm.team_id
     ),
     c as (
       select team_id, count(*) as collaborations, count(distinct user_id) as collaborating_members,
              count(case when kind = 'shared' then 1 end) as shares,
              count(case when kind = 'commented' then 1 end) as comments,
              count(case when kind = 'assigned' then 1 end) as assignments,
              count(case when kind = 'mentioned' then 1 end) as mentions
       from ${ds}.fact_team_collaborations where event_date = @d group by team_id
     )
     select t.tenant_id as tenant_id, t.team_id as team_id, t.team_name as team_name,
            coalesce(m.members, 0) as members, coalesce(m.active_members, 0) as active_members,
            coalesce(c.collaborations, 0) as collaborations, coalesce(c.collaborating_members, 0) as collaborating_members,
            coalesce(c.shares, 0) as shares, coalesce(c.comments, 0) as comments,
            coalesce(c.assignments, 0) as assignments, coalesce(c.mentions, 0) as mentions
     from ${ds}.dim_teams t left join m on m.team_id = t.team_id left join c on c.team_id = t.team_id
     where t.created_at < @dayEnd or c.team_id is not null`,
    { d: dateParam(day), dayEnd },
  );
  return rows.map((r) => ({
    report_date: day,
    tenant_id: String(r.tenant_id),
    team_id: String(r.team_id),
    team_name: String(r.team_name),
    members: num(r.members),
    active_members: num(r.active_members),
    collaborations: num(r.collaborations),
    collaborating_members: num(r.collaborating_members),
    shares: num(r.shares),
    comments: num(r.comments),
    assignments: num(r.assignments),
    mentions: num(r.mentions),
    collaborations_per_member: ratio(num(r.collaborations), num(r.members)),
  }));
}

/** Permission checks and denials per resource type (the resource without its id), permission and the user's role. */
export async function permissionAccess(warehouse: Warehouse, ds: string, day: string): Promise<Row[]> {
  const rows = await warehouse.query(
    `with roles as (
       select ur.user_id as user_id, min(r.role_name) as role_name
       from ${ds}.dim_user_roles ur join ${ds}.dim_roles r on r.role_id = ur.role_id group by ur.user_id
     )
     select p.tenant_id as tenant_id, regexp_extract(p.resource, '^[^/]+') as resource, p.permission as permission,
            coalesce(roles.role_name, '(none)') as role_name,
            count(*) as checks, count(case when not p.granted then 1 end) as denied,
            count(distinct case when not p.granted then p.user_id end) as denied_users
     from ${ds}.fact_permission_checks p left join roles on roles.user_id = p.user_id
     where p.event_date = @d
     group by 1, 2, 3, 4`,
    { d: dateParam(day) },
  );
  return rows.map((r) => ({
    report_date: day,
    tenant_id: String(r.tenant_id),
    resource: String(r.resource),
    permission: String(r.permission),
    role_name: String(r.role_name),
    checks: num(r.checks),
    denied: num(r.denied),
    deny_rate: ratio(num(r.denied), num(r.checks)),
    denied_users: num(r.denied_users),
  }));
}

/** Nearest-rank percentile of a non-empty sorted list. */
const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? null;

/** Incidents of the day from the batch detectors and the stream rules, by detector and status. */
export async function incidents(warehouse: Warehouse, ds: string, day: string): Promise<Row[]> {
  const batch = await warehouse.query(
    `select tenant_id, detector, severity, count(*) as incidents, sum(failed_attempts) as failed_attempts
     from ${ds}.security_incidents where event_date = @d group by tenant_id, detector, severity`,
    { d: dateParam(day) },
  );
  // Few rows a day (one per burst): the latency percentile is computed here, the same way on both engines.
  const stream = await warehouse.query(
    `select tenant_id, rule, case when notified_at is null then 'open' else 'notified' end as status,
            failures, detection_latency_ms
     from ${ds}.stream_security_incidents where window_date = @d`,
    { d: dateParam(day) },
  );
  const groups = new Map<
    string,
    { tenant: string; rule: string; status: string; n: number; fails: number; lat: number[] }
  >();
  for (const r of stream) {
    const key = `${String(r.tenant_id)}\u0000${String(r.rule)}\u0000${String(r.status)}`;
    const g = groups.get(key) ?? {
      tenant: String(r.tenant_id),
      rule: String(r.rule),
      status: String(r.status),
      n: 0,
      fails: 0,
      lat: [],
    };
    g.n += 1;
    g.fails += num(r.failures);
    g.lat.push(num(r.detection_latency_ms));
    groups.set(key, g);
  }
  return [
    ...batch.map((r) => ({
      report_date: day,
      tenant_id: String(r.tenant_id),
      source: 'batch',
      detector: String(r.detector),
      severity: String(r.severity),
      status: 'detected',
      incidents: num(r.incidents),
      failed_attempts: num(r.failed_attempts),
      p95_detection_latency_ms: null,
    })),
    ...[...groups.values()].map((g) => ({
      report_date: day,
      tenant_id: g.tenant,
      source: 'stream',
      detector: g.rule,
      severity: 'n/a',
      status: g.status,
      incidents: g.n,
      failed_attempts: g.fails,
      p95_detection_latency_ms: percentile(
        g.lat.sort((a, b) => a - b),
        0.95,
      ),
    })),
  ];
}

/** Requests per tenant, endpoint, method and status class (1xx, which the API never sends, would count as 2xx). */
export async function apiErrors(warehouse: Warehouse, ds: string, day: string): Promise<Row[]> {
  const rows = await warehouse.query(
    `select tenant_id, endpoint, method,
            case when status_code >= 500 then '5xx' when status_code >= 400 then '4xx'
                 when status_code >= 300 then '3xx' else '2xx' end as status_class,
            count(*) as requests, sum(duration_ms) as total_ms
     from ${ds}.fact_api_requests where event_date = @d group by 1, 2, 3, 4`,
    { d: dateParam(day) },
  );
  return rows.map((r) => ({
    report_date: day,
    tenant_id: String(r.tenant_id),
    endpoint: String(r.endpoint),
    method: String(r.method),
    status_class: String(r.status_class),
    requests: num(r.requests),
    total_ms: num(r.total_ms),
  }));
}
