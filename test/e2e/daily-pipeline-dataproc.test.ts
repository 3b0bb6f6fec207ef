import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataprocSparkRunner } from '../../adapters/spark/dataproc';
import type { Adapters } from '../../adapters/ports';
import { startDaily } from '../../cli/run-daily';
import { buildAdapters } from '../../workers/adapters';
import { startFakeDataproc, type RunningFakeDataproc } from '../fakes/dataproc';
import { seedDay, type SeededDay } from '../helpers/seeded-day';
import { createTestWorkerEnv, type TestWorkerEnv } from '../helpers/temporal';

/**
 * userAnalyticsDaily with the Dataproc SparkRunner (the real client library against the in-repo gRPC fake) on the
 * test platform: cancelling the workflow while the Spark job runs must end the run cancelled, run the workflow's
 * cleanup activity, and leave no cluster behind. The stores stay local (extract and load are not the point; the fake
 * runs no code, so the workflow never gets past the transform).
 */
const DAY = '2026-11-26';
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

let env: TestWorkerEnv;
let seeded: SeededDay;
let fake: RunningFakeDataproc;
let runner: DataprocSparkRunner;
let adapters: Adapters;

beforeAll(async () => {
  env = await createTestWorkerEnv();
  seeded = await seedDay('dataproc_e2e', DAY);
  fake = await startFakeDataproc({ operationDelayMs: 100, jobPendingMs: 50, jobRunningMs: 200 });
  runner = new DataprocSparkRunner({
    projectId: 'hire10x-test',
    region: 'europe-west1',
    jobsUri: 'gs://hire10x-jobs/jobs',
    endpoint: { host: 'localhost', port: fake.port, insecure: true },
    pollInitialMs: 50,
    pollMaxMs: 250,
    // The first UNAVAILABLE fails the call, as Temporal's retry policy then sees it (the library would hide it).
    transportRetries: false,
  });
  const local = buildAdapters(seeded.config, () => undefined);
  adapters = {
    ...local,
    spark: runner,
    async close() {
      await local.close();
      await runner.close();
    },
  };
}, 300_000);

afterAll(async () => {
  await adapters?.close();
  await fake?.close();
  await seeded?.destroy();
  await env?.close();
});

async function historyOf(workflowId: string): Promise<HistoryEvent[]> {
  return (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
}

/** Activity type of every scheduled activity, by scheduled event id. */
function scheduledTypes(events: HistoryEvent[]): Map<string, string> {
  const types = new Map<string, string>();
  for (const e of events) {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) types.set(String(e.eventId), name);
  }
  return types;
}

/** Activity types that completed, failed or were cancelled, in history order. */
function activityOutcomes(events: HistoryEvent[]): { type: string; outcome: string }[] {
  const types = scheduledTypes(events);
  const outcomes: { type: string; outcome: string }[] = [];
  for (const e of events) {
    const ended = [
      ['completed', e.activityTaskCompletedEventAttributes],
      ['failed', e.activityTaskFailedEventAttributes],
      ['cancelled', e.activityTaskCanceledEventAttributes],
    ] as const;
    for (const [outcome, attributes] of ended) {
      if (attributes) outcomes.push({ type: types.get(String(attributes.scheduledEventId)) ?? '?', outcome });
    }
  }
  return outcomes;
}

/** Waits until the fake holds a job of this run in RUNNING. */
async function jobRunning(timeoutMs = 180_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const running = [...fake.state.jobs.values()].find((j) => j.status?.state === 'RUNNING');
    if (running) return running.reference?.jobId ?? '';
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no Dataproc job reached RUNNING');
}

/** Starts the day, waits for the Spark job to run on the fake, cancels the workflow, and returns how it ended. */
async function cancelWhileSparkRuns(
  workflowId: string,
  beforeCancel: () => void = () => undefined,
): Promise<{ error: unknown; jobId: string }> {
  return env.withWorker(async () => {
    fake.inject({ kind: 'jobHangs' });
    const run = await startDaily(
      env.client,
      seeded.config,
      { logicalDate: DAY },
      { taskQueue: env.taskQueue, workflowId },
    );
    const jobId = await jobRunning();
    expect(fake.clusterNames()).toHaveLength(1);
    beforeCancel();
    await env.client.workflow.getHandle(workflowId).cancel();
    const error = await run.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    return { error, jobId };
  }, adapters);
}

describe('userAnalyticsDaily on Dataproc: cancellation', () => {
  it(
    'a cancelled run stops the job, runs the cleanup activity and leaves no cluster',
    { timeout: 300_000 },
    async () => {
      const workflowId = env.workflowId('user-analytics-daily-dataproc-cancel');
      const { error, jobId } = await cancelWhileSparkRuns(workflowId);

      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      expect((await env.client.workflow.getHandle(workflowId).describe()).status.name).toBe('CANCELLED');

      const events = await historyOf(workflowId);
      const outcomes = activityOutcomes(events);
      expect(outcomes.filter((o) => o.type === 'runDailyTransform')).toEqual([
        { type: 'runDailyTransform', outcome: 'cancelled' },
      ]);
      expect(outcomes.filter((o) => o.type === 'cleanupSparkRun')).toEqual([
        { type: 'cleanupSparkRun', outcome: 'completed' },
      ]);
      // Nothing after the transform ran: the cancellation stopped the pipeline there.
      expect(outcomes.some((o) => ['promoteAndLoad', 'runQualityChecks', 'publishReporting'].includes(o.type))).toBe(
        false,
      );
      expect(events.at(-1)?.workflowExecutionCanceledEventAttributes).toBeTruthy();

      expect([...fake.state.jobs.values()].find((j) => j.reference?.jobId === jobId)?.status?.state).toBe('CANCELLED');
      expect(fake.state.calls.some((c) => c.method === 'CancelJob')).toBe(true);
      expect(fake.clusterNames()).toEqual([]);
    },
  );

  it(
    'when the run cannot delete its cluster on the way out, the cleanup activity does',
    { timeout: 300_000 },
    async () => {
      const workflowId = env.workflowId('user-analytics-daily-dataproc-cleanup');
      const deletesBefore = fake.state.calls.filter((c) => c.method === 'DeleteCluster').length;
      // The cancelled activity's own delete meets one UNAVAILABLE; only the cleanup activity can finish the job.
      const { error } = await cancelWhileSparkRuns(workflowId, () =>
        fake.inject({ kind: 'rpcError', method: 'DeleteCluster', code: 14, times: 1 }),
      );
      expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);

      const deletes = fake.state.calls.filter((c) => c.method === 'DeleteCluster').length - deletesBefore;
      expect(deletes).toBe(2); // the failed one (the activity's own) and the cleanup activity's
      const outcomes = activityOutcomes(await historyOf(workflowId));
      expect(outcomes.filter((o) => o.type === 'cleanupSparkRun')).toEqual([
        { type: 'cleanupSparkRun', outcome: 'completed' },
      ]);
      expect(fake.clusterNames()).toEqual([]);
    },
  );
});
