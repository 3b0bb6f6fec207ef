import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DuckDbWarehouse } from '../../adapters/warehouse/duckdb';
import { startDaily } from '../../cli/run-daily';
import { parseConfig, type Config } from '../../config';
import { FACT_SOURCE_TABLES } from '../../schema/quality/catalogue';
import { SOURCE_TABLES } from '../../schema/source/tables';
import { userAnalytics } from '../../schema/warehouse';
import { dataConverterFromConfig } from '../../security/data-converter';
import { buildAdapters } from '../../workers/adapters';
import { createWorkers } from '../../workers/create-workers';
import type { DailyRunSummary } from '../../workflows/user-analytics-daily';
import { warehouseChecksums } from '../helpers/warehouse-checksums';
import { cli, killProcess, privatePlatformEnv, startWorkerProcess, type PrivatePlatform } from '../helpers/platform';

/**
 * The daily pipeline end to end on the small data set, on a private platform (its PostgreSQL is stopped and its
 * worker killed on purpose): real Temporal, PostgreSQL, Spark (local mode) and DuckDB.
 */
const DAY = '2026-11-26';
const PREFIX = 'e2e-';
let platform: PrivatePlatform;
let config: Config;
let client: Client;
let connection: Connection;
let worker: ChildProcess | undefined;

const FACT_SOURCES = FACT_SOURCE_TABLES;

async function sourceCounts(): Promise<Record<string, number>> {
  const db = new pg.Client({ ...config.sourceDb });
  await db.connect();
  try {
    const out: Record<string, number> = {};
    for (const t of SOURCE_TABLES) {
      if (t.kind !== 'event') continue;
      const { rows } = await db.query<{ n: string }>(
        `select count(*) as n from ${t.name} where ${t.timestampColumn} >= $1::timestamptz and ${t.timestampColumn} < $1::timestamptz + interval '1 day'`,
        [DAY],
      );
      out[t.name] = Number(rows[0]?.n);
    }
    return out;
  } finally {
    await db.end();
  }
}

/** Checksums of every data table, read while no worker holds the file busy. */
async function warehouseChecksumsNow(): Promise<Record<string, string>> {
  progress('checksums');
  return warehouseChecksums(config.warehouse.duckdbPath);
}

/** Progress of this long suite, for whoever watches it (E2E_PROGRESS=<file>). */
function progress(line: string): void {
  if (process.env.E2E_PROGRESS) fs.appendFileSync(process.env.E2E_PROGRESS, `${new Date().toISOString()} ${line}\n`);
}

async function runDay(workflowId: string): Promise<DailyRunSummary> {
  progress(`start ${workflowId}`);
  const h = await startDaily(client, config, { logicalDate: DAY }, { taskQueue: `${PREFIX}etl`, workflowId });
  const summary = await h.result();
  progress(`done ${workflowId}`);
  return summary;
}

/** Waits until the run has a pending activity of `type` that a worker has picked up. */
async function waitForActivity(workflowId: string, type: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const d = await client.workflow.getHandle(workflowId).describe();
    const pending = d.raw.pendingActivities ?? [];
    if (pending.some((a) => a.activityType?.name === type && a.lastStartedTime)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${type} never started in ${workflowId}`);
}

const killWorker = () => killProcess(worker);

async function restartWorker(): Promise<void> {
  progress('restart worker');
  await killWorker();
  worker = (await startWorkerProcess(platform.env, PREFIX)).child;
  progress(`worker ${worker.pid} started`);
}

beforeAll(async () => {
  platform = await privatePlatformEnv();
  config = parseConfig(platform.env);
  for (const args of [
    ['dev', 'up'],
    ['db', 'migrate'],
    ['seed', '--scale', 'small', '--days', '2', '--end-date', DAY, '--seed', '7'],
  ]) {
    const res = cli(platform.env, ...args);
    if (res.status !== 0) throw new Error(`analytics ${args.join(' ')} failed:\n${res.stderr}`);
  }
  connection = await Connection.connect({ address: config.temporal.address });
  client = new Client({ connection, dataConverter: dataConverterFromConfig(config) });
  await restartWorker();
}, 600_000);

afterAll(async () => {
  worker?.kill('SIGKILL');
  await connection?.close();
  platform?.destroy();
});

describe('userAnalyticsDaily on the small data set', () => {
  let first: Record<string, string>;

  it('loads the day: warehouse fact counts equal source counts per table', async () => {
    const summary = await runDay(`user-analytics-daily:${DAY}`);
    const source = await sourceCounts();
    for (const [fact, table] of Object.entries(FACT_SOURCES)) {
      expect(summary.extracted[table], table).toBe(source[table]);
      expect(summary.loaded[fact], fact).toBe(source[table]);
    }
    expect(summary.quality.failed).toEqual([]);
    expect(Object.keys(summary.stageMs).sort()).toEqual(['extract', 'load', 'publish', 'quality', 'transform']);
    await killWorker(); // no operation in flight while the checksum reads the DuckDB file
    first = await warehouseChecksumsNow();
    expect(Object.values(first).some((c) => !c.startsWith('0:'))).toBe(true);
    const wh = new DuckDbWarehouse(config.warehouse.duckdbPath);
    const runs = await wh.query(`select status from ${userAnalytics.name}.pipeline_runs where logical_date = @d`, {
      d: { type: 'DATE', value: DAY },
    });
    await wh.close();
    expect(runs.map((r) => r.status)).toEqual(['succeeded']);
    await restartWorker();
  }, 600_000);

  it('a second run of the same day leaves every data table byte-for-byte equal', async () => {
    await runDay(`user-analytics-daily:${DAY}:rerun`);
    await killWorker();
    expect(await warehouseChecksumsNow()).toEqual(first);
    await restartWorker();
  }, 600_000);

  it('survives kill -9 of the worker during extract and during Spark, with the same result', async () => {
    const workflowId = `user-analytics-daily:${DAY}:crash`;
    const handle = await startDaily(client, config, { logicalDate: DAY }, { taskQueue: `${PREFIX}etl`, workflowId });
    await waitForActivity(workflowId, 'extractTable');
    await restartWorker(); // SIGKILL mid-extract, then a fresh worker
    await waitForActivity(workflowId, 'runDailyTransform');
    await new Promise((r) => setTimeout(r, 8_000)); // let spark-submit get going
    await restartWorker(); // SIGKILL mid-Spark
    const summary = await handle.result();
    expect(summary.quality.failed).toEqual([]);
    await killWorker();
    expect(await warehouseChecksumsNow()).toEqual(first);
    await restartWorker();
  }, 900_000);

  it('rides out PostgreSQL being down during extract: retries, then succeeds', async () => {
    // Stop the source first and then start the run, so the extract meets the outage whatever the machine's speed
    // (the small day extracts in about a second; catching that window from outside would be a race).
    type PgState = { services: { postgres: { pid: number; state: string } } };
    const status = JSON.parse(cli(platform.env, 'dev', 'status', '--json').stdout) as PgState;
    const pgPid = status.services.postgres.pid;
    process.kill(pgPid, 'SIGINT'); // fast shutdown, as an operator would
    const pgState = () =>
      (JSON.parse(cli(platform.env, 'dev', 'status', '--json').stdout) as PgState).services.postgres.state;
    await expect.poll(pgState, { timeout: 30_000 }).toBe('stopped');
    const workflowId = `user-analytics-daily:${DAY}:pg-down`;
    const handle = await startDaily(client, config, { logicalDate: DAY }, { taskQueue: `${PREFIX}etl`, workflowId });
    const deadline = Date.now() + 120_000;
    let sawRetry = false;
    while (!sawRetry && Date.now() < deadline) {
      const d = await client.workflow.getHandle(workflowId).describe();
      sawRetry = (d.raw.pendingActivities ?? []).some(
        (a) => a.activityType?.name === 'extractTable' && (a.attempt ?? 1) > 1 && a.lastFailure,
      );
      if (!sawRetry) await new Promise((r) => setTimeout(r, 500));
    }
    const up = cli(platform.env, 'dev', 'up');
    expect(up.status, up.stderr).toBe(0);
    expect(sawRetry).toBe(true);
    const summary = await handle.result();
    expect(summary.quality.failed).toEqual([]);
    expect(summary.extracted.auth_events).toBeGreaterThan(0);
  }, 600_000);

  it('fails the run with a readable reason when an error-severity check fails', async () => {
    expect(cli(platform.env, 'dev', 'up').status).toBe(0); // whatever the previous test left
    await killWorker();
    worker = undefined;
    // An in-process worker with one extra, deliberately strict check: the data has more features than it accepts.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const native = await NativeConnection.connect({ address: config.temporal.address });
    const adapters = buildAdapters(config, () => undefined);
    const workers = await createWorkers({
      connection: native,
      clientConnection: connection,
      namespace: config.temporal.namespace,
      adapters,
      dataConverter: dataConverterFromConfig(config),
      taskQueues: { etl: 'dq-etl', gdpr: 'dq-gdpr', stream: 'dq-stream' },
      workflowBundle: { codePath: inject('workflowBundlePath') },
      ui: { url: config.temporal.uiUrl },
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
    const workflowId = `user-analytics-daily:${DAY}:dq`;
    const run = (async () => {
      const h = await startDaily(client, config, { logicalDate: DAY }, { taskQueue: 'dq-etl', workflowId });
      return h.result().then(
        () => undefined,
        (err: unknown) => err,
      );
    })();
    const failure = await Promise.all([run, ...workers.map((w) => w.runUntil(run))]).then(([f]) => f);
    await adapters.close();
    await native.close();
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause?.message).toMatch(
      /data-quality checks failed for 2026-11-26: fact_user_activities\.feature\.accepted_values \(error\): observed \d+/,
    );
    const d = await client.workflow.getHandle(workflowId).describe();
    expect(d.status.name).toBe('FAILED');
  }, 600_000);
});
