import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataprocSparkRunner } from '../../adapters/spark/dataproc';
import type { Adapters } from '../../adapters/ports';
import { startDaily } from '../../cli/run-daily';
import { buildAdapters, buildSparkRunner } from '../../workers/adapters';
import type { SparkRunner } from '../../adapters/ports';
import { userAnalytics } from '../../schema/warehouse';
import { stagesQuery } from '../../workflows/queries';
import type { DailyRunSummary } from '../../workflows/user-analytics-daily';
import { startFakeDataproc, type RunningFakeDataproc } from '../fakes/dataproc';
import { seedDay, type SeededDay } from '../helpers/seeded-day';
import { createTestWorkerEnv, type TestWorkerEnv } from '../helpers/temporal';

/**
 * userAnalyticsDaily with the Dataproc SparkRunner (the real client library against the in-repo gRPC fake) on the
 * test platform: cancelling the workflow while the Spark job runs must end the run cancelled, run the workflow's
 * cleanup activity, and leave no cluster behind. The stores stay local (extract and load are not the point; the fake
 * runs no code, so the workflow never gets past the transform). A second fake executes what it is sent with the
 * local spark-submit (the same daily_transform.py, on the local lake), so a whole day runs through Dataproc and its
 * stage table and pipeline_runs row show the cluster's create, job and delete times.
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

describe('userAnalyticsDaily on Dataproc: phase times', () => {
  let executing: RunningFakeDataproc;
  let local: SparkRunner;
  let clusterRunner: DataprocSparkRunner;
  let phaseAdapters: Adapters;

  beforeAll(async () => {
    local = buildSparkRunner(seeded.config);
    const jobsUri = 'gs://hire10x-jobs/jobs';
    executing = await startFakeDataproc({
      operationDelayMs: 400,
      jobPendingMs: 50,
      // The job's own code: the PySpark file the fake was sent, run by spark-submit on the local lake.
      execute: async (workload, signal) => {
        if (!workload.mainPythonFileUri.startsWith(`${jobsUri}/`))
          throw new Error(`unexpected ${workload.mainPythonFileUri}`);
        await local.run(
          {
            runId: `fake-dataproc/${workload.id}`,
            name: 'daily_transform',
            mainPythonFile: workload.mainPythonFileUri.slice(jobsUri.length + 1),
            args: workload.args,
            properties: workload.properties,
          },
          { signal },
        );
      },
    });
    clusterRunner = new DataprocSparkRunner({
      projectId: 'hire10x-test',
      region: 'europe-west1',
      jobsUri,
      endpoint: { host: 'localhost', port: executing.port, insecure: true },
      pollInitialMs: 50,
      pollMaxMs: 500,
    });
    phaseAdapters = { ...adapters, spark: clusterRunner };
  });

  afterAll(async () => {
    await clusterRunner?.close();
    await local?.close();
    await executing?.close();
  });

  it('the stage table and pipeline_runs show cluster create, job and delete times', { timeout: 600_000 }, async () => {
    const workflowId = env.workflowId('user-analytics-daily-dataproc-phases');
    const { summary, stages } = await env.withWorker(async () => {
      const run = await startDaily(
        env.client,
        seeded.config,
        { logicalDate: DAY },
        { taskQueue: env.taskQueue, workflowId },
      );
      const result: DailyRunSummary = await run.result();
      return { summary: result, stages: await env.client.workflow.getHandle(workflowId).query(stagesQuery) };
    }, phaseAdapters);

    // The fake ran exactly one job on exactly one cluster, and the run deleted it.
    expect(executing.state.createdClusters).toHaveLength(1);
    expect([...executing.state.jobs.values()].map((j) => j.status?.state)).toEqual(['DONE']);
    expect(executing.clusterNames()).toEqual([]);

    const details = summary.transformDetails;
    expect(details).toMatchObject({
      runner: 'dataproc-cluster',
      resource: executing.state.createdClusters[0]!.clusterName,
    });
    // The fake takes operationDelayMs (400) to create and to delete a cluster; the job ran Spark for real.
    expect(details!.phasesMs.clusterCreate).toBeGreaterThanOrEqual(400);
    expect(details!.phasesMs.clusterDelete).toBeGreaterThanOrEqual(400);
    expect(details!.phasesMs.job).toBeGreaterThan(0);

    const transform = stages.find((s) => s.stage === 'transform');
    expect(transform?.state).toBe('done');
    expect(transform?.note).toMatch(
      /^\d+ tables, \d+ rows · dataproc-cluster: clusterCreate \d+\.\d s, job \d+\.\d s, clusterDelete \d+\.\d s$/,
    );
    expect(stages.map((s) => s.state)).toEqual(['done', 'done', 'done', 'done', 'done']);

    const rows = await adapters.warehouse.query(
      `select status, transform_details from ${userAnalytics.name}.pipeline_runs where workflow_id = @w`,
      { w: workflowId },
    );
    expect(rows.map((r) => r.status)).toEqual(['succeeded']);
    const stored = rows[0]!.transform_details;
    expect(typeof stored === 'string' ? JSON.parse(stored) : stored).toEqual(details);
  });
});
