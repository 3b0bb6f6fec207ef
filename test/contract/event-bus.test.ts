import { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorType, PlatformError } from '../../adapters/errors';
import { PubSubEventBus } from '../../adapters/gcp/pubsub-event-bus';
import { RedisEventBus } from '../../adapters/local/redis-event-bus';
import type { EventBus } from '../../adapters/ports';
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
  close(): Promise<void>;
}

const PROJECT = 'hire10x-test';
const TOPIC = 'hire10x-user-events';

function redisHarness(): Promise<Harness> {
  const { redis } = loadConfig();
  return Promise.resolve({
    capabilities: { namedDestination: false, typedErrors: false },
    live: () => new RedisEventBus(redis),
    detail: /^Redis \d+\.\d+\.\d+ \(PONG\)$/,
    unreachable: (port) => new RedisEventBus({ host: '127.0.0.1', port }),
    close: () => Promise.resolve(),
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
    capabilities: { namedDestination: true, typedErrors: true },
    live: () => new PubSubEventBus({ projectId: PROJECT, topic: TOPIC, apiEndpoint: emulator.endpoint }),
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
