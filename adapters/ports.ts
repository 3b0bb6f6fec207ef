/**
 * Ports: the small interfaces activities depend on. Workflows never see them; only workers/ picks the
 * implementation (local or gcp). Signatures grow issue by issue; every implementation passes one contract suite.
 */

/** Result of a cheap liveness probe; `detail` is a short human-readable fact (version, address). */
export interface Probe {
  detail: string;
}

export interface Closeable {
  close(): Promise<void>;
}

/** The User Module's operational database (PostgreSQL locally, Cloud SQL in production). */
export interface SourceDb extends Closeable {
  ping(): Promise<Probe>;
}

export const ZONES = ['raw', 'processed', 'archive'] as const;
export type Zone = (typeof ZONES)[number];

/** Object storage split into lake zones (directories locally, GCS buckets in production). */
export interface ObjectStore extends Closeable {
  /** Writes, reads back and deletes a probe object in every zone. */
  ping(): Promise<Probe>;
  put(zone: Zone, key: string, body: Uint8Array): Promise<void>;
  get(zone: Zone, key: string): Promise<Uint8Array>;
  list(zone: Zone, prefix: string): Promise<string[]>;
  delete(zone: Zone, key: string): Promise<void>;
}

/** The analytical warehouse (DuckDB locally, BigQuery in production). */
export interface Warehouse extends Closeable {
  ping(): Promise<Probe>;
}

/** Runs a Spark job to completion (spark-submit locally, Dataproc in production). */
export interface SparkJob {
  name: string;
  /** Path of the PySpark entrypoint relative to jobs/. */
  mainPythonFile: string;
  args: string[];
}
export interface SparkRunner extends Closeable {
  run(
    job: SparkJob,
    options: { signal?: AbortSignal; onProgress?: (line: string) => void },
  ): Promise<{ output: string }>;
}

/** Durable event streams (Redis Streams locally, Pub/Sub in production). */
export interface EventBus extends Closeable {
  ping(): Promise<Probe>;
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

/** Everything a worker wires for its activities. */
export interface Adapters extends Closeable {
  source: SourceDb;
  store: ObjectStore;
  warehouse: Warehouse;
  bus: EventBus;
  notifier: Notifier;
}
