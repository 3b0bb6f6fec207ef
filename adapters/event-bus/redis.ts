import type { Redis } from 'ioredis';
import { ErrorType, PlatformError } from '../errors';
import type {
  BusMessage,
  DeadLetter,
  DeadLetterInput,
  EventBus,
  EventSubscription,
  OutgoingMessage,
  Probe,
  StreamBacklog,
} from '../ports';
import { checkAttributes, checkStreamName, checkStreamPattern, deadLetterStream, minEntryId } from './stream-names';
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

/** XADDs per pipeline round trip. */
const PUBLISH_CHUNK = 2000;

type RawEntry = [Buffer, Buffer[] | null];

/** Entries of one stream from an XREADGROUP reply (`[[stream, [[id, fields], …]]]`), or none. */
function entriesOf(reply: unknown): RawEntry[] {
  const streams = reply as [Buffer, RawEntry[]][] | null;
  return streams?.[0]?.[1] ?? [];
}

function fieldsOf(raw: Buffer[]): { data: Buffer; fields: Record<string, string> } {
  let data: Buffer = Buffer.alloc(0);
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString('utf8');
    if (name === 'data') data = raw[i + 1]!;
    else fields[name] = raw[i + 1]!.toString('utf8');
  }
  return { data, fields };
}

const idTime = (id: string) => new Date(Number(id.split('-')[0]));

/**
 * EventBus over Redis Streams (the local stand-in for Pub/Sub). An entry holds the message bytes in field `data`
 * and each attribute as a field of its own, `user_id` included, so the GDPR cache purge
 * (adapters/subject-cache/redis.ts, which matches a `user_id` field in streams `events:*`) finds a person's pending
 * entries, dead letters too. Consumer groups are Redis consumer groups; a subscription has a connection of its own,
 * since a blocking XREADGROUP holds the connection it runs on.
 */
export class RedisEventBus implements EventBus {
  readonly redis: Redis;

  constructor(private readonly options: { host: string; port: number }) {
    this.redis = createRedis(options);
  }

  async publish(stream: string, messages: readonly OutgoingMessage[]): Promise<string[]> {
    checkStreamName(stream);
    const prepared = messages.map((m) => ({ data: m.data, attributes: checkAttributes(m.attributes) }));
    const ids: string[] = [];
    try {
      const redis = await connectedRedis(this.redis);
      for (let i = 0; i < prepared.length; i += PUBLISH_CHUNK) {
        const pipeline = redis.pipeline();
        for (const m of prepared.slice(i, i + PUBLISH_CHUNK)) {
          pipeline.xadd(stream, '*', 'data', m.data, ...m.attributes.flat());
        }
        for (const [err, id] of (await pipeline.exec()) ?? []) {
          if (err) throw err;
          ids.push(String(id));
        }
      }
      return ids;
    } catch (err) {
      throw failure(err, `publish to ${stream}`);
    }
  }

  async subscribe(stream: string, group: string, consumer: string): Promise<EventSubscription> {
    checkStreamName(stream);
    checkStreamName(group);
    checkStreamName(consumer);
    const redis = createRedis(this.options);
    try {
      await connectedRedis(redis);
      await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM').catch((err: unknown) => {
        if (!/BUSYGROUP/.test(String(err))) throw err;
      });
    } catch (err) {
      await closeRedis(redis);
      throw failure(err, `subscribe to ${stream} as ${group}/${consumer}`);
    }
    // Acks go over the bus's own connection: the consume loop acknowledges a batch while its next pull may be blocked
    // in XREADGROUP on the subscription's connection.
    const control = this.redis;
    // This consumer's pending entries (delivered before, never acknowledged) come first, from the start of its PEL.
    let pendingFrom: string | undefined = '0';
    const toMessages = async (entries: RawEntry[], redelivered: boolean): Promise<BusMessage[]> => {
      const attempts = new Map<string, number>();
      if (redelivered && entries.length > 0) {
        const first = entries[0]![0].toString();
        const last = entries[entries.length - 1]![0].toString();
        const pending = (await redis.xpending(stream, group, first, last, entries.length, consumer)) as [
          string,
          string,
          number,
          number,
        ][];
        for (const [id, , , deliveries] of pending) attempts.set(id, Number(deliveries));
      }
      const out: BusMessage[] = [];
      const gone: string[] = [];
      for (const [rawId, raw] of entries) {
        const id = rawId.toString();
        if (!raw) {
          gone.push(id); // trimmed or deleted after delivery: nothing left to process
          continue;
        }
        const { data, fields } = fieldsOf(raw);
        out.push({
          id,
          data,
          attributes: fields,
          publishedAt: idTime(id),
          deliveryAttempt: redelivered ? (attempts.get(id) ?? 2) : 1,
        });
      }
      if (gone.length > 0) await redis.xack(stream, group, ...gone);
      return out;
    };
    return {
      async pull(max: number, waitMs: number): Promise<BusMessage[]> {
        try {
          while (pendingFrom !== undefined) {
            const reply = await redis.callBuffer(
              'XREADGROUP',
              'GROUP',
              group,
              consumer,
              'COUNT',
              max,
              'STREAMS',
              stream,
              pendingFrom,
            );
            const entries = entriesOf(reply);
            if (entries.length === 0) {
              pendingFrom = undefined;
              break;
            }
            pendingFrom = entries[entries.length - 1]![0].toString();
            const messages = await toMessages(entries, true);
            if (messages.length > 0) return messages;
          }
          const reply = await redis.callBuffer(
            'XREADGROUP',
            'GROUP',
            group,
            consumer,
            'COUNT',
            max,
            'BLOCK',
            waitMs,
            'STREAMS',
            stream,
            '>',
          );
          return await toMessages(entriesOf(reply), false);
        } catch (err) {
          // A Redis restart loses nothing acknowledged-or-not: read the pending list again after reconnecting.
          pendingFrom = '0';
          throw failure(err, `pull from ${stream} as ${group}/${consumer}`);
        }
      },
      async ack(ids: readonly string[]): Promise<void> {
        try {
          const acker = ids.length > 0 ? await connectedRedis(control) : control;
          for (let i = 0; i < ids.length; i += PUBLISH_CHUNK) {
            const chunk = ids.slice(i, i + PUBLISH_CHUNK);
            if (chunk.length > 0) await acker.xack(stream, group, ...chunk);
          }
        } catch (err) {
          throw failure(err, `ack on ${stream} as ${group}`);
        }
      },
      async backlog(): Promise<number | undefined> {
        try {
          const groups = (await redis.xinfo('GROUPS', stream)) as unknown[][];
          for (const g of groups) {
            const info: Record<string, unknown> = {};
            for (let i = 0; i + 1 < g.length; i += 2) info[String(g[i])] = g[i + 1];
            if (info.name !== group) continue;
            if (info.lag === null || info.lag === undefined) return undefined; // Redis cannot tell (entries deleted)
            return Number(info.lag) + Number(info.pending ?? 0);
          }
          return undefined;
        } catch (err) {
          throw failure(err, `backlog of ${stream} for ${group}`);
        }
      },
      close: () => closeRedis(redis),
    };
  }

  async deadLetter(stream: string, letters: readonly DeadLetterInput[]): Promise<void> {
    const dlq = deadLetterStream(stream);
    if (letters.length === 0) return;
    try {
      const redis = await connectedRedis(this.redis);
      const pipeline = redis.pipeline();
      const at = new Date().toISOString();
      for (const l of letters) {
        const attributes = Object.entries(l.attributes ?? {});
        const fields: (string | Buffer)[] = ['data', l.data, 'reason', l.reason, 'detail', l.detail.slice(0, 2048)];
        fields.push('source_stream', stream, 'source_id', l.sourceId, 'dead_lettered_at', at);
        // `user_id` as a plain field: the GDPR purge of pending entries finds dead letters too.
        if (l.attributes?.user_id) fields.push('user_id', l.attributes.user_id);
        for (const [k, v] of attributes) fields.push(`attr.${k}`, v);
        pipeline.xadd(dlq, '*', ...fields);
      }
      for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
    } catch (err) {
      throw failure(err, `dead-letter to ${dlq}`);
    }
  }

  async listDeadLetters(stream: string, options: { since?: Date; limit: number }): Promise<DeadLetter[]> {
    const dlq = deadLetterStream(stream);
    const start = options.since ? `${options.since.getTime()}-0` : '-';
    try {
      const redis = await connectedRedis(this.redis);
      const reply = (await redis.callBuffer('XRANGE', dlq, start, '+', 'COUNT', options.limit)) as RawEntry[];
      return reply.flatMap(([rawId, raw]) => {
        if (!raw) return [];
        const id = rawId.toString();
        const { data, fields } = fieldsOf(raw);
        const attributes: Record<string, string> = {};
        for (const [k, v] of Object.entries(fields)) if (k.startsWith('attr.')) attributes[k.slice(5)] = v;
        return [
          {
            id,
            data,
            attributes,
            reason: fields.reason ?? '',
            detail: fields.detail ?? '',
            sourceId: fields.source_id ?? '',
            sourceStream: fields.source_stream ?? stream,
            deadLetteredAt: fields.dead_lettered_at ? new Date(fields.dead_lettered_at) : idTime(id),
          },
        ];
      });
    } catch (err) {
      throw failure(err, `list ${dlq}`);
    }
  }

  async removeDeadLetters(stream: string, ids: readonly string[]): Promise<number> {
    const dlq = deadLetterStream(stream);
    if (ids.length === 0) return 0;
    try {
      const redis = await connectedRedis(this.redis);
      return await redis.xdel(dlq, ...ids);
    } catch (err) {
      throw failure(err, `remove from ${dlq}`);
    }
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
