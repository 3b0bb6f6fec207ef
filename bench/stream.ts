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
import { loadConfig } from '../config';
import { buildAdapters } from '../workers/adapters';
import { duckdbParquetWriter } from '../adapters/parquet';
import { eventAttributes } from '../cli/app-simulate';
import { adminQuery } from './bench-platform';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const EVENTS = arg('events', 300_000);
const RATE = arg('rate', 10_000);
const SECONDS = arg('seconds', 30);
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
  streams.commit = async (s, output) => {
    const cp = await adapters.streams.commit(s, output);
    const now = Date.now();
    if (recordLatency) for (const a of output.accepted) latencies.push(now - Date.parse(a.event.occurred_at));
    return cp;
  };
  let recordLatency = false;
  const activities = createStreamActivities({
    bus,
    streams,
    warehouse: adapters.warehouse,
    store: adapters.store,
    parquet: duckdbParquetWriter,
    notifier: { notify: () => Promise.resolve() },
    notifications: adapters.notifications,
    lock: adapters.lock,
    dataset: userAnalytics,
    ui: { url: config.temporal.uiUrl, namespace: config.temporal.namespace },
  });
  const consume = (stream: string, over: Partial<ConsumeShardInput>): Promise<ConsumeSegmentResult> =>
    new MockActivityEnvironment().run((input: ConsumeShardInput) => activities.consumeShard(input), {
      shard,
      stream,
      group: 'bench',
      maxBatches: 1_000_000,
      maxDurationMs: 3_600_000,
      batchSize: 5000,
      pullWaitMs: 200,
      projectEveryMs: 5000,
      drain: true,
      processor: { idleAdvanceMs: 15_000 },
      ...over,
    });
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
    const result = await consume(pathStream, {});
    const seconds = (performance.now() - started) / 1000;
    const rate = result.received / seconds;
    say(`whole path: ${result.received} received, ${result.processed} processed in ${seconds.toFixed(1)} s`);

    const latencyStream = `events:bench:${run}:latency`;
    const gen = new AppEventGenerator({ seed: `${run}-latency`, people }, 10_000_000n);
    recordLatency = true;
    const consumer = consume(latencyStream, { drain: false, maxDurationMs: (SECONDS + 10) * 1000 });
    const end = Date.now() + SECONDS * 1000;
    let owed = 0;
    while (Date.now() < end) {
      const tickStart = Date.now();
      owed += RATE / 10;
      const count = Math.floor(owed);
      owed -= count;
      const events = gen.next(Date.now(), count);
      await bus.publish(
        latencyStream,
        events.map((e) => ({ data: serializeEvent(e), attributes: eventAttributes(e) })),
      );
      const wait = 100 - (Date.now() - tickStart);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await consumer;
    latencies.sort((a, b) => a - b);

    for (const s of [rawStream, pathStream, latencyStream, `${pathStream}:dlq`, `${latencyStream}:dlq`])
      await bus.redis.del(s);
    clearInterval(rssTimer);
    const lines = [
      '',
      `| figure | value | reference (same run) | goal |`,
      `|---|---|---|---|`,
      `| sustained ingest, bus → windows → warehouse | ${Math.round(rate)} events/s | raw XREADGROUP+XACK drain ${Math.round(raw)} events/s: **${(rate / raw).toFixed(2)}×** | ≥ 0.4× and ≥ 50000/s |`,
      `| event → queryable window at ${RATE}/s | p50 ${quantile(latencies, 0.5)} ms, p95 ${quantile(latencies, 0.95)} ms (${latencies.length} events) | — | p95 ≤ 5000 ms |`,
      `| peak RSS of the consuming process | ${Math.round(peakRss / 1048576)} MiB | — | — |`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    clearInterval(rssTimer);
    await adapters.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
