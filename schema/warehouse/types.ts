/**
 * The shape of the warehouse schema definition (the single source of truth every dialect is generated from).
 * Tables themselves live beside this file; generators turn them into DuckDB DDL, BigQuery table resources and
 * Spark schemas.
 */

/** Logical column types; each generator maps them to its dialect (BigQuery standard SQL names). */
export type ColumnType = 'STRING' | 'INT64' | 'FLOAT64' | 'NUMERIC' | 'BOOL' | 'DATE' | 'TIMESTAMP' | 'JSON';

export type ColumnMode = 'REQUIRED' | 'NULLABLE';

/**
 * What GDPR erasure does to a column of a row that concerns the erased user. The rules are declared in ONE place,
 * `schema/erasure/rules.ts`; `userAnalytics` carries them on its columns (set in `dataset.ts`) for policy tags, the
 * Spark schema metadata and `checkDataset`:
 * - `delete_row`: a reference whose row goes
 * - `clear`: a reference set to NULL (someone else's row that mentions the person)
 * - `tokenise`: a reference replaced by the person's pseudonym (their own rows, so counts survive)
 * - `anonymise`: set to NULL on the person's own rows
 * - `keep`: not personal, unchanged
 */
export type ErasureRule = 'delete_row' | 'clear' | 'anonymise' | 'tokenise' | 'keep';

export interface Column {
  name: string;
  type: ColumnType;
  /** @default 'NULLABLE' */
  mode?: ColumnMode;
  description: string;
  /** Personal data: becomes a BigQuery policy tag (column-level security). @default false */
  pii?: boolean;
  /** @default 'keep' */
  erasure?: ErasureRule;
}

export type TableKind = 'fact' | 'dimension' | 'reporting' | 'operations' | 'stream';

export interface Table {
  name: string;
  kind: TableKind;
  description: string;
  columns: Column[];
  /** Natural key: unique per partition for facts, per table for dimensions (MERGE key). */
  primaryKey: string[];
  /** Day partitioning column (facts: `event_date`). */
  partitionColumn?: string;
  /** Clustering columns, tenant_id first. */
  clusterBy?: string[];
  /** BigQuery requirePartitionFilter (large facts). @default false */
  requirePartitionFilter?: boolean;
  /** Days a partition is kept; undefined keeps forever. */
  retentionDays?: number;
}

export interface Dataset {
  name: string;
  description: string;
  tables: Table[];
}
