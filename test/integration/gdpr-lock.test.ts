import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessLock } from '../../adapters/lock/in-process';
import { createRedisLock } from '../../adapters/lock/redis';
import type { PartitionLock as Lock } from '../../adapters/ports';
import { PlatformError } from '../../adapters/errors';
import { TEST_ENV } from '../test-env';

/** The locks GDPR object rewrites hold per partition, against the test platform's Redis. */

const connect = async () => {
  const redis = new Redis({ host: '127.0.0.1', port: Number(TEST_ENV.REDIS_PORT), lazyConnect: true });
  await redis.connect();
  return redis;
};

/** Runs `holders` critical sections through `locks` (round robin) on one resource; returns the peak overlap. */
async function peakOverlap(locks: Lock[], holders: number, resource = 'partition'): Promise<number> {
  let active = 0;
  let peak = 0;
  await Promise.all(
    Array.from({ length: holders }, (_, i) =>
      locks[i % locks.length]!(resource, async () => {
        active++;
        peak = Math.max(peak, active);
        await sleep(15);
        active--;
      }),
    ),
  );
  return peak;
}

describe('Redis lock', () => {
  let a: Redis;
  let b: Redis;
  const prefix = `test:gdpr-lock:${process.pid}:${Date.now()}:`;

  beforeAll(async () => {
    [a, b] = [await connect(), await connect()];
  });
  afterAll(async () => {
    const left = await a.keys(`${prefix}*`);
    if (left.length > 0) await a.del(...left);
    a.disconnect();
    b.disconnect();
  });

  it('lets one holder at a time in, across connections, and releases every lock', async () => {
    const options = { keyPrefix: prefix, minBackoffMs: 2, maxBackoffMs: 20 };
    expect(await peakOverlap([createRedisLock(a, options), createRedisLock(b, options)], 6)).toBe(1);
    expect(await a.keys(`${prefix}*`)).toEqual([]);
  });

  it('does not serialise different resources', async () => {
    const lock = createRedisLock(a, { keyPrefix: prefix });
    let overlapped = false;
    let inFirst = false;
    await Promise.all([
      lock('one', async () => {
        inFirst = true;
        await sleep(100);
        inFirst = false;
      }),
      lock('two', async () => {
        await sleep(30);
        overlapped = inFirst;
      }),
    ]);
    expect(overlapped).toBe(true);
  });

  it('renews its expiry while held, so a waiter times out with a clear error', async () => {
    const holder = createRedisLock(a, { keyPrefix: prefix, ttlMs: 300, renewEveryMs: 80 });
    const waiter = createRedisLock(b, { keyPrefix: prefix, ttlMs: 300, waitTimeoutMs: 500, minBackoffMs: 10 });
    let ttlLate = -2;
    const held = holder('renewed', async (signal) => {
      await sleep(900); // three times the expiry
      ttlLate = await a.pttl(`${prefix}renewed`);
      expect(signal.aborted).toBe(false);
    });
    await sleep(50);
    const err = await waiter('renewed', () => Promise.resolve()).catch((e: unknown) => e);
    await held;
    expect(err).toBeInstanceOf(PlatformError);
    expect((err as PlatformError).type).toBe('Timeout');
    expect((err as PlatformError).message).toMatch(/timed out after \d+ ms waiting for lock "renewed"/);
    expect(ttlLate).toBeGreaterThan(0);
    expect(await a.exists(`${prefix}renewed`)).toBe(0);
  });

  it('takes over a lock whose holder died once it expires', async () => {
    await a.set(`${prefix}orphan`, 'dead-holder', 'PX', 200);
    const started = Date.now();
    const lock = createRedisLock(b, { keyPrefix: prefix, waitTimeoutMs: 5_000, minBackoffMs: 10, maxBackoffMs: 50 });
    await lock('orphan', () => Promise.resolve());
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('never releases a lock another holder took over, and reports the loss', async () => {
    const lock = createRedisLock(a, { keyPrefix: prefix, ttlMs: 300, renewEveryMs: 50 });
    let sawLoss = false;
    const err = await lock('stolen', async (held) => {
      // Simulate the key expiring (a paused process) and another worker taking the lock.
      await b.set(`${prefix}stolen`, 'other-holder', 'PX', 5_000);
      await sleep(200);
      sawLoss = held.aborted;
      return 'done';
    }).catch((e: unknown) => e);
    expect(sawLoss).toBe(true);
    expect(err).toBeInstanceOf(PlatformError);
    expect((err as PlatformError).message).toMatch(/lock "stolen" lost/);
    expect(await b.get(`${prefix}stolen`)).toBe('other-holder');
  });

  it('stops waiting when the caller aborts', async () => {
    const lock = createRedisLock(a, { keyPrefix: prefix, minBackoffMs: 10 });
    const reason = new Error('cancelled');
    const controller = new AbortController();
    const holding = lock('busy', () => sleep(300));
    await sleep(20);
    setTimeout(() => controller.abort(reason), 50);
    await expect(lock('busy', () => Promise.resolve(), { signal: controller.signal })).rejects.toBe(reason);
    await holding;
  });

  it('refuses bad options', () => {
    expect(() => createRedisLock(a, { ttlMs: 100, renewEveryMs: 100 })).toThrow(/renewEveryMs/);
  });
});

describe('in-process lock', () => {
  it('lets one holder at a time in per resource', async () => {
    expect(await peakOverlap([createInProcessLock()], 5)).toBe(1);
  });

  it('keeps going after a holder fails, and stops a waiter that aborts', async () => {
    const lock = createInProcessLock();
    const failing = lock('r', () => Promise.reject(new Error('boom')));
    const reason = new Error('cancelled');
    const controller = new AbortController();
    const slow = lock('r', () => sleep(100));
    const waiting = lock('r', () => Promise.resolve('never'), { signal: controller.signal });
    controller.abort(reason);
    await expect(failing).rejects.toThrow('boom');
    await expect(waiting).rejects.toBe(reason);
    await slow;
    await expect(lock('r', () => Promise.resolve('after'))).resolves.toBe('after');
  });
});
