import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import {
  lakePartitionLock,
  type BusMessage,
  type EventBus,
  type NotificationLog,
  type Notifier,
  type ObjectStore,
  type ParquetWriter,
  type PartitionFile,
  type PartitionLock,
  type StreamStore,
  type Warehouse,
} from '../../adapters/ports';
import { findTable } from '../../schema/warehouse';
import { factStreamEvents } from '../../schema/warehouse/streaming';
import type { Dataset } from '../../schema/warehouse/types';
import { processorConfigSchema, ShardProcessor } from '../../streaming/processor';
import type { AcceptedEvent, BatchOutput, Incident } from '../../streaming/types';
import type { ConsumeSegmentResult } from '../../workflows/stream-contract';

/** What the stream activities need. */
export interface StreamDeps {
  bus: EventBus;
  streams: StreamStore;
  warehouse: Warehouse;
  store: ObjectStore;
  parquet: ParquetWriter;
  notifier: Notifier;
  notifications: NotificationLog;
  /** The lake partition lock: the hourly archive and a GDPR rewrite of the same raw partition never interleave. */
  lock: PartitionLock;
  dataset: Dataset;
  ui: { url: string; namespace: string };
  /** Stream metrics on the worker's Prometheus endpoint. @default none */
  metrics?: StreamMetrics;
  /** Wall clock (tests). @default Date.now */
  now?: () => number;
}

/** Stream gauges and counters (workers/pipeline-metrics.ts implements them on the SDK runtime's meter). */
export interface StreamMetrics {
  batch(shard: number, counts: BatchOutput['counts'], lag: number | undefined): void;
  windowsProjected(shard: number, rows: number, watermark: string | undefined): void;
}

export interface ConsumeShardInput {
  shard: number;
  stream: string;
  group: string;
  maxBatches: number;
  maxDurationMs: number;
  batchSize: number;
  pullWaitMs: number;
  projectEveryMs: number;
  /** Stop when a pull finds nothing (after projecting every window). */
  drain: boolean;
  processor: Record<string, unknown>;
}

const FAR_FUTURE = '9999-12-31T00:00:00.000Z';
const ARCHIVE_BATCHES = 50;
const HOUR_MS = 3_600_000;

/** One archived event as a `fact_stream_events` row (the envelope flattened; absent fields NULL). */
function archiveRow(a: AcceptedEvent, shard: number): Record<string, unknown> {
  const e = a.event as unknown as {
    event_id: string;
    type: string;
    tenant_id: string;
    user_id?: string;
    occurred_at: string;
    payload: Record<string, unknown>;
  };
  const p = e.payload;
  const text = (v: unknown) => (v === undefined || v === null ? null : typeof v === 'string' ? v : JSON.stringify(v));
  const int = (v: unknown) => (v === undefined || v === null ? null : Number(v));
  return {
    event_id: e.event_id,
    event_date: e.occurred_at.slice(0, 10),
    tenant_id: e.tenant_id,
    user_id: e.user_id ?? null,
    occurred_at: e.occurred_at,
    type: e.type,
    shard,
    message_id: a.messageId,
    session_id: text(p.session_id),
    outcome: text(p.outcome),
    failure_reason: text(p.failure_reason),
    attempted_email: text(p.attempted_email),
    ip: text(p.ip),
    user_agent: text(p.user_agent),
    device: text(p.device),
    feature: text(p.feature),
    action: text(p.action),
    endpoint: text(p.endpoint),
    method: text(p.method),
    status_code: int(p.status),
    latency_ms: int(p.latency_ms),
  };
}
const ZERO_COUNTS = { received: 0, processed: 0, deadLettered: 0, duplicates: 0, redeliveries: 0 };

/** How far back a restarted consumer re-reads its committed events: the lateness bound plus the incident lookback. */
const horizonMs = (c: { allowedLatenessMs: number; bruteForce: { windowMs: number } }) =>
  c.allowedLatenessMs + c.bruteForce.windowMs + 60_000;

export function createStreamActivities(deps: StreamDeps) {
  const now = deps.now ?? Date.now;

  /**
   * Moves the shard's changed, closed windows (and its incidents) into the warehouse: each table's rows as one
   * Parquet file merged on the primary key, so a repeat changes nothing. Runs beside the consume loop, never inside
   * it: a warehouse held by the daily load (DuckDB has one writer per file) delays the projection, not the stream.
   */
  let datasetReady = false;
  async function project(shard: number, watermark: string | undefined): Promise<number> {
    if (!watermark) return 0;
    const changes = await deps.streams.changesSince(String(shard), watermark);
    const tables = Object.entries(changes.tables);
    if (tables.length === 0) return 0;
    if (!datasetReady) {
      // Here, not at the start of the segment: a warehouse held by the daily load must not delay consuming.
      await deps.warehouse.ensureDataset(deps.dataset);
      datasetReady = true;
    }
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), `stream-${shard}-`));
    let rows = 0;
    try {
      for (const [name, tableRows] of tables) {
        const table = findTable(deps.dataset, name);
        const file = path.join(dir, `${name}.parquet`);
        await deps.parquet.fromRows(tableRows, table, file);
        const key = `_stream/shard=${shard}/${name}-v${changes.version}.parquet`;
        await deps.store.putFile('processed', key, file);
        try {
          await deps.warehouse.mergeDimension({
            dataset: deps.dataset,
            table: name,
            parquetFiles: [deps.store.uri('processed', key)],
            jobKey: `stream-${shard}-${name}-v${changes.version}`,
          });
        } finally {
          await deps.store.delete('processed', key);
        }
        rows += tableRows.length;
      }
      await deps.streams.markProjected(String(shard), changes.version, watermark);
      deps.metrics?.windowsProjected(shard, rows, watermark);
      return rows;
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Archives the shard's committed events of every hour the watermark closed (minus the allowed lateness) to the raw
   * zone, one Parquet file per day and archive run (`fact_stream_events/dt=<day>/shard=<n>-from-<batch>.parquet`)
   * added to the day's partition under its lock, then deletes archived batches older than the restart horizon.
   * Idempotent: a repeat rewrites the same file name, since the range always starts at the first unarchived batch.
   * Takes at most ARCHIVE_BATCHES batches (10k-event batches: 500k rows in memory) and returns how many it took.
   */
  async function archive(shard: number, watermark: string | undefined, lateness: number, horizon: number) {
    if (!watermark) return 0;
    const boundary = new Date(Math.floor((Date.parse(watermark) - lateness) / HOUR_MS) * HOUR_MS).toISOString();
    const batches = await deps.streams.unarchived(String(shard), boundary, ARCHIVE_BATCHES);
    if (batches.length > 0) {
      const first = batches[0]!.batch;
      const byDay = new Map<string, Record<string, unknown>[]>();
      for (const b of batches) {
        for (const a of b.events) {
          const row = archiveRow(a, shard);
          const day = String(row.event_date);
          const rows = byDay.get(day);
          if (rows) rows.push(row);
          else byDay.set(day, [row]);
        }
      }
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), `stream-archive-${shard}-`));
      try {
        for (const [day, rows] of byDay) {
          const name = `shard=${shard}-from-${first}.parquet`;
          const file = path.join(dir, `${day}-${name}`);
          await deps.parquet.fromRows(rows, factStreamEvents, file);
          const prefix = `${factStreamEvents.name}/dt=${day}`;
          await deps.lock(lakePartitionLock('raw', prefix), async (held) => {
            const current = await deps.store.readPartition('raw', prefix);
            const files: PartitionFile[] = [];
            for (const key of current?.keys ?? []) {
              const base = path.posix.basename(key);
              if (base === name) continue; // this run's earlier attempt: replaced below
              const local = path.join(dir, `keep-${files.length}-${base}`);
              await deps.store.download('raw', key, local);
              files.push({ name: base, path: local });
            }
            files.push({ name, path: file });
            held.throwIfAborted();
            await deps.store.replacePartition('raw', prefix, files);
          });
        }
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
      await deps.streams.markArchived(
        String(shard),
        batches.map((b) => b.batch),
      );
    }
    await deps.streams.prune(String(shard), new Date(Date.parse(watermark) - horizon).toISOString());
    return batches.length;
  }

  /** Notifies each new incident once (claimed in the notification log), then marks it notified. */
  async function notifyIncidents(shard: number): Promise<void> {
    for (const incident of await deps.streams.unnotifiedIncidents(String(shard))) {
      const key = `stream-incident:${incident.incidentId}`;
      if (await deps.notifications.claim(key, { rule: incident.rule, tenant: incident.tenantId })) {
        await deps.notifier.notify(incidentNotification(incident));
        await deps.notifications.markSent(key);
      }
      await deps.streams.markNotified([incident.incidentId], new Date(now()));
    }
  }

  return {
    /**
     * One segment of a shard's consumer: pull a batch, process it (streaming/processor.ts), dead-letter what it
     * refused, commit the batch's output in one transaction, and only then acknowledge it; heartbeat each batch. A
     * crash anywhere before the ack redelivers the batch, and the committed event ids make the repeat a no-op.
     * Returns after `maxBatches` or `maxDurationMs`, or when a drain finds the stream empty; on cancellation (pause,
     * drain) it finishes the batch in hand, then rethrows the cancellation.
     */
    async consumeShard(input: ConsumeShardInput): Promise<ConsumeSegmentResult> {
      const ctx = Context.current();
      const signal = ctx.cancellationSignal;
      const started = now();
      const shard = String(input.shard);
      const config = processorConfigSchema.parse({ idleAdvanceMs: 15_000, ...input.processor });
      const loaded = await deps.streams.load(shard, horizonMs(config));
      const processor = new ShardProcessor(config, loaded.snapshot);
      const checkpoint = loaded.checkpoint;
      const result: ConsumeSegmentResult = {
        batches: 0,
        received: 0,
        processed: 0,
        deadLettered: 0,
        duplicates: 0,
        redeliveries: 0,
        incidents: 0,
        ...(checkpoint?.watermark ? { watermark: checkpoint.watermark } : {}),
        durationMs: 0,
        stoppedBy: 'segment',
      };
      const subscription = await deps.bus.subscribe(input.stream, input.group, `shard-${shard}`);
      // Side work (projection, notifications) runs one at a time beside the loop; its failures surface at the end.
      let side: Promise<void> | undefined;
      let sideFailures = 0;
      let lastSide = 0;
      const startSide = (force = false) => {
        if (side || (!force && now() - lastSide < input.projectEveryMs)) return;
        lastSide = now();
        const watermark = result.watermark;
        side = (async () => {
          await notifyIncidents(input.shard);
          await project(input.shard, watermark);
          await archive(input.shard, watermark, config.allowedLatenessMs, horizonMs(config));
          const backlog = await subscription.backlog();
          deps.metrics?.batch(input.shard, ZERO_COUNTS, backlog);
        })()
          .catch((err: unknown) => {
            // The warehouse may be held by the daily load or an erasure: consuming goes on, the next tick retries.
            sideFailures++;
            ctx.log.warn('stream side work failed; retried on the next tick', {
              shard: input.shard,
              error: err instanceof Error ? err.message : String(err),
            });
          })
          .finally(() => {
            side = undefined;
          });
      };

      // The next batch is pulled while this one is processed and committed: the bus holds it unacknowledged meanwhile,
      // and a stop with one in hand leaves it to the next subscriber (Redis: its pending list, read first; Pub/Sub:
      // after the ack deadline). Pulls stay sequential, so batches keep their order.
      let prefetched: Promise<BusMessage[]> | undefined;
      const pull = () => subscription.pull(input.batchSize, input.pullWaitMs);
      const segmentEnds = () => result.batches >= input.maxBatches || now() - started >= input.maxDurationMs;
      try {
        while (!signal.aborted) {
          if (segmentEnds()) break;
          const messages = await (prefetched ?? pull());
          prefetched = undefined;
          if (messages.length === 0 && input.drain) {
            result.stoppedBy = 'drained';
            break;
          }
          if (messages.length > 0 && result.batches + 1 < input.maxBatches) {
            prefetched = pull();
            prefetched.catch(() => undefined); // surfaces when awaited, at the top of the next turn
          }
          // A message refused (and committed) before a crash comes back once more: it is not refused twice.
          const fresh = messages.filter((m) => !loaded.refusedIds.has(m.id));
          // An empty pull still advances the watermark (idle advance) and times sessions out.
          const output = processor.process(
            fresh.map((m) => ({ id: m.id, data: m.data })),
            new Date(now()),
          );
          output.counts.received += messages.length - fresh.length;
          output.counts.redeliveries += messages.length - fresh.length;
          if (messages.length > 0 || changesState(output, result.watermark)) {
            await deadLetter(deps.bus, input.stream, messages, output);
            await deps.streams.commit(shard, output);
            await subscription.ack(messages.map((m) => m.id));
            if (messages.length > 0) result.batches++;
            result.received += output.counts.received;
            result.processed += output.counts.processed;
            result.deadLettered += output.counts.deadLettered;
            result.duplicates += output.counts.duplicates;
            result.redeliveries += output.counts.redeliveries;
            result.incidents += output.incidents.length;
            result.watermark = output.watermark;
            if (output.incidents.length > 0) startSide(true);
            deps.metrics?.batch(input.shard, output.counts, undefined);
          }
          startSide();
          ctx.heartbeat({
            batches: result.batches,
            processed: result.processed,
            watermark: result.watermark,
            sideFailures,
          });
        }
        if (side) await side;
        // Leave nothing behind: a segment projects what its watermark closed; a drained consumer projects every
        // window as it stands, open ones included (a later change to one is projected again when consuming resumes).
        // A drain must leave the warehouse complete (a failure retries the activity); a segment that cannot reach the
        // warehouse now leaves it to the next segment.
        const finish = async () => {
          await notifyIncidents(input.shard);
          await project(input.shard, result.stoppedBy === 'drained' ? FAR_FUTURE : result.watermark);
          const archiveAll = () => archive(input.shard, result.watermark, config.allowedLatenessMs, horizonMs(config));
          while ((await archiveAll()) === ARCHIVE_BATCHES) ctx.heartbeat({ archiving: true });
        };
        if (result.stoppedBy === 'drained') await finish();
        else {
          await finish().catch((err: unknown) => {
            sideFailures++;
            ctx.log.warn('stream projection at the end of a segment failed; the next segment retries it', {
              shard: input.shard,
              error: err instanceof Error ? err.message : String(err),
            });
          });
        }
        const backlog = await subscription.backlog();
        if (backlog !== undefined) result.backlog = backlog;
      } finally {
        if (prefetched) await prefetched.catch(() => undefined);
        if (side) await side;
        await subscription.close();
      }
      result.durationMs = now() - started;
      if (signal.aborted && result.stoppedBy !== 'drained') {
        result.stoppedBy = 'cancelled';
        // The batch in hand is committed and acknowledged: report the cancellation as the SDK expects.
        throw signal.reason instanceof Error ? signal.reason : new Error('cancelled');
      }
      return result;
    },
  };
}

/** An empty pull is committed only when it moved the watermark or closed sessions (else it would write nothing). */
function changesState(o: BatchOutput, watermark: string | undefined): boolean {
  return o.watermark !== watermark || o.closedSessionIds.length > 0 || o.sessions.length > 0;
}

/** Records the batch's refused messages, with their original bytes, in the stream's dead-letter stream. */
async function deadLetter(bus: EventBus, stream: string, messages: BusMessage[], o: BatchOutput): Promise<void> {
  if (o.refused.length === 0) return;
  const byId = new Map(messages.map((m) => [m.id, m]));
  await bus.deadLetter(
    stream,
    o.refused.map((r) => {
      const m = byId.get(r.messageId);
      return {
        data: m?.data ?? Buffer.alloc(0),
        attributes: m?.attributes ?? {},
        reason: r.reason,
        detail: r.detail,
        sourceId: r.messageId,
      };
    }),
  );
}

function incidentNotification(i: Incident) {
  const what =
    i.rule === 'brute_force_account'
      ? `${i.failures} failed logins against one account`
      : i.rule === 'brute_force_ip'
        ? `${i.failures} failed logins from one IP`
        : `a successful login after ${i.failures} failures`;
  return {
    severity: i.rule === 'success_after_failures' ? ('error' as const) : ('warn' as const),
    title: `Security incident (${i.rule}) in tenant ${i.tenantId}`,
    text:
      `${what} since ${i.firstFailureAt}; detected ${i.detectionLatencyMs} ms after the triggering event. ` +
      `Incident ${i.incidentId} (table stream_security_incidents).`,
  };
}
