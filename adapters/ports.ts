/**
 * Ports: the small interfaces activities depend on. Workflows never see them; only workers/ picks the
 * implementation (local or gcp). Signatures grow issue by issue; every implementation passes one contract suite.
 */
import type { Table } from '../schema/warehouse/types';
import type { Closeable, Probe } from './port-base';
import type { ObjectStore, Zone } from './object-store/port';
import type { Warehouse } from './warehouse/port';
import type { AcceptedEvent, BatchOutput, Incident, ProcessorSnapshot } from '../streaming/types';

export type { Closeable, Probe } from './port-base';
export * from './object-store/port';
export * from './warehouse/port';

/** What to extract: a whole table (snapshot) or one UTC day of it by a timestamp column. */
export interface ExtractSpec {
  table: string;
  /** Columns in output order. */
  columns: readonly string[];
  /** One UTC day `[day, day+1)` on this column; absent for a snapshot. */
  slice?: { column: string; day: string };
}
export interface ExtractProgress {
  rows: number;
  bytes: number;
}
export interface ExtractResult extends ExtractProgress {
  /** Source column types (PostgreSQL names, e.g. `bigint`, `timestamp with time zone`), in column order. */
  columnTypes: string[];
}

/** The User Module's operational database (PostgreSQL locally, Cloud SQL in production). */
export interface SourceDb extends Closeable {
  ping(): Promise<Probe>;
  /**
   * Streams the rows of `spec` as CSV (no header) into `file` without holding rows in memory (COPY … TO STDOUT).
   * Timestamps are rendered in UTC. Aborting the signal cancels the server-side query.
   */
  extractToCsv(
    spec: ExtractSpec,
    file: string,
    options?: { signal?: AbortSignal; onProgress?: (p: ExtractProgress) => void },
  ): Promise<ExtractResult>;
  /** The source types (information_schema `data_type`) of the spec's columns, in order. */
  columnTypes(spec: ExtractSpec): Promise<string[]>;
  /**
   * How many parts `extractCsv` cuts `spec` into: 1 for a snapshot, the configured parallelism for a day's slice
   * (SOURCE_DB_EXTRACT_PARTS).
   */
  extractParts(spec: ExtractSpec): number;
  /**
   * Like `extractToCsv`, into one writable per part (`sinks.length` parts, each ended on success): a day's slice is
   * cut into equal time ranges copied side by side over their own connections, all reading one snapshot, so the
   * parts hold every row of the day exactly once. A snapshot takes exactly one sink. The first part to fail stops
   * the others; on failure the sinks may hold partial data and are not ended.
   */
  extractCsv(
    spec: ExtractSpec,
    sinks: NodeJS.WritableStream[],
    options?: { signal?: AbortSignal; onProgress?: (p: ExtractProgress) => void },
  ): Promise<ExtractResult>;
}

/** Runs a Spark job to completion (spark-submit locally, Dataproc in production). */
export interface SparkJob {
  /**
   * Deterministic id of this run, stable across activity attempts and fresh for a new run (e.g. workflow run id +
   * activity id). Dataproc derives the cluster name, job id and request ids from it, so a retried attempt finds the
   * cluster and job of the previous one instead of creating a second.
   */
  runId: string;
  /** Short human-readable name (lower_snake_case), used in job ids and logs. */
  name: string;
  /** Path of the PySpark entrypoint relative to jobs/. */
  mainPythonFile: string;
  args: string[];
  /** Spark properties for this job (`--conf` locally, job properties on Dataproc); override the runner's defaults. */
  properties?: Record<string, string>;
  /** Extra Python files relative to jobs/ (jobs/lib is always shipped). */
  pyFiles?: string[];
  /**
   * Rows the job reads (the day's extracted rows), when the caller knows them: `DATAPROC_MODE=auto` picks Dataproc
   * Serverless at or below `DATAPROC_SERVERLESS_MAX_ROWS`, a cluster above it (or when unknown). Informational elsewhere.
   */
  inputRows?: number;
}
export interface SparkRunOptions {
  /** Aborting stops the job (kills the local process group / cancels the Dataproc job) and rejects with its reason. */
  signal?: AbortSignal;
  /** Progress lines (driver log lines, job state); called at least every poll so activity heartbeats never starve. */
  onProgress?: (line: string) => void;
}
export interface SparkRunResult {
  /** The driver's stdout locally (bounded tail); a summary with the driver output URI on Dataproc. */
  output: string;
  durationMs: number;
  /** The provider's job id, when it has one. */
  jobId?: string;
  /** Where the time went, for the run's stage table and `pipeline_runs.transform_details`. */
  details?: SparkRunDetails;
}
/** How a run was executed and the wall time of its phases (JSON-safe: it travels in history and into the warehouse). */
export interface SparkRunDetails {
  /** `local` (spark-submit), `dataproc-cluster` (ephemeral cluster) or `dataproc-serverless` (a batch). */
  runner: 'local' | 'dataproc-cluster' | 'dataproc-serverless';
  /**
   * Wall time of each phase, ms, in order. Cluster: `clusterCreate`, `job`, `clusterDelete` (0 when an earlier attempt
   * created the cluster or the job was already DONE). Serverless: `pending` (Dataproc provisioning the batch's
   * executors, the cluster's create), `running`, both read from the batch's state history.
   */
  phasesMs: Record<string, number>;
  /** Provider-reported usage, e.g. Serverless `milliDcuSeconds`, `shuffleStorageGbSeconds`. */
  usage?: Record<string, number>;
  /** Why this runner ran the job (`DATAPROC_MODE=auto`: the rows against the threshold). */
  reason?: string;
  /** The cluster or batch that ran it. */
  resource?: string;
}
export interface SparkRunner extends Closeable {
  /** Fails with a PlatformError: SparkJobFailed (non-retryable) or TransientInfrastructure (retryable). */
  run(job: SparkJob, options?: SparkRunOptions): Promise<SparkRunResult>;
  /**
   * Releases whatever a run of `runId` may have left behind (the ephemeral Dataproc cluster); idempotent, a no-op
   * locally. A workflow calls it from a cleanup activity after cancellation, when `run` had no chance to.
   */
  cleanup(runId: string): Promise<void>;
}

/** Entries of one stream older than a bound (what stream retention would trim). */
export interface StreamBacklog {
  stream: string;
  entries: number;
  /** Payload bytes of those entries: field names and values, UTF-8. */
  bytes: number;
}

/** A message to publish: opaque bytes (the producer's serialized event) plus string attributes. */
export interface OutgoingMessage {
  data: Buffer;
  /**
   * Routing and erasure hints, never the event itself: `tenant_id`, `user_id` (so GDPR purges find a person's pending
   * entries without parsing them), `event_type`. Names: lower_snake_case; values: at most 1 KiB each.
   */
  attributes?: Record<string, string>;
}

/** One delivered message. */
export interface BusMessage {
  /**
   * The bus's id of the message (Redis entry id `<ms>-<seq>`, Pub/Sub message id); the same on every redelivery of
   * that message, different for a second publish of the same bytes.
   */
  id: string;
  data: Buffer;
  attributes: Record<string, string>;
  /** When the bus accepted the message. */
  publishedAt: Date;
  /** 1 on first delivery, more when redelivered (a consumer crashed or failed to ack in time). */
  deliveryAttempt: number;
}

/** A message the consumer refused, kept with the reason and the original bytes. */
export interface DeadLetterInput {
  /** The original bytes, exactly as received (they may not even be UTF-8). */
  data: Buffer;
  attributes?: Record<string, string>;
  /** Machine-readable reason (`malformed_json`, `invalid_envelope`, `unknown_type`, …). */
  reason: string;
  /** Human-readable detail (the validation error), at most 2 KiB. */
  detail: string;
  /** The bus id of the refused message on its source stream. */
  sourceId: string;
}
export interface DeadLetter extends DeadLetterInput {
  /** Id of the dead-letter entry itself (what `removeDeadLetters` takes). */
  id: string;
  attributes: Record<string, string>;
  /** The stream the message was refused from. */
  sourceStream: string;
  deadLetteredAt: Date;
}

/** A consumer group's reading position on one stream, for one named consumer. */
export interface EventSubscription extends Closeable {
  /**
   * Up to `max` messages. First the messages delivered earlier to this consumer name and never acknowledged (what a
   * crashed predecessor left), then new ones; waits up to `waitMs` when there is nothing. Order within a stream is
   * publication order on Redis; Pub/Sub does not order.
   */
  pull(max: number, waitMs: number): Promise<BusMessage[]>;
  /** Acknowledges delivered messages (idempotent: acking twice, or an unknown id, is not an error). */
  ack(ids: readonly string[]): Promise<void>;
  /**
   * Messages of the stream the group has not acknowledged yet (never delivered plus pending), or undefined when the
   * bus cannot tell cheaply (Pub/Sub: Cloud Monitoring's num_undelivered_messages, not the data plane).
   */
  backlog(): Promise<number | undefined>;
}

/** Durable event streams (Redis Streams locally, Pub/Sub in production). */
export interface EventBus extends Closeable {
  ping(): Promise<Probe>;
  /** Appends messages to `stream`, in order; returns their bus ids. */
  publish(stream: string, messages: readonly OutgoingMessage[]): Promise<string[]>;
  /**
   * Reads `stream` as consumer `consumer` of consumer group `group`. On Redis the group is created when missing and
   * starts at the beginning of the stream, so nothing published before the first consumer started is skipped; on
   * Pub/Sub the group is a subscription, which receives only what is published after it exists (Terraform creates it
   * with the topic; `createMissing` creates it on first subscribe, for the emulator).
   */
  subscribe(stream: string, group: string, consumer: string): Promise<EventSubscription>;
  /** Records refused messages of `stream` in its dead-letter stream (`<stream>:dlq`, `<topic>-dlq` on Pub/Sub). */
  deadLetter(stream: string, letters: readonly DeadLetterInput[]): Promise<void>;
  /** Dead letters of `stream`, oldest first, optionally only those recorded at or after `since`. */
  listDeadLetters(stream: string, options: { since?: Date; limit: number }): Promise<DeadLetter[]>;
  /** Removes dead letters by id (after a replay); returns how many went. */
  removeDeadLetters(stream: string, ids: readonly string[]): Promise<number>;
  /**
   * Per stream whose name matches `pattern` (a literal name, or a prefix ending in `*`, e.g. `events:*`), the entries
   * older than `before` (entry ids below `<before ms>-0`); streams with none are left out. A malformed pattern is a
   * non-retryable InvalidInput. Pub/Sub: always empty — retention there is the subscriptions' message retention,
   * configured in infrastructure, not trimmed by the platform.
   */
  expiredEntries(pattern: string, before: Date): Promise<StreamBacklog[]>;
  /**
   * Deletes the entries of `stream` older than `before` (Redis `XTRIM MINID`, exact) and returns how many went;
   * idempotent (a repeat trims 0). Pub/Sub: a no-op returning 0, for the reason above.
   */
  trimBefore(stream: string, before: Date): Promise<number>;
}

export interface Notification {
  severity: 'info' | 'warn' | 'error';
  title: string;
  text: string;
  /** Link to the Temporal UI page of the run that raised it. */
  link?: string;
}
/** Where operators hear about warnings and failures (Slack-compatible webhook, or the log). */
export interface Notifier {
  notify(notification: Notification): Promise<void>;
}

/** A data subject as the erasure saga names it: the tenant, the user id, and (once looked up) the email. */
export interface SubjectRef {
  tenantId: string;
  userId: string;
  email?: string;
}

export interface SubjectRecord {
  /** Account status before the saga touched it (restored by the compensation). */
  status: string;
  email: string;
  /** Reasons of the user's active legal holds; erasure is refused while any exists. */
  legalHolds: string[];
}

/**
 * The User Module's own rows of a person, for GDPR erasure (PostgreSQL / Cloud SQL). Every method is idempotent
 * and names the person by tenant and user id: a user of another tenant does not exist here.
 */
export interface SubjectStore extends Closeable {
  lookup(subject: SubjectRef): Promise<SubjectRecord | undefined>;
  /** Sets the account `suspended` and ends its open sessions; returns how many sessions were revoked. */
  suspend(subject: SubjectRef): Promise<{ sessionsRevoked: number }>;
  /** Compensation: puts the account status back (only if it is still `suspended`). */
  restore(subject: SubjectRef, previousStatus: string): Promise<{ restored: boolean }>;
  /**
   * Erases the person in one transaction per schema/erasure: a tombstone users row under the pseudonym `token`, their
   * own rows re-keyed to it (personal columns NULL), references from other people's rows cleared, the identity row
   * deleted. Returns rows affected per statement label (0 everywhere on a repeat).
   */
  erase(subject: SubjectRef & { email: string; token: string; erasedAt: string }): Promise<Record<string, number>>;
  /** Independent scan: occurrences of the user id (in any user reference) and of the email (any text column). */
  scan(subject: SubjectRef & { email: string }): Promise<{ scanned: number; occurrences: Record<string, number> }>;
}

/** The User Module's cache and pending event streams (Redis / Memorystore). */
export interface SubjectCache extends Closeable {
  /** Deletes the person's cache keys and their entries in pending event streams; idempotent. */
  purge(subject: SubjectRef & { email: string }): Promise<{ keysDeleted: number; eventsDeleted: number }>;
  scan(subject: SubjectRef & { email: string }): Promise<{ scanned: number; occurrences: number }>;
}

/**
 * Which notifications were already sent (PostgreSQL schema `platform`), so a deadline miss seen by the run's own
 * timer and by the watchdog every 15 minutes is announced once.
 */
export interface NotificationLog extends Closeable {
  /**
   * Claims `key` for sending: true when it was never claimed or a previous claim was not marked sent (a send that
   * failed is retried), false once it was sent.
   */
  claim(key: string, details: Record<string, unknown>): Promise<boolean>;
  markSent(key: string): Promise<void>;
}

/** A workflow run as operations activities see it (the watchdog, the backfill). */
export interface RunInfo {
  workflowId: string;
  runId: string;
  workflowType: string;
  status: 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TERMINATED' | 'TIMED_OUT' | 'CONTINUED_AS_NEW';
  startTime: string;
  closeTime?: string;
}
/** Runs on the Temporal server, read by activities (wired in workers/ from the worker's client connection). */
export interface WorkflowRuns {
  /** The latest run of `workflowId`, or undefined when none exists (never started, or past retention). */
  describe(workflowId: string): Promise<RunInfo | undefined>;
  /**
   * When the first run of `workflowId` that completed successfully closed (a later rerun, failed or cancelled, does
   * not undo that the work was done in time); undefined when none completed.
   */
  firstCompletedAt(workflowId: string): Promise<Date | undefined>;
  /** Waits until the latest run of `workflowId` closes (following continue-as-new); aborting stops the wait only. */
  awaitClose(workflowId: string, options: { signal: AbortSignal; onPoll?: () => void }): Promise<RunInfo>;
}

/** Pipeline-level metrics on the worker's Prometheus endpoint (beside the SDK's own). */
export interface PipelineMetrics {
  /** `hire10x_sla_misses_total{pipeline,kind}`. */
  slaMiss(pipeline: string, kind: string): void;
  /** `hire10x_pipeline_last_success_timestamp_seconds{pipeline}`. */
  lastSuccess(pipeline: string, at: Date): void;
}

/** Options of one `PartitionLock` call. */
export interface LockOptions {
  /** Stops waiting for the lock (rejects with the signal's reason); does not interrupt `fn` once it runs. */
  signal?: AbortSignal;
}

/**
 * Mutual exclusion around a read-modify-write of a shared resource (a lake partition rewritten by concurrent GDPR
 * erasures and by retention). `fn` runs while the lock is held; its `held` signal aborts when the lock is lost
 * (expired without renewal, taken over), so `fn` can refuse to commit. A lock lost while `fn` ran makes the call
 * reject even when `fn` succeeded, so the caller retries (erasure steps are idempotent). `options.signal` cancels the
 * wait. Implementations: `lock/redis.ts` (shared by every worker process; both platforms), `lock/in-process.ts`
 * (one process: tests).
 */
export type PartitionLock = <T>(
  resource: string,
  fn: (held: AbortSignal) => Promise<T>,
  options?: LockOptions,
) => Promise<T>;

/**
 * The lock resource of one lake partition (`users/dt=2026-11-27` in a zone). Everything that rewrites or removes a
 * partition as a whole takes it: the GDPR lake rewrite (activities/gdpr/lake-erasure.ts) and retention's archive and
 * delete (activities/retention), so neither undoes the other's work. The name is shared by every worker version
 * that runs at once (a rolling deploy): do not change it.
 */
export const lakePartitionLock = (zone: Zone, prefix: string) => `gdpr-objects:${zone}:${prefix}`;

/** Which set of adapters a worker runs on: `PLATFORM` (config/). */
export type Platform = 'local' | 'gcp';

/** Everything a worker wires for its activities. */
export interface Adapters extends Closeable {
  /** The platform the adapters were chosen for (what the activities may say about copies outside their reach). */
  platform: Platform;
  /** The lake partition lock, shared by every worker process of the platform. */
  lock: PartitionLock;
  source: SourceDb;
  store: ObjectStore;
  warehouse: Warehouse;
  bus: EventBus;
  notifier: Notifier;
  spark: SparkRunner;
  subjects: SubjectStore;
  cache: SubjectCache;
  notifications: NotificationLog;
  streams: StreamStore;
}

/**
 * Writes the Parquet files activities hand to the object store and the warehouse (the raw zone's extracts, activity-
 * computed tables). Local files in, local files out; implemented over DuckDB (adapters/parquet.ts) on every platform.
 */
export interface ParquetWriter {
  /**
   * Converts PostgreSQL COPY CSV (unquoted empty = NULL) into one Parquet file typed by the PostgreSQL column types;
   * returns the row count the file holds.
   */
  fromCsv(csvFile: string, columns: { name: string; pgType: string }[], parquetFile: string): Promise<number>;
  /**
   * The same conversion while the CSV arrives, with no intermediate file: write each part into its sink (in part
   * order in the file) and end it, or call `abort`; `done` resolves with the row count the file holds.
   */
  fromCsvStream(
    columns: { name: string; pgType: string }[],
    parquetFile: string,
    options?: { parts?: number },
  ): Promise<CsvParquetStream>;
  /** Writes JSON-safe rows as one Parquet file typed by a warehouse table (every column; unknown keys refused). */
  fromRows(rows: Record<string, unknown>[], table: Table, parquetFile: string): Promise<void>;
}

/** A CSV → Parquet conversion in progress (ParquetWriter.fromCsvStream). */
export interface CsvParquetStream {
  /** One writable per CSV part; each must be ended (or the conversion aborted). Writes wait while the writer is behind. */
  sinks: NodeJS.WritableStream[];
  /** Resolves with the Parquet file's row count once every sink has ended and the file is complete. */
  done: Promise<number>;
  /** Stops the conversion: the sinks are destroyed and the writer interrupted; `done` rejects. Idempotent. */
  abort(reason: Error): void;
}

/** A consumer shard's durable position and counters (the stream store's checkpoint row). */
export interface StreamCheckpoint {
  shard: string;
  /** Event-time watermark (ISO); windows ending at or before it are closed. */
  watermark?: string;
  batches: number;
  received: number;
  processed: number;
  deadLettered: number;
  duplicates: number;
  redeliveries: number;
  /** Change version up to which window rows were projected into the warehouse. */
  projectedVersion: number;
  lastProjectedAt?: string;
  updatedAt: string;
}

/** Window rows (and incidents) changed since a projection mark, as warehouse rows of their stream table. */
export interface StreamChanges {
  /** Table name → full rows (warehouse columns only), keyed by the table's primary key. */
  tables: Record<string, Record<string, unknown>[]>;
  /** The highest change version included (the next mark). */
  version: number;
}

/**
 * The stream consumers' state store (PostgreSQL schema `stream`; Cloud SQL on gcp): every micro-batch is committed
 * in one transaction (raw events, window increments, sessions, incidents, counters), so a batch redelivered after a
 * crash is recognised and changes nothing. Rows belong to one shard (tenants are sharded), so shards never contend.
 */
export interface StreamStore extends Closeable {
  ping(): Promise<Probe>;
  /** What a restarted consumer of `shard` is rebuilt from: its checkpoint and its recent committed events. */
  load(
    shard: string,
    horizonMs: number,
  ): Promise<{ checkpoint?: StreamCheckpoint; snapshot: ProcessorSnapshot; refusedIds: Set<string> }>;
  /** Commits one batch's output atomically; returns the new checkpoint. */
  commit(shard: string, output: BatchOutput): Promise<StreamCheckpoint>;
  /**
   * Rows of `shard` changed since they were last projected: windows that ended at or before `closedBefore` (an open
   * window is projected once it closes, and again after each late correction) and every incident.
   */
  changesSince(shard: string, closedBefore: string): Promise<StreamChanges>;
  /**
   * Records that the warehouse holds the rows `changesSince(shard, closedBefore)` returned up to `version`; a row
   * changed again since then keeps its newer version and is projected next time.
   */
  markProjected(shard: string, version: number, closedBefore: string): Promise<void>;
  /** Incidents of `shard` not yet notified. */
  unnotifiedIncidents(shard: string): Promise<Incident[]>;
  markNotified(incidentIds: readonly string[], at: Date): Promise<void>;
  /** Every shard's checkpoint. */
  checkpoints(): Promise<StreamCheckpoint[]>;
  /** Dead-lettered messages per shard and reason since `since` (a UTC day), from the committed counters. */
  deadLetterCounts(since: string): Promise<{ shard: string; reason: string; messages: number }[]>;
  /**
   * The shard's committed batches not yet archived whose events all happened before `before`, from the first such
   * batch on, in order (at most `maxBatches`). The same first batch always starts the range, so an archive file named
   * by it is rewritten, never duplicated, when a retry finds more batches.
   */
  unarchived(shard: string, before: string, maxBatches: number): Promise<{ batch: number; events: AcceptedEvent[] }[]>;
  markArchived(shard: string, batches: readonly number[]): Promise<void>;
  /** Deletes archived batches whose newest event is before `before` (outside every consumer's horizon). */
  prune(shard: string, before: string): Promise<number>;
  /**
   * GDPR erasure of one person in the state store, in one transaction: their buffered events re-keyed to the
   * pseudonym `token` with personal payload fields removed, their open sessions re-keyed, incidents naming them
   * tokenised and cleared (and marked changed, so the warehouse copy is projected again). Idempotent.
   */
  erase(subject: SubjectRef & { email: string; token: string }): Promise<Record<string, number>>;
  /** Independent scan: rows of the state store still naming the person (user id or email). */
  scan(subject: SubjectRef & { email: string }): Promise<{ scanned: number; occurrences: Record<string, number> }>;
  /** Live windows for `analytics stream status` and the demo: per table, rows of the last `minutes` minutes. */
  recentWindows(minutes: number, now: Date): Promise<Record<string, Record<string, unknown>[]>>;
}
