import { randomInt, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config';
import { workerPolling } from '../../cli/dev/services';
import { addDays } from '../../workflows/days';
import { cli, cliAsync, freePort, startWorkerProcess } from '../helpers/platform';
import { createScratchDb, type ScratchDb } from '../helpers/scratch-db';
import { startWebhookReceiver } from '../helpers/webhook-receiver';
import { TEST_ENV } from '../test-env';
import { loadConfig } from '../../config';

/**
 * The worker as a process, the way `analytics dev up --worker` runs it: its Prometheus endpoint carries the pipeline
 * metrics (last success per pipeline, SLA misses), the watchdog announces a miss once through a real webhook, and the
 * `dev status` probe calls an idle worker healthy across its long polls.
 */
let db: ScratchDb;
let dataDir: string;
let worker: ChildProcess;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let env: Record<string, string>;
let metricsUrl: string;
const prefix = `ops-${randomUUID().slice(0, 8)}-`;

beforeAll(async () => {
  db = await createScratchDb('worker_ops');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hire10x-worker-ops-'));
  receiver = await startWebhookReceiver();
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  env = {
    ...TEST_ENV,
    SOURCE_DB_NAME: db.name,
    ANALYTICS_DATA_DIR: dataDir,
    SECRETS_DIR: loadConfig().secrets.dir,
    WORKER_METRICS_PORT: String(port),
    NOTIFY_WEBHOOK_URL: receiver.url,
    TASK_QUEUE_PREFIX: prefix,
  };
  const migrated = cli(env, 'db', 'migrate');
  expect(migrated.status, migrated.stderr).toBe(0);
  ({ child: worker } = await startWorkerProcess(env, prefix));
}, 180_000);

afterAll(async () => {
  worker?.kill('SIGTERM');
  await new Promise((r) => (worker?.exitCode === null ? worker.once('exit', r) : r(undefined)));
  await receiver?.close();
  await db?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** One sample of a metric from the endpoint, by name and labels (undefined when the series does not exist). */
async function sample(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = await (await fetch(metricsUrl)).text();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const found: Record<string, string | undefined> = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1] ?? '', x[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('the worker process', () => {
  it('exports the last success per pipeline after a run completes', async () => {
    // A past day of its own (run ids are global on the shared test server; the future is refused).
    const asOf = addDays('2001-01-01', randomInt(0, 9000));
    const run = await cliAsync(env, 'retention', 'run', '--as-of', asOf, '--wait');
    expect(run.status, run.stderr).toBe(0);
    // Judged late that day, the watchdog looks at that retention run (and refreshes the gauge from it).
    const watch = await cliAsync(env, 'watchdog', '--now', `${asOf}T23:00:00Z`, '--lookback-days', '0');
    expect(watch.status, watch.stderr).toBe(0);
    // It completed today, long after that day's deadline.
    expect(watch.stdout).toMatch(
      new RegExp(`MISS data-retention ${asOf} due ${asOf}T06:00Z: completed \\d+ min after it`),
    );
    const last = await sample('hire10x_pipeline_last_success_timestamp_seconds', { pipeline: 'data-retention' });
    expect(last).toBeGreaterThan(Date.now() / 1000 - 86_400);
    expect(last).toBeLessThanOrEqual(Date.now() / 1000);
  });

  it('announces each missed deadline once through the webhook and counts it', async () => {
    const day = `${2100 + randomInt(0, 7000)}-05-20`;
    const before = receiver.received.length;
    // 07:00 on `day`: the daily run of the day before and the retention runs of both days are past their deadline.
    const args = ['watchdog', '--now', `${day}T07:00:00Z`, '--lookback-days', '1'];
    const first = await cliAsync(env, ...args);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain(
      `MISS user-analytics-daily ${addDays(day, -1)} due ${day}T06:00Z: never started (notified now)`,
    );
    expect(first.stdout).toMatch(/3 missed, 3 notified now$/m);
    const sent = receiver.received.slice(before).map((n) => n.text);
    expect(sent).toHaveLength(3);
    expect(sent.join('\n')).toContain(`SLA missed: user-analytics-daily ${addDays(day, -1)}*`);
    expect(sent.join('\n')).toContain('the run never started');
    const daily = await sample('hire10x_sla_misses', { pipeline: 'user-analytics-daily', kind: 'not_started' });
    const retention = await sample('hire10x_sla_misses', { pipeline: 'data-retention', kind: 'not_started' });
    expect([daily, retention]).toEqual([1, 2]);

    const second = await cliAsync(env, ...args);
    expect(second.stdout).toContain(`MISS user-analytics-daily ${addDays(day, -1)} due ${day}T06:00Z: never started\n`);
    expect(second.stdout).toContain('3 missed, 0 notified now, 3 notified before (each miss is told once)');
    expect(receiver.received.length - before).toBe(3);
    expect(await sample('hire10x_sla_misses', { pipeline: 'user-analytics-daily', kind: 'not_started' })).toBe(1);
  });

  it('stays healthy for `dev status` while idle across long polls', { timeout: 120_000 }, async () => {
    const config = parseConfig({ ...process.env, ...env });
    const seen: boolean[] = [];
    // An idle worker's poll lasts about a minute: sample across more than one.
    for (let i = 0; i < 9; i++) {
      seen.push(await workerPolling(config));
      await new Promise((r) => setTimeout(r, 10_000));
    }
    expect(seen).toEqual(Array<boolean>(9).fill(true));
  });
});
