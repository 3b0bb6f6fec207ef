/**
 * GDPR erasure benchmark on a seeded data set (medium by default), through the real HTTP API:
 *   1. one erasure alone: end-to-end latency (POST → completed), per step, beside the daily pipeline run that put the
 *      data in every zone (same machine, same run);
 *   2. a burst of N (100) erasure requests at once: how many complete per minute, and latency p50/p95/max; the worker
 *      batches their lake and warehouse passes (activities/gdpr/batcher.ts), and the ratio of the two rates is the
 *      figure (goal ≥ 5x).
 *
 * It never touches the seeded database itself: it works on a copy (`create database … template …`), with its own
 * lake + DuckDB directory, task queues and worker process, against the platform the configuration points at:
 *   SOURCE_DB_NAME=bench_medium npm run bench:gdpr -- [--burst 100] [--date YYYY-MM-DD]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { startDaily } from '../cli/run-daily';
import { migrate } from '../schema/source/migrate';
import { loadConfig } from '../config';
import { dataConverterFromConfig } from '../security/data-converter';
import { adminQuery, startBenchWorker } from './bench-platform';
import { erasureApi } from '../test/helpers/erasure-api';
import type { ErasureStatus } from '../workflows/gdpr-contract';

const { values } = parseArgs({
  options: { burst: { type: 'string', default: '100' }, date: { type: 'string' } },
});
const burst = Number(values.burst);
const base = loadConfig();
const copy = `bench_gdpr_${Date.now()}`;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-gdpr-'));
const env = {
  ...process.env,
  ANALYTICS_DATA_DIR: dataDir,
  SECRETS_DIR: path.join(dataDir, 'secrets'),
  SOURCE_DB_NAME: copy,
  WORKER_METRICS_PORT: '0',
  // The API logs each status query a busy worker could not answer in time (a 503 the poller retries) at WARN.
  LOG_LEVEL: 'ERROR',
};
const config = loadConfig(env);
const PREFIX = `bench-gdpr-${Date.now()}-`;
/** Subjects per batched pass, by pass, as the worker logs them. */
const batchSizes: Record<string, number[]> = {};

const admin = (sql: string) => adminQuery(base, sql);

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  console.log(`copying ${base.sourceDb.database} → ${copy}`);
  await admin(`create database ${copy} template ${base.sourceDb.database}`);
  const db = new pg.Pool({ ...config.sourceDb, max: 2 });
  const { applied } = await migrate(db);
  if (applied.length > 0) console.log(`applied migrations to the copy: ${applied.join(', ')}`);
  let stop: (() => void) | undefined;
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: dataConverterFromConfig(config),
  });
  let api: Awaited<ReturnType<typeof erasureApi>> | undefined;
  try {
    const { rows: busiest } = await db.query<{ day: string }>(
      `select to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD') as day from activity_events group by 1 order by count(*) desc limit 1`,
    );
    const day = values.date ?? busiest[0]?.day;
    if (!day) throw new Error('no events: seed the database first');
    // The worker logs each batched pass (pass name, subjects): the burst's batch sizes are printed below.
    stop = await startBenchWorker(env, PREFIX, (line) => {
      if (!line.includes('"gdpr batch"')) return;
      const m = /"pass":"(\w+)".*?"subjects":(\d+)|"subjects":(\d+).*?"pass":"(\w+)"/.exec(line);
      const pass = m?.[1] ?? m?.[4];
      const n = Number(m?.[2] ?? m?.[3]);
      if (pass && n > 0) (batchSizes[pass] ??= []).push(n);
    });
    console.log(`daily pipeline for ${day} (puts the data in every zone)`);
    const t0 = Date.now();
    const daily = await startDaily(
      client,
      config,
      { logicalDate: day },
      { taskQueue: `${PREFIX}etl`, workflowId: `bench-gdpr:${day}:${PREFIX}` },
    );
    await daily.result();
    const dailyMs = Date.now() - t0;

    const { rows: people } = await db.query<{ tenantId: string; userId: string }>(
      `select u.tenant_id::text as "tenantId", u.user_id::text as "userId" from users u
       where u.status = 'active' and not exists (select 1 from legal_holds h where h.user_id = u.user_id)
         and exists (select 1 from activity_events a where a.user_id = u.user_id
                     and a.occurred_at >= $1::timestamptz and a.occurred_at < $1::timestamptz + interval '1 day')
       order by md5(u.user_id::text) limit $2`,
      [day, burst + 1],
    );
    if (people.length < burst + 1) throw new Error(`only ${people.length} active users on ${day}`);
    api = await erasureApi(config, { taskQueue: `${PREFIX}gdpr` });
    // Polls the API like a client would; slower in the burst, so the polling itself does not load the worker.
    const wait = async (requestId: string, everyMs = 250): Promise<ErasureStatus> => {
      for (;;) {
        const s = await api!.status(requestId).catch(() => undefined);
        if (s && s.state !== 'running') return s;
        await new Promise((r) => setTimeout(r, everyMs));
      }
    };

    // 1. One erasure alone.
    const single = people[0]!;
    const s0 = Date.now();
    const { body } = await api.erase(single, `bench-single-${PREFIX}`);
    const done = await wait(body.requestId);
    const singleMs = Date.now() - s0;
    if (done.state !== 'completed') throw new Error(`single erasure ended ${done.state}: ${done.reason}`);
    console.log(`\none erasure, end to end: ${secs(singleMs)} (daily pipeline of the same day: ${secs(dailyMs)})`);
    for (const step of done.steps) {
      const ms = step.startedAt && step.finishedAt ? Date.parse(step.finishedAt) - Date.parse(step.startedAt) : 0;
      console.log(`  ${step.name.padEnd(16)} ${secs(ms).padStart(8)}`);
    }

    // 2. A burst arriving at once.
    for (const k of Object.keys(batchSizes)) delete batchSizes[k];
    const batch = people.slice(1);
    const b0 = Date.now();
    const accepted = await Promise.all(batch.map((p, i) => api!.erase(p, `bench-burst-${PREFIX}-${i}`)));
    const acceptMs = Date.now() - b0;
    const latencies: number[] = [];
    const states: Record<string, number> = {};
    await Promise.all(
      accepted.map(async ({ body: b }) => {
        const s = await wait(b.requestId, 1_000);
        latencies.push(Date.now() - b0);
        states[s.state] = (states[s.state] ?? 0) + 1;
      }),
    );
    const totalMs = Date.now() - b0;
    latencies.sort((a, b) => a - b);
    const burstRate = (batch.length / totalMs) * 60_000;
    const aloneRate = 60_000 / singleMs;
    console.log(
      `\n${batch.length} erasures at once: all ${batch.length} POSTs accepted in ${secs(acceptMs)}; ` +
        `finished in ${secs(totalMs)} → ${burstRate.toFixed(1)} erasures/minute ` +
        `(one alone: ${aloneRate.toFixed(1)}/minute)`,
    );
    console.log(
      `  throughput ${burstRate.toFixed(1)}/min batched vs ${aloneRate.toFixed(1)}/min alone: ` +
        `${(burstRate / aloneRate).toFixed(1)}x (goal ≥ 5x; batch window ${config.worker.gdprBatch.windowMs} ms, ` +
        `at most ${config.worker.gdprBatch.maxSubjects} subjects a pass)`,
    );
    console.log(`  outcomes ${JSON.stringify(states)}`);
    for (const [pass, sizes] of Object.entries(batchSizes)) {
      console.log(`  ${pass.padEnd(15)} ${sizes.length} passes, subjects per pass: ${sizes.join(' ')}`);
    }
    console.log(
      `  latency p50 ${secs(pct(latencies, 50))}, p95 ${secs(pct(latencies, 95))}, max ${secs(latencies.at(-1)!)}`,
    );
  } finally {
    await api?.close();
    stop?.();
    await connection.close();
    await db.end();
    await new Promise((r) => setTimeout(r, 1000));
    await admin(`drop database if exists ${copy} with (force)`).catch((e: unknown) => console.error(e));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
