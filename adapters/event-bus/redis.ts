import type { Redis } from 'ioredis';
import { ErrorType, PlatformError } from '../errors';
import type { EventBus, Probe, StreamBacklog } from '../ports';
import { checkStreamName, checkStreamPattern, minEntryId } from './stream-names';
import { closeRedis, connectedRedis, createRedis } from '../redis-client';

/** XRANGE page size while counting a stream's old entries. */
const PAGE = 1000;

function failure(err: unknown, what: string): PlatformError {
  if (err instanceof PlatformError) return err;
  const message = `${what}: ${(err as Error).message}`;
  // A key of another type under a stream's name is a mistake no retry fixes.
  if (/WRONGTYPE/.test(message)) return new PlatformError(ErrorType.InvalidInput, message, { cause: err });
  return new PlatformError(ErrorType.TransientInfrastructure, message, { cause: err });
}

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

  /** Stream keys matching the pattern, sorted (`SCAN … TYPE stream`, so other keys under the prefix are left out). */
  private async streams(pattern: string): Promise<string[]> {
    const redis = await connectedRedis(this.redis);
    const found = new Set<string>();
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000, 'TYPE', 'stream');
      for (const k of batch) found.add(k);
      cursor = next;
    } while (cursor !== '0');
    return [...found].sort();
  }

  async expiredEntries(pattern: string, before: Date): Promise<StreamBacklog[]> {
    checkStreamPattern(pattern);
    const end = `(${minEntryId(before)}`;
    try {
      const redis = await connectedRedis(this.redis);
      const out: StreamBacklog[] = [];
      for (const stream of await this.streams(pattern)) {
        let entries = 0;
        let bytes = 0;
        let start = '-';
        for (;;) {
          const page = await redis.xrange(stream, start, end, 'COUNT', PAGE);
          for (const [, fields] of page) {
            entries++;
            for (const f of fields) bytes += Buffer.byteLength(f, 'utf8');
          }
          if (page.length < PAGE) break;
          start = `(${page[page.length - 1]![0]}`;
        }
        if (entries > 0) out.push({ stream, entries, bytes });
      }
      return out;
    } catch (err) {
      throw failure(err, `expired entries of ${pattern}`);
    }
  }

  async trimBefore(stream: string, before: Date): Promise<number> {
    checkStreamName(stream);
    const minId = minEntryId(before);
    try {
      const redis = await connectedRedis(this.redis);
      // Exact (no `~`): retention removes precisely the entries it planned, never a rounded-up node's worth.
      return await redis.xtrim(stream, 'MINID', minId);
    } catch (err) {
      throw failure(err, `trim ${stream}`);
    }
  }

  close(): Promise<void> {
    return closeRedis(this.redis);
  }
}
