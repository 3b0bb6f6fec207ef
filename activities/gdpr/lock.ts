import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { ErrorType, PlatformError } from '../../adapters/errors';
import type { Zone } from '../../adapters/ports';

/**
 * Mutual exclusion around a read-modify-write of a shared resource (a lake partition rewritten by concurrent GDPR
 * erasures). `fn` runs while the lock is held; its `held` signal aborts when the lock is lost (expired without
 * renewal, taken over), so `fn` can refuse to commit. A lock lost while `fn` ran makes the call reject even when `fn`
 * succeeded, so the caller retries (erasure steps are idempotent). `options.signal` cancels the wait.
 */
export type Lock = <T>(resource: string, fn: (held: AbortSignal) => Promise<T>, options?: LockOptions) => Promise<T>;
export interface LockOptions {
  /** Stops waiting for the lock (rejects with the signal's reason); does not interrupt `fn` once it runs. */
  signal?: AbortSignal;
}

/**
 * The lock resource of one lake partition (`users/dt=2026-11-27` in a zone). Everything that rewrites or removes a
 * partition as a whole takes it: the GDPR lake rewrite (objects.ts) and retention's archive and delete
 * (activities/retention), so neither undoes the other's work.
 */
export const lakePartitionLock = (zone: Zone, prefix: string) => `gdpr-objects:${zone}:${prefix}`;

/**
 * A lock for one process (tests, a single worker): waiters on the same resource run one after another in arrival
 * order. Never lost, so `held` never aborts.
 */
export function createInProcessLock(): Lock {
  const tails = new Map<string, Promise<void>>();
  return async <T>(resource: string, fn: (held: AbortSignal) => Promise<T>, options?: LockOptions): Promise<T> => {
    options?.signal?.throwIfAborted();
    const previous = tails.get(resource) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    tails.set(resource, tail);
    try {
      await abortable(previous, options?.signal);
      return await fn(new AbortController().signal);
    } finally {
      release();
      if (tails.get(resource) === tail) tails.delete(resource);
    }
  };
}

/** Waits for the turn `previous` (which never rejects) gives, or rejects with the signal's reason if it aborts first. */
function abortable(previous: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (!signal) return previous;
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    void previous.then(done, done);
  });
}

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
 * A lock shared by every worker through Redis: `SET key token NX PX ttl` to take it (waiting with capped, jittered
 * exponential backoff while another holder has it), a renewal timer that extends the expiry while `fn` runs (only if
 * the key still holds our token), and a compare-and-delete release (Lua), so an expired holder never deletes the
 * lock of the process that took over. A holder that dies leaves a key that expires after `ttlMs`.
 */
export function createRedisLock(redis: Redis, options: RedisLockOptions = {}): Lock {
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
