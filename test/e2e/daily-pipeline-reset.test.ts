import { randomUUID } from 'node:crypto';
import { Connection, WorkflowFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Adapters } from '../../adapters/ports';
import { startDaily } from '../../cli/run-daily';
import { dataConverterFromConfig } from '../../security/data-converter';
import { buildAdapters } from '../../workers/adapters';
import { createWorkers } from '../../workers/create-workers';
import type { DailyRunSummary } from '../../workflows/user-analytics-daily';
import { warehouseChecksums } from '../helpers/warehouse-checksums';
import { seedDay, type SeededDay } from '../helpers/seeded-day';
import { createTestWorkerEnv, type TestWorkerEnv } from '../helpers/temporal';

/**
 * The engineer's path from the issue, scripted against the real test platform: a run fails at a known step with a
 * non-retryable failure (an error-severity data-quality check that cannot pass), the cause is fixed (the worker is
 * redeployed with the real catalogue), and the run is Reset to the WorkflowTaskCompleted event that scheduled the
 * failed step, with the same API the UI and `temporal workflow reset` use. The reset run must re-run only from that
 * step and leave the warehouse exactly as a clean run of the day does.
 */
const DAY = '2026-11-26';
const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
/** Tables whose content must not depend on how the day got there (operations tables record each run). */

let env: TestWorkerEnv;
let seeded: SeededDay;
let adapters: Adapters;

beforeAll(async () => {
  env = await createTestWorkerEnv();
  seeded = await seedDay('reset_e2e', DAY);
  adapters = buildAdapters(seeded.config, () => undefined);
}, 300_000);

afterAll(async () => {
  await adapters?.close();
  await seeded?.destroy();
  await env?.close();
});

async function historyOf(workflowId: string, runId: string): Promise<HistoryEvent[]> {
  return (await env.client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
}

/** Activity types scheduled in a history, in order. */
const scheduled = (events: HistoryEvent[]) =>
  events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);

/** Runs the day on a worker whose catalogue has one check the data cannot pass; resolves with the failure. */
async function failingRun(workflowId: string): Promise<{ runId: string; failure: unknown }> {
  const native = await NativeConnection.connect({ address: seeded.config.temporal.address });
  const clientConnection = await Connection.connect({ address: seeded.config.temporal.address });
  try {
    const workers = await createWorkers({
      connection: native,
      clientConnection,
      namespace: seeded.config.temporal.namespace,
      adapters,
      // The same payload codec as the test client (keys from the test platform's secrets, not the scratch data dir).
      dataConverter: dataConverterFromConfig(env.config),
      taskQueues: { etl: env.taskQueue, gdpr: `${env.taskQueue}-gdpr`, stream: `${env.taskQueue}-stream` },
      workflowBundle: { codePath: inject('workflowBundlePath') },
      ui: { url: seeded.config.temporal.uiUrl },
      // The "bug": an accepted_values list that forgot every feature but one.
      qualityChecks: [
        {
          type: 'accepted_values',
          table: 'fact_user_activities',
          column: 'feature',
          values: ['job_posting'],
          severity: 'error',
        },
      ],
    });
    const run = (async () => {
      const h = await startDaily(
        env.client,
        seeded.config,
        { logicalDate: DAY },
        { taskQueue: env.taskQueue, workflowId },
      );
      const failure = await h.result().then(
        () => undefined,
        (err: unknown) => err,
      );
      return { runId: h.runId, failure };
    })();
    const [result] = await Promise.all([run, ...workers.map((w) => w.runUntil(run))]);
    return result;
  } finally {
    await clientConnection.close();
    await native.close();
  }
}

describe('userAnalyticsDaily: Reset from the failed step', () => {
  it(
    'a run failed by an error check, reset to the step after the fix, completes with the clean-run checksums',
    { timeout: 1_200_000 },
    async () => {
      const workflowId = env.workflowId('user-analytics-daily-reset');

      // 1. The run fails at the quality step, non-retryably, naming the check.
      const { runId: failedRunId, failure } = await failingRun(workflowId);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect((failure as WorkflowFailedError).cause?.message).toMatch(
        /data-quality checks failed for 2026-11-26: fact_user_activities\.feature\.accepted_values \(error\)/,
      );
      const failedHistory = await historyOf(workflowId, failedRunId);
      expect(scheduled(failedHistory)).not.toContain('publishReporting');

      // 2. The reset point: the WorkflowTaskCompleted event whose commands scheduled the failed step.
      const qualityScheduled = failedHistory.find(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runQualityChecks',
      );
      const resetEventId = qualityScheduled?.activityTaskScheduledEventAttributes?.workflowTaskCompletedEventId;
      expect(resetEventId).toBeTruthy();
      const resetEvent = failedHistory.find((e) => String(e.eventId) === String(resetEventId));
      expect(resetEvent?.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);

      // 3. Fixed: a worker with the real catalogue serves the queue; Reset with the client API.
      const summary = await env.withWorker(async () => {
        const { runId } = await env.client.workflowService.resetWorkflowExecution({
          namespace: seeded.config.temporal.namespace,
          workflowExecution: { workflowId, runId: failedRunId },
          reason: 'quality catalogue fixed: accepted_values for fact_user_activities.feature',
          workflowTaskFinishEventId: resetEventId,
          requestId: randomUUID(),
        });
        expect(runId).toBeTruthy();
        expect(runId).not.toBe(failedRunId);
        const result = (await env.client.workflow.getHandle(workflowId, runId).result()) as DailyRunSummary;
        return { result, runId };
      }, adapters);
      expect(summary.result.quality.failed).toEqual([]);
      expect(summary.result.runId).toBe(summary.runId);
      expect((await env.client.workflow.getHandle(workflowId).describe()).status.name).toBe('COMPLETED');

      // Only the steps from the reset point on ran again: the extract, Spark and load results came from history.
      const resetHistory = await historyOf(workflowId, summary.runId);
      const resetAt = resetHistory.findIndex(
        (e) =>
          e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED &&
          e.workflowTaskFailedEventAttributes?.cause ===
            temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW,
      );
      expect(resetAt).toBeGreaterThan(0);
      const before = scheduled(resetHistory.slice(0, resetAt));
      const after = scheduled(resetHistory.slice(resetAt));
      expect(before).toEqual(expect.arrayContaining(['extractTable', 'runDailyTransform', 'promoteAndLoad']));
      expect(before).not.toContain('runQualityChecks');
      expect(after).toEqual(expect.arrayContaining(['runQualityChecks', 'publishReporting', 'recordPipelineRun']));
      expect(after).not.toContain('extractTable');
      expect(after).not.toContain('runDailyTransform');
      expect(after).not.toContain('promoteAndLoad');

      // The reset run published (the failed run never got there).
      const afterReset = await warehouseChecksums(seeded.config.warehouse.duckdbPath);
      expect(afterReset.rpt_engagement_daily).not.toMatch(/^0:/);

      // 4. A clean run of the same day (the real catalogue from the start) leaves exactly the same data.
      const clean = await env.withWorker(async () => {
        const h = await startDaily(
          env.client,
          seeded.config,
          { logicalDate: DAY },
          { taskQueue: env.taskQueue, workflowId: env.workflowId('user-analytics-daily-clean') },
        );
        return h.result();
      }, adapters);
      expect(clean.quality.failed).toEqual([]);
      expect(clean.loaded).toEqual(summary.result.loaded);
      expect(await warehouseChecksums(seeded.config.warehouse.duckdbPath)).toEqual(afterReset);
    },
  );
});
