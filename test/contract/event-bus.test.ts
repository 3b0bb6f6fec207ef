import { randomUUID } from 'node:crypto';
import { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorType, PlatformError } from '../../adapters/errors';
import { PubSubEventBus } from '../../adapters/event-bus/pubsub';
import { RedisEventBus } from '../../adapters/event-bus/redis';
import { closeRedis } from '../../adapters/redis-client';
import type { BusMessage, EventBus, EventSubscription } from '../../adapters/ports';
import { loadConfig } from '../../config';
import {
  findEmulator,
  freePort,
  pubSubEmulatorJar,
  startPubSubEmulator,
  type RunningEmulator,
} from '../helpers/emulators';

/**
 * One EventBus contract, run against Redis Streams (the test platform's Redis) and Pub/Sub (the official emulator,
 * Debian package google-cloud-cli-pubsub-emulator; skipped with a warning when it is not installed).
 */
interface Capabilities {
  /** The bus is bound to a named destination that may not exist (a Pub/Sub topic); Redis creates streams on write. */
  namedDestination: boolean;
  /** Failures are typed PlatformErrors (the Redis adapter passes ioredis errors through). */
  typedErrors: boolean;
  /**
   * The platform trims streams past their window (Redis Streams). Pub/Sub cannot: subscriptions drop messages after
   * their configured retention, so `expiredEntries` is empty and `trimBefore` a no-op there.
   */
  streamRetention: boolean;
  /**
   * A consumer group reads from the beginning of the stream even when created after the publish (Redis). A Pub/Sub
   * subscription only receives what is published after it exists (Terraform creates it with the topic).
   */
  groupFromStart: boolean;
  /** The bus reports a group's backlog (Redis: XINFO GROUPS lag + pending); Pub/Sub leaves it to Cloud Monitoring. */
  backlog: boolean;
  /** Unacknowledged messages come back at once to a resubscribed consumer (Redis PEL); Pub/Sub after the ack deadline. */
  immediateRedelivery: boolean;
}

interface Harness {
  capabilities: Capabilities;
  /** A bus pointing at a live backend (and an existing destination). */
  live(): EventBus;
  /** What a healthy ping's detail says. */
  detail: RegExp;
  /** A bus pointing at an address where nothing listens. */
  unreachable(port: number): EventBus;
  /** A bus whose destination does not exist (namedDestination only). */
  missingDestination?(): { bus: EventBus; named: RegExp };
  /** Appends entries with explicit times to a stream (streamRetention only). */
  append?(stream: string, entries: { at: number; fields: Record<string, string> }[]): Promise<void>;
  /** A key of another type (streamRetention only). */
  putString?(key: string): Promise<void>;
  length?(stream: string): Promise<number>;
  close(): Promise<void>;
}

const PROJECT = 'hire10x-test';
const TOPIC = 'hire10x-user-events';

function redisHarness(): Promise<Harness> {
  const { redis } = loadConfig();
  const admin = new RedisEventBus(redis).redis;
  return Promise.resolve({
    capabilities: {
      namedDestination: false,
      typedErrors: false,
      streamRetention: true,
      groupFromStart: true,
      backlog: true,
      immediateRedelivery: true,
    },
    live: () => new RedisEventBus(redis),
    detail: /^Redis \d+\.\d+\.\d+ \(PONG\)$/,
    unreachable: (port) => new RedisEventBus({ host: '127.0.0.1', port }),
    async append(stream, entries) {
      let seq = 0;
      for (const e of entries) await admin.xadd(stream, `${e.at}-${seq++}`, ...Object.entries(e.fields).flat());
    },
    async putString(key) {
      await admin.set(key, 'not a stream');
    },
    length: (stream) => admin.xlen(stream),
    async close() {
      // The consume cases' streams: the GDPR cache scan of other suites reads every `events:*` stream.
      const keys = await admin.keys('events:contract:*');
      if (keys.length > 0) await admin.del(...keys);
      await closeRedis(admin);
    },
  });
}

async function pubSubHarness(emulator: RunningEmulator): Promise<Harness> {
  // Terraform's job in production: the bus only checks the topic exists.
  const admin = new PubSub({
    projectId: PROJECT,
    apiEndpoint: `127.0.0.1:${emulator.port}`,
    emulatorMode: true,
    universeDomain: 'googleapis.com',
  });
  await admin.createTopic(TOPIC);
  await admin.close();
  return {
    capabilities: {
      namedDestination: true,
      typedErrors: true,
      streamRetention: false,
      groupFromStart: false,
      backlog: false,
      immediateRedelivery: false,
    },
    live: () =>
      new PubSubEventBus({ projectId: PROJECT, topic: TOPIC, apiEndpoint: emulator.endpoint, createMissing: true }),
    detail: new RegExp(`^Pub/Sub topic projects/${PROJECT}/topics/${TOPIC} \\(\\d+ ms\\)$`),
    unreachable: (port) =>
      new PubSubEventBus({
        projectId: PROJECT,
        topic: TOPIC,
        apiEndpoint: `http://127.0.0.1:${port}`,
        probeTimeoutMs: 3_000,
      }),
    missingDestination: () => ({
      bus: new PubSubEventBus({ projectId: PROJECT, topic: 'no-such-topic', apiEndpoint: emulator.endpoint }),
      named: new RegExp(`projects/${PROJECT}/topics/no-such-topic`),
    }),
    close: () => emulator.stop(),
  };
}

const pubSub = findEmulator(() => pubSubEmulatorJar().jar);
if (pubSub.missing) console.warn(`EventBus contract: skipping Pub/Sub: ${pubSub.missing}`);

const implementations: [string, () => Promise<Harness>][] = [['Redis Streams (local)', redisHarness]];
if (!pubSub.missing) {
  implementations.push(['Pub/Sub (emulator)', async () => pubSubHarness(await startPubSubEmulator())]);
}

describe.each(implementations)('EventBus contract: %s', (_name, makeHarness) => {
  let h: Harness;
  const opened: EventBus[] = [];
  const track = <B extends EventBus>(bus: B) => (opened.push(bus), bus);
  beforeAll(async () => {
    h = await makeHarness();
  }, 120_000);
  afterAll(async () => {
    await Promise.allSettled(opened.map((b) => b.close()));
    await h?.close();
  });

  it('ping answers with a short fact about the backend', async () => {
    const bus = track(h.live());
    const probe = await bus.ping();
    expect(probe.detail).toMatch(h.detail);
    // A second ping on the same connection works too (health checks run every few minutes on one worker).
    expect((await bus.ping()).detail).toMatch(h.detail);
  });

  it('ping fails, within bounded time, when nothing listens at the address', { timeout: 30_000 }, async () => {
    const bus = track(h.unreachable(await freePort()));
    const started = Date.now();
    const error = await bus.ping().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(Date.now() - started).toBeLessThan(20_000);
    if (h.capabilities.typedErrors) {
      expect(error).toBeInstanceOf(PlatformError);
      expect(error).toMatchObject({ type: ErrorType.TransientInfrastructure, nonRetryable: false });
    }
  });

  it('ping fails non-retryably, naming it, when the destination does not exist', async (ctx) => {
    if (!h.capabilities.namedDestination || !h.missingDestination) return ctx.skip();
    const { bus, named } = h.missingDestination();
    track(bus);
    const error = await bus.ping().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PlatformError);
    expect(error).toMatchObject({ type: ErrorType.NotFound, nonRetryable: true });
    expect((error as Error).message).toMatch(named);
  });

  describe('stream retention', () => {
    const DAY = 86_400_000;
    const now = Date.now();
    const before = new Date(now - 7 * DAY);
    const prefix = `events:contract-${randomUUID()}`;

    it('counts the entries older than the bound per matching stream, then trims exactly those', async () => {
      const bus = track(h.live());
      if (h.capabilities.streamRetention) {
        const old = (i: number) => ({ at: now - (20 - i) * DAY, fields: { user_id: `${i}`, kind: 'login' } });
        await h.append!(`${prefix}:a`, [old(0), old(1), old(2), { at: now - DAY, fields: { user_id: '9' } }]);
        await h.append!(`${prefix}:b`, [{ at: now - DAY, fields: { user_id: '8' } }]);
        await h.append!(`${prefix}:c`, [old(3)]);
        await h.putString!(`${prefix}:not-a-stream`);
        // The entry exactly at the bound is kept: only ids below `<before>-0` are past it.
        await h.append!(`${prefix}:c`, [{ at: before.getTime(), fields: { user_id: '7' } }]);
      }
      const planned = await bus.expiredEntries(`${prefix}:*`, before);
      if (!h.capabilities.streamRetention) {
        expect(planned).toEqual([]);
        expect(await bus.trimBefore(`${prefix}:a`, before)).toBe(0);
        return;
      }
      const payload = Buffer.byteLength('user_id0kindlogin');
      expect(planned).toEqual([
        { stream: `${prefix}:a`, entries: 3, bytes: 3 * payload },
        { stream: `${prefix}:c`, entries: 1, bytes: payload },
      ]);
      expect(await bus.expiredEntries(`${prefix}:a`, before)).toEqual([planned[0]]);
      expect(await bus.trimBefore(`${prefix}:a`, before)).toBe(3);
      expect(await bus.trimBefore(`${prefix}:a`, before)).toBe(0);
      expect(await bus.trimBefore(`${prefix}:c`, before)).toBe(1);
      expect(await h.length!(`${prefix}:a`)).toBe(1);
      expect(await h.length!(`${prefix}:c`)).toBe(1);
      expect(await bus.expiredEntries(`${prefix}:*`, before)).toEqual([]);
      expect(await bus.trimBefore(`${prefix}:missing`, before)).toBe(0);
      const wrongType = await bus.trimBefore(`${prefix}:not-a-stream`, before).catch((e: unknown) => e);
      expect(wrongType).toMatchObject({ type: ErrorType.InvalidInput, nonRetryable: true });
    });

    it.each(['events:[a]*', 'events:*:x', '*', '', 'events:a b'])('refuses the pattern %j', async (pattern) => {
      const bus = track(h.live());
      const err = await bus.expiredEntries(pattern, before).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PlatformError);
      expect(err).toMatchObject({ type: ErrorType.InvalidInput, nonRetryable: true });
      const trim = await bus.trimBefore(pattern, before).catch((e: unknown) => e);
      expect(trim).toMatchObject({ type: ErrorType.InvalidInput });
    });
  });

  describe('publish, consume, acknowledge, dead-letter', () => {
    const odd = Buffer.from([0xff, 0x00, 0xfe, 0x7b]); // not UTF-8: bytes must survive exactly
    const messages = Array.from({ length: 25 }, (_, i) => ({
      data: i === 3 ? odd : Buffer.from(`{"n":${i}}`),
      attributes: { tenant_id: String(1 + (i % 2)), user_id: String(100 + i), event_type: 'api.request' },
    }));
    /** Pulls until `n` messages arrived (or the time is up). */
    const drain = async (sub: EventSubscription, n: number, timeoutMs = 20_000) => {
      const got: BusMessage[] = [];
      const deadline = Date.now() + timeoutMs;
      while (got.length < n && Date.now() < deadline) got.push(...(await sub.pull(10, 500)));
      return got;
    };

    it('delivers every message with its exact bytes and attributes, in order on Redis, to each group', async () => {
      const bus = track(h.live());
      const stream = `events:contract:${randomUUID()}`;
      // Pub/Sub: a subscription exists before the publish (Terraform's order); Redis: the groups start at the beginning.
      const early = h.capabilities.groupFromStart
        ? []
        : [await bus.subscribe(stream, 'a', 'c1'), await bus.subscribe(stream, 'b', 'c1')];
      const ids = await bus.publish(stream, messages);
      expect(ids).toHaveLength(25);
      expect(new Set(ids).size).toBe(25);
      const [subA, subB] = h.capabilities.groupFromStart
        ? [await bus.subscribe(stream, 'a', 'c1'), await bus.subscribe(stream, 'b', 'c1')]
        : early;
      const a = await drain(subA!, 25);
      const b = await drain(subB!, 25);
      for (const got of [a, b]) {
        expect(got).toHaveLength(25);
        const byId = new Map(got.map((m) => [m.id, m]));
        ids.forEach((id, i) => {
          const m = byId.get(id)!;
          expect(m.data.equals(messages[i]!.data)).toBe(true);
          expect(m.attributes).toEqual(messages[i]!.attributes);
          expect(m.deliveryAttempt).toBe(1);
          expect(Math.abs(m.publishedAt.getTime() - Date.now())).toBeLessThan(60_000);
        });
      }
      if (h.capabilities.groupFromStart) expect(a.map((m) => m.id)).toEqual(ids);
      await subA!.ack(a.map((m) => m.id));
      await subB!.ack(b.map((m) => m.id));
      await subA!.ack(a.map((m) => m.id)); // acking twice is harmless
      await subA!.close();
      await subB!.close();
    }, 60_000);

    it('redelivers what a crashed consumer never acknowledged, and nothing it did', async () => {
      const bus = track(h.live());
      const stream = `events:contract:${randomUUID()}`;
      const first = await bus.subscribe(stream, 'g', 'worker-1');
      await bus.publish(stream, messages.slice(0, 10));
      const got = await drain(first, 10);
      expect(got).toHaveLength(10);
      await first.ack(got.slice(0, 4).map((m) => m.id));
      if (h.capabilities.backlog) expect(await first.backlog()).toBe(6);
      else expect(await first.backlog()).toBeUndefined();
      await first.close(); // the crash: six delivered, never acknowledged
      const second = await bus.subscribe(stream, 'g', 'worker-1');
      const again = await drain(second, 6, h.capabilities.immediateRedelivery ? 5_000 : 40_000);
      expect(again.map((m) => m.id).sort()).toEqual(
        got
          .slice(4)
          .map((m) => m.id)
          .sort(),
      );
      if (h.capabilities.immediateRedelivery) expect(again.every((m) => m.deliveryAttempt === 2)).toBe(true);
      await second.ack(again.map((m) => m.id));
      expect(await second.pull(10, 300)).toEqual([]);
      if (h.capabilities.backlog) expect(await second.backlog()).toBe(0);
      await second.close();
    }, 90_000);

    it('keeps dead letters with reason, detail, source id and the original bytes; lists since; removes', async () => {
      const bus = track(h.live());
      const stream = `events:contract:${randomUUID()}`;
      const before = new Date(Date.now() - 1000);
      await bus.deadLetter(stream, [
        {
          data: odd,
          attributes: { tenant_id: '7', user_id: '42' },
          reason: 'malformed_json',
          detail: 'not UTF-8',
          sourceId: 's-1',
        },
        {
          data: Buffer.from('{}'),
          reason: 'unsupported_version',
          detail: 'schema_version is missing',
          sourceId: 's-2',
        },
      ]);
      const listed = await bus.listDeadLetters(stream, { limit: 10 });
      expect(listed).toHaveLength(2);
      const first = listed.find((d) => d.sourceId === 's-1')!;
      expect(first).toMatchObject({
        reason: 'malformed_json',
        detail: 'not UTF-8',
        sourceStream: stream,
        attributes: { tenant_id: '7', user_id: '42' },
      });
      expect(first.data.equals(odd)).toBe(true);
      expect(first.deadLetteredAt.getTime()).toBeGreaterThanOrEqual(before.getTime());
      expect(await bus.listDeadLetters(stream, { limit: 10, since: new Date(Date.now() + 60_000) })).toEqual([]);
      expect(await bus.removeDeadLetters(stream, [first.id])).toBe(1);
      expect((await bus.listDeadLetters(stream, { limit: 10 })).map((d) => d.sourceId)).toEqual(['s-2']);
    }, 60_000);

    it('refuses bad stream names and attribute names as InvalidInput', async () => {
      const bus = track(h.live());
      for (const call of [
        () => bus.publish('events:a b', messages.slice(0, 1)),
        () => bus.subscribe('', 'g', 'c'),
        () => bus.deadLetter('events:*', []),
        () => bus.publish(`events:contract:${randomUUID()}`, [{ data: Buffer.from('x'), attributes: { data: 'x' } }]),
      ]) {
        const err = await call().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(PlatformError);
        expect(err).toMatchObject({ type: ErrorType.InvalidInput, nonRetryable: true });
      }
    });
  });

  it('close() after use releases the connection, and a fresh bus works again', async () => {
    const bus = h.live();
    await bus.ping();
    await bus.close();
    const again = track(h.live());
    expect((await again.ping()).detail).toMatch(h.detail);
  });
});

describe('PubSubEventBus options', () => {
  it('refuses malformed options before any call', () => {
    const base = { projectId: PROJECT, topic: TOPIC };
    for (const bad of [
      { ...base, projectId: 'Bad Project' },
      { ...base, topic: 'x' },
      { ...base, topic: 'goog-reserved' },
      { ...base, apiEndpoint: 'ftp://127.0.0.1:1' },
    ]) {
      expect(() => new PubSubEventBus(bad)).toThrow(PlatformError);
    }
  });
});
