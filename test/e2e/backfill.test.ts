import { randomInt, randomUUID } from 'node:crypto';
import { Connection, WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../config';
import type { Adapters } from '../../adapters/ports';
import { startBackfill } from '../../cli/backfill';
import { stageResetPoints } from '../../cli/reset-run';
import { dataConverterFromConfig } from '../../security/data-converter';
import { buildAdapters } from '../../workers/adapters';
import { createWorkers } from '../../workers/create-workers';
import { backfillStatusQuery, pauseSignal, resumeSignal, type BackfillResult } from '../../workflows/backfill-contract';
import { addDays } from '../../workflows/days';
import type { PipelineWatchdogResult } from '../../workflows/pipeline-watchdog';
import { dailyWorkflowId, dueAt } from '../../workflows/pipelines';
import { stagesQuery } from '../../workflows/queries';
import { prefixedTaskQueues } from '../../workflows/task-queues';
import { cliAsync } from '../helpers/platform';
import { seedDay, type SeededDay } from '../helpers/seeded-day';
import { createTestWorkerEnv, type TestWorkerEnv } from '../helpers/temporal';
import { warehouseChecksums } from '../helpers/warehouse-checksums';
import { until } from '../helpers/until';
import { startWebhookReceiver } from '../helpers/webhook-receiver';
import { writeDecodedHistory } from '../helpers/decoded-history';
import { payloadCodecFromConfig } from '../../security/codec';

/**
 * Operations end to end, with Spark: a three-day backfill through the CLI where one day fails (the User Module started
 * sending a collaboration kind the catalogue does not accept), the in-run SLA timer, `run daily --wait` on the failed
 * day, the fix and `run reset --from-stage extract`, an `all` re-run paused and resumed with identical warehouse
 * checksums, cancelling a backfill cancels its running day, and the watchdog announcing a missing day once.
 *
 * The worker runs in this process (its SLA deadline falls a few seconds into each run) on task queues with a prefix of
 * its own; the CLI runs as a real process with the same TASK_QUEUE_PREFIX. Days are in a random far-future year, so
 * the test server's persistent history never meets these ids.
 */
const year = 2100 + randomInt(0, 7000);
const D1 = `${year}-03-09`;
const D2 = `${year}-03-10`;
const D3 = `${year}-03-11`;
const prefix = `bf-${randomUUID().slice(0, 8)}-`;

let env: TestWorkerEnv;
let seeded: SeededDay;
let adapters: Adapters;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let cliEnv: Record<string, string>;
let stopWorkers: () => Promise<void>;

const notificationsAbout = (needle: string) => receiver.received.filter((n) => n.text.includes(needle));
/** `RECORD_HISTORY_DIR=test/histories` writes the decoded histories the replay test keeps (synthetic data only). */
const recordHistory = async (workflowId: string, name: string) => {
  const dir = process.env.RECORD_HISTORY_DIR;
  if (dir) await writeDecodedHistory(env.client, payloadCodecFromConfig(env.config), workflowId, `${dir}/${name}.json`);
};

beforeAll(async () => {
  env = await createTestWorkerEnv();
  receiver = await startWebhookReceiver();
  seeded = await seedDay('backfill_e2e', D3, { days: 3 });
  // The day the User Module started sending a kind the analytics catalogue does not know yet.
  await seeded.db.pool.query(
    'alter table collaboration_events drop constraint if exists collaboration_events_kind_check',
  );
  const changed = await seeded.db.pool.query(
    `update collaboration_events set kind = 'reacted'
      where event_id = (select min(event_id) from collaboration_events where occurred_at >= $1::date and occurred_at < $1::date + 1)`,
    [D3],
  );
  expect(changed.rowCount).toBe(1);
  const config = parseConfig({ ...process.env, ...seeded.env, NOTIFY_WEBHOOK_URL: receiver.url });
  adapters = buildAdapters(config, () => undefined);
  cliEnv = { ...seeded.env, TASK_QUEUE_PREFIX: prefix, SECRETS_DIR: env.config.secrets.dir };

  const native = await NativeConnection.connect({ address: config.temporal.address });
  const clientConnection = await Connection.connect({ address: config.temporal.address });
  const workers: Worker[] = await createWorkers({
    connection: native,
    clientConnection,
    namespace: config.temporal.namespace,
    adapters,
    dataConverter: dataConverterFromConfig(env.config),
    taskQueues: prefixedTaskQueues(prefix),
    workflowBundle: { codePath: inject('workflowBundlePath') },
    ui: { url: config.temporal.uiUrl },
    // A run of D1-D3 has its deadline 8 s after it asks: in the middle of its Spark stage. Other days keep the
    // declared rule (the watchdog below judges D4 by it).
    slaDueAt: (spec, day) => ([D1, D2, D3].includes(day) ? new Date(Date.now() + 8_000) : dueAt(spec, day)),
  });
  const running = Promise.all(workers.map((w) => w.run()));
  stopWorkers = async () => {
    for (const w of workers) w.shutdown();
    await running;
    await clientConnection.close();
    await native.close();
  };
}, 600_000);

afterAll(async () => {
  await stopWorkers?.();
  await adapters?.close();
  await seeded?.destroy();
  await receiver?.close();
  await env?.close();
});

/** Waits on Spark-backed runs: generous bound, gentle polling. */
const SPARK_WAIT = { timeoutMs: 300_000, everyMs: 500 };
const statusOf = (workflowId: string) => env.client.workflow.getHandle(workflowId).query(backfillStatusQuery);

describe('operations end to end', () => {
  it(
    'a three-day backfill at concurrency 2: the failing day is listed, the others complete, each SLA miss is told once',
    { timeout: 900_000 },
    async () => {
      const res = await cliAsync(cliEnv, 'backfill', '--from', D1, '--to', D3, '--concurrency', '2', '--wait');
      expect(res.status, res.stderr).toBe(1); // a failed day
      expect(res.stdout).toContain(`backfill ${D1} … ${D3} (missing): 3 days in 1 workflow run(s)`);
      expect(res.stdout).toContain('2 succeeded (0 attached to runs already in flight), 1 failed, 0 skipped');
      expect(res.stdout).toMatch(
        new RegExp(`✗ ${D3}: data-quality checks failed for ${D3}: fact_team_collaborations\\.kind\\.accepted_values`),
      );
      expect(res.stdout).toContain(`/workflows/${encodeURIComponent(dailyWorkflowId(D3))}/`);
      // The live progress line (stderr is not a terminal here: one line per change).
      expect(res.stderr).toMatch(/\d\/3 done \(\d ok, \d failed, 0 skipped\), \d running/);
      expect(res.stderr).toMatch(/running \[[\d-]+ [\d-]+\]/); // two days at once

      const recorded = await adapters.warehouse.query(
        `select logical_date, status from user_analytics.pipeline_runs where pipeline = 'user-analytics-daily' order by 1`,
      );
      expect(recorded.map((r) => [r.logical_date, r.status])).toEqual([
        [D1, 'succeeded'],
        [D2, 'succeeded'],
        [D3, 'failed'],
      ]);
      // The in-run SLA timer: one notification per day, naming the stage, and the run went on.
      for (const d of [D1, D2, D3]) {
        const sla = notificationsAbout(`SLA missed: user-analytics-daily ${d}`);
        expect(sla, d).toHaveLength(1);
        expect(sla[0]?.text).toMatch(/SLA missed: in `(extract|transform|load|quality)` for \d+ min/);
      }
      const backfillId = /^(user-analytics-backfill:\S+): http/m.exec(res.stderr)?.[1];
      expect(backfillId).toBeDefined();
      await recordHistory(backfillId ?? '', 'user-analytics-backfill');
      await recordHistory(dailyWorkflowId(D1), 'user-analytics-daily-sla-timer');
      // The failure notification carries the reset command.
      const failure = notificationsAbout(`user-analytics-daily ${D3} failed in quality`);
      expect(failure).toHaveLength(1);
      expect(failure[0]?.text).toContain(`analytics run reset --date ${D3} --from-stage quality`);
    },
  );

  it(
    '`run daily --wait` prints each stage and the decoded failure; after the fix, `run reset --from-stage` completes the day',
    { timeout: 900_000 },
    async () => {
      const failed = await cliAsync(cliEnv, 'run', 'daily', '--date', D3, '--wait');
      expect(failed.status).toBe(1);
      expect(failed.stderr).toMatch(/✓ extract in [\d.]+ s/);
      expect(failed.stderr).toMatch(/✓ transform in [\d.]+ s/);
      expect(failed.stderr).toMatch(/✗ quality/);
      expect(failed.stdout).toContain(`${dailyWorkflowId(D3)} FAILED in quality`);
      expect(failed.stdout).toMatch(/DataQualityFailed: data-quality checks failed for .*kind\.accepted_values/);
      expect(failed.stdout).toMatch(/UI: http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\//);
      expect(failed.stdout).toContain(`analytics run reset --date ${D3} --from-stage quality --reason`);

      // The fix is in the source (the kind maps to a known one), so the day must be extracted again.
      await seeded.db.pool.query(`update collaboration_events set kind = 'shared' where kind = 'reacted'`);
      const bad = await cliAsync(cliEnv, 'run', 'reset', '--date', D3, '--from-stage', 'shipping', '--reason', 'x');
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain("unknown stage 'shipping'; the daily stages are extract, transform, load");
      const reset = await cliAsync(
        cliEnv,
        'run',
        'reset',
        '--date',
        D3,
        '--from-stage',
        'extract',
        '--reason',
        'source kind fixed',
        '--wait',
      );
      expect(reset.status, reset.stdout + reset.stderr).toBe(0);
      expect(reset.stderr).toMatch(/reset to event \d+ \(before extract\); new run /);
      expect(reset.stdout).toContain(`${dailyWorkflowId(D3)}: `);

      // Each stage row's reset point is the event the history says started the stage.
      const handle = env.client.workflow.getHandle(dailyWorkflowId(D3));
      const rows = await handle.query(stagesQuery);
      const points = stageResetPoints((await handle.fetchHistory()).events ?? []);
      expect(rows.map((r) => [r.stage, r.state, r.resetEventId])).toEqual(
        points.map((p) => [p.stage, 'done', p.eventId]),
      );
    },
  );

  it(
    '`all` re-runs a completed day, paused then resumed, and leaves identical warehouse checksums',
    { timeout: 600_000 },
    async () => {
      const before = await warehouseChecksums(seeded.config.warehouse.duckdbPath);
      const runBefore = (await env.client.workflow.getHandle(dailyWorkflowId(D1)).describe()).runId;
      const ids = await startBackfill(
        env.client,
        { from: D1, to: D1, mode: 'all', concurrency: 1 },
        { taskQueue: prefixedTaskQueues(prefix).etl },
      );
      await env.client.workflow.getHandle(ids.workflowId).signal(pauseSignal);
      await until('paused', async () => ((await statusOf(ids.workflowId)).paused ? true : undefined), SPARK_WAIT);
      // A day may have started before the pause arrived; once it is done, nothing new starts.
      await until(
        'idle',
        async () => ((await statusOf(ids.workflowId)).running.length === 0 ? true : undefined),
        SPARK_WAIT,
      );
      const idle = await statusOf(ids.workflowId);
      if (idle.succeeded === 0) {
        await new Promise((r) => setTimeout(r, 3_000));
        const still = await statusOf(ids.workflowId);
        expect([still.paused, still.running, still.succeeded, still.remaining]).toEqual([true, [], 0, 1]);
      }
      await env.client.workflow.getHandle(ids.workflowId).signal(resumeSignal);
      const result = (await env.client.workflow.getHandle(ids.workflowId).result()) as BackfillResult;
      expect([result.succeeded, result.failed, result.skipped]).toEqual([1, 0, 0]);
      expect((await env.client.workflow.getHandle(dailyWorkflowId(D1)).describe()).runId).not.toBe(runBefore);
      expect(await warehouseChecksums(seeded.config.warehouse.duckdbPath)).toEqual(before);
    },
  );

  it(
    'cancelling a backfill cancels the day it is running, and the warehouse is untouched',
    { timeout: 600_000 },
    async () => {
      const before = await warehouseChecksums(seeded.config.warehouse.duckdbPath);
      const ids = await startBackfill(
        env.client,
        { from: D2, to: D2, mode: 'all', concurrency: 1 },
        { taskQueue: prefixedTaskQueues(prefix).etl },
      );
      const runBefore = (await env.client.workflow.getHandle(dailyWorkflowId(D2)).describe()).runId;
      await until(
        'the day in its Spark stage',
        async () => {
          const d = await env.client.workflow.getHandle(dailyWorkflowId(D2)).describe();
          const stage = (await env.client.workflow.getHandle(dailyWorkflowId(D2)).query(stagesQuery)).find(
            (r) => r.state === 'running',
          );
          return d.runId !== runBefore && stage?.stage === 'transform' ? true : undefined;
        },
        SPARK_WAIT,
      );
      await env.client.workflow.getHandle(ids.workflowId).cancel();
      const err: unknown = await env.client.workflow
        .getHandle(ids.workflowId)
        .result()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      expect((await env.client.workflow.getHandle(dailyWorkflowId(D2)).describe()).status.name).toBe('CANCELLED');
      expect(await warehouseChecksums(seeded.config.warehouse.duckdbPath)).toEqual(before);
    },
  );

  it('the watchdog announces a day that never started exactly once', { timeout: 300_000 }, async () => {
    const D4 = addDays(D3, 1);
    const watch = async () => {
      const handle = await env.client.workflow.start('pipelineWatchdog', {
        taskQueue: prefixedTaskQueues(prefix).etl,
        workflowId: `pipeline-watchdog:test-${randomUUID()}`,
        // An hour after D4's deadline (D4+1 06:00), looking back over D1..D4+1 (whose deadline is a day away).
        args: [{ now: `${addDays(D4, 1)}T07:00:00Z`, lookbackDays: 4, pipelines: ['user-analytics-daily'] }],
      });
      return { ...((await handle.result()) as PipelineWatchdogResult), workflowId: handle.workflowId };
    };
    const first = await watch();
    const byDay = Object.fromEntries(first.checks.map((c) => [c.logicalDate, c]));
    for (const d of [D1, D3]) expect(byDay[d], d).toMatchObject({ status: 'COMPLETED', onTime: true });
    // D2's latest run is the rerun cancelled above; its first run completed in time, so the deadline was met.
    expect(byDay[D2]).toMatchObject({ status: 'CANCELLED', onTime: true });
    expect(byDay[D4]).toMatchObject({ status: 'NOT_STARTED', onTime: false });
    expect(first.checks.map((c) => c.logicalDate)).toEqual([D1, D2, D3, D4]);
    expect(first.misses.map((m) => [m.logicalDate, m.kind, m.notified])).toEqual([[D4, 'not_started', true]]);
    await recordHistory(first.workflowId, 'pipeline-watchdog');
    const second = await watch();
    expect(second.misses.map((m) => [m.logicalDate, m.notified])).toEqual([[D4, false]]);
    expect(notificationsAbout(`SLA missed: user-analytics-daily ${D4}`)).toHaveLength(1);
    expect(notificationsAbout(`SLA missed: user-analytics-daily ${D4}`)[0]?.text).toContain('never started');
  });
});
