import type { Redis } from 'ioredis';
import type { EventBus, Probe } from '../ports';
import { closeRedis, connectedRedis, createRedis } from './redis-client';

/** EventBus over Redis Streams (the local stand-in for Pub/Sub). */
export class RedisEventBus implements EventBus {
  readonly redis: Redis;

  constructor(options: { host: string; port: number }) {
    this.redis = createRedis(options);
  }

  async ping(): Promise<Probe> {
    const redis = await connectedRedis(this.redis);
    const pong = await redis.ping();
    const info = await redis.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
    return { detail: `Redis ${version} (${pong})` };
  }

  close(): Promise<void> {
    return closeRedis(this.redis);
  }
}
