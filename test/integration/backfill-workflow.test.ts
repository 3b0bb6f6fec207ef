import path from 'node:path';
import { randomInt, randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { NativeConnection, Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config';
import { createBackfillActivities } from '../../activities/backfill';
import { startBackfill } from '../../cli/backfill';
import { dataConverterFromConfig } from '../../security/data-converter';
import { writeWorkflowBundle } from '../../workers/bundle';
import { clientWorkflowRuns } from '../../workers/workflow-runs';
import {
  backfillStatusQuery,
  pauseSignal,
  resumeSignal,
  type BackfillResult,
  type BackfillStatus,
} from '../../workflows/backfill-contract';
import { addDays } from '../../workflows/days';
import { dailyWorkflowId } from '../../workflows/pipelines';
import { until } from '../helpers/until';

/**
 * The backfill workflow's own logic, against the real test server, with a stand-in daily pipeline
 * (test/fakes/backfill/workflows.ts: day 13 fails, days ≥ 20 take 15 s, others about a second). The Spark-backed
 * end-to-end run is test/e2e/backfill.test.ts. Days are in a random far-future year so the server's persistent history
 * of earlier test runs never meets these ids.
 */
const config = loadConfig();
const year = 2100 + randomInt(0, 7000);
const day = (month: number, dom: number) => `${year}-${String(month).padStart(2, '0')}-${String(dom).padStart(2, '0')}`;
const taskQueue = `test-backfill-${randomUUID()}`;
let client: Client;
let clientConnection: Connection;
let native: NativeConnection;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  clientConnection = await Connection.connect({ address: config.temporal.address });
  native = await NativeConnection.connect({ address: config.temporal.address });
  const dataConverter = dataConverterFromConfig(config);
  client = new Client({ connection: clientConnection, namespace: config.temporal.namespace, dataConverter });
  const bundle = await writeWorkflowBundle(undefined, path.join(__dirname, '..', 'fakes', 'backfill', 'workflows.ts'));
  worker = await Worker.create({
    connection: native,
    namespace: config.temporal.namespace,
    taskQueue,
    workflowBundle: { codePath: bundle },
    activities: createBackfillActivities({
      runs: clientWorkflowRuns(client),
      ui: { url: config.temporal.uiUrl, namespace: config.temporal.namespace },
    }),
    dataConverter,
  });
  running = worker.run();
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await clientConnection?.close();
  await native?.close();
});

const backfill = (input: Parameters<typeof startBackfill>[1]) =>
  startBackfill(client, input, { taskQueue, workflowId: `user-analytics-backfill:test-${randomUUID()}` });
const resultOf = async (ids: { workflowId: string; runId: string }) =>
  (await client.workflow
    .getHandle(ids.workflowId, undefined, { firstExecutionRunId: ids.runId })
    .result()) as BackfillResult;
const status = (workflowId: string) => client.workflow.getHandle(workflowId).query(backfillStatusQuery);
/** Every run of a workflow id, from visibility. */
async function runsOf(workflowId: string) {
  const out = [];
  for await (const w of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) out.push(w);
  return out;
}

describe('userAnalyticsBackfill', () => {
  it('runs days with bounded concurrency, lists a failed day with its link and finishes the others', async () => {
    const ids = await backfill({ from: day(1, 11), to: day(1, 15), concurrency: 2 });
    let maxRunning = 0;
    let done = false;
    const watching = (async () => {
      while (!done) {
        const s = await status(ids.workflowId).catch(() => undefined);
        if (s) maxRunning = Math.max(maxRunning, s.running.length);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const result = await resultOf(ids).finally(() => (done = true));
    await watching;
    expect(result.succeeded).toBe(4);
    expect(result.failed).toBe(1);
    expect(result.failures).toEqual([
      expect.objectContaining({
        day: day(1, 13),
        workflowId: dailyWorkflowId(day(1, 13)),
        error: `day ${day(1, 13)} is unlucky`,
      }),
    ]);
    const failure = result.failures[0];
    expect(failure?.url).toBe(
      `${config.temporal.uiUrl}/namespaces/default/workflows/${encodeURIComponent(failure?.workflowId ?? '')}/${failure?.runId}/history`,
    );
    // From the children's own start and close times: never more than 2 at once, and 2 at some point.
    const spans = await Promise.all(
      [11, 12, 13, 14, 15].map(async (d) => {
        const desc = await client.workflow.getHandle(dailyWorkflowId(day(1, d))).describe();
        return [desc.startTime.getTime(), desc.closeTime?.getTime() ?? Infinity] as const;
      }),
    );
    const overlap = Math.max(...spans.map(([s]) => spans.filter(([a, b]) => a <= s && s < b).length));
    expect(overlap).toBe(2);
    expect(maxRunning).toBeLessThanOrEqual(2);
  });

  it('missing skips days with a run, failed re-runs only the failed day, all re-runs every day as new runs', async () => {
    const from = day(2, 11);
    const to = day(2, 13);
    const first = await resultOf(await backfill({ from, to }));
    expect([first.succeeded, first.failed]).toEqual([2, 1]);
    const runIdsBefore = await Promise.all(
      [11, 12].map(async (d) => (await client.workflow.getHandle(dailyWorkflowId(day(2, d))).describe()).runId),
    );

    const missing = await resultOf(await backfill({ from, to, mode: 'missing' }));
    expect([missing.succeeded, missing.failed, missing.skipped]).toEqual([0, 0, 3]);

    const failed = await resultOf(await backfill({ from, to, mode: 'failed' }));
    expect([failed.succeeded, failed.failed, failed.skipped]).toEqual([0, 1, 2]);
    expect(await runsOf(dailyWorkflowId(day(2, 13)))).toHaveLength(2);

    const all = await resultOf(await backfill({ from, to, mode: 'all' }));
    expect([all.succeeded, all.failed, all.skipped]).toEqual([2, 1, 0]);
    for (const [i, d] of [11, 12].entries()) {
      const workflowId = dailyWorkflowId(day(2, d));
      expect((await client.workflow.getHandle(workflowId).describe()).runId).not.toBe(runIdsBefore[i]);
      expect(await runsOf(workflowId)).toHaveLength(2); // the earlier run stays in history under the same id
    }
  });

  it('attaches to a day that is already running instead of starting it twice', async () => {
    const d = day(3, 21); // a 15-second day
    const workflowId = dailyWorkflowId(d);
    await client.workflow.start('userAnalyticsDaily', { taskQueue, workflowId, args: [{ logicalDate: d }] });
    const ids = await backfill({ from: d, to: d, mode: 'all' });
    await until('the backfill to wait for the running day', async () =>
      (await status(ids.workflowId)).running.includes(d) ? true : undefined,
    );
    const result = await resultOf(ids);
    expect([result.succeeded, result.attached, result.failed]).toEqual([1, 1, 0]);
    expect(await runsOf(workflowId)).toHaveLength(1);
  }, 120_000);

  it('pause holds back new days, resume lets them run', async () => {
    const ids = await backfill({ from: day(4, 1), to: day(4, 4), concurrency: 1 });
    await client.workflow.getHandle(ids.workflowId).signal(pauseSignal);
    const paused = await until('the pause to take effect', async () => {
      const s = await status(ids.workflowId);
      return s.paused && s.running.length === 0 ? s : undefined;
    });
    // Nothing starts while paused.
    await new Promise((r) => setTimeout(r, 3_000));
    const still: BackfillStatus = await status(ids.workflowId);
    expect(still.paused).toBe(true);
    expect(still.running).toEqual([]);
    expect(still.succeeded).toBe(paused.succeeded);
    expect(still.remaining).toBeGreaterThan(0);
    await client.workflow.getHandle(ids.workflowId).signal(resumeSignal);
    const result = await resultOf(ids);
    expect(result.succeeded).toBe(4);
  });

  it('cancel cancels the days it is running', async () => {
    const ids = await backfill({ from: day(5, 21), to: day(5, 23), concurrency: 2 });
    await until('two days running', async () =>
      (await status(ids.workflowId)).running.length === 2 ? true : undefined,
    );
    await client.workflow.getHandle(ids.workflowId).cancel();
    const err = await resultOf(ids).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const children = await Promise.all(
      [21, 22, 23].map(
        async (d) =>
          (
            await client.workflow
              .getHandle(dailyWorkflowId(day(5, d)))
              .describe()
              .catch(() => undefined)
          )?.status.name,
      ),
    );
    expect(children).toEqual(['CANCELLED', 'CANCELLED', undefined]);
  });

  it('continues as new over a 1,000-day dry run, each run keeping a short history', async () => {
    const from = day(6, 1);
    const to = addDays(from, 999);
    const ids = await backfill({ from, to, mode: 'missing', dryRun: true });
    const result = await resultOf(ids);
    expect(result).toMatchObject({ total: 1000, wouldRun: 1000, succeeded: 0, failed: 0, skipped: 0, runs: 10 });
    expect(result.planned).toEqual([[from, to]]);
    const runs = await runsOf(ids.workflowId);
    expect(runs).toHaveLength(10);
    for (const run of runs) expect(run.historyLength).toBeLessThan(60);
    // Nothing was started.
    expect(
      await client.workflow
        .getHandle(dailyWorkflowId(from))
        .describe()
        .catch(() => 'none'),
    ).toBe('none');
  }, 180_000);
});
