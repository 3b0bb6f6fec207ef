import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStreamStore } from '../../adapters/stream-store/postgres';
import { loadConfig } from '../../config';
import { DDSketch } from '../../streaming/ddsketch';
import type { AcceptedEvent, BatchOutput } from '../../streaming/types';

/**
 * The PostgreSQL stream store on the test platform: a batch's output committed in one transaction, windows merged
 * (counters add, sketches merge), the snapshot a restarted consumer is rebuilt from, projection marks, incidents,
 * the hourly archive's bookkeeping, and GDPR erasure and scan. Each test uses shards and tenants of its own.
 */
const config = loadConfig();
let store: PostgresStreamStore;
let db: pg.Client;

beforeAll(async () => {
  store = new PostgresStreamStore(config.sourceDb);
  await store.ping();
  db = new pg.Client({ ...config.sourceDb });
  await db.connect();
});
afterAll(async () => {
  await store?.close();
  await db?.end();
});

const sketch = (...values: number[]) => {
  const s = new DDSketch();
  for (const v of values) s.add(v);
  return s.toJSON();
};

function event(tenant: string, over: Partial<AcceptedEvent['event']> = {}, messageId = randomUUID()): AcceptedEvent {
  return {
    messageId,
    event: {
      schema_version: 1,
      event_id: randomUUID(),
      type: 'auth.attempt',
      tenant_id: tenant,
      user_id: '77',
      occurred_at: '2026-12-05T10:00:10.000Z',
      payload: {
        outcome: 'failure',
        failure_reason: 'invalid_password',
        attempted_email: 'Victim@Example.com',
        ip: '10.0.0.9',
      },
      ...over,
    } as AcceptedEvent['event'],
  };
}

function output(tenant: string, over: Partial<BatchOutput> = {}): BatchOutput {
  return {
    counts: { received: 3, processed: 2, deadLettered: 1, duplicates: 0, redeliveries: 0 },
    accepted: [event(tenant), event(tenant, { occurred_at: '2026-12-05T10:01:05.000Z' })],
    refused: [{ messageId: 'bad-1', reason: 'malformed_json', detail: 'Unexpected token' }],
    logins: [
      {
        windowStart: '2026-12-05T10:00:00.000Z',
        tenantId: tenant,
        outcome: 'failure',
        failureReason: 'invalid_password',
        attempts: 1,
      },
      {
        windowStart: '2026-12-05T10:01:00.000Z',
        tenantId: tenant,
        outcome: 'failure',
        failureReason: 'invalid_password',
        attempts: 1,
      },
    ],
    features: [],
    apis: [
      {
        windowStart: '2026-12-05T10:00:00.000Z',
        tenantId: tenant,
        endpoint: '/api/v1/jobs',
        method: 'GET',
        requests: 2,
        status4xx: 1,
        status5xx: 0,
        latencyMsSum: 300,
        latencySketch: sketch(100, 200),
      },
    ],
    sessions: [],
    openedSessions: [
      {
        sessionId: `s-${tenant}`,
        tenantId: tenant,
        userId: '77',
        startedAt: '2026-12-05T10:00:00.000Z',
        lastSeenAt: '2026-12-05T10:00:00.000Z',
      },
    ],
    closedSessionIds: [],
    incidents: [],
    watermark: '2026-12-05T10:01:00.000Z',
    ...over,
  };
}

describe('PostgresStreamStore', () => {
  it('commits batches atomically: counters add, windows merge, sketches merge exactly', async () => {
    const shard = `t-${randomUUID().slice(0, 8)}`;
    const tenant = String(100_000 + Math.floor(Math.random() * 1e6));
    await store.commit(shard, output(tenant));
    const cp = await store.commit(shard, output(tenant, { watermark: '2026-12-05T10:00:30.000Z' }));
    expect(cp).toMatchObject({ shard, batches: 2, received: 6, processed: 4, deadLettered: 2 });
    // The watermark never moves back.
    expect(cp.watermark).toBe('2026-12-05T10:01:00.000Z');
    const { rows: logins } = await db.query(
      'select attempts from stream.stream_login_attempts_1m where tenant_id = $1 order by window_start',
      [tenant],
    );
    expect(logins.map((r: { attempts: string }) => Number(r.attempts))).toEqual([2, 2]);
    const { rows: apis } = await db.query<Record<string, unknown>>(
      'select requests, status_4xx, latency_ms_sum, latency_sketch, latency_p50_ms from stream.stream_api_performance_1m where tenant_id = $1',
      [tenant],
    );
    expect(apis).toHaveLength(1);
    expect(Number(apis[0]!.requests)).toBe(4);
    expect(Number(apis[0]!.status_4xx)).toBe(2);
    expect(Number(apis[0]!.latency_ms_sum)).toBe(600);
    expect(apis[0]!.latency_sketch).toBe(sketch(100, 200, 100, 200));
    expect(Number(apis[0]!.latency_p50_ms)).toBeGreaterThan(98);
    expect(Number(apis[0]!.latency_p50_ms)).toBeLessThan(202);
    const dlq = await store.deadLetterCounts('2000-01-01');
    expect(dlq.find((d) => d.shard === shard)).toEqual({ shard, reason: 'malformed_json', messages: 2 });
  });

  it('a failed commit changes nothing', async () => {
    const shard = `t-${randomUUID().slice(0, 8)}`;
    const tenant = String(200_000 + Math.floor(Math.random() * 1e6));
    const bad = output(tenant);
    // A window key the table refuses (NULL tenant) fails the transaction after the checkpoint and raw batch writes.
    bad.features = [
      { windowStart: '2026-12-05T10:00:00.000Z', tenantId: null as unknown as string, feature: 'x', events: 1 },
    ];
    await expect(store.commit(shard, bad)).rejects.toThrow();
    expect((await store.checkpoints()).find((c) => c.shard === shard)).toBeUndefined();
    const { rows } = await db.query<{ n: number }>(
      'select count(*)::int as n from stream.raw_batches where shard = $1',
      [shard],
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('loads the snapshot a restarted consumer needs: watermark, open sessions, recent events, refused ids', async () => {
    const shard = `t-${randomUUID().slice(0, 8)}`;
    const tenant = String(300_000 + Math.floor(Math.random() * 1e6));
    const first = output(tenant);
    await store.commit(shard, first);
    const loaded = await store.load(shard, 120_000);
    expect(loaded.checkpoint?.batches).toBe(1);
    expect(loaded.snapshot.watermark).toBe('2026-12-05T10:01:00.000Z');
    expect(loaded.snapshot.openSessions.map((s) => s.sessionId)).toEqual([`s-${tenant}`]);
    expect(loaded.snapshot.recent.map((a) => a.event.event_id)).toEqual(first.accepted.map((a) => a.event.event_id));
    expect([...loaded.refusedIds]).toEqual(['bad-1']);
    // Older batches contribute only events within the horizon; the last three batches (what a crash before the ack
    // redelivers) contribute every event, even behind the watermark their own commit advanced.
    for (let i = 0; i < 3; i++) {
      await store.commit(
        shard,
        output(tenant, { accepted: [event(tenant, { occurred_at: '2026-12-05T10:01:30.000Z' })] }),
      );
    }
    const narrow = await store.load(shard, 0);
    expect(narrow.snapshot.recent.map((a) => a.event.occurred_at)).toEqual([
      '2026-12-05T10:01:05.000Z',
      '2026-12-05T10:01:30.000Z',
      '2026-12-05T10:01:30.000Z',
      '2026-12-05T10:01:30.000Z',
    ]);
  });

  it('projects closed windows once, and again after a correction', async () => {
    const shard = `t-${randomUUID().slice(0, 8)}`;
    const tenant = String(400_000 + Math.floor(Math.random() * 1e6));
    await store.commit(shard, output(tenant));
    const closedBefore = '2026-12-05T10:01:00.000Z'; // the 10:00 window is closed, 10:01 is open
    const changes = await store.changesSince(shard, closedBefore);
    expect(changes.tables.stream_login_attempts_1m?.map((r) => r.window_start)).toEqual(['2026-12-05T10:00:00.000Z']);
    expect(changes.tables.stream_api_performance_1m).toHaveLength(1);
    await store.markProjected(shard, changes.version, closedBefore);
    expect(Object.keys((await store.changesSince(shard, closedBefore)).tables)).toEqual([]);
    // A late event corrects the closed window: it is projected again, with the merged value.
    await store.commit(
      shard,
      output(tenant, {
        apis: [],
        accepted: [],
        refused: [],
        openedSessions: [],
        logins: output(tenant).logins.slice(0, 1),
      }),
    );
    const again = await store.changesSince(shard, closedBefore);
    expect(again.tables.stream_login_attempts_1m?.map((r) => r.attempts)).toEqual([2]);
  });

  it('keeps incidents, notifies them once, and erases a person everywhere in the store', async () => {
    const shard = `t-${randomUUID().slice(0, 8)}`;
    const tenant = String(500_000 + Math.floor(Math.random() * 1e6));
    const incident = {
      incidentId: randomUUID(),
      rule: 'brute_force_account' as const,
      tenantId: tenant,
      subjectKind: 'account' as const,
      subject: '77',
      userId: '77',
      failures: 5,
      firstFailureAt: '2026-12-05T10:00:00.000Z',
      triggerEventId: randomUUID(),
      triggerOccurredAt: '2026-12-05T10:00:40.000Z',
      detectedAt: '2026-12-05T10:00:41.000Z',
      detectionLatencyMs: 1000,
    };
    await store.commit(shard, output(tenant, { incidents: [incident] }));
    await store.commit(shard, output(tenant, { incidents: [incident] })); // a replay opens nothing new
    expect((await store.unnotifiedIncidents(shard)).map((i) => i.incidentId)).toEqual([incident.incidentId]);
    await store.markNotified([incident.incidentId], new Date());
    expect(await store.unnotifiedIncidents(shard)).toEqual([]);

    const subject = { tenantId: tenant, userId: '77', email: 'victim@example.com' };
    const before = await store.scan(subject);
    expect(before.occurrences).toMatchObject({
      'stream.raw_batches': 4,
      'stream.open_sessions': 1,
      'stream.stream_security_incidents': 1,
    });
    const erased = await store.erase({ ...subject, token: '-123456789' });
    expect(erased['stream.raw_batches']).toBe(4);
    expect((await store.scan(subject)).occurrences).toEqual({
      'stream.raw_batches': 0,
      'stream.open_sessions': 0,
      'stream.stream_security_incidents': 0,
    });
    // Re-keyed, not dropped: the pseudonym keeps the events countable; a repeat changes nothing.
    const { rows } = await db.query(`select user_ids from stream.raw_batches where shard = $1`, [shard]);
    expect(rows.every((r: { user_ids: string[] }) => r.user_ids.join() === `${tenant}:-123456789`)).toBe(true);
    expect(Object.values(await store.erase({ ...subject, token: '-123456789' })).every((n) => n === 0)).toBe(true);
  });

  it('hands out unarchived batches from the first one on, and prunes only archived ones', async () => {
    const shard = `t-${randomUUID().slice(0, 8)}`;
    const tenant = String(600_000 + Math.floor(Math.random() * 1e6));
    await store.commit(shard, output(tenant));
    await store.commit(shard, output(tenant));
    const batches = await store.unarchived(shard, '2026-12-05T11:00:00.000Z', 10);
    expect(batches.map((b) => b.batch)).toEqual([1, 2]);
    expect(batches[0]!.events).toHaveLength(2);
    expect(await store.prune(shard, '2100-01-01T00:00:00.000Z')).toBe(0); // nothing archived yet
    await store.markArchived(shard, [1]);
    expect((await store.unarchived(shard, '2026-12-05T11:00:00.000Z', 10)).map((b) => b.batch)).toEqual([2]);
    expect(await store.prune(shard, '2100-01-01T00:00:00.000Z')).toBe(1);
  });
});
