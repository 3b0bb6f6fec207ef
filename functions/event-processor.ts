import { randomUUID } from 'node:crypto';
import type { Request, Response } from '@google-cloud/functions-framework';
import type { DeadLetterInput, EventBus, OutgoingMessage } from '../adapters/ports';
import { eventAttributes, MAX_EVENT_BYTES, parseEvent, type DeadLetterReason } from '../schema/events';
import { shardOf, streamOfShard } from '../workflows/stream-routing';
import type { Log } from './log';

/** A request carries at most this many events … */
export const MAX_EVENTS_PER_REQUEST = 500;
/** … and this many bytes (every event at its 16 KiB maximum would not fit: split large batches). */
export const MAX_REQUEST_BYTES = 1024 * 1024;

export interface EventProcessorDeps {
  /** The Pub/Sub EventBus (adapters/event-bus/pubsub.ts) the stream consumers read. */
  bus: EventBus;
  /** STREAM_SHARDS: a tenant's events go to `events:user-module:<shardOf(tenant)>`, as every producer routes them. */
  shards: number;
  log: Log;
}

export type EventResult =
  | { index: number; status: 'published'; event_id: string; message_id: string; stream: string }
  | { index: number; status: 'refused'; reason: DeadLetterReason; detail: string; dead_letter_stream: string }
  | { index: number; status: 'failed'; error: string };

/**
 * The events of a request as the bytes each one is validated and carried as. `application/json`: one event object
 * (its exact bytes) or an array of them (each re-serialised: JSON.stringify of the parsed element). Any other type
 * (`application/x-ndjson` recommended): one event per line, exact bytes, so even a line that is not JSON is kept.
 */
function eventsOf(req: Request): Buffer[] {
  const raw = req.rawBody ?? Buffer.alloc(0);
  if (req.is('application/json') && typeof req.body === 'object' && req.body !== null && !Buffer.isBuffer(req.body)) {
    return Array.isArray(req.body) ? req.body.map((e) => Buffer.from(JSON.stringify(e), 'utf8')) : [raw];
  }
  return raw
    .toString('latin1')
    .split('\n')
    .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line))
    .filter((line) => line.trim() !== '')
    .map((line) => Buffer.from(line, 'latin1'));
}

/** The tenant (and person) of a refused event, when they can be read, so its dead letter lands on its shard. */
function looseIds(data: Buffer): { tenant_id?: string; user_id?: string } {
  if (data.length > MAX_EVENT_BYTES) return {};
  try {
    const o = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
    const id = (v: unknown) => (typeof v === 'string' && /^-?[1-9][0-9]{0,18}$/.test(v) ? v : undefined);
    const tenant = id(o?.tenant_id);
    const user = id(o?.user_id);
    return { ...(tenant ? { tenant_id: tenant } : {}), ...(user ? { user_id: user } : {}) };
  } catch {
    return {};
  }
}

const problem = (res: Response, status: number, error: string) => res.status(status).json({ error });

/**
 * HTTP ingest of the User Module's real-time events. Each event is checked against the streaming contract
 * (`schema/events` parseEvent, the same function the consumer applies). Valid ones are published to their tenant's
 * shard stream with the usual attributes; refused ones are dead-lettered with their original bytes and the reason,
 * exactly as the consumer dead-letters (`EventBus.deadLetter` on the same shard's `:dlq` stream, shard 0 when the
 * tenant is unreadable), so `analytics stream dlq list|replay` sees both. Answers: 202 all published, 400 all refused,
 * 207 some of each, 503 when the bus failed for some (those are marked `failed`: resend them; the consumer drops the
 * duplicates of the others by event id), 413 over the request limits (nothing is kept: split and resend).
 */
export function createEventProcessor(deps: EventProcessorDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    if (req.method !== 'POST') {
      res.set('allow', 'POST');
      problem(res, 405, 'POST events to this endpoint');
      return;
    }
    const size = req.rawBody?.length ?? 0;
    if (size > MAX_REQUEST_BYTES) {
      problem(res, 413, `request body is ${size} bytes; at most ${MAX_REQUEST_BYTES}`);
      return;
    }
    const events = eventsOf(req);
    if (events.length === 0) {
      problem(res, 400, 'no events in the request body');
      return;
    }
    if (events.length > MAX_EVENTS_PER_REQUEST) {
      problem(res, 413, `${events.length} events in one request; at most ${MAX_EVENTS_PER_REQUEST}`);
      return;
    }
    const requestId = req.get('function-execution-id') ?? randomUUID();
    const results: EventResult[] = new Array<EventResult>(events.length);
    const toPublish = new Map<string, { index: number; eventId: string; message: OutgoingMessage }[]>();
    const toDeadLetter = new Map<string, { index: number; letter: DeadLetterInput; reason: DeadLetterReason }[]>();
    events.forEach((data, index) => {
      const parsed = parseEvent(data);
      if (parsed.ok) {
        const stream = streamOfShard(shardOf(parsed.event.tenant_id, deps.shards));
        const list = toPublish.get(stream) ?? [];
        list.push({
          index,
          eventId: parsed.event.event_id,
          message: { data, attributes: eventAttributes(parsed.event) },
        });
        toPublish.set(stream, list);
      } else {
        const ids = looseIds(data);
        const stream = streamOfShard(ids.tenant_id ? shardOf(ids.tenant_id, deps.shards) : 0);
        const list = toDeadLetter.get(stream) ?? [];
        list.push({
          index,
          reason: parsed.reason,
          letter: {
            data,
            attributes: { ...ids, ingest: 'http' },
            reason: parsed.reason,
            detail: parsed.detail,
            sourceId: `http:${requestId}:${index}`,
          },
        });
        toDeadLetter.set(stream, list);
      }
    });
    const failure = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 300);
    await Promise.all([
      ...[...toPublish].map(async ([stream, items]) => {
        try {
          const ids = await deps.bus.publish(
            stream,
            items.map((i) => i.message),
          );
          items.forEach((i, k) => {
            results[i.index] = {
              index: i.index,
              status: 'published',
              event_id: i.eventId,
              message_id: ids[k] ?? '',
              stream,
            };
          });
        } catch (error) {
          deps.log('ERROR', 'eventProcessor: publish failed', { stream, events: items.length, error: failure(error) });
          for (const i of items) results[i.index] = { index: i.index, status: 'failed', error: failure(error) };
        }
      }),
      ...[...toDeadLetter].map(async ([stream, items]) => {
        try {
          await deps.bus.deadLetter(
            stream,
            items.map((i) => i.letter),
          );
          for (const i of items) {
            results[i.index] = {
              index: i.index,
              status: 'refused',
              reason: i.reason,
              detail: i.letter.detail,
              dead_letter_stream: `${stream}:dlq`,
            };
          }
        } catch (error) {
          deps.log('ERROR', 'eventProcessor: dead-letter failed', {
            stream,
            events: items.length,
            error: failure(error),
          });
          for (const i of items) results[i.index] = { index: i.index, status: 'failed', error: failure(error) };
        }
      }),
    ]);
    const count = (s: EventResult['status']) => results.filter((r) => r.status === s).length;
    const [published, refused, failed] = [count('published'), count('refused'), count('failed')];
    deps.log(failed ? 'ERROR' : refused ? 'WARNING' : 'INFO', 'eventProcessor: request handled', {
      requestId,
      published,
      refused,
      failed,
    });
    const status = failed > 0 ? 503 : refused === 0 ? 202 : published === 0 ? 400 : 207;
    res.status(status).json({ published, refused, failed, results });
  };
}
