/**
 * Ports: the small interfaces activities depend on. Workflows never see them; only workers/ picks the
 * implementation (local or gcp). Signatures grow issue by issue; every implementation passes one contract suite.
 */
import type { ErasureSubject, TableErasure } from '../schema/erasure';
import type { ColumnType, Dataset, Table } from '../schema/warehouse/types';

/** Result of a cheap liveness probe; `detail` is a short human-readable fact (version, address). */
export interface Probe {
  detail: string;
}

export interface Closeable {
  close(): Promise<void>;
}

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
}

export const ZONES = ['raw', 'processed', 'archive'] as const;
export type Zone = (typeof ZONES)[number];

/** One file of a partition written by `ObjectStore.replacePartition`: a plain file name and its content. */
export type PartitionFile = { name: string } & ({ path: string } | { body: Uint8Array });

/** The partition a reader resolved: the keys of exactly one committed generation (see `ObjectStore.readPartition`). */
export interface PartitionSnapshot {
  prefix: string;
  /** Id of the committed generation (directory swap locally, `_gen=<id>/` on GCS). */
  generation: string;
  /** Object keys of the partition's files, sorted; load them with `get`/`download` or hand `uri(...)` to a loader. */
  keys: string[];
}

/** One listed object: what retention plans with (sizes for its report, the write time for scratch areas). */
export interface ObjectInfo {
  key: string;
  /** Bytes. */
  size: number;
  /** Last write, ISO-8601 UTC (file mtime locally, the object's `updated` on GCS). */
  updated: string;
  /**
   * Opaque version that changes whenever the object is written again (inode + mtime locally, the GCS generation), so a
   * caller can tell an object was left alone.
   */
  version: string;
}

/**
 * What `moveToArchive` did: `moved` (copied, then deleted), `completed` (an identical copy was already in the archive,
 * only the delete was left: an earlier attempt stopped between the two), `already` (the source is gone and the archive
 * holds the object: an earlier attempt finished).
 */
export type ArchiveOutcome = 'moved' | 'completed' | 'already';

/**
 * Object storage split into lake zones (directories locally, GCS buckets in production).
 *
 * Keys are `/`-separated relative paths (`raw/<table>/dt=YYYY-MM-DD/part-0.parquet` lives at key
 * `<table>/dt=YYYY-MM-DD/part-0.parquet` in zone `raw`); empty, absolute, `..` or `.`-segment keys are refused with a
 * non-retryable InvalidInput PlatformError. A missing object is a non-retryable NotFound.
 *
 * Partitions (a prefix such as `fact_x/dt=2026-11-27`) are replaced whole by `replacePartition` and read through
 * `readPartition`, never by listing the prefix: the reader protocol is "resolve the committed generation, then read
 * exactly its keys; on NotFound while reading (a newer generation replaced it meanwhile) resolve again".
 */
export interface ObjectStore extends Closeable {
  /** Writes, reads back and deletes a probe object in every zone. */
  ping(): Promise<Probe>;
  /** Atomic: a reader sees the old object or the whole new one, never part of it. */
  put(zone: Zone, key: string, body: Uint8Array): Promise<void>;
  /** Writes only when no object exists at `key` (GCS `ifGenerationMatch=0`); false when one already did. */
  putIfAbsent(zone: Zone, key: string, body: Uint8Array): Promise<boolean>;
  /** Streams a local file (large Parquet) into an object; atomic like `put`. */
  putFile(zone: Zone, key: string, file: string): Promise<void>;
  get(zone: Zone, key: string): Promise<Uint8Array>;
  /** Streams an object into a local file (written beside it, then renamed). */
  download(zone: Zone, key: string, file: string): Promise<void>;
  /** Keys starting with `prefix` (a plain string prefix, not a glob), sorted; in-flight temp files are not listed. */
  list(zone: Zone, prefix: string): Promise<string[]>;
  /** Like `list`, with each object's size, last write time and version. */
  listObjects(zone: Zone, prefix: string): Promise<ObjectInfo[]>;
  /** Idempotent: deleting a missing object succeeds. */
  delete(zone: Zone, key: string): Promise<void>;
  /** Deletes every key under `prefix` (must be non-empty); returns how many went. */
  deletePrefix(zone: Zone, prefix: string): Promise<number>;
  /**
   * Swaps the whole partition under `prefix` for `files` atomically: a reader (through `readPartition`) sees the old
   * set or the new set, never a mix. The previous generation is removed once the new one is committed.
   */
  replacePartition(zone: Zone, prefix: string, files: PartitionFile[]): Promise<PartitionSnapshot>;
  /** Resolves the committed generation of a partition; undefined when none was ever written. */
  readPartition(zone: Zone, prefix: string): Promise<PartitionSnapshot | undefined>;
  /**
   * Copies `key` into the archive zone under the same key, then deletes the original. Idempotent, and never copies
   * twice: an archived copy identical to the source (same size and content checksum) is recognised and only the delete
   * runs. A missing source whose archived copy exists is `already` done; with neither, a NotFound.
   */
  moveToArchive(zone: Exclude<Zone, 'archive'>, key: string): Promise<ArchiveOutcome>;
  /**
   * Where a Warehouse or Spark job on the same platform reads the object: an absolute file path locally,
   * `gs://bucket/key` on GCS.
   */
  uri(zone: Zone, key: string): string;
  /** The object's own file when the zone is a directory on this machine; undefined for remote stores (GCS). */
  localPath(zone: Zone, key: string): string | undefined;
  /**
   * Every key of a zone, with its committed partitions resolved: which keys belong to which partition's current
   * generation, which are the store's own commit markers (never data), and which partitions were being swapped while
   * listed. Store-private names (`_SUCCESS`, `_MANIFEST`, `_gen=`) stay behind this call.
   */
  inventory(zone: Zone): Promise<ZoneInventory>;
}

/** A zone as `ObjectStore.inventory` found it. */
export interface ZoneInventory {
  zone: Zone;
  keys: string[];
  /** Committed (managed) partitions by prefix. */
  partitions: Map<string, PartitionSnapshot>;
  /** Key of a committed generation → its partition prefix. */
  partitionOf: Map<string, string>;
  /**
   * Partition prefixes whose commit marker was listed but that did not resolve (a concurrent rewrite was swapping
   * them): their keys belong to the partition all the same and are rewritten under its lock, never as plain objects.
   */
  unresolved: Set<string>;
  /** The store's commit markers of managed partitions (file names and generation ids only, never data). */
  markers: Set<string>;
}

/**
 * Rewrites local Parquet files for GDPR erasure (DuckDB locally and on GCP: the files are local copies). Rows follow
 * a table's erasure rule (schema/erasure) for one person; nothing is ever read into JS memory.
 */
export interface LakeRewriter extends Closeable {
  /** Of `files` (one table's), those holding rows `rule` would change. A file that fails alone is an InvalidInput. */
  filesToChange(files: string[], rule: TableErasure, subject: ErasureSubject): Promise<string[]>;
  /**
   * Writes `input` with the rule applied to `output` (same columns, types and row order; checked after writing).
   * `changed: false` (and nothing written) when no row needed a change.
   */
  rewrite(
    input: string,
    output: string,
    rule: TableErasure,
    subject: ErasureSubject,
  ): Promise<{ changed: boolean; deleted: number; updated: number }>;
  /** Occurrences of the identifiers per file, in every text or integer column (the completeness scan). */
  occurrences(files: string[], search: IdentifierSearch): Promise<Map<string, number>>;
}

/** What the completeness scan looks for in Parquet columns (see activities/gdpr/identifier-matcher.ts). */
export interface IdentifierSearch {
  userId: string;
  /** Lower-cased. */
  email?: string;
  /** The id is long or not numeric: match it as a whole token anywhere. */
  distinctive: boolean;
  /** RE2 pattern of an occurrence of the id in text. */
  idPattern: string;
  /** RE2 pattern (case-insensitive) of column names that name a person; a short id must equal their whole value. */
  personColumnPattern: string;
}

/**
 * A query parameter: a plain value (string → STRING, integer number/bigint → INT64, other number → FLOAT64,
 * boolean → BOOL, Date → TIMESTAMP) or an explicitly typed one, needed for DATE/NUMERIC/JSON and for NULL.
 */
export type QueryParam =
  | string
  | number
  | bigint
  | boolean
  | Date
  | { type: ColumnType; value: string | number | bigint | boolean | Date | null };

export interface QueryOptions {
  /**
   * Allow statements other than SELECT/WITH/DESCRIBE/SHOW (DML, DDL). Read-only is the default so a report query
   * cannot change data by accident. @default false
   */
  write?: boolean;
  /**
   * Dataset that unqualified table names resolve to (BigQuery `defaultDataset`, DuckDB `search_path`), so
   * `select … from fact_auth_events` works as well as `user_analytics.fact_auth_events`. Ignored while the dataset
   * does not exist yet. @default none: names must be qualified
   */
  defaultDataset?: string;
}

/**
 * Rows come back as plain JSON-safe objects, identical across adapters: INT64 → number (string past 2^53),
 * NUMERIC → string, DATE → 'YYYY-MM-DD', TIMESTAMP → ISO-8601 UTC string, JSON → string.
 */
export type Row = Record<string, string | number | boolean | null>;

/** Which dataset, table and load a partition replace or dimension merge is about. */
export interface LoadRequest {
  dataset: Dataset;
  table: string;
  /** Parquet files from `ObjectStore.uri(...)` of the same platform; columns must match the table's schema. */
  parquetFiles: string[];
  /**
   * Deterministic key of this load (e.g. `user-analytics-daily:2026-11-27:fact_user_activities`); a retried
   * activity passes the same key, so BigQuery finds its earlier job instead of loading twice.
   */
  jobKey: string;
}
export interface PartitionLoadRequest extends LoadRequest {
  /** The day to replace, `YYYY-MM-DD`; every row's partition column must equal it. */
  date: string;
}
export interface LoadResult {
  table: string;
  /** Rows in the partition (replace) or the table (merge) after the load. */
  rows: number;
  /** Provider job ids that did the work (BigQuery), for the run's details. */
  jobIds: string[];
}

export interface EraseRequest {
  dataset: Dataset;
  /**
   * The person: ids, email (matched within the tenant), the pseudonym `token` written into `tokenise` references (a
   * negative bigint in decimal, derived by the saga from its random `uuid4()` token: never from the user id, so
   * nobody can recompute it) and `erasedAt`, the tombstone's deletion time.
   */
  subject: ErasureSubject;
  /** The rules per table. @default WAREHOUSE_ERASURE (schema/erasure); tables without a rule are skipped */
  rules?: readonly TableErasure[];
  /** Restrict to these tables; every table of the dataset by default. */
  tables?: string[];
}
export interface EraseTableResult {
  table: string;
  action: 'delete_row' | 'update' | 'skip';
  /** Rows the plan changed (rows that concerned the user before the erasure). */
  affected: number;
  /** Rows the plan would still change afterwards (0 unless something failed). */
  remaining: number;
}

export interface TableStats {
  table: string;
  rows: number;
  /** Stored bytes where the engine reports them (BigQuery); undefined for DuckDB. */
  bytes?: number;
}
export interface PartitionStats extends TableStats {
  date: string;
}

/**
 * The analytical warehouse (DuckDB locally, BigQuery in production). Every identifier (table, column) is resolved
 * against the `Dataset` before it reaches SQL; a bad date, an unknown table or column, or Parquet whose columns do
 * not match the schema is refused with a non-retryable PlatformError naming the value, and nothing changes.
 */
export interface Warehouse extends Closeable {
  ping(): Promise<Probe>;
  /** Creates the dataset and any missing table, adds missing NULLABLE columns; idempotent. */
  ensureDataset(dataset: Dataset): Promise<void>;
  /** Replaces exactly one day's partition of a partitioned table with the files' rows, atomically. */
  replacePartition(request: PartitionLoadRequest): Promise<LoadResult>;
  /** Upserts a dimension from the files: MERGE on the table's primary key (source keys must be unique). */
  mergeDimension(request: LoadRequest): Promise<LoadResult>;
  /** Runs one parameterised statement; values only ever travel as `@name` parameters. */
  query(sql: string, params?: Record<string, QueryParam>, options?: QueryOptions): Promise<Row[]>;
  /** Deletes or anonymises/tokenises one user's rows per the schema's erasure rules; idempotent. */
  eraseUser(request: EraseRequest): Promise<EraseTableResult[]>;
  tableStats(dataset: Dataset, table: string): Promise<TableStats>;
  partitionStats(dataset: Dataset, table: string, date: string): Promise<PartitionStats>;
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

/** Durable event streams (Redis Streams locally, Pub/Sub in production). */
export interface EventBus extends Closeable {
  ping(): Promise<Probe>;
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
 * partition as a whole takes it: the GDPR lake rewrite (activities/gdpr/objects.ts) and retention's archive and
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
  /** Writes JSON-safe rows as one Parquet file typed by a warehouse table (every column; unknown keys refused). */
  fromRows(rows: Record<string, unknown>[], table: Table, parquetFile: string): Promise<void>;
}
