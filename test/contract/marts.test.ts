import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiErrors,
  featureFunnel,
  incidents,
  permissionAccess,
  teamPerformance,
  tenantResources,
  userJourneys,
} from '../../activities/marts';
import { runCheck } from '../../activities/quality';
import type { QueryParam, Row, Warehouse } from '../../adapters/ports';
import { MART_CHECKS } from '../../schema/quality/catalogue';
import { findTable, rollups, rollupSql, userAnalytics } from '../../schema/warehouse';
import type { Dataset } from '../../schema/warehouse/types';
import { warehouseHarnesses } from '../helpers/warehouse-harnesses';

/**
 * The publish-time marts (activities/marts.ts) are portable SQL: the same fixture day gives the same rows on DuckDB
 * and on BigQuery (emulator). The fixture is small and hand-made, so every expected number below is counted by hand.
 */
const DAY = '2026-11-27';
const BEFORE = '2026-11-01T00:00:00Z';
const dataset: Dataset = { ...userAnalytics, name: 'marts_contract' };
const at = (hhmm: string) => `${DAY}T${hhmm}:00Z`;

/** Inserts rows through the port with typed parameters (one statement per table). */
async function insert(warehouse: Warehouse, table: string, rows: Record<string, string | number | boolean | null>[]) {
  const t = findTable(dataset, table);
  const cols = Object.keys(rows[0] ?? {});
  const params: Record<string, QueryParam> = {};
  const values = rows.map((row, i) =>
    cols
      .map((c, j) => {
        const type = t.columns.find((col) => col.name === c)?.type;
        if (!type) throw new Error(`${table}.${c} is not in the schema`);
        const v = row[c];
        params[`p${i}_${j}`] =
          v === null
            ? { type, value: null }
            : type === 'DATE'
              ? { type, value: String(v) }
              : type === 'TIMESTAMP'
                ? new Date(String(v))
                : (v as QueryParam);
        return `@p${i}_${j}`;
      })
      .join(', '),
  );
  await warehouse.query(
    `insert into ${dataset.name}.${table} (${cols.join(', ')}) values ${values.map((v) => `(${v})`).join(', ')}`,
    params,
    { write: true },
  );
}

let seq = 0;
const activity = (tenant: string, user: string, session: string | null, feature: string, hhmm: string) => ({
  event_id: `a${++seq}`,
  event_date: DAY,
  tenant_id: tenant,
  user_id: user,
  session_id: session,
  occurred_at: at(hhmm),
  feature,
  action: 'view',
});
const request = (tenant: string, method: string, status: number, ms: number) => ({
  event_id: `r${++seq}`,
  event_date: DAY,
  tenant_id: tenant,
  user_id: null,
  occurred_at: at('11:00'),
  endpoint: '/v1/jobs',
  method,
  status_code: status,
  duration_ms: ms,
  is_error: status >= 500,
});
const check = (user: string, resource: string, permission: string, granted: boolean) => ({
  event_id: `p${++seq}`,
  event_date: DAY,
  tenant_id: 't1',
  user_id: user,
  occurred_at: at('12:00'),
  resource,
  permission,
  granted,
});

async function loadFixture(w: Warehouse) {
  await insert(w, 'dim_tenants', [
    { tenant_id: 't1', tenant_name: 'Acme', plan: 'growth', region: 'eu', status: 'active', created_at: BEFORE },
    { tenant_id: 't2', tenant_name: 'Beta', plan: 'free', region: 'us', status: 'trial', created_at: BEFORE },
    {
      tenant_id: 't3',
      tenant_name: 'Later',
      plan: 'free',
      region: 'us',
      status: 'trial',
      created_at: '2026-11-28T01:00:00Z',
    },
  ]);
  await insert(w, 'fact_user_activities', [
    // u1: the whole funnel in order; its session's path is search > profile (the repeat collapsed).
    activity('t1', 'u1', 's1', 'candidate_search', '10:00'),
    activity('t1', 'u1', 's1', 'candidate_search', '10:01'),
    activity('t1', 'u1', 's1', 'candidate_profile', '10:02'),
    activity('t1', 'u1', 's1', 'pipeline', '10:03'),
    activity('t1', 'u1', 's1', 'interview_scheduling', '10:04'),
    // u2..u6: search then profile: with u1, six sessions → a path of its own.
    ...['u2', 'u3', 'u4', 'u5', 'u6'].flatMap((u, i) => [
      activity('t1', u, `s${i + 2}`, 'candidate_search', '09:00'),
      activity('t1', u, `s${i + 2}`, 'candidate_profile', '09:05'),
    ]),
    // u7: messaging only; u8: profile before search (step 1 only). Both paths are unique → '(other)'.
    activity('t1', 'u7', 's7', 'messaging', '08:00'),
    activity('t1', 'u8', 's8', 'candidate_profile', '08:00'),
    activity('t1', 'u8', 's8', 'candidate_search', '08:30'),
    // No session: in the funnel, not in the paths.
    activity('t2', 'u20', null, 'candidate_search', '13:00'),
  ]);
  await insert(w, 'fact_api_requests', [
    request('t1', 'GET', 200, 10),
    request('t1', 'GET', 200, 10),
    request('t1', 'GET', 200, 10),
    request('t1', 'GET', 404, 5),
    request('t1', 'GET', 503, 100),
    request('t2', 'POST', 201, 20),
    request('t2', 'POST', 201, 30),
  ]);
  await insert(w, 'dim_roles', [
    {
      role_id: 'r1',
      tenant_id: 't1',
      role_name: 'admin',
      description: 'd',
      is_system: true,
      permission_count: 9,
      created_at: BEFORE,
    },
    {
      role_id: 'r2',
      tenant_id: 't1',
      role_name: 'recruiter',
      description: 'd',
      is_system: true,
      permission_count: 3,
      created_at: BEFORE,
    },
  ]);
  await insert(w, 'dim_user_roles', [
    { user_id: 'u1', role_id: 'r1', tenant_id: 't1', assigned_at: BEFORE },
    { user_id: 'u2', role_id: 'r2', tenant_id: 't1', assigned_at: BEFORE },
  ]);
  await insert(w, 'fact_permission_checks', [
    check('u1', 'job/17', 'read', true),
    check('u2', 'job/17', 'write', false),
    check('u2', 'job/18', 'write', false),
    check('u9', 'candidate', 'read', false),
  ]);
  await insert(w, 'dim_teams', [
    { team_id: 'k1', tenant_id: 't1', team_name: 'Sourcing', created_at: BEFORE },
    { team_id: 'k2', tenant_id: 't1', team_name: 'Quiet', created_at: BEFORE },
    // created_at later than its own events (the medium data set has such teams): kept, as it has collaborations.
    { team_id: 'k3', tenant_id: 't1', team_name: 'Backdated', created_at: '2027-01-01T00:00:00Z' },
    // Created after the day with nothing on it: not in the day.
    { team_id: 'k4', tenant_id: 't1', team_name: 'Future', created_at: '2027-01-01T00:00:00Z' },
  ]);
  await insert(w, 'dim_team_members', [
    { team_id: 'k1', user_id: 'u1', tenant_id: 't1', member_role: 'lead', joined_at: BEFORE },
    { team_id: 'k1', user_id: 'u2', tenant_id: 't1', member_role: 'member', joined_at: BEFORE },
    { team_id: 'k1', user_id: 'u30', tenant_id: 't1', member_role: 'member', joined_at: BEFORE },
    // Joined after the day: not yet a member on it.
    { team_id: 'k1', user_id: 'u31', tenant_id: 't1', member_role: 'member', joined_at: '2026-11-29T00:00:00Z' },
  ]);
  await insert(
    w,
    'fact_team_collaborations',
    ['shared', 'commented', 'mentioned'].map((kind, i) => ({
      event_id: `c${i}`,
      event_date: DAY,
      tenant_id: 't1',
      team_id: 'k1',
      user_id: i < 2 ? 'u1' : 'u2',
      target_user_id: null,
      occurred_at: at('14:00'),
      kind,
    })),
  );
  await insert(w, 'fact_team_collaborations', [
    {
      event_id: 'c3',
      event_date: DAY,
      tenant_id: 't1',
      team_id: 'k3',
      user_id: 'u1',
      target_user_id: null,
      occurred_at: at('15:00'),
      kind: 'assigned',
    },
  ]);
  await insert(w, 'security_incidents', [
    {
      incident_id: 'i1',
      event_date: DAY,
      tenant_id: 't1',
      detector: 'brute_force',
      severity: 'high',
      window_start: at('15:00'),
      window_end: at('15:10'),
      user_id: 'u1',
      attempted_email: null,
      ip: null,
      failed_attempts: 12,
      distinct_accounts: 1,
      distinct_ips: 2,
      details: null,
      detected_at: at('23:59'),
    },
  ]);
  const streamIncident = (id: string, latency: number, notified: string | null) => ({
    incident_id: id,
    window_date: DAY,
    tenant_id: 't1',
    rule: 'brute_force_ip',
    subject_kind: 'ip',
    user_id: null,
    attempted_email: null,
    ip: null,
    failures: 5,
    first_failure_at: at('16:00'),
    trigger_event_id: `e-${id}`,
    trigger_occurred_at: at('16:01'),
    detected_at: at('16:02'),
    detection_latency_ms: latency,
    status: 'open',
    notified_at: notified,
  });
  await insert(w, 'stream_security_incidents', [
    streamIncident('x1', 100, at('16:03')),
    streamIncident('x2', 300, at('16:03')),
    streamIncident('x3', 700, null),
  ]);
}

const sortBy = (rows: Row[], ...keys: string[]) =>
  [...rows].sort((a, b) => keys.map((k) => String(a[k]).localeCompare(String(b[k]))).find((c) => c !== 0) ?? 0);

describe.each(warehouseHarnesses)('publish-time marts: $name', ({ missing, setup }) => {
  if (missing) console.warn(`skipping: ${missing}`);
  let warehouse: Warehouse;
  let teardown: () => Promise<void>;
  const ds = dataset.name;

  beforeAll(async () => {
    if (missing) return;
    ({ warehouse, teardown } = await setup());
    await warehouse.ensureDataset(dataset);
    await loadFixture(warehouse);
  }, 300_000);
  afterAll(async () => {
    await warehouse?.close();
    await teardown?.();
  });

  describe.skipIf(Boolean(missing))('rows', () => {
    it('user journeys: first two features per session, repeats collapsed, paths under 5 sessions folded', async () => {
      const rows = sortBy(await userJourneys(warehouse, ds, DAY), 'path');
      expect(rows).toEqual([
        { report_date: DAY, tenant_id: 't1', path: '(other)', steps: 0, sessions: 2, users: 2 },
        {
          report_date: DAY,
          tenant_id: 't1',
          path: 'candidate_search > candidate_profile',
          steps: 2,
          sessions: 6,
          users: 6,
        },
      ]);
    });

    it('funnel: users reaching each step after the previous one, with conversions', async () => {
      const rows = sortBy(await featureFunnel(warehouse, ds, DAY), 'tenant_id', 'step');
      const t1 = rows.filter((r) => r.tenant_id === 't1');
      expect(t1.map((r) => [r.step_name, r.users])).toEqual([
        ['candidate_search', 7],
        ['candidate_profile', 6],
        ['pipeline', 1],
        ['interview_scheduling', 1],
      ]);
      expect(t1.map((r) => r.conversion_from_previous)).toEqual([null, 0.857143, 0.166667, 1]);
      expect(t1.map((r) => r.conversion_from_start)).toEqual([1, 0.857143, 0.142857, 0.142857]);
      expect(rows.filter((r) => r.tenant_id === 't2').map((r) => r.users)).toEqual([1, 0, 0, 0]);
    });

    it("tenant resources: seats from publish's counts, API calls, stored rows and their share", async () => {
      const seats = new Map([['t1', { seats: 40, active: 8 }]]);
      const rows = sortBy(await tenantResources(warehouse, ds, DAY, { seats }), 'tenant_id');
      // t1: 18 activities + 5 requests + 4 checks + 4 collaborations = 31; t2: 1 + 2 = 3; t3 created after the day.
      expect(rows.map((r) => [r.tenant_id, r.plan, r.seats_used, r.active_users, r.api_calls])).toEqual([
        ['t1', 'growth', 40, 8, 5],
        ['t2', 'free', 0, 0, 2],
      ]);
      expect(rows.map((r) => [r.api_server_errors, r.stored_rows, r.stored_rows_share])).toEqual([
        [1, 31, 0.911765],
        [0, 3, 0.088235],
      ]);
    });

    it('team performance: members at the end of the day, who was active, collaborations by kind', async () => {
      const rows = sortBy(await teamPerformance(warehouse, ds, DAY), 'team_id');
      expect(rows[0]).toEqual({
        report_date: DAY,
        tenant_id: 't1',
        team_id: 'k1',
        team_name: 'Sourcing',
        members: 3,
        active_members: 2,
        collaborations: 3,
        collaborating_members: 2,
        shares: 1,
        comments: 1,
        assignments: 0,
        mentions: 1,
        collaborations_per_member: 1,
      });
      expect(rows[1]).toMatchObject({ team_id: 'k2', members: 0, collaborations: 0, collaborations_per_member: null });
      expect(rows[2]).toMatchObject({ team_id: 'k3', members: 0, collaborations: 1, assignments: 1 });
      expect(rows).toHaveLength(3); // k4: created after the day, no collaborations
    });

    it('team performance adds up to its fact (the sum_matches check) even with a backdated team', async () => {
      const check = MART_CHECKS.find((c) => c.type === 'sum_matches' && c.table === 'rpt_team_performance_daily');
      if (!check) throw new Error('the catalogue lost its rpt_team_performance_daily sum check');
      await insert(warehouse, 'rpt_team_performance_daily', await teamPerformance(warehouse, ds, DAY));
      const result = await runCheck(warehouse, dataset, check, { date: DAY, extracted: {} });
      expect(result).toMatchObject({ passed: true, observedValue: 4 });
    });

    it("permission access: checks and denials by resource, permission and the user's role", async () => {
      const rows = sortBy(await permissionAccess(warehouse, ds, DAY), 'resource', 'permission', 'role_name');
      expect(
        rows.map((r) => [r.resource, r.permission, r.role_name, r.checks, r.denied, r.deny_rate, r.denied_users]),
      ).toEqual([
        ['candidate', 'read', '(none)', 1, 1, 1, 1],
        ['job', 'read', 'admin', 1, 0, 0, 0],
        ['job', 'write', 'recruiter', 2, 2, 1, 1],
      ]);
    });

    it('incidents: batch detections and stream incidents by status, with the p95 detection latency', async () => {
      const rows = sortBy(await incidents(warehouse, ds, DAY), 'source', 'status');
      expect(rows.map((r) => [r.source, r.detector, r.severity, r.status, r.incidents, r.failed_attempts])).toEqual([
        ['batch', 'brute_force', 'high', 'detected', 1, 12],
        ['stream', 'brute_force_ip', 'n/a', 'notified', 2, 10],
        ['stream', 'brute_force_ip', 'n/a', 'open', 1, 5],
      ]);
      expect(rows.map((r) => r.p95_detection_latency_ms)).toEqual([null, 300, 700]);
    });

    it('API errors: requests and latency by status class', async () => {
      const rows = sortBy(await apiErrors(warehouse, ds, DAY), 'tenant_id', 'status_class');
      expect(rows.map((r) => [r.tenant_id, r.method, r.status_class, r.requests, r.total_ms])).toEqual([
        ['t1', 'GET', '2xx', 3, 30],
        ['t1', 'GET', '4xx', 1, 5],
        ['t1', 'GET', '5xx', 1, 100],
        ['t2', 'POST', '2xx', 2, 50],
      ]);
    });
  });

  describe.skipIf(Boolean(missing))('mart checks', () => {
    const sumCheck = MART_CHECKS.find((c) => c.type === 'sum_matches' && c.table === 'rpt_api_errors_daily');

    it('sum_matches passes when the mart adds up to its fact, and fails naming the difference when not', async () => {
      if (!sumCheck) throw new Error('the catalogue lost its rpt_api_errors_daily sum check');
      const rows = await apiErrors(warehouse, ds, DAY);
      await insert(warehouse, 'rpt_api_errors_daily', rows);
      const ok = await runCheck(warehouse, dataset, sumCheck, { date: DAY, extracted: {} });
      expect(ok).toMatchObject({ passed: true, observedValue: 7, expectedValue: '= 7 (fact_api_requests rows)' });

      await insert(warehouse, 'rpt_api_errors_daily', [{ ...rows[0], method: 'PUT', requests: 2 }]);
      const bad = await runCheck(warehouse, dataset, sumCheck, { date: DAY, extracted: {} });
      expect(bad).toMatchObject({ passed: false, observedValue: 9, metadata: { difference: 2 } });
    });
  });

  describe.skipIf(Boolean(missing))('materialized-view rollups (schema/warehouse/rollups.ts)', () => {
    /** The rollup's rows computed here from the mart's rows: group by, then add up. */
    function rollUp(rows: Row[], groupBy: string[], sums: string[]): Row[] {
      const groups = new Map<string, Row>();
      for (const row of rows) {
        const key = groupBy.map((c) => String(row[c])).join('|');
        const acc: Row = groups.get(key) ?? {};
        for (const c of groupBy) acc[c] = row[c] ?? null;
        for (const c of sums) acc[c] = Number(acc[c] ?? 0) + Number(row[c]);
        groups.set(key, acc);
      }
      return [...groups.values()];
    }

    it.each(rollups.map((r) => [r.name, r] as const))('%s adds up to its mart', async (_name, rollup) => {
      const mart = await warehouse.query(`select * from ${ds}.${rollup.base}`);
      if (mart.length === 0) {
        const build = { rpt_incidents_daily: incidents, rpt_permission_access_daily: permissionAccess }[rollup.base];
        if (!build) throw new Error(`no builder for ${rollup.base} in this test`);
        await insert(warehouse, rollup.base, await build(warehouse, ds, DAY));
        mart.push(...(await warehouse.query(`select * from ${ds}.${rollup.base}`)));
      }
      const got = await warehouse.query(rollupSql(rollup, `${ds}.${rollup.base}`));
      const norm = (rows: Row[]): Row[] =>
        sortBy(
          rows.map((r): Row => {
            const out: Row = {};
            for (const c of rollup.groupBy) out[c] = String(r[c]);
            for (const c of rollup.sums) out[c] = Number(r[c]);
            return out;
          }),
          ...rollup.groupBy,
        );
      expect(norm(got)).toEqual(norm(rollUp(mart, rollup.groupBy, rollup.sums)));
    });

    it('mv_api_errors_by_class_daily by hand: the fixture plus the bad PUT row the check test added', async () => {
      const rollup = rollups.find((r) => r.name === 'mv_api_errors_by_class_daily');
      if (!rollup) throw new Error('rollup renamed');
      const got = sortBy(await warehouse.query(rollupSql(rollup, `${ds}.${rollup.base}`)), 'tenant_id', 'status_class');
      // The fixture's 7 requests plus 2 from the PUT row the check test added to t1; t2 has 2, all 2xx.
      expect(got).toHaveLength(4); // from 5 mart rows: the PUT row joins its GET row's group
      expect(got.reduce((n, r) => n + Number(r.requests), 0)).toBe(9);
      expect(got.filter((r) => r.tenant_id === 't1').map((r) => r.status_class)).toEqual(['2xx', '4xx', '5xx']);
      expect(got.filter((r) => r.tenant_id === 't2').map((r) => [r.status_class, Number(r.requests)])).toEqual([
        ['2xx', 2],
      ]);
    });
  });
});
