import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { ErrorType, PlatformError } from '../errors';
import type { LockOptions, PartitionLock } from '../ports';

const redisLockOptionsSchema = z
  .object({
    /** Prefix of the Redis key holding a lock (`<prefix><resource>`). */
    keyPrefix: z.string().min(1).default('hire10x:lock:'),
    /** Expiry of the key; the holder renews it while `fn` runs, so it only matters when the holder dies. */
    ttlMs: z.number().int().min(50).default(30_000),
    /** How often the holder renews the expiry. @default ttlMs / 3 */
    renewEveryMs: z.number().int().min(10).optional(),
    /** Give up waiting for a held lock after this long (a retryable `Timeout` PlatformError). */
    waitTimeoutMs: z.number().int().min(0).default(120_000),
    minBackoffMs: z.number().int().min(1).default(20),
    maxBackoffMs: z.number().int().min(1).default(1_000),
  })
  .refine((o) => (o.renewEveryMs ?? 0) < o.ttlMs, 'renewEveryMs must be shorter than ttlMs')
  .refine((o) => o.minBackoffMs <= o.maxBackoffMs, 'minBackoffMs must not exceed maxBackoffMs');
export type RedisLockOptions = z.input<typeof redisLockOptionsSchema>;

/** Extends the expiry only while the key still holds our token. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
/** Deletes the key only while it still holds our token: never releases a lock someone else took over. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

const resourceSchema = z.string().min(1).max(1024);

/**
 * A PartitionLock shared by every worker through Redis (the local server; Memorystore on gcp): `SET key token NX PX
 * ttl` to take it (waiting with capped, jittered exponential backoff while another holder has it), a renewal timer
 * that extends the expiry while `fn` runs (only if the key still holds our token), and a compare-and-delete release
 * (Lua), so an expired holder never deletes the lock of the process that took over. A holder that dies leaves a key
 * that expires after `ttlMs`. `redis` is the caller's client (a lazy one connects on the first command); the lock
 * never closes it.
 */
export function createRedisLock(redis: Redis, options: RedisLockOptions = {}): PartitionLock {
  const o = redisLockOptionsSchema.parse(options);
  const renewEveryMs = o.renewEveryMs ?? Math.max(10, Math.floor(o.ttlMs / 3));

  return async <T>(resource: string, fn: (held: AbortSignal) => Promise<T>, lockOptions?: LockOptions): Promise<T> => {
    const key = o.keyPrefix + resourceSchema.parse(resource);
    const token = randomBytes(16).toString('hex');
    const signal = lockOptions?.signal;
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      const ok = await redis.set(key, token, 'PX', o.ttlMs, 'NX');
      if (ok === 'OK') break;
      const waited = Date.now() - started;
      if (waited >= o.waitTimeoutMs) {
        const ttl = await redis.pttl(key).catch(() => -2);
        throw new PlatformError(
          ErrorType.Timeout,
          `timed out after ${waited} ms waiting for lock ${JSON.stringify(resource)} ` +
            `(held by another process${ttl > 0 ? `, expires in ${ttl} ms unless renewed` : ''})`,
          { details: { resource, waitedMs: waited } },
        );
      }
      const ceiling = Math.min(o.maxBackoffMs, o.minBackoffMs * 2 ** Math.min(attempt, 16));
      const delay = Math.min(ceiling / 2 + Math.random() * (ceiling / 2), Math.max(1, o.waitTimeoutMs - waited));
      await sleep(delay, undefined, { signal }).catch((err: unknown) => {
        signal?.throwIfAborted(); // reject with the caller's reason, not Node's AbortError
        throw err;
      });
    }

    const held = new AbortController();
    let lastRenewed = Date.now();
    let lostBecause: string | undefined;
    const lose = (why: string) => {
      if (lostBecause) return;
      lostBecause = why;
      held.abort(new PlatformError(ErrorType.TransientInfrastructure, `lock ${JSON.stringify(resource)} lost: ${why}`));
    };
    let renewing = false;
    const timer = setInterval(() => {
      if (renewing || lostBecause) return;
      renewing = true;
      redis
        .eval(RENEW, 1, key, token, String(o.ttlMs))
        .then((r) => {
          if (Number(r) === 1) lastRenewed = Date.now();
          else lose('its key expired or was taken over by another holder');
        })
        .catch((err: unknown) => {
          if (Date.now() - lastRenewed >= o.ttlMs) lose(`not renewed for ${o.ttlMs} ms (${String(err)})`);
        })
        .finally(() => (renewing = false));
    }, renewEveryMs);
    timer.unref();

    try {
      const result = await fn(held.signal);
      if (lostBecause) throw held.signal.reason as Error;
      return result;
    } finally {
      clearInterval(timer);
      // Best effort: if Redis is unreachable now, the key expires after ttlMs on its own.
      await redis.eval(RELEASE, 1, key, token).catch(() => undefined);
    }
  };
}
