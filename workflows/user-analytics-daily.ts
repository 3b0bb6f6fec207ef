import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { z } from 'zod';
import type { SparkRunDetails } from '../adapters/ports';
import type { ExtractActivities, ExtractTableResult } from '../activities/extract';
import type { LoadActivities, LoadTableResult } from '../activities/load';
import type { PublishActivities } from '../activities/publish';
import type { QualityActivities, QualityCheckResult } from '../activities/quality';
import type { SlaActivities } from '../activities/sla';
import type { TransformActivities } from '../activities/transform';
import { SOURCE_TABLES } from '../schema/source/tables';
import { mapBounded } from './concurrency';
import { StageProgress } from './progress';
import { stagesQuery } from './queries';
import { LogicalDate, Pipeline } from './search-attributes';
import { parseWorkflowInput } from './input';
import { isoDay } from './days';
import { notifySlaMiss } from './sla-notify';
import {
  cleanupActivity,
  extractActivity,
  notifyActivity,
  slaLookupActivity,
  sparkActivity,
  warehouseActivity,
} from './policies';
import { FailureType } from '../schema/failure-types';
import { describeFailure } from './failures';
import { DAILY_PIPELINE } from './pipelines';

export { DAILY_PIPELINE, dailyWorkflowId } from './pipelines';
const isoInstant = z.string().refine((t) => !Number.isNaN(Date.parse(t)), 'expected an ISO-8601 timestamp');

export const userAnalyticsDailyInput = z
  .object({
    /** The data day (UTC) the run processes. */
    logicalDate: isoDay,
    /** Airflow's data interval, when the run was triggered by Composer; informational. */
    dataIntervalStart: isoInstant.optional(),
    dataIntervalEnd: isoInstant.optional(),
    options: z
      .object({
        /** Source tables extracted at once. @default 4 */
        extractConcurrency: z.number().int().min(1).max(16).default(4),
        /** Warehouse loads at once. @default 4 */
        loadConcurrency: z.number().int().min(1).max(16).default(4),
      })
      .strict()
      .default({ extractConcurrency: 4, loadConcurrency: 4 }),
  })
  .strict();
export type UserAnalyticsDailyInput = z.input<typeof userAnalyticsDailyInput>;

export const DAILY_STAGES = ['extract', 'transform', 'load', 'quality', 'publish'] as const;
export type DailyStage = (typeof DAILY_STAGES)[number];

export interface DailyRunSummary {
  workflowId: string;
  runId: string;
  logicalDate: string;
  /** Per source table. */
  extracted: Record<string, number>;
  /** Per warehouse table: rows in the day's partition (facts) or the table (dimensions). */
  loaded: Record<string, number>;
  quality: { passed: number; warned: string[]; failed: string[] };
  /** Workflow wall time per stage, ms. */
  stageMs: Partial<Record<DailyStage, number>>;
  /** Sum of activity execution times per stage, ms (the rest of the stage is orchestration). */
  activityMs: Partial<Record<DailyStage, number>>;
  /** How Spark ran: runner and phase times (Dataproc cluster create/job/delete, Serverless pending/running). */
  transformDetails?: SparkRunDetails;
}

/** `dataproc-cluster: clusterCreate 92.0 s, job 41.3 s, clusterDelete 38.1 s` for the stage table's note. */
export function describeSparkRun(details: SparkRunDetails | undefined): string {
  if (!details) return '';
  const phases = Object.entries(details.phasesMs)
    .map(([phase, ms]) => `${phase} ${(ms / 1000).toFixed(1)} s`)
    .join(', ');
  const dcu = details.usage?.milliDcuSeconds;
  return `${details.runner}: ${phases}${dcu === undefined ? '' : `, ${(dcu / 3_600_000).toFixed(3)} DCU-h`}`;
}

const { extractTable } = proxyActivities<ExtractActivities>(extractActivity);
const { runDailyTransform } = proxyActivities<TransformActivities>(sparkActivity);
const { cleanupSparkRun } = proxyActivities<TransformActivities>(cleanupActivity);
const { ensureWarehouse, promoteAndLoad } = proxyActivities<LoadActivities>(warehouseActivity);
const { runQualityChecks } = proxyActivities<QualityActivities>(warehouseActivity);
const { publishReporting, recordPipelineRun, notify } = proxyActivities<PublishActivities>(warehouseActivity);
/**
 * Reads the worker's SLA configuration; recorded in history, so a replay sees the same deadline. A regular activity,
 * not a local one: the stage that follows must start in a workflow task of its own, whose completion event
 * (`historyLength + 1`) is then exactly the stage's reset point; after a local activity the SDK may send the next
 * commands in a later task than the one the code ran in.
 */
const { pipelineSla } = proxyActivities<SlaActivities>(slaLookupActivity);

/**
 * Races a timer against the stages: at the deadline, notifies once "SLA missed: in <stage> for N min" and lets the
 * run go on. A run started after its deadline (a backfill, a rerun, a late start) arms nothing: the watchdog
 * reports those. Returns the scope to cancel when the run ends.
 */
async function watchDeadline(
  date: string,
  progress: StageProgress<DailyStage>,
): Promise<CancellationScope | undefined> {
  const { dueAt } = await pipelineSla({ pipeline: DAILY_PIPELINE, logicalDate: date });
  const wait = dueAt === null ? 0 : Date.parse(dueAt) - Date.now();
  if (dueAt === null || wait <= 0) return undefined;
  const info = workflowInfo();
  const scope = new CancellationScope();
  scope
    .run(async () => {
      await sleep(wait);
      await notifySlaMiss.executeWithOptions({ ...notifyActivity, summary: 'SLA missed: notify' }, [
        {
          pipeline: DAILY_PIPELINE,
          logicalDate: date,
          kind: 'in_stage',
          dueAt,
          workflowId: info.workflowId,
          runId: info.runId,
          stage: progress.current() ?? 'finishing',
          minutes: Math.round(progress.runningMs() / 60_000),
        },
      ]);
    })
    // Cancelled when the run ends first; a notification that keeps failing must not fail the run.
    .catch((err: unknown) => {
      if (isCancellation(err)) return;
      const { type, message } = describeFailure(err);
      log.warn('could not notify the SLA miss', {
        pipeline: DAILY_PIPELINE,
        logicalDate: date,
        error: `${type}: ${message}`,
      });
    });
  return scope;
}

/**
 * The daily user-analytics pipeline for one logical date: extract (PostgreSQL → raw Parquet) → transform (Spark →
 * processed star schema) → load (warehouse, partition replace / dimension merge) → quality checks → publish
 * (reporting tables, pipeline_runs, audit_log). Every activity is idempotent, so a retry or a Reset from the UI
 * re-runs a step safely.
 */
export async function userAnalyticsDaily(raw: UserAnalyticsDailyInput): Promise<DailyRunSummary> {
  const input = parseWorkflowInput('userAnalyticsDaily', userAnalyticsDailyInput, raw);
  const info = workflowInfo();
  const date = input.logicalDate;
  const startedAt = new Date(Date.now()).toISOString();
  // Stable across activity retries, new for a Reset (a new run): Dataproc cluster names and load job ids derive from it.
  const runKey = `${info.workflowId}/${info.runId}`;
  upsertSearchAttributes([
    { key: Pipeline, value: DAILY_PIPELINE },
    { key: LogicalDate, value: date },
  ]);
  const progress = new StageProgress<DailyStage>(DAILY_STAGES, `${DAILY_PIPELINE} ${date}`);
  setHandler(stagesQuery, () => progress.snapshot());
  // Runs recorded before the SLA timer existed replay without it.
  const deadline = patched('sla-timer') ? await watchDeadline(date, progress) : undefined;
  const activityMs: Partial<Record<DailyStage, number>> = {};
  const extracted: Record<string, number> = {};
  const loaded: Record<string, number> = {};
  // Known once the transform succeeded; recorded in pipeline_runs whatever happens after it.
  let transformDetails: SparkRunDetails | undefined;
  const base = { workflowId: info.workflowId, runId: info.runId, logicalDate: date, startedAt };

  try {
    // 1. Extract: one activity per source table, bounded.
    progress.start('extract', `${SOURCE_TABLES.length} tables`);
    const extracts: ExtractTableResult[] = await mapBounded(SOURCE_TABLES, input.options.extractConcurrency, (t) =>
      extractTable.executeWithOptions({ ...extractActivity, summary: `extract ${t.name} (${t.kind})` }, [
        { table: t.name, date },
      ]),
    );
    for (const e of extracts) extracted[e.table] = e.rows;
    activityMs.extract = extracts.reduce((s, e) => s + e.durationMs, 0);
    progress.finish('extract', `${extracts.reduce((s, e) => s + e.rows, 0)} rows from ${extracts.length} tables`);

    // 2. Transform: Spark; the ephemeral cluster (Dataproc) is released whatever happens.
    progress.start('transform', 'daily_transform.py');
    let transform;
    try {
      transform = await runDailyTransform.executeWithOptions(
        { ...sparkActivity, summary: `Spark daily_transform ${date}` },
        [{ date, runKey, inputRows: Object.values(extracted).reduce((a, b) => a + b, 0) }],
      );
    } finally {
      await CancellationScope.nonCancellable(() =>
        cleanupSparkRun.executeWithOptions({ ...cleanupActivity, summary: 'release Spark resources' }, [{ runKey }]),
      );
    }
    activityMs.transform = transform.durationMs;
    transformDetails = transform.details;
    const tables = Object.keys(transform.tables).sort();
    const sparkRun = describeSparkRun(transform.details);
    progress.finish(
      'transform',
      `${tables.length} tables, ${Object.values(transform.tables).reduce((a, b) => a + b, 0)} rows` +
        (sparkRun ? ` · ${sparkRun}` : '') +
        (transform.timingsNote ? `; ${transform.timingsNote}` : ''),
    );

    // 3. Load: promote each table's staged output into processed/<table>/dt=<date>, then into the warehouse.
    progress.start('load', `${tables.length} tables`);
    await ensureWarehouse.executeWithOptions({ ...warehouseActivity, summary: 'ensure warehouse tables' }, []);
    const loads: LoadTableResult[] = await mapBounded(tables, input.options.loadConcurrency, (table) =>
      promoteAndLoad.executeWithOptions({ ...warehouseActivity, summary: `load ${table}` }, [
        { date, runKey, table, stagingPrefix: transform.stagingPrefix },
      ]),
    );
    for (const l of loads) loaded[l.table] = l.rows;
    activityMs.load = loads.reduce((s, l) => s + l.durationMs, 0);
    progress.finish('load', `${loads.reduce((s, l) => s + l.rows, 0)} rows`);

    // 4. Quality: results are stored by the activity; the workflow decides what they mean.
    progress.start('quality');
    const checks = await runQualityChecks.executeWithOptions({ ...warehouseActivity, summary: 'data-quality checks' }, [
      { date, runKey, workflowId: info.workflowId, extracted, loaded },
    ]);
    activityMs.quality = checks.durationMs;
    const failed = checks.results.filter((r) => !r.passed && r.severity === 'error');
    const warned = checks.results.filter((r) => !r.passed && r.severity === 'warn');
    const quality = {
      passed: checks.results.filter((r) => r.passed).length,
      warned: warned.map((r) => r.checkName),
      failed: failed.map((r) => r.checkName),
    };
    if (warned.length > 0) {
      await notify({
        severity: 'warn',
        title: `${DAILY_PIPELINE} ${date}: ${warned.length} data-quality warning(s)`,
        text: warned.map(describeCheck).join('\n'),
        workflowId: info.workflowId,
        runId: info.runId,
      });
    }
    if (failed.length > 0) {
      progress.fail('quality', `${failed.length} error check(s) failed: ${quality.failed.join(', ')}`);
      throw ApplicationFailure.create({
        type: FailureType.DataQualityFailed,
        nonRetryable: true,
        message: `data-quality checks failed for ${date}: ${failed.map(describeCheck).join('; ')}`,
        details: [failed],
      });
    }
    progress.finish('quality', `${quality.passed} passed, ${warned.length} warned`);

    // 5. Publish: reporting tables over trailing windows, then the run's own records.
    progress.start('publish');
    const published = await publishReporting.executeWithOptions(
      { ...warehouseActivity, summary: 'refresh reporting tables' },
      [{ date, runKey, workflowId: info.workflowId }],
    );
    activityMs.publish = published.durationMs;
    for (const [t, n] of Object.entries(published.tables)) loaded[t] = n;
    // Publish checks the marts it built (runs recorded before it did return no checks).
    const martChecks = published.checks ?? [];
    const martFailed = martChecks.filter((r) => !r.passed && r.severity === 'error');
    const martWarned = martChecks.filter((r) => !r.passed && r.severity === 'warn');
    quality.passed += martChecks.filter((r) => r.passed).length;
    quality.warned.push(...martWarned.map((r) => r.checkName));
    quality.failed.push(...martFailed.map((r) => r.checkName));
    if (martWarned.length > 0) {
      await notify({
        severity: 'warn',
        title: `${DAILY_PIPELINE} ${date}: ${martWarned.length} reporting-mart warning(s)`,
        text: martWarned.map(describeCheck).join('\n'),
        workflowId: info.workflowId,
        runId: info.runId,
      });
    }
    if (martFailed.length > 0) {
      progress.fail(
        'publish',
        `${martFailed.length} mart check(s) failed: ${martFailed.map((r) => r.checkName).join(', ')}`,
      );
      throw ApplicationFailure.create({
        type: FailureType.DataQualityFailed,
        nonRetryable: true,
        message: `reporting-mart checks failed for ${date}: ${martFailed.map(describeCheck).join('; ')}`,
        details: [martFailed],
      });
    }
    progress.finish('publish', `${Object.keys(published.tables).length} reporting tables`);

    const summary: DailyRunSummary = {
      ...base,
      extracted,
      loaded,
      quality,
      stageMs: progress.durations(),
      activityMs,
      ...(transformDetails ? { transformDetails } : {}),
    };
    await recordPipelineRun({ ...base, pipeline: DAILY_PIPELINE, status: 'succeeded', summary });
    upsertSearchAttributes([{ key: LogicalDate, value: date }]);
    return summary;
  } catch (err) {
    // A stage that decided to fail (quality) marked itself already; otherwise the running one failed.
    const running = progress.current();
    const stage = running ?? progress.failed();
    const { type, message } = describeFailure(err);
    if (running) progress.fail(running, `${type}: ${message}`.slice(0, 300));
    // Recording the failure must not be skipped by a cancellation, nor mask the original error.
    await CancellationScope.nonCancellable(async () => {
      const status = isCancellation(err) ? 'cancelled' : 'failed';
      const summary = {
        ...base,
        extracted,
        loaded,
        quality: { passed: 0, warned: [], failed: [] },
        stageMs: progress.durations(),
        activityMs,
        ...(transformDetails ? { transformDetails } : {}),
      };
      await recordPipelineRun({
        ...base,
        pipeline: DAILY_PIPELINE,
        status,
        summary,
        error: { type, message: message.slice(0, 2000) },
      });
      if (status === 'failed') {
        await notify({
          severity: 'error',
          title: `${DAILY_PIPELINE} ${date} failed${stage ? ` in ${stage}` : ''}`,
          text: [
            `${type}: ${message}`,
            ...(stage
              ? [
                  `After fixing the cause, re-run from the failed stage: \`analytics run reset --date ${date} --from-stage ${stage} --reason "<what was fixed>"\``,
                ]
              : []),
          ].join('\n'),
          workflowId: info.workflowId,
          runId: info.runId,
        });
      }
    }).catch((recordErr: unknown) => {
      // The run's own failure is what the caller must see; a lost pipeline_runs row or notification is only logged.
      const lost = describeFailure(recordErr);
      log.error('could not record or notify the failed run', {
        pipeline: DAILY_PIPELINE,
        logicalDate: date,
        status: isCancellation(err) ? 'cancelled' : 'failed',
        error: `${lost.type}: ${lost.message}`.slice(0, 500),
      });
    });
    throw err;
  } finally {
    deadline?.cancel();
  }
}

function describeCheck(r: QualityCheckResult): string {
  return `${r.checkName} (${r.severity}): observed ${r.observedValue ?? 'n/a'}, expected ${r.expectedValue ?? 'n/a'}`;
}
