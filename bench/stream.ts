/**
 * `npm run bench:stream -- [--events 300000] [--rate 10000] [--seconds 30]`: the real-time path on the platform the
 * configuration points at (the demo platform by default), on streams and a shard of its own.
 *
 * 1. Sustained ingest: N generated events pre-published to a shard stream, then consumed by the consume activity
 *    (streaming/processor.ts + the PostgreSQL stream store + the warehouse projection, in this process under
 *    @temporalio/testing's MockActivityEnvironment) until drained: events/s through bus → windows → warehouse. The
 *    reference, in the same run: a bare XREADGROUP + XACK drain of the same N events from another stream.
 * 2. Latency at a fixed rate: events published at `--rate` for `--seconds` while the consumer runs; per event, the time
 *    from its occurred_at (set when produced) to the commit that made its window queryable. p50/p95.
 * 3. Peak RSS of this process (it is the worker) during 1 and 2.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { type RedisEventBus } from '../adapters/event-bus/redis';
import type { StreamStore } from '../adapters/ports';
import { createStreamActivities, type ConsumeShardInput } from '../activities/stream';
import type { ConsumeSegmentResult } from '../workflows/stream-contract';
import { AppEventGenerator, type AppPerson } from '../datagen/app-events';
import { serializeEvent } from '../schema/events';
import { userAnalytics } from '../schema/warehouse';
import { loadConfig, PROJECT_ROOT } from '../config';
import { buildAdapters } from '../workers/adapters';
import { duckdbParquetWriter } from '../adapters/parquet';
import { eventAttributes } from '../cli/app-simulate';
import { adminQuery } from './bench-platform';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const EVENTS = arg('events', 200_000);
const RATE = arg('rate', 10_000);
const SECONDS = arg('seconds', 20);
const BATCH = arg('batch', 10_000);
/** `--sustained-only`: skip the two latency runs (quick iterations on throughput). */
const SUSTAINED_ONLY = process.argv.includes('--sustained-only');
/** Scale-out: the same N events over this many shards, each consumed by a process of its own. */
const CONSUMERS = arg('consumers', 2);
const say = (line: string) => process.stderr.write(`${line}\n`);

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

let peakRss = 0;
const rssTimer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

const people: AppPerson[] = Array.from({ length: 5000 }, (_, i) => ({
  tenantId: String(1 + (i % 50)),
  userId: String(1 + i),
  email: `bench-${i}@example.test`,
}));

async function prefill(bus: RedisEventBus, stream: string, n: number, seed: string): Promise<void> {
  const gen = new AppEventGenerator({ seed, people, attackEveryMs: 10_000 }, 1n);
  let sent = 0;
  const at = Date.now();
  while (sent < n) {
    const events = gen.next(at + sent / 100, Math.min(5000, n - sent)).slice(0, n - sent);
    await bus.publish(
      stream,
      events.map((e) => ({ data: serializeEvent(e), attributes: eventAttributes(e) })),
    );
    sent += events.length;
  }
}

async function rawDrain(bus: RedisEventBus, stream: string): Promise<number> {
  const redis = bus.redis;
  await redis.xgroup('CREATE', stream, 'raw', '0', 'MKSTREAM');
  let n = 0;
  const started = performance.now();
  for (;;) {
    const res = (await redis.callBuffer('XREADGROUP', 'GROUP', 'raw', 'c', 'COUNT', 5000, 'STREAMS', stream, '>')) as
      [Buffer, [Buffer, Buffer[]][]][] | null;
    const entries = res?.[0]?.[1] ?? [];
    if (entries.length === 0) break;
    await redis.xack(stream, 'raw', ...entries.map(([id]) => id));
    n += entries.length;
  }
  return n / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  // A database and data directory of its own: the benchmark's windows never reach the demo's dashboards.
  const base = loadConfig();
  await adminQuery(base, 'create database bench_stream').catch(() => undefined);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-stream-'));
  const config = loadConfig({ ...process.env, SOURCE_DB_NAME: 'bench_stream', ANALYTICS_DATA_DIR: dataDir });
  const adapters = buildAdapters(config, () => undefined);
  const bus = adapters.bus as unknown as RedisEventBus;
  const run = randomUUID().slice(0, 8);
  const shard = 900 + Math.floor(Math.random() * 99);
  const latencies: number[] = [];
  // The store, observed: per accepted event, commit time minus event time (what "queryable" waited for).
  const streams: StreamStore = Object.create(adapters.streams) as StreamStore;
  let commitMs = 0;
  streams.commit = async (s, output) => {
    const t0 = performance.now();
    const cp = await adapters.streams.commit(s, output);
    commitMs += performance.now() - t0;
    const now = Date.now();
    if (recordLatency) for (const a of output.accepted) latencies.push(now - Date.parse(a.event.occurred_at));
    return cp;
  };
  let recordLatency = false;
  let pullMs = 0;
  let ackMs = 0;
  const realSubscribe = bus.subscribe.bind(bus);
  bus.subscribe = async (...args) => {
    const sub = await realSubscribe(...args);
    return {
      ...sub,
      pull: async (max, wait) => {
        const t0 = performance.now();
        const r = await sub.pull(max, wait);
        pullMs += performance.now() - t0;
        return r;
      },
      ack: async (ids) => {
        const t0 = performance.now();
        await sub.ack(ids);
        ackMs += performance.now() - t0;
      },
      backlog: () => sub.backlog(),
      close: () => sub.close(),
    };
  };
  const consume = benchConsumer(config, { ...adapters, bus, streams }, shard);
  try {
    say(`bench:stream on ${config.redis.host}:${config.redis.port}, store ${config.sourceDb.database}; shard ${shard}`);
    const rawStream = `bench:raw:${run}`;
    const pathStream = `events:bench:${run}`;
    say(`publishing ${EVENTS} events twice (reference stream and path stream)…`);
    await prefill(bus, rawStream, EVENTS, run);
    await prefill(bus, pathStream, EVENTS, run);
    const raw = await rawDrain(bus, rawStream);
    say(`raw XREADGROUP+XACK drain: ${Math.round(raw)} events/s`);

    const started = performance.now();
    commitMs = 0;
    pullMs = 0;
    ackMs = 0;
    const result = await consume(pathStream, {});
    const seconds = (performance.now() - started) / 1000;
    const commitShare = commitMs / 1000 / seconds;
    say(
      `time split: commit ${Math.round(commitMs)} ms, pull ${Math.round(pullMs)} ms, ack ${Math.round(ackMs)} ms of ${Math.round(seconds * 1000)} ms`,
    );
    const rate = result.received / seconds;
    say(`whole path: ${result.received} received, ${result.processed} processed in ${seconds.toFixed(1)} s`);
    const scaled = CONSUMERS > 1 ? await scaleOut(bus, run, config.sourceDb.database) : undefined;
    if (scaled) say(`${CONSUMERS} consumer processes: ${Math.round(scaled)} events/s together`);
    const scaledCell = scaled
      ? `${Math.round(scaled)} events/s: **${(scaled / raw).toFixed(2)}×** raw, ${(scaled / rate).toFixed(2)}× one consumer`
      : 'not run';

    /**
     * Events at RATE/s from another process (`analytics stream produce`, as the application would be) while the
     * consumer runs; per event, commit time minus event time. With `holdWarehouse`, a third process holds the
     * DuckDB warehouse file open for writing the whole time (what the daily load does): the projection waits, the
     * stream must not.
     */
    const latencyRun = async (name: string, holdWarehouse: boolean) => {
      const stream = `events:bench:${run}:${name}`;
      latencies.length = 0;
      recordLatency = true;
      const holder = holdWarehouse ? await holdFile(config.warehouse.duckdbPath) : undefined;
      try {
        const consumer = consume(stream, { drain: false, maxDurationMs: SECONDS * 1000 + 10_000 });
        const producerOut = await new Promise<string>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            [
              path.join(PROJECT_ROOT, 'bin/analytics.js'),
              'stream',
              'produce',
              '--rate',
              String(RATE),
              '--duration',
              String(SECONDS),
              '--seed',
              `${run}-${name}`,
              '--stream',
              stream,
            ],
            {
              env: { ...process.env, SOURCE_DB_NAME: 'bench_stream', ANALYTICS_DATA_DIR: dataDir },
              stdio: ['ignore', 'pipe', 'ignore'],
            },
          );
          let out = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.once('exit', (code) =>
            code === 0 ? resolve(out) : reject(new Error(`stream produce exited ${code}`)),
          );
        });
        const produced = Number(/produced: (\d+) events/.exec(producerOut)?.[1] ?? 0);
        const producedIn = Number(/ in ([\d.]+) s/.exec(producerOut)?.[1] ?? SECONDS);
        await consumer;
        // Whatever the consumer had not reached when the producer stopped still counts, with its longer latency.
        if (holder) holder.release();
        await consume(stream, { drain: true });
        const sorted = [...latencies].sort((a, b) => a - b);
        await bus.redis.del(stream, `${stream}:dlq`);
        return {
          rate: produced / producedIn,
          p50: quantile(sorted, 0.5),
          p95: quantile(sorted, 0.95),
          n: sorted.length,
        };
      } finally {
        holder?.release();
        recordLatency = false;
      }
    };
    if (SUSTAINED_ONLY) {
      for (const s of [rawStream, pathStream, `${pathStream}:dlq`]) await bus.redis.del(s);
      process.stdout.write(
        `sustained ingest: ${Math.round(rate)} events/s (commit ${Math.round(commitShare * 100)} % of the time); ` +
          `raw XREADGROUP+XACK drain ${Math.round(raw)} events/s: ${(rate / raw).toFixed(2)}×; ` +
          `${CONSUMERS} consumer processes: ${scaledCell}\n`,
      );
      return;
    }
    const free = await latencyRun('latency', false);
    say(`latency, warehouse free: p50 ${free.p50} ms, p95 ${free.p95} ms`);
    const held = await latencyRun('latency-held', true);
    say(`latency, warehouse held by another process: p50 ${held.p50} ms, p95 ${held.p95} ms`);

    for (const s of [rawStream, pathStream, `${pathStream}:dlq`]) await bus.redis.del(s);
    clearInterval(rssTimer);
    const lines = [
      '',
      `| figure | value | reference (same run) | goal |`,
      `|---|---|---|---|`,
      `| sustained ingest, bus → windows → warehouse (batches of ${BATCH}) | ${Math.round(rate)} events/s (${Math.round(commitShare * 100)} % of the time in the PostgreSQL commit) | raw XREADGROUP+XACK drain ${Math.round(raw)} events/s: **${(rate / raw).toFixed(2)}×** | ≥ 0.4× and ≥ 50000/s |`,
      `| the same N events over ${CONSUMERS} shards, one consumer process each (started, then released together) | ${scaledCell} | the raw drain and the one-consumer run above | — |`,
      `| event → queryable window at ${RATE}/s asked, ${Math.round(free.rate)}/s produced | p50 ${free.p50} ms, p95 ${free.p95} ms (${free.n} events) | — | p95 ≤ 5000 ms |`,
      `| the same while another process holds the DuckDB warehouse for writing (a daily load) | p50 ${held.p50} ms, p95 ${held.p95} ms (${held.n} events, ${Math.round(held.rate)}/s) | the free run above | ingestion unaffected |`,
      `| peak RSS of the consuming process | ${Math.round(peakRss / 1048576)} MiB | — | — |`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    clearInterval(rssTimer);
    await adapters.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The consume activity over `adapters` (bus and store possibly observed), run draining under MockActivityEnvironment. */
function benchConsumer(
  config: ReturnType<typeof loadConfig>,
  adapters: Pick<
    ReturnType<typeof buildAdapters>,
    'bus' | 'streams' | 'warehouse' | 'store' | 'notifications' | 'lock'
  >,
  shard: number,
): (stream: string, over: Partial<ConsumeShardInput>) => Promise<ConsumeSegmentResult> {
  const activities = createStreamActivities({
    bus: adapters.bus,
    streams: adapters.streams,
    warehouse: adapters.warehouse,
    store: adapters.store,
    parquet: duckdbParquetWriter,
    notifier: { notify: () => Promise.resolve() },
    notifications: adapters.notifications,
    lock: adapters.lock,
    dataset: userAnalytics,
    ui: { url: config.temporal.uiUrl, namespace: config.temporal.namespace },
  });
  return (stream, over) =>
    new MockActivityEnvironment().run((input: ConsumeShardInput) => activities.consumeShard(input), {
      shard,
      stream,
      group: 'bench',
      maxBatches: 1_000_000,
      maxDurationMs: 3_600_000,
      batchSize: BATCH,
      pullWaitMs: 200,
      projectEveryMs: 5000,
      drain: true,
      processor: { idleAdvanceMs: 15_000 },
      ...over,
    });
}

/**
 * Pre-publishes EVENTS / CONSUMERS events to each of CONSUMERS streams, starts one consuming process per stream
 * (`--consume-child`), waits until every one is ready, releases them together and returns the events/s of the whole:
 * all events over the time from the release to the last one's end. Each child has a data directory (so a DuckDB
 * warehouse) of its own: DuckDB takes one writing process per file, which BigQuery does not; the stream store (the
 * shared PostgreSQL) and the bus (the shared Redis) are what is measured.
 */
async function scaleOut(bus: RedisEventBus, run: string, database: string): Promise<number> {
  const streams = Array.from({ length: CONSUMERS }, (_, i) => `events:bench:${run}:s${i}`);
  say(`publishing ${EVENTS} events over ${CONSUMERS} streams for the scale-out run…`);
  for (const [i, stream] of streams.entries())
    await prefill(bus, stream, Math.ceil(EVENTS / CONSUMERS), `${run}-s${i}`);
  const dirs = streams.map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'bench-stream-child-')));
  const firstShard = 1000 + CONSUMERS * Math.floor(Math.random() * 1000); // fresh shards: no state from earlier runs
  const children = streams.map((stream, i) =>
    spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(PROJECT_ROOT, 'bench/stream.ts'),
        '--consume-child',
        stream,
        String(firstShard + i),
      ],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, SOURCE_DB_NAME: database, ANALYTICS_DATA_DIR: dirs[i] },
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    ),
  );
  try {
    const outputs = children.map(
      (child) =>
        new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`consumer exited ${code}`))));
        }),
    );
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            const onData = (d: Buffer) => {
              if (!d.toString().includes('ready')) return;
              child.stdout.off('data', onData);
              resolve();
            };
            child.stdout.on('data', onData);
          }),
      ),
    );
    const started = performance.now();
    for (const child of children) child.stdin.end('go\n');
    const results = (await Promise.all(outputs)).map(
      (o) => JSON.parse(o.slice(o.indexOf('{'))) as { received: number },
    );
    const seconds = (performance.now() - started) / 1000;
    return results.reduce((n, r) => n + r.received, 0) / seconds;
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    for (const stream of streams) await bus.redis.del(stream, `${stream}:dlq`);
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The child of `scaleOut`: drains one stream with the consume activity after 'go' on stdin; prints its result. */
async function consumeChild(stream: string, shard: number): Promise<void> {
  const config = loadConfig();
  const adapters = buildAdapters(config, () => undefined);
  try {
    const consume = benchConsumer(config, adapters, shard);
    await adapters.streams.ping(); // schema applied and connected before the clock starts
    process.stdout.write('ready\n');
    await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
    const result = await consume(stream, {});
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await adapters.close();
  }
}

/** Opens `file` with DuckDB in a child process and keeps it (DuckDB: one writing process per file) until released. */
async function holdFile(file: string): Promise<{ release: () => void }> {
  const script = `const { DuckDBInstance } = require('@duckdb/node-api');
    DuckDBInstance.create(${JSON.stringify(file)}).then(async (db) => { await db.connect(); console.log('held'); setInterval(() => {}, 1000); });`;
  const child = spawn(process.execPath, ['-e', script], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`warehouse holder exited ${code}`)));
  });
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      child.kill('SIGKILL');
    },
  };
}

const child = process.argv.indexOf('--consume-child');
(child > 0 ? consumeChild(process.argv[child + 1]!, Number(process.argv[child + 2])) : main()).then(
  () => {
    if (child > 0) process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
