import type pg from 'pg';
import { postgresStreamDdl, POSTGRES_TYPES } from '../../schema/generate/postgres';
import { userAnalytics } from '../../schema/warehouse';
import type { Dataset, Table } from '../../schema/warehouse/types';
import { mergeSketchJson, quantilesOfSketchJson } from '../../streaming/ddsketch';
import type { AcceptedEvent, BatchOutput, Incident, OpenSession, ProcessorSnapshot } from '../../streaming/types';
import type { Probe, StreamChanges, StreamCheckpoint, StreamStore, SubjectRef } from '../ports';
import { classify, sourcePool, type PostgresSourceOptions } from '../source/postgres';

type Row = Record<string, unknown>;

const WINDOW_MS = 60_000;
const day = (iso: string) => iso.slice(0, 10);
/** A PostgreSQL value as text (node-postgres gives strings, numbers and Dates). */
const str = (v: unknown): string =>
  typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : typeof v === 'number' ? `${v}` : JSON.stringify(v);
const iso = (v: unknown): string | undefined =>
  v === null || v === undefined ? undefined : v instanceof Date ? v.toISOString() : new Date(str(v)).toISOString();
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** A person in `raw_batches.user_ids`: user ids are per tenant, so `<tenant>:<user>`. */
const personKey = (e: { tenant_id: string; user_id?: string }) => `${e.tenant_id}:${e.user_id ?? ''}`;

/** Whether an accepted event names the person: their user id in their tenant, or their email in it. */
function names(a: AcceptedEvent, tenantId: string, userId: string, email: string): { mine: boolean; named: boolean } {
  const e = a.event as unknown as { tenant_id: string; user_id?: string; payload: Record<string, unknown> };
  if (e.tenant_id !== tenantId) return { mine: false, named: false };
  return {
    mine: e.user_id === userId,
    named: str(e.payload.attempted_email ?? '').toLowerCase() === email,
  };
}

/**
 * How a delta merges into its window row: the key columns, and `merge(existing | undefined, delta) → full row`.
 * Counters add; sketches merge (exactly: DDSketch bucket counts add) and the quantiles are recomputed from the merged
 * sketch, so a row is always the aggregate of every event applied to it.
 */
interface WindowTable<D> {
  table: string;
  keys: string[];
  deltas: (o: BatchOutput) => D[];
  merge: (existing: Row | undefined, delta: D) => Row;
  /**
   * Counter-only tables: the columns PostgreSQL adds up itself in the upsert (`x = t.x + excluded.x`), with no read
   * of the existing rows. Tables with a sketch merge in TypeScript (read under `for update`, then written back).
   */
  counters?: string[];
}

const windowColumns = (d: { windowStart: string; tenantId: string }) => ({
  window_start: d.windowStart,
  window_date: day(d.windowStart),
  tenant_id: d.tenantId,
});

const WINDOW_TABLES: WindowTable<never>[] = [
  {
    table: 'stream_login_attempts_1m',
    keys: ['window_start', 'tenant_id', 'outcome', 'failure_reason'],
    counters: ['attempts'],
    deltas: (o) => o.logins,
    merge: (e, d) => ({
      ...windowColumns(d),
      outcome: d.outcome,
      failure_reason: d.failureReason,
      attempts: num(e?.attempts) + d.attempts,
    }),
  } satisfies WindowTable<BatchOutput['logins'][number]>,
  {
    table: 'stream_feature_usage_1m',
    keys: ['window_start', 'tenant_id', 'feature'],
    counters: ['events'],
    deltas: (o) => o.features,
    merge: (e, d) => ({ ...windowColumns(d), feature: d.feature, events: num(e?.events) + d.events }),
  } satisfies WindowTable<BatchOutput['features'][number]>,
  {
    table: 'stream_api_performance_1m',
    keys: ['window_start', 'tenant_id', 'endpoint', 'method'],
    deltas: (o) => o.apis,
    merge: (e, d) => {
      const sketch = e ? mergeSketchJson(String(e.latency_sketch), d.latencySketch) : d.latencySketch;
      const [p50, p95, p99] = quantilesOfSketchJson(sketch, [0.5, 0.95, 0.99]);
      return {
        ...windowColumns(d),
        endpoint: d.endpoint,
        method: d.method,
        requests: num(e?.requests) + d.requests,
        status_4xx: num(e?.status_4xx) + d.status4xx,
        status_5xx: num(e?.status_5xx) + d.status5xx,
        latency_ms_sum: num(e?.latency_ms_sum) + d.latencyMsSum,
        latency_p50_ms: p50 ?? 0,
        latency_p95_ms: p95 ?? 0,
        latency_p99_ms: p99 ?? 0,
        latency_sketch: sketch,
      };
    },
  } satisfies WindowTable<BatchOutput['apis'][number]>,
  {
    table: 'stream_sessions_1m',
    keys: ['window_start', 'tenant_id'],
    deltas: (o) => o.sessions,
    merge: (e, d) => {
      const sketch = e ? mergeSketchJson(String(e.duration_sketch), d.durationSketch) : d.durationSketch;
      const closed = num(e?.sessions_ended) + d.ended + num(e?.sessions_timed_out) + d.timedOut;
      const [p50, p95] = closed > 0 ? quantilesOfSketchJson(sketch, [0.5, 0.95]) : [undefined, undefined];
      return {
        ...windowColumns(d),
        sessions_started: num(e?.sessions_started) + d.started,
        sessions_ended: num(e?.sessions_ended) + d.ended,
        sessions_timed_out: num(e?.sessions_timed_out) + d.timedOut,
        duration_seconds_sum: num(e?.duration_seconds_sum) + d.durationSecondsSum,
        duration_p50_seconds: p50 ?? null,
        duration_p95_seconds: p95 ?? null,
        duration_sketch: sketch,
      };
    },
  } satisfies WindowTable<BatchOutput['sessions'][number]>,
] as unknown as WindowTable<never>[];

const INCIDENTS = 'stream_security_incidents';

function incidentRow(i: Incident): Row {
  const account = i.subjectKind === 'account';
  return {
    incident_id: i.incidentId,
    window_date: day(i.triggerOccurredAt),
    tenant_id: i.tenantId,
    rule: i.rule,
    subject_kind: i.subjectKind,
    user_id: i.userId ?? null,
    attempted_email: account && !i.userId ? i.subject : null,
    ip: account ? null : i.subject,
    failures: i.failures,
    first_failure_at: i.firstFailureAt,
    trigger_event_id: i.triggerEventId,
    trigger_occurred_at: i.triggerOccurredAt,
    detected_at: i.detectedAt,
    detection_latency_ms: i.detectionLatencyMs,
    status: 'open',
    notified_at: null,
  };
}

function incidentOf(r: Row): Incident {
  return {
    incidentId: String(r.incident_id),
    rule: r.rule as Incident['rule'],
    tenantId: String(r.tenant_id),
    subjectKind: r.subject_kind as Incident['subjectKind'],
    subject: str(r.user_id ?? r.attempted_email ?? r.ip ?? ''),
    ...(r.user_id ? { userId: str(r.user_id) } : {}),
    failures: num(r.failures),
    firstFailureAt: iso(r.first_failure_at)!,
    triggerEventId: String(r.trigger_event_id),
    triggerOccurredAt: iso(r.trigger_occurred_at)!,
    detectedAt: iso(r.detected_at)!,
    detectionLatencyMs: num(r.detection_latency_ms),
  };
}

function checkpointOf(r: Row): StreamCheckpoint {
  const watermark = iso(r.watermark);
  const lastProjectedAt = iso(r.last_projected_at);
  return {
    shard: String(r.shard),
    ...(watermark ? { watermark } : {}),
    batches: num(r.batches),
    received: num(r.received),
    processed: num(r.processed),
    deadLettered: num(r.dead_lettered),
    duplicates: num(r.duplicates),
    redeliveries: num(r.redeliveries),
    projectedVersion: num(r.projected_version),
    ...(lastProjectedAt ? { lastProjectedAt } : {}),
    updatedAt: iso(r.updated_at)!,
  };
}

/** `x(col type, …)` for jsonb_to_recordset over the named columns of a table. */
function recordType(table: Table, columns: readonly string[]): string {
  return columns
    .map((name) => {
      const column = table.columns.find((c) => c.name === name);
      if (!column) throw new Error(`${table.name} has no column ${name}`);
      return `${name} ${POSTGRES_TYPES[column.type]}`;
    })
    .join(', ');
}

/** Warehouse values: timestamps as ISO strings, dates as YYYY-MM-DD, numbers as numbers. */
function warehouseRow(table: Table, r: Row): Row {
  const out: Row = {};
  for (const c of table.columns) {
    const v = r[c.name];
    if (v === null || v === undefined) out[c.name] = null;
    else if (c.type === 'TIMESTAMP') out[c.name] = iso(v);
    else if (c.type === 'DATE') out[c.name] = str(v).slice(0, 10);
    else if (c.type === 'INT64' || c.type === 'FLOAT64') out[c.name] = Number(v);
    else out[c.name] = v;
  }
  return out;
}

/**
 * StreamStore in PostgreSQL: schema `stream` on the source server locally, a Cloud SQL database on gcp. The DDL is
 * generated from the warehouse definitions (schema/generate/postgres.ts) and applied idempotently before first use.
 */
export class PostgresStreamStore implements StreamStore {
  readonly pool: pg.Pool;
  private ready?: Promise<void>;

  constructor(
    options: PostgresSourceOptions,
    private readonly dataset: Dataset = userAnalytics,
  ) {
    this.pool = sourcePool({ ...options, maxConnections: 4 }, 'hire10x-analytics-stream');
  }

  private table(name: string): Table {
    const t = this.dataset.tables.find((x) => x.name === name);
    if (!t) throw new Error(`the dataset has no stream table ${name}`);
    return t;
  }

  private ensure(): Promise<void> {
    this.ready ??= (async () => {
      const client = await this.pool.connect();
      try {
        // One applier at a time: concurrent `create … if not exists` can still collide on the catalog.
        await client.query('select pg_advisory_lock(7243019551063743)');
        try {
          await client.query(postgresStreamDdl(this.dataset));
        } finally {
          await client.query('select pg_advisory_unlock(7243019551063743)');
        }
      } finally {
        client.release();
      }
    })().catch((err: unknown) => {
      this.ready = undefined;
      throw classify(err, 'create the stream store schema');
    });
    return this.ready;
  }

  private async tx<T>(what: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    await this.ensure();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw classify(err, `${what}: connect`);
    }
    try {
      await client.query('begin');
      const result = await fn(client);
      await client.query('commit');
      return result;
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw classify(err, what);
    } finally {
      client.release();
    }
  }

  private async read(what: string, sql: string, params: unknown[] = []): Promise<Row[]> {
    await this.ensure();
    try {
      return (await this.pool.query(sql, params)).rows as Row[];
    } catch (err) {
      throw classify(err, what);
    }
  }

  async ping(): Promise<Probe> {
    const started = Date.now();
    await this.ensure();
    const rows = await this.read('ping', 'select count(*)::int as shards from stream.checkpoints');
    return { detail: `stream store: ${num(rows[0]?.shards)} shard(s) (${Date.now() - started} ms)` };
  }

  async load(
    shard: string,
    horizonMs: number,
  ): Promise<{
    checkpoint?: StreamCheckpoint;
    snapshot: ProcessorSnapshot;
    refusedIds: Set<string>;
  }> {
    const [cp] = await this.read('load checkpoint', 'select * from stream.checkpoints where shard = $1', [shard]);
    const checkpoint = cp ? checkpointOf(cp) : undefined;
    const sessions = await this.read(
      'load open sessions',
      'select * from stream.open_sessions where shard = $1 order by session_id',
      [shard],
    );
    const openSessions = sessions.map((r): OpenSession => ({
      sessionId: String(r.session_id),
      tenantId: String(r.tenant_id),
      ...(r.user_id ? { userId: str(r.user_id) } : {}),
      startedAt: iso(r.started_at)!,
      lastSeenAt: iso(r.last_seen_at)!,
    }));
    const recent: AcceptedEvent[] = [];
    const refusedIds = new Set<string>();
    for (const r of await this.read(
      'load refused ids',
      `select unnest(refused_ids) as id from stream.raw_batches
       where shard = $1 and committed_at >= now() - make_interval(secs => $2::double precision / 1000)`,
      [shard, horizonMs],
    )) {
      refusedIds.add(String(r.id));
    }
    if (checkpoint?.watermark) {
      const bound = new Date(Date.parse(checkpoint.watermark) - horizonMs).toISOString();
      // The horizon's events, and every event of the last batches whatever its time: those are what a crash before
      // the ack redelivers, and their events may lie behind a watermark their own batch advanced.
      const batches = await this.read(
        'load recent events',
        `select body, batch >= $3 as last from stream.raw_batches
         where shard = $1 and (max_occurred_at >= $2 or batch >= $3) order by batch`,
        [shard, bound, checkpoint.batches - 2],
      );
      for (const b of batches) {
        for (const a of JSON.parse(String(b.body)) as AcceptedEvent[]) {
          if (b.last === true || a.event.occurred_at >= bound) recent.push(a);
        }
      }
    }
    return {
      ...(checkpoint ? { checkpoint } : {}),
      snapshot: { ...(checkpoint?.watermark ? { watermark: checkpoint.watermark } : {}), openSessions, recent },
      refusedIds,
    };
  }

  commit(shard: string, o: BatchOutput): Promise<StreamCheckpoint> {
    return this.tx(`commit a batch of shard ${shard}`, async (c) => {
      const { rows } = await c.query(
        `insert into stream.checkpoints as k
           (shard, watermark, batches, received, processed, dead_lettered, duplicates, redeliveries, updated_at)
         values ($1, $2, 1, $3, $4, $5, $6, $7, now())
         on conflict (shard) do update set
           watermark = greatest(k.watermark, excluded.watermark),
           batches = k.batches + 1,
           received = k.received + excluded.received,
           processed = k.processed + excluded.processed,
           dead_lettered = k.dead_lettered + excluded.dead_lettered,
           duplicates = k.duplicates + excluded.duplicates,
           redeliveries = k.redeliveries + excluded.redeliveries,
           updated_at = now()
         returning *`,
        [
          shard,
          o.watermark,
          o.counts.received,
          o.counts.processed,
          o.counts.deadLettered,
          o.counts.duplicates,
          o.counts.redeliveries,
        ],
      );
      const checkpoint = checkpointOf(rows[0] as Row);
      if (o.accepted.length > 0 || o.refused.length > 0) {
        const times = o.accepted.map((a) => a.event.occurred_at).sort();
        const users = [...new Set(o.accepted.flatMap((a) => (a.event.user_id ? [personKey(a.event)] : [])))];
        await c.query(
          `insert into stream.raw_batches
             (shard, batch, min_occurred_at, max_occurred_at, events, user_ids, body, refused_ids)
           values ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            shard,
            checkpoint.batches,
            times[0] ?? null,
            times[times.length - 1] ?? null,
            o.accepted.length,
            users,
            JSON.stringify(o.accepted),
            o.refused.map((r) => r.messageId),
          ],
        );
      }
      for (const w of WINDOW_TABLES) await this.applyDeltas(c, shard, w, w.deltas(o));
      if (o.openedSessions.length > 0) {
        await c.query(
          `insert into stream.open_sessions (session_id, shard, tenant_id, user_id, started_at, last_seen_at)
           select s.session_id, $1, s.tenant_id, s.user_id, s.started_at, s.last_seen_at
           from jsonb_to_recordset($2::jsonb) as s(session_id text, tenant_id text, user_id text, started_at timestamptz, last_seen_at timestamptz)
           on conflict (session_id) do update set last_seen_at = greatest(stream.open_sessions.last_seen_at, excluded.last_seen_at)`,
          [
            shard,
            JSON.stringify(
              o.openedSessions.map((s) => ({
                session_id: s.sessionId,
                tenant_id: s.tenantId,
                user_id: s.userId ?? null,
                started_at: s.startedAt,
                last_seen_at: s.lastSeenAt,
              })),
            ),
          ],
        );
      }
      if (o.closedSessionIds.length > 0) {
        await c.query('delete from stream.open_sessions where shard = $1 and session_id = any($2)', [
          shard,
          o.closedSessionIds,
        ]);
      }
      if (o.incidents.length > 0) {
        const t = this.table(INCIDENTS);
        const cols = t.columns.map((x) => x.name);
        await c.query(
          `insert into stream.${INCIDENTS} (${cols.join(', ')}, shard, version)
           select ${cols.map((x) => `x.${x}`).join(', ')}, $1, nextval('stream.change_seq')
           from jsonb_to_recordset($2::jsonb) as x(${recordType(t, cols)})
           on conflict (incident_id) do nothing`,
          [shard, JSON.stringify(o.incidents.map(incidentRow))],
        );
      }
      if (o.refused.length > 0) {
        const byReason = new Map<string, number>();
        for (const r of o.refused) byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + 1);
        await c.query(
          `insert into stream.dead_letter_counts as d (shard, day, reason, messages)
           select $1, current_date, r.reason, r.messages from jsonb_to_recordset($2::jsonb) as r(reason text, messages bigint)
           on conflict (shard, day, reason) do update set messages = d.messages + excluded.messages`,
          [shard, JSON.stringify([...byReason].map(([reason, messages]) => ({ reason, messages })))],
        );
      }
      return checkpoint;
    });
  }

  /** Reads the rows the deltas touch (locked), merges in TypeScript, writes the full rows back with a new version. */
  private async applyDeltas(
    c: pg.PoolClient,
    shard: string,
    w: WindowTable<never>,
    deltas: readonly { windowStart: string; tenantId: string }[],
  ): Promise<void> {
    if (deltas.length === 0) return;
    const t = this.table(w.table);
    const merged = new Map<string, Row>();
    const keyOf = (r: Row) => JSON.stringify(w.keys.map((k) => (k === 'window_start' ? iso(r[k]) : r[k])));
    if (w.counters) {
      // One row per key (an upsert may touch a row once), summed here; PostgreSQL adds them to the stored row.
      for (const d of deltas) {
        const row = w.merge(undefined, d as never);
        const key = keyOf(row);
        const before = merged.get(key);
        if (before) for (const c of w.counters) before[c] = num(before[c]) + num(row[c]);
        else merged.set(key, row);
      }
      const cols = t.columns.map((x) => x.name).filter((x) => x !== 'updated_at');
      await c.query(
        `insert into stream.${w.table} as t (${cols.join(', ')}, updated_at, shard, version)
         select ${cols.map((x) => `x.${x}`).join(', ')}, now(), $1, nextval('stream.change_seq')
         from jsonb_to_recordset($2::jsonb) as x(${recordType(t, cols)})
         on conflict (${t.primaryKey.join(', ')}) do update set
           ${w.counters.map((x) => `${x} = t.${x} + excluded.${x}`).join(', ')},
           updated_at = now(), version = excluded.version`,
        [shard, JSON.stringify([...merged.values()])],
      );
      return;
    }
    const asRows = deltas.map((d) => ({ delta: d, row: w.merge(undefined, d as never) }));
    const { rows: existing } = await c.query(
      `select t.* from stream.${w.table} t
       join jsonb_to_recordset($1::jsonb) as k(${recordType(t, w.keys)}) using (${w.keys.join(', ')})
       for update of t`,
      [JSON.stringify(asRows.map((r) => Object.fromEntries(w.keys.map((k) => [k, r.row[k]]))))],
    );
    for (const e of existing as Row[]) merged.set(keyOf(e), e);
    for (const { delta, row } of asRows) {
      const key = keyOf(row);
      merged.set(key, w.merge(merged.get(key), delta as never));
    }
    const cols = t.columns.map((x) => x.name).filter((x) => x !== 'updated_at');
    const touched = new Set(asRows.map((a) => keyOf(a.row)));
    const changed = [...merged.entries()].filter(([k]) => touched.has(k)).map(([, r]) => r);
    await c.query(
      `insert into stream.${w.table} (${cols.join(', ')}, updated_at, shard, version)
       select ${cols.map((x) => `x.${x}`).join(', ')}, now(), $1, nextval('stream.change_seq')
       from jsonb_to_recordset($2::jsonb) as x(${recordType(t, cols)})
       on conflict (${t.primaryKey.join(', ')}) do update set
         ${cols
           .filter((x) => !t.primaryKey.includes(x))
           .map((x) => `${x} = excluded.${x}`)
           .join(', ')},
         updated_at = now(), version = excluded.version`,
      [shard, JSON.stringify(changed)],
    );
  }

  async changesSince(shard: string, closedBefore: string): Promise<StreamChanges> {
    const tables: StreamChanges['tables'] = {};
    let version = 0;
    for (const t of this.dataset.tables.filter((x) => x.kind === 'stream')) {
      const closed = t.name === INCIDENTS ? '' : `and window_start + interval '${WINDOW_MS} milliseconds' <= $2`;
      const rows = await this.read(
        `changes of ${t.name}`,
        `select * from stream.${t.name}
         where shard = $1 and version > coalesce(projected_version, 0) ${closed} order by version`,
        t.name === INCIDENTS ? [shard] : [shard, closedBefore],
      );
      if (rows.length === 0) continue;
      tables[t.name] = rows.map((r) => warehouseRow(t, r));
      version = Math.max(version, ...rows.map((r) => num(r.version)));
    }
    return { tables, version };
  }

  markProjected(shard: string, version: number, closedBefore: string): Promise<void> {
    return this.tx(`mark shard ${shard} projected`, async (c) => {
      for (const t of this.dataset.tables.filter((x) => x.kind === 'stream')) {
        const closed = t.name === INCIDENTS ? '' : `and window_start + interval '${WINDOW_MS} milliseconds' <= $3`;
        await c.query(
          `update stream.${t.name} set projected_version = version
           where shard = $1 and version <= $2 and version > coalesce(projected_version, 0) ${closed}`,
          t.name === INCIDENTS ? [shard, version] : [shard, version, closedBefore],
        );
      }
      await c.query(
        `update stream.checkpoints set projected_version = greatest(projected_version, $2), last_projected_at = now()
         where shard = $1`,
        [shard, version],
      );
    });
  }

  async unnotifiedIncidents(shard: string): Promise<Incident[]> {
    const rows = await this.read(
      'unnotified incidents',
      `select * from stream.${INCIDENTS} where shard = $1 and notified_at is null order by detected_at, incident_id`,
      [shard],
    );
    return rows.map(incidentOf);
  }

  async markNotified(incidentIds: readonly string[], at: Date): Promise<void> {
    if (incidentIds.length === 0) return;
    await this.read(
      'mark incidents notified',
      `update stream.${INCIDENTS} set notified_at = $2, version = nextval('stream.change_seq')
       where incident_id = any($1) and notified_at is null`,
      [incidentIds, at.toISOString()],
    );
  }

  async checkpoints(): Promise<StreamCheckpoint[]> {
    return (await this.read('checkpoints', 'select * from stream.checkpoints order by shard')).map(checkpointOf);
  }

  async deadLetterCounts(since: string): Promise<{ shard: string; reason: string; messages: number }[]> {
    const rows = await this.read(
      'dead-letter counts',
      `select shard, reason, sum(messages)::bigint as messages from stream.dead_letter_counts
       where day >= $1 group by shard, reason order by shard, reason`,
      [since],
    );
    return rows.map((r) => ({ shard: String(r.shard), reason: String(r.reason), messages: num(r.messages) }));
  }

  async unarchived(
    shard: string,
    before: string,
    maxBatches: number,
  ): Promise<{ batch: number; events: AcceptedEvent[] }[]> {
    const rows = await this.read(
      'unarchived batches',
      `select batch, body from stream.raw_batches
       where shard = $1 and archived_at is null and events > 0 and max_occurred_at < $2
       order by batch limit $3`,
      [shard, before, maxBatches],
    );
    return rows.map((r) => ({
      batch: num(r.batch),
      events: JSON.parse(String(r.body)) as AcceptedEvent[],
    }));
  }

  async markArchived(shard: string, batches: readonly number[]): Promise<void> {
    if (batches.length === 0) return;
    await this.read(
      'mark batches archived',
      'update stream.raw_batches set archived_at = now() where shard = $1 and batch = any($2::bigint[])',
      [shard, batches],
    );
  }

  async prune(shard: string, before: string): Promise<number> {
    const rows = await this.read(
      'prune archived batches',
      `delete from stream.raw_batches
       where shard = $1 and (archived_at is not null or events = 0) and coalesce(max_occurred_at, committed_at) < $2
       returning batch`,
      [shard, before],
    );
    return rows.length;
  }

  erase(subject: SubjectRef & { email: string; token: string }): Promise<Record<string, number>> {
    const { tenantId, userId, email, token } = subject;
    const lowerEmail = email.toLowerCase();
    return this.tx('erase a person from the stream store', async (c) => {
      const counts: Record<string, number> = {};
      const { rows } = await c.query<{ shard: string; batch: string; body: string }>(
        `select shard, batch::text, body from stream.raw_batches
         where user_ids @> array[$1]::text[] or position($2 in lower(body)) > 0
         for update`,
        [`${tenantId}:${userId}`, lowerEmail],
      );
      let events = 0;
      for (const r of rows) {
        const accepted = JSON.parse(r.body) as AcceptedEvent[];
        let changed = false;
        const rewritten = accepted.map((a) => {
          const e = a.event as unknown as { tenant_id: string; user_id?: string; payload: Record<string, unknown> };
          const { mine, named } = names(a, tenantId, userId, lowerEmail);
          if (!mine && !named) return a;
          changed = true;
          events++;
          const { attempted_email: _e, ip: _i, user_agent: _u, ...payload } = e.payload;
          return { ...a, event: { ...e, ...(mine ? { user_id: token } : {}), payload } } as unknown as AcceptedEvent;
        });
        if (!changed) continue; // the email matched another tenant's event only
        const users = [...new Set(rewritten.flatMap((a) => (a.event.user_id ? [personKey(a.event)] : [])))];
        await c.query('update stream.raw_batches set body = $3, user_ids = $4 where shard = $1 and batch = $2', [
          r.shard,
          r.batch,
          JSON.stringify(rewritten),
          users,
        ]);
      }
      counts['stream.raw_batches'] = events;
      counts['stream.open_sessions'] =
        (
          await c.query('update stream.open_sessions set user_id = $3 where tenant_id = $1 and user_id = $2', [
            tenantId,
            userId,
            token,
          ])
        ).rowCount ?? 0;
      counts[`stream.${INCIDENTS}`] =
        (
          await c.query(
            `update stream.${INCIDENTS} set
               user_id = case when user_id = $2 then $4 else user_id end,
               attempted_email = case when lower(attempted_email) = $3 then null else attempted_email end,
               ip = case when user_id = $2 then null else ip end,
               version = nextval('stream.change_seq')
             where tenant_id = $1 and (user_id = $2 or lower(attempted_email) = $3)`,
            [tenantId, userId, lowerEmail, token],
          )
        ).rowCount ?? 0;
      return counts;
    });
  }

  async scan(
    subject: SubjectRef & { email: string },
  ): Promise<{ scanned: number; occurrences: Record<string, number> }> {
    const { tenantId, userId } = subject;
    const email = subject.email.toLowerCase();
    const [r] = await this.read(
      'scan the stream store for a person',
      `select
         (select count(*) from stream.raw_batches) + (select count(*) from stream.open_sessions)
           + (select count(*) from stream.${INCIDENTS}) as scanned,
         (select count(*) from stream.open_sessions where tenant_id = $1 and user_id = $2) as open_sessions,
         (select count(*) from stream.${INCIDENTS}
           where tenant_id = $1 and (user_id = $2 or lower(attempted_email) = $3)) as incidents`,
      [tenantId, userId, email],
    );
    // Candidate batches by their person index or the email's bytes, then each event checked exactly (tenant-scoped).
    const candidates = await this.read(
      'scan buffered events for a person',
      `select body from stream.raw_batches
       where user_ids @> array[$1]::text[] or position($2 in lower(body)) > 0`,
      [`${tenantId}:${userId}`, email],
    );
    let events = 0;
    for (const c of candidates) {
      for (const a of JSON.parse(String(c.body)) as AcceptedEvent[]) {
        const { mine, named } = names(a, tenantId, userId, email);
        if (mine || named) events++;
      }
    }
    return {
      scanned: num(r?.scanned),
      occurrences: {
        'stream.raw_batches': events,
        'stream.open_sessions': num(r?.open_sessions),
        [`stream.${INCIDENTS}`]: num(r?.incidents),
      },
    };
  }

  async recentWindows(minutes: number, now: Date): Promise<Record<string, Row[]>> {
    const since = new Date(now.getTime() - minutes * WINDOW_MS).toISOString();
    const out: Record<string, Row[]> = {};
    for (const t of this.dataset.tables.filter((x) => x.kind === 'stream')) {
      const column = t.name === INCIDENTS ? 'trigger_occurred_at' : 'window_start';
      const rows = await this.read(
        `recent ${t.name}`,
        `select * from stream.${t.name} where ${column} >= $1 order by ${column}, tenant_id`,
        [since],
      );
      out[t.name] = rows.map((r) => warehouseRow(t, r));
    }
    return out;
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
