import type { Warehouse } from '../adapters/ports';
import type { Dataset } from '../schema/warehouse/types';

export interface Headline {
  date: string;
  dau: number;
  wau: number;
  mau: number;
  stickiness: number | null;
  sessions: number;
  avgSessionMinutes: number | null;
  loginAttempts: number;
  loginFailures: number;
  bruteForceIncidents: number;
  credentialStuffingIncidents: number;
  apiRequests: number;
  apiErrorRate: number | null;
  worstP95: { endpoint: string; p95Ms: number } | null;
}

const n = (v: unknown) => Number(v ?? 0);

/** The numbers the four dashboards open with, for one day (default: the newest reported day). */
export async function headline(warehouse: Warehouse, dataset: Dataset, day?: string): Promise<Headline | undefined> {
  const ds = dataset.name;
  const date =
    day ?? (await warehouse.query(`select max(report_date) as d from ${ds}.rpt_engagement_daily`))[0]?.d?.toString();
  if (!date) return undefined;
  const d = { d: { type: 'DATE' as const, value: date } };
  const [eng] = await warehouse.query(
    `select sum(dau) as dau, sum(wau) as wau, sum(mau) as mau from ${ds}.rpt_engagement_daily where report_date = @d`,
    d,
  );
  const [ses] = await warehouse.query(
    `select sum(sessions) as sessions, sum(total_duration_seconds) as secs from ${ds}.rpt_session_duration_daily where report_date = @d`,
    d,
  );
  const [sec] = await warehouse.query(
    `select sum(login_attempts) as attempts, sum(login_failures) as failures, sum(brute_force_incidents) as bf,
            sum(credential_stuffing_incidents) as cs
     from ${ds}.rpt_security_daily where report_date = @d`,
    d,
  );
  const [api] = await warehouse.query(
    `select sum(requests) as requests, sum(server_errors) as errors from ${ds}.rpt_api_performance_daily where report_date = @d`,
    d,
  );
  const [worst] = await warehouse.query(
    `select endpoint, p95_ms from ${ds}.rpt_api_performance_daily where report_date = @d and requests >= 20
     order by p95_ms desc limit 1`,
    d,
  );
  const sessions = n(ses?.sessions);
  return {
    date,
    dau: n(eng?.dau),
    wau: n(eng?.wau),
    mau: n(eng?.mau),
    stickiness: n(eng?.mau) ? n(eng?.dau) / n(eng?.mau) : null,
    sessions,
    avgSessionMinutes: sessions ? n(ses?.secs) / sessions / 60 : null,
    loginAttempts: n(sec?.attempts),
    loginFailures: n(sec?.failures),
    bruteForceIncidents: n(sec?.bf),
    credentialStuffingIncidents: n(sec?.cs),
    apiRequests: n(api?.requests),
    apiErrorRate: n(api?.requests) ? n(api?.errors) / n(api?.requests) : null,
    worstP95: worst ? { endpoint: String(worst.endpoint), p95Ms: n(worst.p95_ms) } : null,
  };
}

const pct = (v: number | null) => (v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`);

export function formatHeadline(h: Headline): string {
  return [
    `Dashboards for ${h.date}`,
    `  User engagement   DAU ${h.dau}, WAU ${h.wau}, MAU ${h.mau}, stickiness (DAU/MAU) ${pct(h.stickiness)}`,
    `                    ${h.sessions} sessions, average ${h.avgSessionMinutes === null ? 'n/a' : `${h.avgSessionMinutes.toFixed(1)} min`}`,
    `  Security          ${h.loginFailures} failed of ${h.loginAttempts} logins (${pct(h.loginAttempts ? h.loginFailures / h.loginAttempts : null)}), ` +
      `${h.bruteForceIncidents} brute-force and ${h.credentialStuffingIncidents} credential-stuffing incidents`,
    `  System            ${h.apiRequests} API requests, server error rate ${pct(h.apiErrorRate)}` +
      (h.worstP95 ? `, slowest p95 ${h.worstP95.endpoint} ${h.worstP95.p95Ms.toFixed(0)} ms` : ''),
  ].join('\n');
}
