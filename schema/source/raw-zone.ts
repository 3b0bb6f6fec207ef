import { SOURCE_TABLES, type SourceTableName } from './tables';

/**
 * The raw zone's Parquet contract in TypeScript: per source table, its columns in order with the type the extract
 * writes (`adapters/parquet.ts` maps bigint → int64, integer → int32, text/jsonb/inet → string, timestamptz →
 * timestamp, boolean → boolean). The same contract as `jobs/transform/raw.py` `RAW_SCHEMAS`, which the Spark job
 * conforms its input to; `test/functions/raw-zone-contract.test.ts` fails when the two drift. The data-validation
 * function checks every object landing in the raw bucket against it.
 */
export type RawColumnType = 'int64' | 'int32' | 'string' | 'timestamp' | 'boolean';

const I64 = 'int64';
const I32 = 'int32';
const STR = 'string';
const TS = 'timestamp';
const BOOL = 'boolean';

/** Columns whose type is not int64 / string by the naming rules below (ids int64, `*_at` timestamps). */
const EXCEPTIONS: Partial<Record<SourceTableName, Record<string, RawColumnType>>> = {
  roles: { is_system: BOOL },
  api_requests: { status_code: I32, duration_ms: I32 },
  permission_checks: { granted: BOOL },
};

function typeOf(table: SourceTableName, column: string): RawColumnType {
  const exception = EXCEPTIONS[table]?.[column];
  if (exception) return exception;
  if (column === 'id' || column.endsWith('_id')) return I64;
  if (column.endsWith('_at')) return TS;
  return STR;
}

/** Per raw table, its columns in order with their contract type. */
export const RAW_ZONE_COLUMNS: Record<SourceTableName, { name: string; type: RawColumnType }[]> = Object.fromEntries(
  SOURCE_TABLES.map((t) => [t.name, t.columns.map((name) => ({ name, type: typeOf(t.name, name) }))]),
) as Record<SourceTableName, { name: string; type: RawColumnType }[]>;

/** Whether `name` is a raw-zone table. */
export const isRawTable = (name: string): name is SourceTableName => Object.hasOwn(RAW_ZONE_COLUMNS, name);
