import { Redis } from 'ioredis';
import type { EventBus, Probe } from '../ports';

/** EventBus over Redis Streams (the local stand-in for Pub/Sub). */
export class RedisEventBus implements EventBus {
  readonly redis: Redis;

  constructor(options: { host: string; port: number }) {
    this.redis = new Redis({
      host: options.host,
      port: options.port,
      lazyConnect: true,
      maxRetriesPerRequest: 2,
      connectTimeout: 5_000,
      // Reconnect with a capped backoff; commands fail fast instead of queueing forever while Redis is down.
      retryStrategy: (times) => Math.min(times * 200, 2_000),
      enableOfflineQueue: true,
    });
    this.redis.on('error', () => undefined);
  }

  async ping(): Promise<Probe> {
    if (this.redis.status === 'wait') await this.redis.connect();
    const pong = await this.redis.ping();
    const info = await this.redis.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
    return { detail: `Redis ${version} (${pong})` };
  }

  async close(): Promise<void> {
    if (this.redis.status === 'end' || this.redis.status === 'wait') {
      this.redis.disconnect();
      return;
    }
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
