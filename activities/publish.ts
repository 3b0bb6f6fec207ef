import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type {
  SparkRunDetails,
  Notifier,
  ObjectStore,
  ParquetWriter,
  PipelineMetrics,
  QueryParam,
  Row,
  Warehouse,
} from '../adapters/ports';
import { MART_CHECKS } from '../schema/quality/catalogue';
import { findTable } from '../schema/warehouse';
import type { Dataset } from '../schema/warehouse/types';
import { withHeartbeat } from './heartbeat';
import {
  apiErrors,
  featureFunnel,
  incidents,
  num,
  permissionAccess,
  ratio,
  teamPerformance,
  tenantResources,
  userJourneys,
} from './marts';
import { writeRunRecord } from './operations-rows';
import { runAndStoreChecks, type QualityCheckResult } from './quality';

const DAY_MS = 86_400_000;
const dayStart = (day: string, offset = 0) => new Date(Date.parse(`${day}T00:00:00Z`) + offset * DAY_MS);
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

export interface PipelineRunRecord {
  workflowId: string;
  runId: string;
  pipeline: string;
  logicalDate: string;
  startedAt: string;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  summary: {
    extracted: Record<string, number>;
    loaded: Record<string, number>;
    stageMs: Partial<Record<'extract' | 'transform' | 'load' | 'quality' | 'publish', number>>;
    /** How Spark ran (runner, phase times); absent in runs recorded before it existed or when the transform failed. */
    transformDetails?: SparkRunDetails;
  };
  error?: { type: string; message: string };
}

/** Per-tenant activity counts over trailing windows ending on `day` (portable SQL: DuckDB and BigQuery). */
async function engagementCounts(warehouse: Warehouse, ds: string, day: string): Promise<Map<string, Row>> {
  const params: Record<string, QueryParam> = {
    d: { type: 'DATE', value: day },
    from7: { type: 'DATE', value: isoDay(dayStart(day, -6)) },
    from30: { type: 'DATE', value: isoDay(dayStart(day, -29)) },
    dayStart: dayStart(day),
    dayEnd: dayStart(day, 1),
  };
  const rows = await warehouse.query(
    `with active as (
       select tenant_id, user_id, event_date from ${ds}.fact_user_activities where event_date >= @from30 and event_date <= @d
       union all
       select tenant_id, user_id, event_date from ${ds}.fact_session_metrics where event_date >= @from30 and event_date <= @d
     ),
     act as (
       select tenant_id,
              count(distinct case when event_date = @d then user_id end) as dau,
              count(distinct case when event_date >= @from7 then user_id end) as wau,
              count(distinct user_id) as mau
       from active group by tenant_id
     ),
     usr as (
       select tenant_id,
              count(case when created_at >= @dayStart and created_at < @dayEnd then 1 end) as new_users,
              count(case when deleted_at >= @dayStart and deleted_at < @dayEnd then 1 end) as deleted_users,
              count(case when created_at < @dayEnd and (deleted_at is null or deleted_at >= @dayEnd) then 1 end) as total_users
       from ${ds}.dim_users group by tenant_id
     ),
     tms as (
       select tenant_id,
              count(case when created_at < @dayEnd then 1 end) as total_teams,
              count(case when created_at >= @dayStart and created_at < @dayEnd then 1 end) as new_teams
       from ${ds}.dim_teams group by tenant_id
     )
     select t.tenant_id as tenant_id,
            coalesce(act.dau, 0) as dau, coalesce(act.wau, 0) as wau, coalesce(act.mau, 0) as mau,
            coalesce(usr.new_users, 0) as new_users, coalesce(usr.deleted_users, 0) as deleted_users,
            coalesce(usr.total_users, 0) as total_users,
            coalesce(tms.total_teams, 0) as total_teams, coalesce(tms.new_teams, 0) as new_teams
     from ${ds}.dim_tenants t
     left join act on act.tenant_id = t.tenant_id
     left join usr on usr.tenant_id = t.tenant_id
     left join tms on tms.tenant_id = t.tenant_id
     where t.created_at < @dayEnd`,
    params,
  );
  return new Map(rows.map((r) => [String(r.tenant_id), r]));
}

/** Per tenant and feature: the day's use and adopters since the beginning (each user's first-ever use). */
async function featureAdoption(warehouse: Warehouse, ds: string, day: string): Promise<Row[]> {
  return warehouse.query(
    `with firsts as (
       select tenant_id, feature, user_id, min(event_date) as first_day
       from ${ds}.fact_user_activities where event_date <= @d group by tenant_id, feature, user_id
     ),
     today as (
       select tenant_id, feature, count(*) as events, count(distinct user_id) as active_users
       from ${ds}.fact_user_activities where event_date = @d group by tenant_id, feature
     )
     select f.tenant_id as tenant_id, f.feature as feature,
            coalesce(max(t.events), 0) as events, coalesce(max(t.active_users), 0) as active_users,
            count(case when f.first_day = @d then 1 end) as new_adopters, count(*) as cumulative_adopters
     from firsts f left join today t on t.tenant_id = f.tenant_id and t.feature = f.feature
     group by f.tenant_id, f.feature`,
    { d: { type: 'DATE', value: day } },
  );
}

/**
 * Publish activities: refresh the reporting tables that need trailing windows over many days (computed in the
 * warehouse, the only place holding the history), record the run in pipeline_runs and audit_log, notify.
 */
export function createPublishActivities(deps: {
  parquet: ParquetWriter;
  warehouse: Warehouse;
  store: ObjectStore;
  notifier: Notifier;
  dataset: Dataset;
  /** Temporal Web UI base, for links in notifications. */
  uiUrl: string;
  namespace: string;
  /** Records the last success per pipeline. */
  metrics?: PipelineMetrics;
  scratchDir?: string;
}) {
  const replaceReport = async (tableName: string, date: string, rows: Record<string, unknown>[], jobKey: string) => {
    const table = findTable(deps.dataset, tableName);
    const dir = await fs.mkdtemp(path.join(deps.scratchDir ?? os.tmpdir(), `${tableName}-`));
    try {
      const file = path.join(dir, 'part-00000.parquet');
      await deps.parquet.fromRows(rows, table, file);
      const snapshot = await deps.store.replacePartition('processed', `${tableName}/dt=${date}`, [
        { name: 'part-00000.parquet', path: file },
      ]);
      const result = await deps.warehouse.replacePartition({
        dataset: deps.dataset,
        table: tableName,
        date,
        parquetFiles: snapshot.keys.map((k) => deps.store.uri('processed', k)),
        jobKey,
      });
      return result.rows;
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  };

  return {
    async publishReporting(input: {
      date: string;
      runKey: string;
      /** Workflow id recorded with the marts' quality results. */
      workflowId?: string;
    }): Promise<{ tables: Record<string, number>; checks: QualityCheckResult[]; durationMs: number }> {
      return withHeartbeat(async () => {
        const started = Date.now();
        const ds = deps.dataset.name;
        const counts = await engagementCounts(deps.warehouse, deps.dataset.name, input.date);
        const engagement = [...counts.values()].map((r) => ({
          report_date: input.date,
          tenant_id: String(r.tenant_id),
          dau: num(r.dau),
          wau: num(r.wau),
          mau: num(r.mau),
          stickiness: ratio(num(r.dau), num(r.mau)),
          weekly_stickiness: ratio(num(r.dau), num(r.wau)),
          new_users: num(r.new_users),
          total_users: num(r.total_users),
        }));
        const growth = [...counts.values()].map((r) => ({
          report_date: input.date,
          tenant_id: String(r.tenant_id),
          total_users: num(r.total_users),
          new_users: num(r.new_users),
          deleted_users: num(r.deleted_users),
          active_users_30d: num(r.mau),
          total_teams: num(r.total_teams),
          new_teams: num(r.new_teams),
        }));
        const adoption = (await featureAdoption(deps.warehouse, deps.dataset.name, input.date)).map((r) => {
          const users = num(counts.get(String(r.tenant_id))?.total_users);
          return {
            report_date: input.date,
            tenant_id: String(r.tenant_id),
            feature: String(r.feature),
            events: num(r.events),
            active_users: num(r.active_users),
            new_adopters: num(r.new_adopters),
            cumulative_adopters: num(r.cumulative_adopters),
            adoption_rate: ratio(num(r.cumulative_adopters), users),
          };
        });
        const seats = new Map(
          [...counts.values()].map((r) => [String(r.tenant_id), { seats: num(r.total_users), active: num(r.dau) }]),
        );
        const marts: Record<string, Record<string, unknown>[]> = {
          rpt_user_journeys_daily: await userJourneys(deps.warehouse, ds, input.date),
          rpt_feature_funnel_daily: await featureFunnel(deps.warehouse, ds, input.date),
          rpt_tenant_resources_daily: await tenantResources(deps.warehouse, ds, input.date, { seats }),
          rpt_team_performance_daily: await teamPerformance(deps.warehouse, ds, input.date),
          rpt_permission_access_daily: await permissionAccess(deps.warehouse, ds, input.date),
          rpt_incidents_daily: await incidents(deps.warehouse, ds, input.date),
          rpt_api_errors_daily: await apiErrors(deps.warehouse, ds, input.date),
        };
        const tables: Record<string, number> = {
          rpt_feature_adoption_daily: await replaceReport(
            'rpt_feature_adoption_daily',
            input.date,
            adoption,
            `${input.runKey}:rpt_feature_adoption_daily`,
          ),
          rpt_engagement_daily: await replaceReport(
            'rpt_engagement_daily',
            input.date,
            engagement,
            `${input.runKey}:rpt_engagement_daily`,
          ),
          rpt_tenant_growth_daily: await replaceReport(
            'rpt_tenant_growth_daily',
            input.date,
            growth,
            `${input.runKey}:rpt_tenant_growth_daily`,
          ),
        };
        for (const [table, rows] of Object.entries(marts)) {
          tables[table] = await replaceReport(table, input.date, rows, `${input.runKey}:${table}`);
        }
        // The marts written here are checked here (the quality stage ran before they existed).
        const checks = await runAndStoreChecks(deps, MART_CHECKS, {
          date: input.date,
          runKey: input.runKey,
          stage: 'publish',
        });
        return { tables, checks, durationMs: Date.now() - started };
      });
    },

    /** Upserts the run's pipeline_runs row and appends its audit_log row; both keyed, so retries overwrite. */
    async recordPipelineRun(run: PipelineRunRecord): Promise<void> {
      // A run that failed or was cancelled before its load stage may meet a warehouse without tables yet.
      if (run.status !== 'succeeded') await deps.warehouse.ensureDataset(deps.dataset);
      const now = new Date().toISOString();
      const s = run.summary;
      const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
      const rowCounts = Object.fromEntries(
        [...new Set([...Object.keys(s.extracted), ...Object.keys(s.loaded)])].map((t) => [
          t,
          { extracted: s.extracted[t] ?? null, loaded: s.loaded[t] ?? null },
        ]),
      );
      await writeRunRecord(deps, {
        workflowId: run.workflowId,
        runId: run.runId,
        pipeline: run.pipeline,
        logicalDate: run.logicalDate,
        status: run.status,
        startedAt: run.startedAt,
        rowCounts,
        error: run.error,
        columns: {
          extract_ms: s.stageMs.extract ?? null,
          transform_ms: s.stageMs.transform ?? null,
          load_ms: s.stageMs.load ?? null,
          quality_ms: s.stageMs.quality ?? null,
          publish_ms: s.stageMs.publish ?? null,
          rows_extracted: sum(s.extracted),
          rows_loaded: sum(s.loaded),
          transform_details: s.transformDetails ? JSON.stringify(s.transformDetails) : null,
        },
        auditAction: 'pipeline.run',
        auditDetails: { rowsExtracted: sum(s.extracted), rowsLoaded: sum(s.loaded) },
      });
      if (run.status === 'succeeded') deps.metrics?.lastSuccess(run.pipeline, new Date(now));
    },

    async notify(n: {
      severity: 'info' | 'warn' | 'error';
      title: string;
      text: string;
      workflowId: string;
      runId: string;
    }): Promise<void> {
      const link = `${deps.uiUrl}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(n.workflowId)}/${n.runId}/history`;
      await deps.notifier.notify({ severity: n.severity, title: n.title, text: n.text, link });
    },
  };
}

export type PublishActivities = ReturnType<typeof createPublishActivities>;
