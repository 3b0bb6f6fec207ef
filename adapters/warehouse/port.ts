/** The Warehouse port (DuckDB locally, BigQuery in production); re-exported by adapters/ports.ts. */
import type { ErasureSubject, TableErasure } from '../../schema/erasure';
import type { ColumnType, Dataset } from '../../schema/warehouse/types';
import type { Closeable, Probe } from '../port-base';

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
/** Many people's erasure in one pass (the batched GDPR pass): per table, one count and one statement per kind. */
export interface EraseBatchRequest extends Omit<EraseRequest, 'subject'> {
  subjects: ErasureSubject[];
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
  /**
   * `eraseUser` for many people in one pass over each table (schema/erasure `warehouseBatchStatements`): element i is
   * person i's results. Optional: without it, the batched pass calls `eraseUser` person by person.
   */
  eraseUsers?(request: EraseBatchRequest): Promise<EraseTableResult[][]>;
  tableStats(dataset: Dataset, table: string): Promise<TableStats>;
  partitionStats(dataset: Dataset, table: string, date: string): Promise<PartitionStats>;
}
