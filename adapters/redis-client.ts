import { Redis } from 'ioredis';

/**
 * An ioredis client as every Redis adapter here wants it: connects on first use, reconnects with a capped backoff,
 * and fails a command after two retries instead of queueing it forever while Redis is down.
 */
export function createRedis(options: { host: string; port: number }): Redis {
  const redis = new Redis({
    host: options.host,
    port: options.port,
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    connectTimeout: 5_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    enableOfflineQueue: true,
  });
  // Connection errors surface through the failing commands; an unhandled 'error' event would crash the process.
  redis.on('error', () => undefined);
  return redis;
}

/** The client, connected if it was never used (lazyConnect). */
export async function connectedRedis(redis: Redis): Promise<Redis> {
  if (redis.status === 'wait') await redis.connect();
  return redis;
}

/** Quits gracefully when connected; a client never connected (or already ended) is just dropped. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end' || redis.status === 'wait') {
    redis.disconnect();
    return;
  }
  await redis.quit().catch(() => redis.disconnect());
}
