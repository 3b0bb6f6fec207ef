import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PubSubEventBus, pubsubTopicOf } from '../../adapters/event-bus/pubsub';
import type { BusMessage, EventSubscription } from '../../adapters/ports';
import { registerFunctions } from '../../functions/register';
import { serializeEvent, type StreamEvent } from '../../schema/events';
import { shardOf, streamOfShard } from '../../workflows/stream-routing';
import { findEmulator, pubSubEmulatorJar, startPubSubEmulator, type RunningEmulator } from '../helpers/emulators';
import { recordingLog, serveFunction } from '../helpers/functions';
import { until } from '../helpers/until';

/**
 * eventProcessor through the Functions Framework's server, publishing to the official Pub/Sub emulator with the
 * production EventBus (createMissing off, as deployed: the test creates the topics Terraform would).
 */
const PROJECT = 'functions-test';
const TOPIC = 'hire10x-user-events';
const SHARDS = 2;
const pubSub = findEmulator(() => pubSubEmulatorJar().jar);

const event = (tenant: string, over: Partial<StreamEvent> = {}): StreamEvent =>
  ({
    schema_version: 1,
    event_id: randomUUID(),
    tenant_id: tenant,
    user_id: '42',
    occurred_at: '2026-01-05T10:00:00.000Z',
    type: 'feature.used',
    payload: { feature: 'search', action: 'run' },
    ...over,
  }) as StreamEvent;

/** Two tenants that land on different shards, so routing is visible. */
const TENANTS = (() => {
  const byShard = new Map<number, string>();
  for (let t = 1; byShard.size < SHARDS; t++) byShard.set(shardOf(String(t), SHARDS), String(t));
  return [...byShard.entries()].sort(([a], [b]) => a - b).map(([, t]) => t);
})();

describe.skipIf(Boolean(pubSub.missing))('eventProcessor (Functions Framework, Pub/Sub emulator)', () => {
  let emulator: RunningEmulator;
  let admin: PubSubEventBus;
  let url: string;
  let close: () => Promise<void>;
  const recorder = recordingLog();
  const subscriptions = new Map<string, EventSubscription>();
  const pending = new Map<string, BusMessage[]>();

  /** Everything published on a stream since the test began, waiting until `count` messages arrived. */
  async function received(stream: string, count: number): Promise<BusMessage[]> {
    return until(`${count} message(s) on ${stream}`, async () => {
      const got = pending.get(stream) ?? [];
      got.push(...(await subscriptions.get(stream)!.pull(100, 500)));
      pending.set(stream, got);
      return got.length >= count ? got : undefined;
    });
  }

  const post = (body: string, contentType = 'application/json') =>
    fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });

  beforeAll(async () => {
    emulator = await startPubSubEmulator();
    // What Terraform creates: the shard topics with a subscription, and their dead-letter topics with `reader`.
    admin = new PubSubEventBus({
      projectId: PROJECT,
      topic: TOPIC,
      apiEndpoint: emulator.endpoint,
      createMissing: true,
    });
    for (let shard = 0; shard < SHARDS; shard++) {
      subscriptions.set(streamOfShard(shard), await admin.subscribe(streamOfShard(shard), 'test', 'test'));
      await admin.listDeadLetters(streamOfShard(shard), { limit: 1 });
    }
    registerFunctions({
      eventProcessor: () => ({
        bus: new PubSubEventBus({ projectId: PROJECT, topic: TOPIC, apiEndpoint: emulator.endpoint }),
        shards: SHARDS,
        log: recorder.log,
      }),
      dataValidation: () => {
        throw new Error('not under test');
      },
      alertHandler: () => {
        throw new Error('not under test');
      },
    });
    ({ url, close } = await serveFunction('eventProcessor'));
  }, 120_000);

  afterAll(async () => {
    await close?.();
    for (const s of subscriptions.values()) await s.close();
    await admin?.close();
    await emulator?.stop();
  });

  it('publishes a valid event to its tenant shard with its exact bytes and attributes (202)', async () => {
    const e = event(TENANTS[1]!);
    const body = serializeEvent(e).toString('utf8');
    const res = await post(body);
    expect(res.status).toBe(202);
    const answer = (await res.json()) as { published: number; results: { status: string; message_id: string }[] };
    expect(answer.published).toBe(1);
    expect(answer.results[0]).toMatchObject({ status: 'published', event_id: e.event_id, stream: streamOfShard(1) });
    const messages = await received(streamOfShard(1), 1);
    const m = messages.find((x) => x.id === answer.results[0]!.message_id)!;
    expect(m.data.toString('utf8')).toBe(body);
    expect(m.attributes).toEqual({ tenant_id: TENANTS[1], user_id: '42', event_type: 'feature.used' });
  });

  it('refuses a bad event with a 400 and the reason, and dead-letters its bytes on its shard', async () => {
    const bad = JSON.stringify({ ...event(TENANTS[0]!), payload: { feature: 'search' } });
    const res = await post(bad);
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { refused: number; results: Record<string, unknown>[] };
    expect(answer.refused).toBe(1);
    expect(answer.results[0]).toMatchObject({
      status: 'refused',
      reason: 'invalid_payload',
      dead_letter_stream: `${streamOfShard(0)}:dlq`,
    });
    expect(String(answer.results[0]!.detail)).toMatch(/payload\.action/);
    const letters = await until('the dead letter', async () => {
      const l = await admin.listDeadLetters(streamOfShard(0), { limit: 100 });
      return l.some((d) => d.data.toString('utf8') === bad) ? l : undefined;
    });
    const letter = letters.find((d) => d.data.toString('utf8') === bad)!;
    expect(letter).toMatchObject({ reason: 'invalid_payload', sourceStream: streamOfShard(0) });
    expect(letter.attributes).toMatchObject({ tenant_id: TENANTS[0], user_id: '42', ingest: 'http' });
    expect(letter.sourceId).toMatch(/^http:.+:0$/);
    // Nothing reached the shard stream itself.
    expect(
      (pending.get(streamOfShard(0)) ?? []).concat(await subscriptions.get(streamOfShard(0))!.pull(10, 300)),
    ).toEqual([]);
  });

  it('takes an NDJSON batch: per-event results (207), valid ones published, bad lines dead-lettered byte for byte', async () => {
    const good = [
      event(TENANTS[0]!),
      event(TENANTS[1]!, {
        type: 'api.request',
        user_id: undefined,
        payload: { endpoint: '/v1/x', method: 'GET', status: 200, latency_ms: 12 },
      }),
    ];
    const notJson = '{"schema_version": 1, "event_id": ';
    const unknownType = JSON.stringify({ ...event(TENANTS[1]!), type: 'user.teleported' });
    const lines = [serializeEvent(good[0]!).toString(), notJson, serializeEvent(good[1]!).toString(), unknownType];
    const res = await post(lines.join('\r\n') + '\n', 'application/x-ndjson');
    expect(res.status).toBe(207);
    const answer = (await res.json()) as {
      published: number;
      refused: number;
      failed: number;
      results: Record<string, unknown>[];
    };
    expect(answer).toMatchObject({ published: 2, refused: 2, failed: 0 });
    expect(answer.results.map((r) => [r.index, r.status, r.reason])).toEqual([
      [0, 'published', undefined],
      [1, 'refused', 'malformed_json'],
      [2, 'published', undefined],
      [3, 'refused', 'unknown_type'],
    ]);
    expect(answer.results[1]!.dead_letter_stream).toBe(`${streamOfShard(0)}:dlq`); // no readable tenant: shard 0
    expect(answer.results[3]!.dead_letter_stream).toBe(`${streamOfShard(1)}:dlq`);
    const on0 = await received(streamOfShard(0), 1);
    expect(on0.map((m) => m.data.toString())).toContain(lines[0]);
    const on1 = await until('the api.request event', async () => {
      const got = await received(streamOfShard(1), 1);
      return got.some((m) => m.data.toString() === lines[2]) ? got : undefined;
    });
    expect(on1.find((m) => m.data.toString() === lines[2])!.attributes).toEqual({
      tenant_id: TENANTS[1],
      event_type: 'api.request',
    });
    const dead0 = await admin.listDeadLetters(streamOfShard(0), { limit: 100 });
    expect(dead0.find((d) => d.reason === 'malformed_json')?.data.toString()).toBe(notJson);
    const dead1 = await admin.listDeadLetters(streamOfShard(1), { limit: 100 });
    expect(dead1.find((d) => d.reason === 'unknown_type')?.data.toString()).toBe(unknownType);
  });

  it('takes a JSON array and routes each event to its shard', async () => {
    const batch = [event(TENANTS[0]!), event(TENANTS[1]!)];
    const res = await post(JSON.stringify(batch));
    expect(res.status).toBe(202);
    const answer = (await res.json()) as { results: { stream: string; event_id: string }[] };
    expect(answer.results.map((r) => [r.event_id, r.stream])).toEqual([
      [batch[0]!.event_id, streamOfShard(0)],
      [batch[1]!.event_id, streamOfShard(1)],
    ]);
    for (const [i, e] of batch.entries()) {
      await until(`event ${i} on its shard`, async () => {
        const got = await received(streamOfShard(i), 1);
        return got.some((m) => (JSON.parse(m.data.toString()) as StreamEvent).event_id === e.event_id)
          ? true
          : undefined;
      });
    }
  });

  it('answers 405 to other methods and 413 over the request limits, 400 to an empty body', async () => {
    expect((await fetch(url)).status).toBe(405);
    const many = Array.from({ length: 501 }, () => serializeEvent(event(TENANTS[0]!)).toString()).join('\n');
    const res = await post(many, 'application/x-ndjson');
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toMatch(/501 events/);
    expect((await post('\n\n', 'application/x-ndjson')).status).toBe(400);
  });

  // Last: it deletes shard 0's topic.
  it('answers 503 with failed results when the bus refuses (a topic deleted), and reports nothing as published', async () => {
    await admin.pubsub.topic(pubsubTopicOf(TOPIC, streamOfShard(0))).delete();
    const res = await post(JSON.stringify([event(TENANTS[0]!), event(TENANTS[1]!)]));
    expect(res.status).toBe(503);
    const answer = (await res.json()) as { published: number; failed: number; results: Record<string, string>[] };
    expect(answer).toMatchObject({ published: 1, failed: 1 });
    expect(answer.results[0]).toMatchObject({ status: 'failed' });
    expect(answer.results[0]!.error).toMatch(/does not exist/);
    expect(answer.results[1]).toMatchObject({ status: 'published', stream: streamOfShard(1) });
  });
});
