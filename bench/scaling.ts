/**
 * The daily pipeline on one day of each data-set scale (small → medium → large), one run each: per stage, wall time,
 * rows and rows/s; the worker's and Spark's peak RSS; the run's history events. The reference is the smallest
 * scale measured in the same run: per stage, how many times more rows a scale has and how many times longer the
 * stage took (goal: time grows no faster than rows; history events stay flat).
 *
 * "One day of a scale" = the scale's users (datagen/options.ts SCALES) and one seventh of its events, seeded as a
 * single day (its density on the 7-day bench sets): small 1k users / 29k events, medium 50k / 714k, large 1M / 7.1M.
 * Each scale gets a database of its own on the configured PostgreSQL (`bench_scale_<scale>`, seeded once, kept for
 * later runs; `--drop` removes them at the end) and a temp data directory (lake + DuckDB), removed at the end. The
 * worker runs in a child process on task queues of its own, so the demo platform's worker is not disturbed:
 *   npm run bench:scaling -- [--scales small,medium,large] [--drop]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startDaily } from '../cli/run-daily';
import { withClient } from '../cli/temporal-client';
import { loadConfig } from '../config';
import { SCALES, type Scale } from '../datagen/options';
import { DAILY_STAGES, type DailyRunSummary } from '../workflows/user-analytics-daily';
import { adminQuery, createDatabaseIfMissing, runAnalytics, startBenchWorker } from './bench-platform';
import { RssSampler } from './rss';

const DENSITY_DAYS = 7;
const SEED = 'bench';
const say = (line: string) => process.stderr.write(`[bench:scaling] ${line}\n`);

const args = z
  .object({
    scales: z
      .string()
      .default('small,medium,large')
      .transform((s) => s.split(',').map((x) => x.trim()))
      .pipe(z.array(z.enum(['small', 'medium', 'large'])).min(1)),
    drop: z.boolean().default(false),
  })
  .parse(parseArgs({ options: { scales: { type: 'string' }, drop: { type: 'boolean' } } }).values);

interface Measured {
  scale: Scale;
  day: string;
  summary: DailyRunSummary;
  /** Rows each stage handled: source rows for extract and transform, warehouse rows for load/quality/publish. */
  rows: Record<(typeof DAILY_STAGES)[number], number>;
  historyEvents: number;
  workerPeakRss: number;
  sparkPeakRss: number;
  wallMs: number;
}

async function runScale(scale: Scale): Promise<Measured> {
  const database = `bench_scale_${scale}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-scaling-${scale}-`));
  const env = {
    ...process.env,
    SOURCE_DB_NAME: database,
    ANALYTICS_DATA_DIR: dataDir,
    WORKER_METRICS_PORT: '0',
    LOG_LEVEL: 'WARN',
  };
  const config = loadConfig(env);
  try {
    await createDatabaseIfMissing(config, database);
    runAnalytics(env, 'db', 'migrate');
    const events = Math.round(SCALES[scale].events / DENSITY_DAYS);
    say(
      `${scale}: seeding ${database} (${SCALES[scale].users.toLocaleString('en-US')} users, ${events.toLocaleString('en-US')} events, one day) unless already seeded …`,
    );
    const seedStarted = performance.now();
    runAnalytics(
      env,
      'seed',
      '--scale',
      scale,
      '--events',
      String(events),
      '--days',
      '1',
      '--seed',
      SEED,
      '--if-empty',
    );
    say(`${scale}: seeded (or kept) in ${((performance.now() - seedStarted) / 1000).toFixed(0)} s`);
    const days = runAnalytics(env, 'db', 'event-days').trim().split('\n').filter(Boolean);
    const day = days.at(-1);
    if (!day) throw new Error(`${database} holds no events`);

    const prefix = `bench-scale-${scale}-${Date.now()}-`;
    const stop = await startBenchWorker(env, prefix);
    const sampler = new RssSampler(stop.pid);
    try {
      return await withClient(config, async (client) => {
        say(`${scale}: daily pipeline for ${day} …`);
        const started = performance.now();
        const workflowId = `user-analytics-daily:${day}:${prefix}`;
        const handle = await startDaily(
          client,
          config,
          { logicalDate: day },
          { taskQueue: `${prefix}etl`, workflowId },
        );
        const ticker = setInterval(() => {
          say(
            `${scale}: … ${((performance.now() - started) / 1000).toFixed(0)} s, Spark RSS now ${mib(sampler.current().spark)}`,
          );
        }, 30_000);
        let summary: DailyRunSummary;
        try {
          summary = await handle.result();
        } finally {
          clearInterval(ticker);
        }
        const wallMs = performance.now() - started;
        const history = await client.workflow.getHandle(workflowId, handle.runId).fetchHistory();
        const peaks = sampler.stop();
        const source = sum(summary.extracted);
        const warehouse = sum(summary.loaded);
        say(`${scale}: done in ${(wallMs / 1000).toFixed(1)} s`);
        return {
          scale,
          day,
          summary,
          rows: { extract: source, transform: source, load: warehouse, quality: warehouse, publish: warehouse },
          historyEvents: history.events?.length ?? 0,
          workerPeakRss: peaks.worker,
          sparkPeakRss: peaks.spark,
          wallMs,
        };
      });
    } finally {
      sampler.stop();
      stop();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const n = (v: number) => Math.round(v).toLocaleString('en-US');

function report(results: Measured[]): void {
  const ref = results[0]!;
  console.log(`\nDaily pipeline by scale (one day each; reference = ${ref.scale}, measured in the same run)`);
  console.log(
    '| scale | day | stage | rows | wall | rows/s | rows × ref | time × ref | time grows no faster than rows |',
  );
  console.log('|---|---|---|---:|---:|---:|---:|---:|---|');
  for (const m of results) {
    for (const stage of DAILY_STAGES) {
      const t = m.summary.stageMs[stage] ?? 0;
      const rows = m.rows[stage];
      const rowsX = rows / Math.max(1, ref.rows[stage]);
      const timeX = t / Math.max(1, ref.summary.stageMs[stage] ?? 0);
      const verdict = m === ref ? '(reference)' : timeX <= rowsX ? 'yes' : 'NO';
      console.log(
        `| ${m.scale} | ${m.day} | ${stage} | ${n(rows)} | ${(t / 1000).toFixed(1)} s | ${n(rows / Math.max(0.001, t / 1000))} | ${rowsX.toFixed(1)}× | ${timeX.toFixed(1)}× | ${verdict} |`,
      );
    }
  }
  console.log('\n| scale | run wall | history events | worker peak RSS | Spark peak RSS (JVM + Python workers) |');
  console.log('|---|---:|---:|---:|---:|');
  for (const m of results)
    console.log(
      `| ${m.scale} | ${(m.wallMs / 1000).toFixed(1)} s | ${m.historyEvents}${m === ref ? '' : ` (${(m.historyEvents / Math.max(1, ref.historyEvents)).toFixed(2)}× ref)`} | ${mib(m.workerPeakRss)} | ${mib(m.sparkPeakRss)} |`,
    );
  const total = os.totalmem();
  const worst = Math.max(...results.map((m) => m.workerPeakRss + m.sparkPeakRss));
  console.log(
    `\nmachine memory ${mib(total)}; largest worker + Spark peak ${mib(worst)} (${((worst / total) * 100).toFixed(0)} %)`,
  );
}

async function main(): Promise<void> {
  const results: Measured[] = [];
  const config = loadConfig(process.env);
  try {
    for (const scale of args.scales) {
      try {
        results.push(await runScale(scale));
      } catch (err) {
        say(`${scale}: FAILED — ${(err as Error).message}`);
        if (results.length === 0) throw err;
        console.log(
          `\n${scale}: the run failed (${(err as Error).message}); figures below are for the scales that ran.`,
        );
        break;
      }
    }
    report(results);
  } finally {
    if (args.drop)
      for (const scale of args.scales) await adminQuery(config, `drop database if exists bench_scale_${scale}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
