/**
 * Backfill throughput: N small days (default 6) run one at a time as single-day runs, then as one backfill at
 * concurrency 1 and at concurrency 2. Each backfill's wall time is printed beside the sum of the single-day runs
 * measured in the same run: at concurrency 1 the ratio is the backfill's own cost, at 2 the speed-up of running days
 * side by side on this machine.
 *
 * Works on a database of its own (created, seeded with the small set for N days in a far-future year so no existing
 * run id is touched, dropped at the end) and a worker in a child process with its own task queues and data directory,
 * against the platform the configuration points at (the demo platform by default):
 *   npm run bench:backfill -- [--days 6]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { startBackfill } from '../cli/backfill';
import { startDaily } from '../cli/run-daily';
import { loadConfig, PROJECT_ROOT } from '../config';
import { dataConverterFromConfig } from '../security/data-converter';
import type { BackfillResult } from '../workflows/backfill-contract';
import { addDays, daysBetween } from '../workflows/days';
import { adminQuery, startBenchWorker } from './bench-platform';

const { values } = parseArgs({ options: { days: { type: 'string', default: '6' } } });
const days = Number(values.days);
if (!Number.isInteger(days) || days < 2 || days > 31) throw new Error(`--days must be 2-31, got ${values.days}`);

const stamp = Date.now();
const database = `bench_backfill_${stamp}`;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-backfill-'));
const PREFIX = `bench-backfill-${stamp}-`;
const env = {
  ...process.env,
  SOURCE_DB_NAME: database,
  ANALYTICS_DATA_DIR: dataDir,
  // The platform's own keys (the client here and the worker must agree), not the temp data dir's.
  SECRETS_DIR: loadConfig().secrets.dir,
  WORKER_METRICS_PORT: '0',
  LOG_LEVEL: 'WARN',
  TASK_QUEUE_PREFIX: PREFIX,
};
const config = loadConfig(env);
const year = 3000 + (stamp % 5000);
const to = `${year}-06-${String(days).padStart(2, '0')}`;
const from = addDays(to, -(days - 1));
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const admin = (sql: string) => adminQuery(config, sql);

function analytics(...args: string[]): void {
  const res = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin/analytics.js'), ...args], {
    env,
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`analytics ${args.join(' ')} failed:\n${res.stderr}`);
}

async function main(): Promise<void> {
  console.log(`seeding ${database}: small set, ${days} days ${from} … ${to}`);
  await admin(`create database ${database}`);
  let stop: (() => void) | undefined;
  const connection = await Connection.connect({ address: config.temporal.address });
  try {
    analytics('db', 'migrate');
    analytics('seed', '--scale', 'small', '--days', String(days), '--end-date', to, '--seed', 'bench');
    stop = await startBenchWorker(env, PREFIX);
    const client = new Client({
      connection,
      namespace: config.temporal.namespace,
      dataConverter: dataConverterFromConfig(config),
    });
    const wallOf = async (workflowId: string, runId?: string) => {
      const d = await client.workflow.getHandle(workflowId, runId).describe();
      return (d.closeTime?.getTime() ?? Date.now()) - d.startTime.getTime();
    };

    // 1. The reference: each day alone, one after the other (a rerun after the first pass: same work every time).
    let sum = 0;
    for (const day of daysBetween(from, to)) {
      const h = await startDaily(client, config, { logicalDate: day }, { rerun: true });
      await h.result();
      const ms = await wallOf(h.workflowId, h.runId);
      sum += ms;
      console.log(`  single-day run ${day}: ${secs(ms)}`);
    }
    console.log(`single-day runs, one at a time: sum ${secs(sum)} (${days} runs, mean ${secs(sum / days)})`);

    // 2. The same days as backfills (mode all: every day runs again as a new run of its id).
    for (const concurrency of [1, 2]) {
      const ids = await startBackfill(client, { from, to, mode: 'all', concurrency }, { taskQueue: `${PREFIX}etl` });
      const result = (await client.workflow
        .getHandle(ids.workflowId, undefined, { firstExecutionRunId: ids.runId })
        .result()) as BackfillResult;
      if (result.failed > 0) throw new Error(`backfill had failed days: ${JSON.stringify(result.failures)}`);
      const wall = await wallOf(ids.workflowId);
      console.log(
        `backfill, concurrency ${concurrency}: wall ${secs(wall)} = ${(wall / sum).toFixed(2)} × the sum of single-day runs` +
          (concurrency === 1
            ? ` (difference from the sum: ${secs(wall - sum)}, the backfill's own cost)`
            : ` (speed-up ${(sum / wall).toFixed(2)}× on ${os.cpus().length} cores)`),
      );
    }
    console.log(`(Temporal dev server at ${config.temporal.address}; Spark local[*]; ${os.cpus().length} cores)`);
  } finally {
    stop?.();
    await connection.close();
    await admin(`drop database if exists ${database} with (force)`).catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
