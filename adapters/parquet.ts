import fs from 'node:fs/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Table } from '../schema/warehouse/types';
import { DUCKDB_TYPES } from './warehouse/duckdb';
import { ErrorType, PlatformError } from './errors';
import type { ParquetWriter } from './ports';

/** PostgreSQL type (information_schema data_type) → DuckDB type of the Parquet column. */
const PG_TO_DUCKDB: Record<string, string> = {
  bigint: 'BIGINT',
  integer: 'INTEGER',
  smallint: 'SMALLINT',
  boolean: 'BOOLEAN',
  text: 'VARCHAR',
  'character varying': 'VARCHAR',
  character: 'VARCHAR',
  uuid: 'VARCHAR',
  inet: 'VARCHAR',
  json: 'VARCHAR',
  jsonb: 'VARCHAR',
  date: 'DATE',
  'timestamp with time zone': 'TIMESTAMPTZ',
  'timestamp without time zone': 'TIMESTAMP',
  'double precision': 'DOUBLE',
  real: 'FLOAT',
  numeric: 'DECIMAL(38,9)',
};

export function duckdbTypeOf(pgType: string): string {
  const t = PG_TO_DUCKDB[pgType];
  if (!t)
    throw new PlatformError(ErrorType.InvalidInput, `no Parquet mapping for PostgreSQL type ${JSON.stringify(pgType)}`);
  return t;
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Converts PostgreSQL CSV (COPY … WITH (FORMAT csv): unquoted empty = NULL, quoted empty = '') into one Parquet
 * file with explicit column types, streaming inside DuckDB (no rows in JS memory). Returns the row count.
 */
export async function csvToParquet(
  csvFile: string,
  columns: { name: string; pgType: string }[],
  parquetFile: string,
): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '1GB' });
  const conn = await instance.connect();
  try {
    const spec = columns.map((c) => `${sqlString(c.name)}: ${sqlString(duckdbTypeOf(c.pgType))}`).join(', ');
    const read =
      `read_csv(${sqlString(csvFile)}, header = false, auto_detect = false, columns = {${spec}}, ` +
      `quote = '"', escape = '"', nullstr = '', allow_quoted_nulls = false, timestampformat = '%Y-%m-%d %H:%M:%S.%g%z')`;
    await conn.run(`set TimeZone = 'UTC'`);
    await conn.run(`copy (select * from ${read}) to ${sqlString(parquetFile)} (format parquet, compression snappy)`);
    const reader = await conn.runAndReadAll(`select count(*) from read_parquet(${sqlString(parquetFile)})`);
    return Number(reader.getRows()[0]?.[0] ?? 0);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/**
 * Writes JSON-safe rows (as `Warehouse.query` returns them) as one Parquet file typed by a warehouse table, so
 * activity-computed tables (reporting, dq_results, pipeline_runs) load through the same path as Spark output.
 * Every column of the table is written; a row missing a column gets NULL, a key the table lacks is refused.
 */
export async function rowsToParquet(rows: Record<string, unknown>[], table: Table, parquetFile: string): Promise<void> {
  const known = new Set(table.columns.map((c) => c.name));
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (!known.has(key))
        throw new PlatformError(ErrorType.UnknownColumn, `column ${key} is not in table ${table.name}`);
    }
  }
  const jsonFile = `${parquetFile}.ndjson`;
  await fs.writeFile(jsonFile, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await instance.connect();
  try {
    await conn.run(`set TimeZone = 'UTC'`);
    const spec = table.columns.map((c) => `${sqlString(c.name)}: 'VARCHAR'`).join(', ');
    const casts = table.columns
      .map((c) => `cast(${JSON.stringify(c.name)} as ${DUCKDB_TYPES[c.type]}) as ${JSON.stringify(c.name)}`)
      .join(', ');
    // Everything is read as text and cast explicitly: read_json's inference would guess types per file.
    const source = rows.length
      ? `read_json(${sqlString(jsonFile)}, format = 'newline_delimited', columns = {${spec}})`
      : `(select ${table.columns.map((c) => `null::VARCHAR as ${JSON.stringify(c.name)}`).join(', ')} limit 0)`;
    await conn.run(`copy (select ${casts} from ${source}) to ${sqlString(parquetFile)} (format parquet)`);
  } finally {
    conn.closeSync();
    instance.closeSync();
    await fs.rm(jsonFile, { force: true });
  }
}

/** The ParquetWriter port over DuckDB (one in-memory instance per file). */
export const duckdbParquetWriter: ParquetWriter = { fromCsv: csvToParquet, fromRows: rowsToParquet };
