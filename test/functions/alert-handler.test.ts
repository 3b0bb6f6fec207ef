import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PubSubEventBus } from '../../adapters/event-bus/pubsub';
import { WebhookNotifier } from '../../adapters/notifications/webhook';
import { createAlertHandler } from '../../functions/alert-handler';
import { publishAlert, type AlertMessage } from '../../functions/alerts/message';
import { MemoryAlertState, RedisAlertState } from '../../functions/alerts/state';
import { registerFunctions } from '../../functions/register';
import { TEST_ENV } from '../test-env';
import { findEmulator, pubSubEmulatorJar, startPubSubEmulator, type RunningEmulator } from '../helpers/emulators';
import { recordingLog, serveFunction } from '../helpers/functions';
import { until } from '../helpers/until';
import { startWebhookReceiver } from '../helpers/webhook-receiver';

/**
 * alertHandler end to end: alerts published to the Pub/Sub emulator's topic, pushed by a push subscription to the
 * Functions Framework's server (as Eventarc pushes in production), posted to a local Slack-compatible receiver. Dedupe
 * and rate-limit state in the test platform's Redis (what every instance shares in production).
 */
const PROJECT = 'functions-test';
const ALERTS = 'hire10x-alerts';
const RATE_LIMIT = 3;
const pubSubTool = findEmulator(() => pubSubEmulatorJar().jar);
const redisOptions = { host: '127.0.0.1', port: Number(TEST_ENV.REDIS_PORT), lazyConnect: true };
/** A fixed clock: the rate limit's window never rolls over in the middle of a test. */
const NOW = Date.parse('2026-01-05T10:00:00Z');

const alert = (over: Partial<AlertMessage> = {}): AlertMessage => ({
  version: 1,
  kind: 'pipeline_failure',
  severity: 'error',
  key: `pipeline_failure:daily:${randomUUID()}`,
  title: 'Daily run failed',
  text: 'Stage load failed: warehouse unreachable',
  source: 'workflow:daily-pipeline',
  occurred_at: '2026-01-05T09:59:00.000Z',
  ...over,
});

describe.skipIf(Boolean(pubSubTool.missing))('alertHandler (Functions Framework, Pub/Sub emulator push, Redis)', () => {
  let emulator: RunningEmulator;
  let bus: PubSubEventBus;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let url: string;
  let close: () => Promise<void>;
  let state: RedisAlertState;
  const recorder = recordingLog();
  const prefix = `alerts-test-${randomUUID()}:`;
  const logged = (key: string) => recorder.entries.filter((e) => e.fields.key === key).map((e) => e.message);

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    emulator = await startPubSubEmulator();
    state = new RedisAlertState(new Redis(redisOptions), prefix, () => NOW);
    registerFunctions({
      eventProcessor: () => {
        throw new Error('not under test');
      },
      dataValidation: () => {
        throw new Error('not under test');
      },
      alertHandler: () => ({
        state,
        notifier: new WebhookNotifier(receiver.url, () => undefined),
        dedupeWindowMs: 3_600_000,
        rateLimit: RATE_LIMIT,
        rateWindowMs: 3_600_000,
        log: recorder.log,
      }),
    });
    ({ url, close } = await serveFunction('alertHandler'));
    bus = new PubSubEventBus({ projectId: PROJECT, topic: ALERTS, apiEndpoint: emulator.endpoint });
    const [topic] = await bus.pubsub.createTopic(ALERTS);
    // The path names the topic: the framework's legacy push adapter builds the CloudEvent's source from it.
    await topic.createSubscription('alert-handler', {
      pushConfig: { pushEndpoint: `${url}projects/${PROJECT}/topics/${ALERTS}` },
      ackDeadlineSeconds: 10,
    });
  }, 120_000);

  afterAll(async () => {
    await bus?.close();
    await close?.();
    await state?.close();
    await receiver?.close();
    await emulator?.stop();
  });

  it('posts an alert once however often it is published within the window', async () => {
    const a = alert({ details: { run: 'daily:2026-01-04', attempt: 3 }, link: 'http://temporal.example/run/1' });
    await publishAlert(bus.topic, a);
    await publishAlert(bus.topic, a);
    await publishAlert(bus.topic, { ...a, occurred_at: '2026-01-05T10:05:00.000Z' });
    await until('three deliveries handled', () => Promise.resolve(logged(a.key).length >= 3 ? true : undefined));
    expect(logged(a.key).sort()).toEqual([
      'alertHandler: duplicate within the window, not posted',
      'alertHandler: duplicate within the window, not posted',
      'alertHandler: posted',
    ]);
    const posts = receiver.received.filter((r) => r.text.includes(a.key));
    expect(posts).toHaveLength(1);
    expect(posts[0]!.text).toContain(':red_circle: *[ERROR] Daily run failed*');
    expect(posts[0]!.text).toContain('• run: daily:2026-01-04');
    expect(posts[0]!.text).toContain('<http://temporal.example/run/1|Open in Temporal UI>');
  });

  it('drops what exceeds the channel rate limit, and other channels still post', async () => {
    const burst = Array.from({ length: RATE_LIMIT + 2 }, () => alert({ kind: 'sla_miss', channel: 'sla-burst' }));
    for (const a of burst) await publishAlert(bus.topic, a);
    const other = alert({ kind: 'security_incident', severity: 'critical', channel: 'security' });
    await publishAlert(bus.topic, other);
    await until('every delivery handled', () =>
      Promise.resolve(burst.every((a) => logged(a.key).length > 0) && logged(other.key).length > 0 ? true : undefined),
    );
    const outcomes = burst.map((a) => logged(a.key)[0]);
    expect(outcomes.filter((o) => o === 'alertHandler: posted')).toHaveLength(RATE_LIMIT);
    expect(outcomes.filter((o) => o === 'alertHandler: rate limit reached, alert dropped')).toHaveLength(2);
    expect(receiver.received.filter((r) => burst.some((a) => r.text.includes(a.key)))).toHaveLength(RATE_LIMIT);
    expect(receiver.received.filter((r) => r.text.includes(other.key))).toHaveLength(1);
  });

  it('refuses a message that is not an alert (logged, acknowledged, nothing posted)', async () => {
    const before = receiver.received.length;
    const id = await bus.topic.publishMessage({ data: Buffer.from(JSON.stringify({ kind: 'pipeline_failure' })) });
    const entry = await until('the refusal', () =>
      Promise.resolve(recorder.entries.find((e) => e.fields.messageId === id && e.message.includes('invalid alert'))),
    );
    expect(entry.severity).toBe('ERROR');
    expect(String(entry.fields.detail)).toMatch(/key/);
    expect(receiver.received.length).toBe(before);
  });
});

describe('alert handler without the framework', () => {
  it('a failed post throws (Pub/Sub redelivers) and gives the key back, so the redelivery posts it', async () => {
    const receiver = await startWebhookReceiver();
    const down = await startWebhookReceiver();
    await down.close(); // a webhook that refuses connections
    const state = new MemoryAlertState(() => NOW);
    const deps = { state, dedupeWindowMs: 60_000, rateLimit: 10, rateWindowMs: 60_000, log: recordingLog().log };
    const a = alert();
    const delivery = {
      id: 'm1',
      type: 'google.cloud.pubsub.topic.v1.messagePublished',
      source: '//pubsub.googleapis.com/projects/p/topics/t',
      specversion: '1.0',
      data: { message: { data: Buffer.from(JSON.stringify(a)).toString('base64'), messageId: 'm1' } },
    };
    try {
      const failing = createAlertHandler({ ...deps, notifier: new WebhookNotifier(down.url, () => undefined) });
      await expect(failing(delivery)).rejects.toThrow();
      const working = createAlertHandler({ ...deps, notifier: new WebhookNotifier(receiver.url, () => undefined) });
      expect(await working(delivery)).toBe('posted');
      expect(await working(delivery)).toBe('duplicate');
      expect(receiver.received.filter((r) => r.text.includes(a.key))).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });
});

describe('alert state stores', () => {
  it('Redis: two instances share claims and rate counts; a released claim can be taken again', async () => {
    const prefix = `alerts-test-${randomUUID()}:`;
    const a = new RedisAlertState(new Redis(redisOptions), prefix, () => NOW);
    const b = new RedisAlertState(new Redis(redisOptions), prefix, () => NOW);
    try {
      expect(await a.claim('k1', 60_000)).toBe(true);
      expect(await b.claim('k1', 60_000)).toBe(false);
      await b.release('k1');
      expect(await b.claim('k1', 60_000)).toBe(true);
      expect([await a.take('c', 2, 60_000), await b.take('c', 2, 60_000), await a.take('c', 2, 60_000)]).toEqual([
        true,
        true,
        false,
      ]);
      const next = new RedisAlertState(new Redis(redisOptions), prefix, () => NOW + 60_000);
      expect(await next.take('c', 2, 60_000)).toBe(true); // the next window starts from zero
      await next.close();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('memory: a claim expires with its window', async () => {
    let now = NOW;
    const s = new MemoryAlertState(() => now);
    expect(await s.claim('k', 1_000)).toBe(true);
    expect(await s.claim('k', 1_000)).toBe(false);
    now += 1_000;
    expect(await s.claim('k', 1_000)).toBe(true);
    expect([await s.take('c', 1, 1_000), await s.take('c', 1, 1_000)]).toEqual([true, false]);
  });
});
