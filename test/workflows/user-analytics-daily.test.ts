import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExtractActivities, ExtractTableResult } from '../../activities/extract';
import type { LoadActivities } from '../../activities/load';
import type { PipelineRunRecord, PublishActivities } from '../../activities/publish';
import type { QualityActivities, QualityCheckResult } from '../../activities/quality';
import type { SlaActivities, SlaMiss } from '../../activities/sla';
import type { TransformActivities } from '../../activities/transform';
import { ErrorType, PlatformError } from '../../adapters/errors';
import { FailureType } from '../../schema/failure-types';
import { SOURCE_TABLES } from '../../schema/source/tables';
import { stagesQuery } from '../../workflows/queries';
import type { DailyRunSummary } from '../../workflows/user-analytics-daily';
import { createWorkflowTestEnv, recording, type WorkflowTestEnv } from './workflow-env';

/**
 * userAnalyticsDaily's failure paths with stubbed activities: a failed Spark job (resources released, the failure
 * recorded and notified with the reset command), a failed error-severity check, a failure whose recording fails too
 * (logged; the run still fails with its own error), and the SLA timer firing mid-stage. The real stages run in
 * test/e2e/daily-pipeline*.test.ts.
 */
let t: WorkflowTestEnv;
beforeAll(async () => {
  t = await createWorkflowTestEnv();
}, 120_000);
afterAll(async () => {
  await t?.env.teardown();
});

type Stubs = ExtractActivities &
  Pick<TransformActivities, 'runDailyTransform' | 'cleanupSparkRun'> &
  Pick<LoadActivities, 'ensureWarehouse' | 'promoteAndLoad'> &
  QualityActivities &
  Pick<PublishActivities, 'publishReporting' | 'recordPipelineRun' | 'notify'> &
  Pick<SlaActivities, 'pipelineSla' | 'notifySlaMiss'>;

const passed = (checkName: string): QualityCheckResult => ({
  checkName,
  checkType: 'not_null',
  table: 'fact_sessions',
  severity: 'error',
  passed: true,
});

const extracted = (i: { table: string; date: string }): ExtractTableResult => ({
  table: i.table,
  kind: 'event',
  rows: 10,
  sourceBytes: 1,
  parquetBytes: 1,
  prefix: `${i.table}/dt=${i.date}`,
  durationMs: 1,
});

function stubs(overrides: Partial<Stubs> = {}) {
  const base: Stubs = {
    extractTable: (i) => Promise.resolve(extracted(i)),
    runDailyTransform: () =>
      Promise.resolve({ tables: { fact_sessions: 7, dim_users: 3 }, stagingPrefix: '_staging/x', durationMs: 1 }),
    cleanupSparkRun: () => Promise.resolve(),
    ensureWarehouse: () => Promise.resolve(),
    promoteAndLoad: (i) => Promise.resolve({ table: i.table, rows: 5, files: 1, jobIds: [], durationMs: 1 }),
    runQualityChecks: () => Promise.resolve({ results: [passed('a'), passed('b')], durationMs: 1 }),
    publishReporting: () =>
      Promise.resolve({ tables: { rpt_engagement_daily: 2 }, checks: [passed('m')], durationMs: 1 }),
    recordPipelineRun: () => Promise.resolve(),
    notify: () => Promise.resolve(),
    pipelineSla: () => Promise.resolve({ dueAt: null }),
    notifySlaMiss: () => Promise.resolve({ sent: true }),
  };
  return recording({ ...base, ...overrides });
}

const DAY = '2026-11-27';

async function run(activities: object) {
  return t.withWorker(activities, async (taskQueue) => {
    const handle = await t.env.client.workflow.start('userAnalyticsDaily', {
      taskQueue,
      workflowId: `user-analytics-daily:test-${randomUUID()}`,
      args: [{ logicalDate: DAY }],
      workflowExecutionTimeout: '2 minutes',
    });
    const result: { summary?: DailyRunSummary; err?: unknown } = await handle.result().then(
      (summary) => ({ summary: summary as DailyRunSummary }),
      (err: unknown) => ({ err }),
    );
    return { ...result, stages: await handle.query(stagesQuery) };
  });
}

/** The innermost ApplicationFailure of a workflow failure. */
function causeOf(err: unknown): ApplicationFailure {
  expect(err).toBeInstanceOf(WorkflowFailedError);
  let e: unknown = (err as WorkflowFailedError).cause;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  expect(e).toBeInstanceOf(ApplicationFailure);
  return e as ApplicationFailure;
}

describe('userAnalyticsDaily', () => {
  it('a clean run records success and notifies nothing', async () => {
    const s = stubs();
    const { summary, stages } = await run(s.activities);
    expect(summary?.quality).toEqual({ passed: 3, warned: [], failed: [] }); // 2 quality-stage + 1 mart check
    expect(stages.map((st) => st.state)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(s.argsOf<PipelineRunRecord>('recordPipelineRun').map((r) => r.status)).toEqual(['succeeded']);
    expect(s.names()).not.toContain('notify');
    expect(s.names().filter((n) => n === 'extractTable')).toHaveLength(SOURCE_TABLES.length);
  });

  it('a failed Spark job releases its resources, is recorded as failed and notified with the reset command', async () => {
    const s = stubs({
      runDailyTransform: () =>
        Promise.reject(
          ApplicationFailure.create({ type: FailureType.SparkJobFailed, nonRetryable: true, message: 'driver died' }),
        ),
    });
    const { err, stages } = await run(s.activities);
    expect(causeOf(err)).toMatchObject({ type: 'SparkJobFailed', message: 'driver died' });
    expect(s.names()).toContain('cleanupSparkRun');
    expect(s.names()).not.toContain('promoteAndLoad');
    expect(stages.find((st) => st.stage === 'transform')).toMatchObject({
      state: 'failed',
      note: 'SparkJobFailed: driver died',
    });
    const [record] = s.argsOf<PipelineRunRecord>('recordPipelineRun');
    expect(record).toMatchObject({ status: 'failed', error: { type: 'SparkJobFailed', message: 'driver died' } });
    const [notice] = s.argsOf<{ severity: string; title: string; text: string }>('notify');
    expect(notice?.severity).toBe('error');
    expect(notice?.title).toBe(`user-analytics-daily ${DAY} failed in transform`);
    expect(notice?.text).toContain(`analytics run reset --date ${DAY} --from-stage transform`);
  });

  it('a failed error-severity check fails the run with DataQualityFailed naming the check', async () => {
    const s = stubs({
      runQualityChecks: () =>
        Promise.resolve({
          results: [passed('a'), { ...passed('row_count:fact_sessions'), passed: false, observedValue: 0 }],
          durationMs: 1,
        }),
    });
    const { err, stages } = await run(s.activities);
    const cause = causeOf(err);
    expect(cause.type).toBe(FailureType.DataQualityFailed);
    expect(cause.message).toContain('row_count:fact_sessions (error): observed 0');
    expect(s.names()).not.toContain('publishReporting');
    expect(stages.find((st) => st.stage === 'quality')?.state).toBe('failed');
    const [notice] = s.argsOf<{ text: string }>('notify');
    expect(notice?.text).toContain('--from-stage quality');
  });

  it('a failed mart check at publish fails the run in publish, and a warned one is notified', async () => {
    const failedMart: QualityCheckResult = {
      ...passed('rpt_api_errors_daily.requests.sum_matches:fact_api_requests'),
      checkType: 'sum_matches',
      passed: false,
      observedValue: 9,
    };
    const warnedMart: QualityCheckResult = { ...passed('rpt_x.warned'), severity: 'warn', passed: false };
    const s = stubs({
      publishReporting: () =>
        Promise.resolve({ tables: { rpt_api_errors_daily: 4 }, checks: [failedMart, warnedMart], durationMs: 1 }),
    });
    const { err, stages } = await run(s.activities);
    const cause = causeOf(err);
    expect(cause.type).toBe(FailureType.DataQualityFailed);
    expect(cause.message).toContain('rpt_api_errors_daily.requests.sum_matches:fact_api_requests (error): observed 9');
    expect(stages.find((st) => st.stage === 'publish')?.state).toBe('failed');
    const [publishInput] = s.argsOf<{ date: string; workflowId: string }>('publishReporting');
    expect(publishInput?.workflowId).toMatch(/^user-analytics-daily/);
    const notices = s.argsOf<{ severity: string; title: string; text: string }>('notify');
    expect(notices.map((n) => n.severity)).toEqual(['warn', 'error']);
    expect(notices[0]?.title).toContain('1 reporting-mart warning(s)');
    expect(notices[1]?.text).toContain('--from-stage publish');
    expect(s.argsOf<PipelineRunRecord>('recordPipelineRun').map((r) => r.status)).toEqual(['failed']);
  });

  it('a failure whose recording fails too is logged, and the run fails with its own error', async () => {
    const s = stubs({
      runDailyTransform: () =>
        Promise.reject(ApplicationFailure.create({ type: 'SparkJobFailed', nonRetryable: true, message: 'oom' })),
      recordPipelineRun: () =>
        Promise.reject(
          ApplicationFailure.create({ type: 'PermissionDenied', nonRetryable: true, message: 'no write access' }),
        ),
    });
    const before = t.logs.length;
    const { err } = await run(s.activities);
    expect(causeOf(err)).toMatchObject({ type: 'SparkJobFailed', message: 'oom' });
    const logged = t.logs.slice(before).find((l) => l.message === 'could not record or notify the failed run');
    expect(logged?.level).toBe('ERROR');
    expect(logged?.meta).toMatchObject({
      pipeline: 'user-analytics-daily',
      logicalDate: DAY,
      status: 'failed',
      error: 'PermissionDenied: no write access',
    });
  });

  it('the SLA timer fires once during a stage that runs past the deadline, and the run goes on', async () => {
    const s = stubs({
      pipelineSla: () => Promise.resolve({ dueAt: new Date(Date.now() + 1_500).toISOString() }),
      runDailyTransform: () =>
        new Promise((resolve) =>
          setTimeout(
            () => resolve({ tables: { fact_sessions: 7 }, stagingPrefix: '_staging/x', durationMs: 3_000 }),
            3_000,
          ),
        ),
    });
    const { summary } = await run(s.activities);
    expect(summary?.loaded).toMatchObject({ fact_sessions: 5 });
    const misses = s.argsOf<SlaMiss>('notifySlaMiss');
    expect(misses).toHaveLength(1);
    expect(misses[0]).toMatchObject({
      pipeline: 'user-analytics-daily',
      logicalDate: DAY,
      kind: 'in_stage',
      stage: 'transform',
    });
  });

  it('an adapter error thrown by an activity reaches the workflow as its typed failure (worker interceptor)', async () => {
    let attempts = 0;
    const s = stubs({
      // NotFound is non-retryable as a PlatformError but not listed in the retry policy: only the conversion stops
      // the retries. TransientInfrastructure stays retryable.
      extractTable: (i) => {
        if (i.table !== SOURCE_TABLES[0]?.name) return Promise.resolve(extracted(i));
        attempts++;
        if (attempts === 1) return Promise.reject(new PlatformError(ErrorType.TransientInfrastructure, 'blip'));
        return Promise.reject(new PlatformError(ErrorType.NotFound, 'no such table', { details: { table: i.table } }));
      },
    });
    const { err } = await run(s.activities);
    // The ApplicationFailure under the ActivityFailure (its own cause is the PlatformError, serialised).
    const cause = ((err as WorkflowFailedError).cause as Error).cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({ type: 'NotFound', message: 'no such table', nonRetryable: true });
    expect(cause.details).toEqual([{ table: SOURCE_TABLES[0]?.name }]);
    expect(attempts).toBe(2);
  });
});
