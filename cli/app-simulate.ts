import type pg from 'pg';
import { AppEventGenerator, malformedMessage, type AppPerson } from '../datagen/app-events';
import { seedFromString, Xoshiro128 } from '../datagen/prng';
import type { EventBus, OutgoingMessage } from '../adapters/ports';
import { eventAttributes, serializeEvent, type StreamEvent } from '../schema/events';
import { shardOf, streamOfShard } from '../workflows/stream-contract';

/** What `analytics app simulate` and `analytics stream produce` were asked to do. */
export interface SimulateOptions {
  /** Events per second. */
  rate: number;
  /** Seconds to run. */
  durationSeconds: number;
  seed: string;
  /** Share of messages replaced by malformed ones (bus only: the application never stores them). */
  malformedShare: number;
  /** Share of events the relay publishes twice (a crash between publish and delete). @default 0 */
  duplicateShare?: number;
  shards: number;
  /** `stream produce --stream`: one stream for everything (a load test of one consumer). */
  stream?: string;
  /** Progress line, about once a second. */
  onProgress?: (line: string) => void;
  /** Wall clock (tests). @default Date.now */
  now?: () => number;
}

export interface SimulateResult {
  events: number;
  malformed: number;
  duplicates: number;
  published: number;
  byType: Record<string, number>;
  durationMs: number;
}

const TICK_MS = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export { eventAttributes };

/** Runs `fn(tickEvents)` every 100 ms for the duration, at the requested rate (fractions carried over). */
async function paced(
  options: SimulateOptions,
  fn: (at: number, count: number) => Promise<void>,
  progress: () => string,
): Promise<number> {
  const now = options.now ?? Date.now;
  const started = now();
  const end = started + options.durationSeconds * 1000;
  let owed = 0;
  let lastProgress = started;
  for (let tick = started; tick < end; tick += TICK_MS) {
    owed += (options.rate * TICK_MS) / 1000;
    const count = Math.floor(owed);
    owed -= count;
    await fn(now(), count);
    if (now() - lastProgress >= 1000) {
      lastProgress = now();
      options.onProgress?.(progress());
    }
    const wait = tick + TICK_MS - now();
    if (wait > 0) await sleep(wait);
  }
  return now() - started;
}

/** The people the simulation acts as: active users of the source database (the seed's). */
async function loadPeople(pool: pg.Pool, limit = 5000): Promise<AppPerson[]> {
  const { rows } = await pool.query<{ tenant_id: string; user_id: string; email: string }>(
    `select tenant_id::text, user_id::text, email from users
     where status = 'active' and user_id > 0 and email is not null order by user_id limit $1`,
    [limit],
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, userId: r.user_id, email: r.email }));
}

/**
 * `analytics app simulate`: behaves like the User Module. Each tick's events are written to the source tables and
 * to the transactional outbox in one transaction; the relay then publishes the outbox in id order and deletes what
 * the bus accepted. So tomorrow's batch (which extracts the source tables) and today's stream see the same events,
 * and a crash anywhere loses nothing (the relay publishes the rest on the next run; a repeat is deduped by event_id).
 * One simulator at a time (an advisory lock), since it numbers source rows from the tables' current maxima.
 */
export async function simulateApp(pool: pg.Pool, bus: EventBus, options: SimulateOptions): Promise<SimulateResult> {
  const client = await pool.connect();
  const result: SimulateResult = { events: 0, malformed: 0, duplicates: 0, published: 0, byType: {}, durationMs: 0 };
  try {
    const { rows: locked } = await client.query<{ ok: boolean }>(
      "select pg_try_advisory_lock(hashtext('hire10x-app-simulate')) as ok",
    );
    if (!locked[0]?.ok) throw new Error('another `analytics app simulate` is running against this database');
    const people = await loadPeople(pool);
    if (people.length === 0) {
      throw new Error('the source database has no active users: seed it first (analytics seed --scale small)');
    }
    const ids = await client.query<Record<string, string>>(
      `select (select coalesce(max(event_id), 0) from auth_events)::text as auth,
              (select coalesce(max(session_id), 0) from sessions)::text as session,
              (select coalesce(max(event_id), 0) from activity_events)::text as activity,
              (select coalesce(max(request_id), 0) from api_requests)::text as api`,
    );
    const next = {
      auth: BigInt(ids.rows[0]!.auth!) + 1n,
      activity: BigInt(ids.rows[0]!.activity!) + 1n,
      api: BigInt(ids.rows[0]!.api!) + 1n,
    };
    const generator = new AppEventGenerator({ seed: options.seed, people }, BigInt(ids.rows[0]!.session!) + 1n);
    const chaos = new Xoshiro128(seedFromString(`${options.seed}:chaos`));
    const now = options.now ?? Date.now;
    let outage: number | undefined;
    /** One outbox row: the bytes the bus will carry, to the event's tenant's shard stream. */
    const outbox = (e: StreamEvent, eventType: string, data: Buffer) =>
      client.query(
        'insert into event_outbox (stream, tenant_id, user_id, event_type, data) values ($1, $2, $3, $4, $5)',
        [streamOfShard(shardOf(e.tenant_id, options.shards)), e.tenant_id, e.user_id ?? null, eventType, data],
      );
    // Publish whatever a previous run committed and did not publish.
    result.published += await relay(client, bus);

    result.durationMs = await paced(
      options,
      async (at, count) => {
        const events = generator.next(at, count);
        await client.query('begin');
        try {
          for (const e of events) {
            // A session start stays valid: later events of the session reference its source row.
            if (e.type !== 'session.start' && options.malformedShare > 0 && chaos.next() < options.malformedShare) {
              // A buggy producer: the bytes go out through the outbox like any event, but no source row is written.
              const bad = malformedMessage(chaos, e);
              await outbox(e, `malformed:${bad.kind}`, bad.data);
              result.malformed++;
              continue;
            }
            await writeSourceRow(client, e, next);
            await outbox(e, e.type, serializeEvent(e));
            result.events++;
            result.byType[e.type] = (result.byType[e.type] ?? 0) + 1;
          }
          await client.query('commit');
        } catch (err) {
          await client.query('rollback').catch(() => undefined);
          throw err;
        }
        // The bus may be briefly away (a Redis restart): entries wait in the outbox and go out on a later tick.
        try {
          result.published += await relay(
            client,
            bus,
            options.duplicateShare ? { chaos, share: options.duplicateShare, result } : undefined,
          );
          outage = undefined;
        } catch (err) {
          outage ??= now();
          options.onProgress?.(`simulate: bus unavailable (${(err as Error).message}); events wait in the outbox`);
        }
      },
      () =>
        `simulate: ${result.events} events in the source and on the bus, ${result.malformed} malformed, ` +
        `${generator.openSessions()} sessions open`,
    );
    // Whatever an outage held back: keep trying for a minute before giving up (the next run would publish it).
    for (let attempt = 0; ; attempt++) {
      try {
        result.published += await relay(client, bus);
        break;
      } catch (err) {
        if (attempt >= 60)
          throw new Error(`the bus stayed unavailable; the outbox keeps the events: ${(err as Error).message}`, {
            cause: err,
          });
        await sleep(1000);
      }
    }
    await client.query("select pg_advisory_unlock(hashtext('hire10x-app-simulate'))");
    return result;
  } finally {
    client.release();
  }
}

/**
 * Publishes the outbox in id order, per stream, and deletes what the bus accepted. With `duplicates`, a share of
 * entries is published twice, as a relay that crashed after publishing and before deleting would.
 */
async function relay(
  client: pg.PoolClient,
  bus: EventBus,
  duplicates?: { chaos: { next(): number }; share: number; result: SimulateResult },
): Promise<number> {
  let published = 0;
  for (;;) {
    const { rows } = await client.query<{
      id: string;
      stream: string;
      data: Buffer;
      tenant_id: string;
      user_id: string | null;
      event_type: string;
    }>(
      // Ordered by the bigint column, not the text alias (which sorts '100' before '99').
      'select id::text as id, stream, data, tenant_id::text, user_id::text, event_type from event_outbox order by event_outbox.id limit 5000',
    );
    if (rows.length === 0) return published;
    const byStream = new Map<string, OutgoingMessage[]>();
    // Double publishes per stream, counted once the bus accepted that stream's messages (a publish cut short by an
    // outage is repeated on a later tick, when the dice fall anew).
    const doubled = new Map<string, number>();
    for (const r of rows) {
      const message = {
        data: r.data,
        attributes: {
          tenant_id: r.tenant_id,
          ...(r.user_id ? { user_id: r.user_id } : {}),
          ...(r.event_type.startsWith('malformed:')
            ? { malformed: r.event_type.slice('malformed:'.length) }
            : { event_type: r.event_type }),
        },
      };
      const list = byStream.get(r.stream) ?? [];
      list.push(message);
      if (duplicates && duplicates.chaos.next() < duplicates.share) {
        list.push(message);
        doubled.set(r.stream, (doubled.get(r.stream) ?? 0) + 1);
      }
      byStream.set(r.stream, list);
    }
    for (const [stream, messages] of byStream) {
      await bus.publish(stream, messages);
      if (duplicates) duplicates.result.duplicates += doubled.get(stream) ?? 0;
    }
    await client.query('delete from event_outbox where id <= $1', [rows[rows.length - 1]!.id]);
    published += rows.length;
  }
}

/** The source row of one event (what the application itself stores). */
async function writeSourceRow(
  client: pg.PoolClient,
  e: StreamEvent,
  next: { auth: bigint; activity: bigint; api: bigint },
): Promise<void> {
  switch (e.type) {
    case 'auth.attempt': {
      const p = e.payload;
      await client.query(
        `insert into auth_events (event_id, tenant_id, user_id, attempted_email, event_type, ip, user_agent, failure_reason, occurred_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          String(next.auth++),
          e.tenant_id,
          e.user_id ?? null,
          p.attempted_email ?? null,
          p.outcome === 'success' ? 'login_success' : 'login_failure',
          p.ip ?? null,
          p.user_agent ?? null,
          p.outcome === 'failure' ? (p.failure_reason ?? 'invalid_password') : null,
          e.occurred_at,
        ],
      );
      return;
    }
    case 'session.start': {
      const p = e.payload;
      await client.query(
        `insert into sessions (session_id, user_id, tenant_id, started_at, ip, user_agent, device)
         values ($1, $2, $3, $4, $5, $6, $7)`,
        [p.session_id, e.user_id, e.tenant_id, e.occurred_at, p.ip ?? null, p.user_agent ?? null, p.device ?? null],
      );
      return;
    }
    case 'session.end':
      await client.query('update sessions set ended_at = $2 where session_id = $1 and ended_at is null', [
        e.payload.session_id,
        e.occurred_at,
      ]);
      return;
    case 'feature.used':
      await client.query(
        `insert into activity_events (event_id, tenant_id, user_id, session_id, feature, action, metadata, occurred_at)
         values ($1, $2, $3, $4, $5, $6, '{}', $7)`,
        [
          String(next.activity++),
          e.tenant_id,
          e.user_id,
          e.payload.session_id ?? null,
          e.payload.feature,
          e.payload.action,
          e.occurred_at,
        ],
      );
      return;
    case 'api.request':
      await client.query(
        `insert into api_requests (request_id, tenant_id, user_id, endpoint, method, status_code, duration_ms, occurred_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          String(next.api++),
          e.tenant_id,
          e.user_id ?? null,
          e.payload.endpoint,
          e.payload.method,
          e.payload.status,
          e.payload.latency_ms,
          e.occurred_at,
        ],
      );
      return;
  }
}

/**
 * `analytics stream produce`: the same event mix published straight to the bus (no database), at the rate asked,
 * for load tests. People are synthetic (tenants 1-50, users 1-5000), so its events match nothing in the source.
 */
export async function produceEvents(bus: EventBus, options: SimulateOptions): Promise<SimulateResult> {
  const people: AppPerson[] = Array.from({ length: 5000 }, (_, i) => ({
    tenantId: String(1 + (i % 50)),
    userId: String(1 + i),
    email: `load-${i}@example.test`,
  }));
  const generator = new AppEventGenerator({ seed: options.seed, people }, 9_000_000_000_000n);
  const chaos = new Xoshiro128(seedFromString(`${options.seed}:chaos`));
  const result: SimulateResult = { events: 0, malformed: 0, duplicates: 0, published: 0, byType: {}, durationMs: 0 };
  result.durationMs = await paced(
    options,
    async (at, count) => {
      const byStream = new Map<string, OutgoingMessage[]>();
      for (const e of generator.next(at, count)) {
        const stream = options.stream ?? streamOfShard(shardOf(e.tenant_id, options.shards));
        const list = byStream.get(stream) ?? [];
        if (options.malformedShare > 0 && chaos.next() < options.malformedShare) {
          const bad = malformedMessage(chaos, e);
          list.push({ data: bad.data, attributes: { tenant_id: e.tenant_id, malformed: bad.kind } });
          result.malformed++;
        } else {
          list.push({ data: serializeEvent(e), attributes: eventAttributes(e) });
          result.events++;
          result.byType[e.type] = (result.byType[e.type] ?? 0) + 1;
        }
        byStream.set(stream, list);
      }
      for (const [stream, messages] of byStream) {
        await bus.publish(stream, messages);
        result.published += messages.length;
      }
    },
    () => `produce: ${result.published} published (${result.malformed} malformed)`,
  );
  return result;
}
