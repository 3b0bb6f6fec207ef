import type { Redis } from 'ioredis';
import { closeRedis, connectedRedis } from '../../adapters/redis-client';

/**
 * What the alert handler remembers between invocations: which alert keys were posted recently (dedupe) and how many
 * alerts each channel posted in the current window (rate limit). Function instances share nothing in memory and
 * several run at once, so production needs a shared store: Redis (Memorystore, the one the workers already use for
 * their partition lock; atomic `SET NX PX` and `INCR`). Firestore would serve too (no VPC connector, but a second
 * datastore to run); it would implement this interface.
 */
export interface AlertStateStore {
  /** Claims `key` for `windowMs`; false when it is already claimed (a duplicate). */
  claim(key: string, windowMs: number): Promise<boolean>;
  /** Gives a claim back (the post failed or was rate-limited, so a later delivery may post it). */
  release(key: string): Promise<void>;
  /** Counts one post on `channel` in the current fixed window; false when that exceeds `limit`. */
  take(channel: string, limit: number, windowMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** One process only (local runs, a single instance): state dies with the instance. */
export class MemoryAlertState implements AlertStateStore {
  private readonly claims = new Map<string, number>();
  private readonly counts = new Map<string, number>();
  constructor(private readonly now: () => number = Date.now) {}

  claim(key: string, windowMs: number): Promise<boolean> {
    const t = this.now();
    const until = this.claims.get(key);
    if (until !== undefined && until > t) return Promise.resolve(false);
    this.claims.set(key, t + windowMs);
    return Promise.resolve(true);
  }

  release(key: string): Promise<void> {
    this.claims.delete(key);
    return Promise.resolve();
  }

  take(channel: string, limit: number, windowMs: number): Promise<boolean> {
    const bucket = `${channel}:${Math.floor(this.now() / windowMs)}`;
    const n = (this.counts.get(bucket) ?? 0) + 1;
    this.counts.set(bucket, n);
    return Promise.resolve(n <= limit);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Shared by every instance: keys `<prefix>dedupe:<key>` (SET NX PX) and `<prefix>rate:<channel>:<window>` (INCR). */
export class RedisAlertState implements AlertStateStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'alerts:',
    private readonly now: () => number = Date.now,
  ) {}

  async claim(key: string, windowMs: number): Promise<boolean> {
    const redis = await connectedRedis(this.redis);
    return (await redis.set(`${this.prefix}dedupe:${key}`, String(this.now()), 'PX', windowMs, 'NX')) === 'OK';
  }

  async release(key: string): Promise<void> {
    const redis = await connectedRedis(this.redis);
    await redis.del(`${this.prefix}dedupe:${key}`);
  }

  async take(channel: string, limit: number, windowMs: number): Promise<boolean> {
    const redis = await connectedRedis(this.redis);
    const bucket = `${this.prefix}rate:${channel}:${Math.floor(this.now() / windowMs)}`;
    const result = await redis
      .multi()
      .incr(bucket)
      .pexpire(bucket, windowMs * 2)
      .exec();
    const count = Number(result?.[0]?.[1] ?? Number.POSITIVE_INFINITY);
    return count <= limit;
  }

  close(): Promise<void> {
    return closeRedis(this.redis);
  }
}
