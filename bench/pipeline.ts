/**
 * The whole daily pipeline on one day of a (medium) data set: wall time per stage, and orchestration overhead —
 * the run's wall time minus the time covered by at least one executing activity (from the workflow history's
 * ActivityTaskStarted/Completed events) — as a share of the total, measured in the same run.
 *
 * Runs a worker in a child process against the platform the config points at, with its own task queues and data
 * directory (lake + DuckDB) so it does not disturb the demo:
 *   SOURCE_DB_NAME=bench_medium npx tsx bench/pipeline.ts [--date YYYY-MM-DD]
 * (seed first: createdb bench_medium; SOURCE_DB_NAME=bench_medium npx analytics seed --scale medium --days 7)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { startDaily } from '../cli/run-daily';
import { loadConfig } from '../config';
import { dataConverterFromConfig } from '../security/data-converter';
import { startBenchWorker } from './bench-platform';

const { values } = parseArgs({ options: { date: { type: 'string' } } });
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-pipeline-'));
const env = { ...process.env, ANALYTICS_DATA_DIR: dataDir, WORKER_METRICS_PORT: '0', LOG_LEVEL: 'WARN' };
const config = loadConfig(env);
const PREFIX = `bench-${Date.now()}-`;

async function busiestDay(): Promise<string> {
  const db = new pg.Client(config.sourceDb);
  await db.connect();
  const { rows } = await db.query<{ day: string }>(
    `select to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD') as day from activity_events group by 1 order by count(*) desc limit 1`,
  );
  await db.end();
  if (!rows[0]) throw new Error('no events: seed the database first');
  return rows[0].day;
}

/** Length of the union of intervals (ms). */
function unionMs(intervals: [number, number][]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [start, end] = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (const [s, e] of sorted) {
    if (s > end) {
      if (end > start) total += end - start;
      [start, end] = [s, e];
    } else end = Math.max(end, e);
  }
  if (end > start) total += end - start;
  return total;
}

async function main(): Promise<void> {
  const day = values.date ?? (await busiestDay());
  const stop = await startBenchWorker(env, PREFIX);
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: dataConverterFromConfig(config),
  });
  try {
    const workflowId = `user-analytics-daily:${day}:${PREFIX}`;
    const handle = await startDaily(client, config, { logicalDate: day }, { taskQueue: `${PREFIX}etl`, workflowId });
    const summary = await handle.result();
    const history = await client.workflow.getHandle(workflowId, handle.runId).fetchHistory();
    const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
      Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);
    const events = history.events ?? [];
    const started = new Map<string, number>();
    const intervals: [number, number][] = [];
    for (const e of events) {
      if (e.activityTaskStartedEventAttributes)
        started.set(String(e.activityTaskStartedEventAttributes.scheduledEventId), ms(e.eventTime));
      const done = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes;
      if (done) intervals.push([started.get(String(done.scheduledEventId)) ?? ms(e.eventTime), ms(e.eventTime)]);
    }
    const wall = ms(events.at(-1)?.eventTime) - ms(events[0]?.eventTime);
    const inActivities = unionMs(intervals);
    const rows = Object.values(summary.extracted).reduce((a, b) => a + b, 0);
    console.log(
      `pipeline ${day}: ${rows.toLocaleString('en-US')} source rows, ${Object.keys(summary.loaded).length} warehouse tables`,
    );
    for (const [stage, t] of Object.entries(summary.stageMs))
      console.log(`  ${stage.padEnd(9)} ${((t ?? 0) / 1000).toFixed(1)} s`);
    console.log(`  total wall ${(wall / 1000).toFixed(1)} s; inside activities ${(inActivities / 1000).toFixed(1)} s`);
    console.log(
      `  orchestration overhead ${((wall - inActivities) / 1000).toFixed(2)} s = ${(((wall - inActivities) / wall) * 100).toFixed(2)}% of the total ` +
        `(Temporal dev server, SQLite, ${intervals.length} activity executions)`,
    );
  } finally {
    await connection.close();
    stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
