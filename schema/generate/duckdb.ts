import type { Column, ColumnType, Dataset, Table } from '../warehouse/types';
import { GENERATED_MARKER, REGENERATE_HINT } from './marker';

/**
 * DuckDB types for the logical types. TIMESTAMP is an instant (BigQuery semantics), so TIMESTAMPTZ, which is also
 * what DuckDB reads Spark's UTC-adjusted Parquet timestamps as.
 */
export const DUCKDB_TYPES: Record<ColumnType, string> = {
  STRING: 'VARCHAR',
  INT64: 'BIGINT',
  FLOAT64: 'DOUBLE',
  NUMERIC: 'DECIMAL(38,9)',
  BOOL: 'BOOLEAN',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMPTZ',
  JSON: 'JSON',
};

/**
 * Only dimensions, operations and stream tables get a PRIMARY KEY: they are upserted (MERGE / INSERT ... ON CONFLICT
 * needs the constraint). Facts and reporting tables are replaced a partition at a time and their keys are
 * verified by data-quality `unique` checks instead of an index that slows every bulk load.
 */
export function hasDuckDbPrimaryKey(table: Table): boolean {
  return table.kind === 'dimension' || table.kind === 'operations' || table.kind === 'stream';
}

const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

function columnDdl(column: Column): string {
  const notNull = column.mode === 'REQUIRED' ? ' NOT NULL' : '';
  return `  ${column.name} ${DUCKDB_TYPES[column.type]}${notNull}`;
}

function layoutNote(table: Table): string {
  const parts = [`kind: ${table.kind}`];
  if (table.partitionColumn) parts.push(`partition: ${table.partitionColumn}`);
  if (table.clusterBy?.length) parts.push(`cluster: ${table.clusterBy.join(', ')}`);
  if (table.retentionDays !== undefined) parts.push(`retention: ${table.retentionDays} days`);
  return `-- ${table.name} (${parts.join('; ')})`;
}

export function duckdbTableDdl(table: Table): string {
  const lines = table.columns.map(columnDdl);
  if (hasDuckDbPrimaryKey(table)) lines.push(`  PRIMARY KEY (${table.primaryKey.join(', ')})`);
  return [
    layoutNote(table),
    `CREATE TABLE IF NOT EXISTS ${table.name} (`,
    lines.join(',\n'),
    ');',
    `COMMENT ON TABLE ${table.name} IS ${literal(table.description)};`,
    ...table.columns.map((c) => `COMMENT ON COLUMN ${table.name}.${c.name} IS ${literal(c.description)};`),
  ].join('\n');
}

/**
 * The whole dataset as DuckDB DDL, idempotent (CREATE TABLE IF NOT EXISTS; COMMENT ON overwrites). Table names are
 * unqualified: the warehouse adapter decides the schema (the DuckDB file is the dataset).
 */
export function duckdbDdl(dataset: Dataset): string {
  const header = [
    `-- ${GENERATED_MARKER}: ${REGENERATE_HINT}.`,
    `-- Dataset ${dataset.name}: ${dataset.description}`,
  ].join('\n');
  return `${[header, ...dataset.tables.map(duckdbTableDdl)].join('\n\n')}\n`;
}
