import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGdprActivities } from '../../activities/gdpr';
import { createStreamActivities, type ConsumeShardInput } from '../../activities/stream';
import { type RedisEventBus } from '../../adapters/event-bus/redis';
import { DuckDbLakeRewriter } from '../../adapters/lake/duckdb-rewriter';
import { duckdbParquetWriter } from '../../adapters/parquet';
import type { Adapters, Notification } from '../../adapters/ports';
import { loadConfig, type Config } from '../../config';
import { pseudonymOf } from '../../schema/erasure';
import { serializeEvent, type StreamEvent } from '../../schema/events';
import { userAnalytics } from '../../schema/warehouse';
import { buildAdapters } from '../../workers/adapters';
import type { ConsumeSegmentResult } from '../../workflows/stream-contract';

/**
 * The consume activity in this process (MockActivityEnvironment) over the real local adapters: the test platform's
 * Redis and PostgreSQL, a private lake and DuckDB file. Events two hours old cross an hour boundary, so the drain
 * archives the closed hour to the raw zone; the GDPR lake rewrite then erases a person from that archive. The shard,
 * stream and tenants are the test's own.
 */
let dir: string;
let config: Config;
let adapters: Adapters;
const notified: Notification[] = [];
// A shard number no other run uses: the stream store (PostgreSQL) outlives the test.
const shard = 100_000 + Math.floor(Math.random() * 900_000);
const stream = `events:test-consume:${randomUUID()}`;
const tenant = String(700_000 + Math.floor(Math.random() * 100_000));
const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000;
let seq = 0;

function event(ms: number, type: 'api' | 'fail' | 'ok', user: string): StreamEvent {
  const base = {
    schema_version: 1 as const,
    event_id: randomUUID(),
    tenant_id: tenant,
    user_id: user,
    occurred_at: new Date(hour + ms).toISOString(),
  };
  if (type === 'api') {
    return {
      ...base,
      type: 'api.request',
      payload: { endpoint: '/api/v1/me', method: 'GET', status: 200, latency_ms: 10 + (seq++ % 50) },
    };
  }
  return {
    ...base,
    type: 'auth.attempt',
    payload: {
      outcome: type === 'ok' ? 'success' : 'failure',
      ...(type === 'fail' ? { failure_reason: 'invalid_password' as const } : {}),
      attempted_email: `u${user}@victim.test`,
      ip: '10.9.8.7',
    },
  };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stream-consume-'));
  config = loadConfig({ ...process.env, ANALYTICS_DATA_DIR: dir });
  adapters = buildAdapters(config, () => undefined);
});
afterAll(async () => {
  await (adapters?.bus as RedisEventBus | undefined)?.redis.del(stream, `${stream}:dlq`);
  await adapters?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const consume = (over: Partial<ConsumeShardInput> = {}): Promise<ConsumeSegmentResult> => {
  const activities = createStreamActivities({
    ...adapters,
    streams: adapters.streams,
    parquet: duckdbParquetWriter,
    notifier: { notify: (n) => Promise.resolve(void notified.push(n)) },
    dataset: userAnalytics,
    ui: { url: 'http://ui', namespace: 'default' },
  });
  const run = (input: ConsumeShardInput): Promise<ConsumeSegmentResult> => activities.consumeShard(input);
  return new MockActivityEnvironment().run<[ConsumeShardInput], ConsumeSegmentResult, typeof run>(run, {
    shard,
    stream,
    group: 'test',
    maxBatches: 100,
    maxDurationMs: 60_000,
    batchSize: 40,
    pullWaitMs: 200,
    projectEveryMs: 60_000,
    drain: true,
    processor: { idleAdvanceMs: 0 },
    ...over,
  });
};

async function parquetRows(file: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const reader = await conn.runAndReadAll(
      `select * from read_parquet('${file.replaceAll("'", "''")}') order by occurred_at`,
    );
    return reader.getRowObjectsJson();
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

describe('consumeShard over the local adapters', () => {
  it('commits, projects, notifies, and archives the closed hour to the raw zone, which erasure rewrites', async () => {
    // Hour H (40 events, among them a burst against user 1) then hour H+1 (40 events): two batches.
    const first = [
      ...Array.from({ length: 6 }, (_, i) => event(600_000 + i * 1000, 'fail', '1')),
      event(607_000, 'ok', '1'),
      ...Array.from({ length: 33 }, (_, i) => event(700_000 + i * 1000, 'api', String(2 + (i % 3)))),
    ];
    const second = Array.from({ length: 40 }, (_, i) => event(3_600_000 + 600_000 + i * 1000, 'api', '2'));
    await adapters.bus.publish(
      stream,
      [...first, ...second].map((e) => ({ data: serializeEvent(e), attributes: { tenant_id: tenant } })),
    );
    const result = await consume();
    expect(result).toMatchObject({ batches: 2, received: 80, processed: 80, deadLettered: 0, stoppedBy: 'drained' });
    expect(result.incidents).toBe(2); // brute force on the account, then the success after it

    // Projected: the warehouse holds the windows and the incidents.
    const rows = await adapters.warehouse.query(
      `select sum(requests) as n from user_analytics.stream_api_performance_1m where tenant_id = @t and window_date >= @d`,
      { t: { type: 'STRING', value: tenant }, d: { type: 'DATE', value: new Date(hour).toISOString().slice(0, 10) } },
    );
    expect(Number(rows[0]?.n)).toBe(73);
    expect(notified.map((n) => n.title).sort()).toEqual([
      `Security incident (brute_force_account) in tenant ${tenant}`,
      `Security incident (success_after_failures) in tenant ${tenant}`,
    ]);

    // Archived: hour H's batch (every event before H+1 minus the lateness), not hour H+1's.
    const day = new Date(hour).toISOString().slice(0, 10);
    const partition = await adapters.store.readPartition('raw', `fact_stream_events/dt=${day}`);
    const mine = (partition?.keys ?? []).filter((k) => k.includes(`shard=${shard}-`));
    expect(mine).toHaveLength(1);
    const file = adapters.store.localPath('raw', mine[0]!)!;
    const archived = await parquetRows(file);
    expect(archived).toHaveLength(40);
    expect(archived[0]).toMatchObject({
      tenant_id: tenant,
      user_id: '1',
      type: 'auth.attempt',
      shard: String(shard), // BIGINT, rendered as text by getRowObjectsJson
      attempted_email: 'u1@victim.test',
    });

    // A second drain archives nothing again and duplicates nothing.
    const again = await consume();
    expect(again.received).toBe(0);
    expect(
      ((await adapters.store.readPartition('raw', `fact_stream_events/dt=${day}`))?.keys ?? []).filter((k) =>
        k.includes(`shard=${shard}-`),
      ),
    ).toEqual(mine);

    // GDPR: the lake rewrite finds the archive by its table's rule and re-keys user 1, clearing email and IP.
    const token = pseudonymOf(`anon_${randomUUID().replaceAll('-', '')}`);
    const gdpr = createGdprActivities({
      ...adapters,
      rewriter: new DuckDbLakeRewriter(),
      parquet: duckdbParquetWriter,
      dataset: userAnalytics,
      historyRetentionMs: () => Promise.resolve(0),
    });
    const counts: Record<string, number> = await new MockActivityEnvironment().run(
      (input: Parameters<typeof gdpr.gdprRewriteObjects>[0]) => gdpr.gdprRewriteObjects(input),
      { tenantId: tenant, userId: '1', email: 'u1@victim.test', token, erasedAt: new Date().toISOString() },
    );
    expect(counts['objects.raw.rewritten']).toBeGreaterThanOrEqual(1);
    const after = await adapters.store.readPartition('raw', `fact_stream_events/dt=${day}`);
    const rewritten = (after?.keys ?? []).filter((k) => k.includes(`shard=${shard}-`));
    const erased = await parquetRows(adapters.store.localPath('raw', rewritten[0]!)!);
    expect(erased).toHaveLength(40);
    expect(erased.filter((r) => r.user_id === '1')).toEqual([]);
    const tokenised = erased.filter((r) => r.user_id === token);
    expect(tokenised).toHaveLength(7);
    expect(tokenised.every((r) => r.attempted_email === null && r.ip === null)).toBe(true);
  }, 120_000);
});
