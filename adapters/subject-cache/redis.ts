import type { Redis } from 'ioredis';
import { ErrorType, PlatformError } from '../errors';
import type { SubjectCache, SubjectRef } from '../ports';
import { closeRedis, connectedRedis, createRedis } from '../redis-client';

/**
 * The User Module's Redis conventions that hold a person's data:
 * - cache keys `user:<tenantId>:<userId>` and `user:<tenantId>:<userId>:*` (profile, permissions),
 * - session keys `session:<tenantId>:<userId>:*`,
 * - pending events in streams `events:*`, whose entries carry a `user_id` field (and may quote the email).
 */
export const SUBJECT_KEY_PATTERNS = (s: SubjectRef) => [
  `user:${s.tenantId}:${s.userId}`,
  `user:${s.tenantId}:${s.userId}:*`,
  `session:${s.tenantId}:${s.userId}:*`,
];
export const EVENT_STREAM_PATTERN = 'events:*';

/** Redis glob metacharacters in an id would widen a pattern: ids are checked before they reach one. */
const SAFE_ID = /^[A-Za-z0-9._-]+$/;

function checkSubject(s: SubjectRef): void {
  if (!SAFE_ID.test(s.userId) || !SAFE_ID.test(s.tenantId)) {
    throw new PlatformError(ErrorType.InvalidInput, 'tenant and user ids must be plain identifiers');
  }
}

function transient(err: unknown, what: string): PlatformError {
  if (err instanceof PlatformError) return err;
  return new PlatformError(ErrorType.TransientInfrastructure, `${what}: ${(err as Error).message}`, { cause: err });
}

/** SubjectCache over Redis (the local instance, or Memorystore in production). */
export class RedisSubjectCache implements SubjectCache {
  readonly redis: Redis;

  constructor(options: { host: string; port: number }) {
    this.redis = createRedis(options);
  }

  private connected(): Promise<Redis> {
    return connectedRedis(this.redis);
  }

  private async keys(pattern: string): Promise<string[]> {
    const redis = await this.connected();
    const found = new Set<string>();
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      for (const k of batch) found.add(k);
      cursor = next;
    } while (cursor !== '0');
    return [...found].sort();
  }

  /** Entry ids of the person's pending events in one stream, read in pages (streams can be long). */
  private async matchingEntries(stream: string, s: SubjectRef & { email: string }): Promise<string[]> {
    const redis = await this.connected();
    const email = s.email.toLowerCase();
    const ids: string[] = [];
    let start = '-';
    for (;;) {
      const page = await redis.xrange(stream, start, '+', 'COUNT', 1000);
      for (const [id, fields] of page) {
        let hit = false;
        for (let i = 0; i < fields.length; i += 2) {
          const name = fields[i] ?? '';
          const value = fields[i + 1] ?? '';
          if ((name === 'user_id' || name.endsWith('_user_id')) && value === s.userId) hit = true;
          if (value.toLowerCase().includes(email)) hit = true;
        }
        if (hit) ids.push(id);
      }
      if (page.length < 1000) break;
      start = `(${page[page.length - 1]![0]}`;
    }
    return ids;
  }

  private async streams(): Promise<string[]> {
    const redis = await this.connected();
    const candidates = await this.keys(EVENT_STREAM_PATTERN);
    const out: string[] = [];
    for (const key of candidates) if ((await redis.type(key)) === 'stream') out.push(key);
    return out;
  }

  async purge(s: SubjectRef & { email: string }): Promise<{ keysDeleted: number; eventsDeleted: number }> {
    checkSubject(s);
    try {
      const redis = await this.connected();
      let keysDeleted = 0;
      for (const pattern of SUBJECT_KEY_PATTERNS(s)) {
        const keys = await this.keys(pattern);
        if (keys.length > 0) keysDeleted += await redis.unlink(...keys);
      }
      let eventsDeleted = 0;
      for (const stream of await this.streams()) {
        const ids = await this.matchingEntries(stream, s);
        for (let i = 0; i < ids.length; i += 500) eventsDeleted += await redis.xdel(stream, ...ids.slice(i, i + 500));
      }
      return { keysDeleted, eventsDeleted };
    } catch (err) {
      throw transient(err, 'purge the cache');
    }
  }

  async scan(s: SubjectRef & { email: string }): Promise<{ scanned: number; occurrences: number }> {
    checkSubject(s);
    try {
      // Every key naming the person, whatever the convention: `<tenant>:<user>` as consecutive segments (a bare id
      // segment would also match other tenants' keys, ids are small integers), or the email; plus stream entries.
      const all = await this.keys('*');
      const email = s.email.toLowerCase();
      const named = all.filter((k) => {
        const seg = k.split(':');
        return seg.some((x, i) => x === s.tenantId && seg[i + 1] === s.userId) || k.toLowerCase().includes(email);
      });
      let entries = 0;
      const streams = await this.streams();
      for (const stream of streams) entries += (await this.matchingEntries(stream, s)).length;
      return { scanned: all.length, occurrences: named.length + entries };
    } catch (err) {
      throw transient(err, 'scan the cache');
    }
  }

  close(): Promise<void> {
    return closeRedis(this.redis);
  }
}
