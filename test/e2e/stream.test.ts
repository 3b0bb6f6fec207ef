import type { ChildProcess } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisEventBus } from '../../adapters/event-bus/redis';
import { DuckDbWarehouse } from '../../adapters/warehouse/duckdb';
import { readPidRecord } from '../../cli/dev/process';
import { paths } from '../../cli/dev/services';
import { startDaily } from '../../cli/run-daily';
import { parseConfig, type Config } from '../../config';
import { userAnalytics } from '../../schema/warehouse';
import { dataConverterFromConfig } from '../../security/data-converter';
import { streamConsumerWorkflowId, streamOfShard } from '../../workflows/stream-contract';
import {
  cli,
  cliAsync,
  killProcess,
  privatePlatformEnv,
  startWorkerProcess,
  type PrivatePlatform,
} from '../helpers/platform';
import { until } from '../helpers/until';

/** Waits until `cond` holds (polling), failing with `what` after `timeoutMs`. */
const waitFor = (what: string, cond: () => Promise<boolean>, timeoutMs: number) =>
  until(what, async () => ((await cond()) ? true : undefined), { timeoutMs });

/**
 * The real-time path end to end on a private platform: `analytics app simulate` writes events to the source database
 * and publishes them through the outbox (with malformed messages and duplicate publishes mixed in); the supervised
 * consumers (`analytics stream start`) count them into windows while the worker is killed five times at random points
 * and Redis restarts once. The windows must equal the source rows exactly (no loss, no double count), every bad
 * message must be dead-lettered, the counters must reconcile, a drain must put every window in the warehouse, and
 * the next daily run of the day must pass the stream-vs-batch reconciliation.
 */
const PREFIX = 'st-';
const SHARDS = 2;
let platform: PrivatePlatform;
let env: Record<string, string>;
let config: Config;
let client: Client;
let connection: Connection;
let worker: ChildProcess | undefined;
let simulated: { events: number; malformed: number; duplicates: number };
let startedAt: Date;

const today = () => new Date().toISOString().slice(0, 10);

async function restartWorker(): Promise<void> {
  await killProcess(worker);
  worker = (await startWorkerProcess(env, PREFIX)).child;
}

async function sql<T extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  const db = new pg.Client({ ...config.sourceDb });
  await db.connect();
  try {
    return (await db.query(text, params)).rows as T[];
  } finally {
    await db.end();
  }
}

/** A seeded PRNG (mulberry32) for the crash points: the test is repeatable. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

beforeAll(async () => {
  platform = await privatePlatformEnv();
  env = { ...platform.env, TASK_QUEUE_PREFIX: PREFIX, STREAM_SHARDS: String(SHARDS) };
  config = parseConfig(env);
  const seedEnd = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
  for (const args of [
    ['dev', 'up'],
    ['db', 'migrate'],
    ['seed', '--scale', 'small', '--days', '1', '--end-date', seedEnd, '--seed', '11'],
  ]) {
    const res = cli(env, ...args);
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

describe('real-time stream on a private platform', () => {
  it('counts simulated events exactly once through 5 worker kills and a Redis restart', async () => {
    const start = cli(env, 'stream', 'start');
    expect(start.status, start.stderr).toBe(0);
    expect(start.stdout).toMatch(/shard 0: started/);
    startedAt = new Date(Date.now() - 1000);
    const sim = cliAsync(
      env,
      'app',
      'simulate',
      '--rate',
      '250',
      '--duration',
      '45',
      '--seed',
      'e2e',
      '--malformed-share',
      '0.03',
      '--duplicate-share',
      '0.02',
    );
    const random = prng(20261205);
    for (let kill = 0; kill < 5; kill++) {
      await new Promise((r) => setTimeout(r, 3_000 + random() * 5_000));
      await restartWorker();
      if (kill === 2) {
        // Redis (AOF, appendfsync everysec) killed and started again by `dev up`; unacked entries survive in its PEL.
        const rec = readPidRecord(paths(config).pidFile('redis'));
        expect(rec).toBeDefined();
        process.kill(rec!.pid, 'SIGTERM');
        await waitFor(
          'redis to exit',
          () => {
            try {
              process.kill(rec!.pid, 0);
              return Promise.resolve(false);
            } catch {
              return Promise.resolve(true);
            }
          },
          20_000,
        );
        const up = cli(env, 'dev', 'up');
        expect(up.status, up.stderr).toBe(0);
      }
    }
    const done = await sim;
    expect(done.status, done.stderr).toBe(0);
    const m = /simulated: (\d+) events .*?, (\d+) malformed, (\d+) published twice/.exec(done.stdout);
    expect(m, done.stdout).not.toBeNull();
    simulated = { events: Number(m![1]), malformed: Number(m![2]), duplicates: Number(m![3]) };
    expect(simulated.events).toBeGreaterThan(8_000);
    expect(simulated.malformed).toBeGreaterThan(100);
    expect(simulated.duplicates).toBeGreaterThan(50);

    const totals = async () => {
      const [r] = await sql<Record<string, string>>(
        `select coalesce(sum(received),0) as received, coalesce(sum(processed),0) as processed,
                coalesce(sum(dead_lettered),0) as dead, coalesce(sum(duplicates),0) as dups,
                coalesce(sum(redeliveries),0) as redeliveries from stream.checkpoints`,
      );
      return Object.fromEntries(Object.entries(r!).map(([k, v]) => [k, Number(v)])) as Record<
        'received' | 'processed' | 'dead' | 'dups' | 'redeliveries',
        number
      >;
    };
    // What the bus holds is the truth of what was published: the relay's deliberate double publishes, and whatever
    // it published again after the Redis restart cut a pipeline short (at least once, by design of the outbox).
    // Malformed entries carry a `malformed` attribute (a copy published twice is still a message to dead-letter).
    const onBus = async () => {
      const bus = new RedisEventBus(config.redis);
      try {
        let entries = 0;
        let malformed = 0;
        for (let s = 0; s < SHARDS; s++) {
          for (const [, fields] of await bus.redis.xrange(streamOfShard(s), '-', '+')) {
            entries++;
            if (fields.includes('malformed')) malformed++;
          }
        }
        return { entries, malformed };
      } finally {
        await bus.close();
      }
    };
    const { entries: published, malformed: malformedOnBus } = await onBus();
    expect(malformedOnBus).toBeGreaterThanOrEqual(simulated.malformed);
    expect(published).toBeGreaterThanOrEqual(simulated.events + simulated.malformed + simulated.duplicates);
    await waitFor(
      'the consumers to receive every published message',
      async () => {
        const now = await totals();
        return now.received - now.redeliveries >= published;
      },
      180_000,
    );
    const t = await totals();
    // in = processed + dead-lettered + deduped, exactly; redeliveries after the crashes are counted apart.
    expect(t.received - t.redeliveries).toBe(published);
    expect(t.processed).toBe(simulated.events);
    expect(t.dead).toBe(malformedOnBus);
    expect(t.dups).toBe(published - malformedOnBus - simulated.events);
    expect(t.received - t.redeliveries).toBe(t.processed + t.dead + t.dups);

    // The windows equal the source rows the application wrote in the same period: no loss, no double count.
    const since = startedAt.toISOString();
    const [source] = await sql<Record<string, string>>(
      `select
         (select count(*) from auth_events where occurred_at >= $1 and event_type = 'login_success') as login_success,
         (select count(*) from auth_events where occurred_at >= $1 and event_type = 'login_failure') as login_failure,
         (select count(*) from activity_events where occurred_at >= $1) as features,
         (select count(*) from api_requests where occurred_at >= $1) as api,
         (select count(*) from sessions where started_at >= $1) as started,
         (select count(*) from sessions where started_at >= $1 and ended_at is not null) as ended`,
      [since],
    );
    const [stream] = await sql<Record<string, string>>(
      `select
         (select coalesce(sum(attempts),0) from stream.stream_login_attempts_1m where outcome = 'success') as login_success,
         (select coalesce(sum(attempts),0) from stream.stream_login_attempts_1m where outcome = 'failure') as login_failure,
         (select coalesce(sum(events),0) from stream.stream_feature_usage_1m) as features,
         (select coalesce(sum(requests),0) from stream.stream_api_performance_1m) as api,
         (select coalesce(sum(sessions_started),0) from stream.stream_sessions_1m) as started,
         (select coalesce(sum(sessions_ended),0) from stream.stream_sessions_1m) as ended`,
    );
    expect(stream).toEqual(source);

    // Every malformed message is in the dead-letter streams with its reason and original bytes.
    const bus = new RedisEventBus(config.redis);
    try {
      const letters = [];
      for (let s = 0; s < SHARDS; s++)
        letters.push(...(await bus.listDeadLetters(streamOfShard(s), { limit: 100_000 })));
      expect(new Set(letters.map((l) => `${l.sourceStream}/${l.sourceId}`)).size).toBe(malformedOnBus);
      const reasons = new Set(letters.map((l) => l.reason));
      for (const r of ['malformed_json', 'unsupported_version', 'unknown_type', 'oversized'])
        expect(reasons).toContain(r);
      expect(letters.every((l) => l.data.length > 0)).toBe(true);
    } finally {
      await bus.close();
    }

    // The attack bursts opened incidents, each notified once, with its detection latency.
    const incidents = await sql<{ rule: string; notified_at: Date | null; detection_latency_ms: string }>(
      'select rule, notified_at, detection_latency_ms from stream.stream_security_incidents',
    );
    expect(incidents.map((i) => i.rule)).toContain('success_after_failures');
    await waitFor(
      'every incident to be notified',
      async () => (await sql('select 1 from stream.stream_security_incidents where notified_at is null')).length === 0,
      30_000,
    );
    expect(incidents.every((i) => Number(i.detection_latency_ms) >= 0)).toBe(true);
  }, 600_000);

  it('drains: the consumers complete and the warehouse holds every window the store holds', async () => {
    const stop = cli(env, 'stream', 'stop', '--timeout', '120');
    expect(stop.status, stop.stderr).toBe(0);
    for (let s = 0; s < SHARDS; s++) {
      const d = await client.workflow.getHandle(streamConsumerWorkflowId(s)).describe();
      expect(d.status.name).toBe('COMPLETED');
    }
    await killProcess(worker); // nothing holds the DuckDB file while the test reads it
    worker = undefined;
    const wh = new DuckDbWarehouse(config.warehouse.duckdbPath);
    try {
      const [w] = await wh.query(
        `select (select sum(attempts) from ${userAnalytics.name}.stream_login_attempts_1m where window_date >= @d) as logins,
                (select sum(events) from ${userAnalytics.name}.stream_feature_usage_1m where window_date >= @d) as features,
                (select sum(requests) from ${userAnalytics.name}.stream_api_performance_1m where window_date >= @d) as api,
                (select count(*) from ${userAnalytics.name}.stream_security_incidents where window_date >= @d) as incidents`,
        { d: { type: 'DATE', value: startedAt.toISOString().slice(0, 10) } },
      );
      const [s] = await sql<Record<string, string>>(
        `select (select sum(attempts) from stream.stream_login_attempts_1m) as logins,
                (select sum(events) from stream.stream_feature_usage_1m) as features,
                (select sum(requests) from stream.stream_api_performance_1m) as api,
                (select count(*) from stream.stream_security_incidents) as incidents`,
      );
      expect(Object.fromEntries(Object.entries(w!).map(([k, v]) => [k, Number(v)]))).toEqual(
        Object.fromEntries(Object.entries(s!).map(([k, v]) => [k, Number(v)])),
      );
    } finally {
      await wh.close();
    }
  }, 300_000);

  it('lists dead letters and replays them onto their stream (the consumers are stopped)', async () => {
    const list = cli(env, 'stream', 'dlq', 'list', '--shard', '0', '--limit', '3');
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/shard 0 \(events:user-module:0:dlq\): 3 dead letter\(s\)/);
    expect(list.stdout).toMatch(/malformed_json|unsupported_version|unknown_type|oversized|invalid_envelope/);
    const bus = new RedisEventBus(config.redis);
    try {
      const before = await bus.redis.xlen(streamOfShard(0));
      const letters = await bus.redis.xlen(`${streamOfShard(0)}:dlq`);
      const replay = cli(env, 'stream', 'dlq', 'replay', '--shard', '0');
      expect(replay.status, replay.stderr).toBe(0);
      expect(replay.stdout).toContain(`shard 0: replayed ${letters}, removed ${letters}`);
      expect(await bus.redis.xlen(streamOfShard(0))).toBe(before + letters);
      expect(await bus.redis.xlen(`${streamOfShard(0)}:dlq`)).toBe(0);
    } finally {
      await bus.close();
    }
    const bad = cli(env, 'stream', 'dlq', 'list', '--since', 'last tuesday');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--since: not a date or time/);
  });

  it('the daily run of the streamed day reconciles the stream with the batch facts', async () => {
    await restartWorker();
    const day = startedAt.toISOString().slice(0, 10) === today() ? today() : startedAt.toISOString().slice(0, 10);
    const handle = await startDaily(
      client,
      config,
      { logicalDate: day },
      { taskQueue: `${PREFIX}etl`, workflowId: `stream-e2e:${day}` },
    );
    const summary = await handle.result();
    expect(summary.quality.failed).toEqual([]);
    const wh = new DuckDbWarehouse(config.warehouse.duckdbPath);
    await killProcess(worker);
    worker = undefined;
    try {
      const rows = await wh.query(
        `select check_name, passed, observed_value from ${userAnalytics.name}.dq_results
         where check_name like '%stream_reconciliation%' and logical_date = @d`,
        { d: { type: 'DATE', value: day } },
      );
      expect(rows).toHaveLength(5);
      expect(rows.every((r) => r.passed === true && Number(r.observed_value) > 0)).toBe(true);
    } finally {
      await wh.close();
    }
  }, 600_000);
});
