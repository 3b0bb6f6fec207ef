import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisEventBus } from '../../adapters/event-bus/redis';
import { simulateApp } from '../../cli/app-simulate';
import { parseEvent } from '../../schema/events';
import { seedDay, type SeededDay } from '../helpers/seeded-day';

/**
 * `analytics app simulate` on a scratch database of the test platform: every event is a source row and exactly one
 * bus message (the outbox relayed in id order, past the bigint ids' digit boundaries), malformed messages reach the
 * bus only, and the same seed and clock give the same events.
 */
let seeded: SeededDay;
let bus: RedisEventBus;

beforeAll(async () => {
  seeded = await seedDay('simulate', '2026-11-20');
  bus = new RedisEventBus(seeded.config.redis);
  // Start the outbox ids just below a digit boundary: ordering them as text would relay 100 before 99.
  await seeded.db.pool.query("select setval('event_outbox_id_seq', 95)");
}, 300_000);
afterAll(async () => {
  await bus?.redis.del('events:user-module:0');
  await bus?.close();
  await seeded?.destroy();
});

describe('simulateApp', () => {
  it('writes each event once to the source and once to the bus, and malformed ones to the bus only', async () => {
    const shards = 1;
    const stream = 'events:user-module:0';
    const before = await bus.redis.xlen(stream).catch(() => 0);
    let clock = Date.parse('2026-12-05T08:00:00Z');
    const result = await simulateApp(seeded.db.pool, bus, {
      rate: 300,
      durationSeconds: 2,
      seed: `sim-${randomUUID()}`,
      malformedShare: 0.05,
      shards,
      // A fake clock: 100 ms per call, so the run is fast and its event times known.
      now: () => (clock += 50),
    });
    expect(result.events).toBeGreaterThan(100);
    expect(result.malformed).toBeGreaterThan(0);
    expect(result.published).toBe(result.events + result.malformed);
    const entries = (await bus.redis.xrange(stream, '-', '+')).slice(before);
    expect(entries).toHaveLength(result.published);
    const ids = new Set<string>();
    let valid = 0;
    for (const [, fields] of entries) {
      const parsed = parseEvent(Buffer.from(fields[fields.indexOf('data') + 1]!));
      if (!parsed.ok) continue;
      valid++;
      expect(ids.has(parsed.event.event_id)).toBe(false);
      ids.add(parsed.event.event_id);
    }
    expect(valid).toBe(result.events);
    const { rows } = await seeded.db.pool.query<{ n: string }>(
      `select (select count(*) from auth_events where occurred_at >= '2026-12-05')
            + (select count(*) from activity_events where occurred_at >= '2026-12-05')
            + (select count(*) from api_requests where occurred_at >= '2026-12-05')
            + (select count(*) from sessions where started_at >= '2026-12-05') as n`,
    );
    expect(Number(rows[0]!.n)).toBe(result.events - (result.byType['session.end'] ?? 0));
    expect((await seeded.db.pool.query('select count(*)::int as n from event_outbox')).rows[0]).toEqual({ n: 0 });
  }, 120_000);
});
