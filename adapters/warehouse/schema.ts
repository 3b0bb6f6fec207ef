import fs from 'node:fs/promises';
import { parquetMetadata, type SchemaElement } from 'hyparquet';
import { ErrorType, PlatformError } from '../errors';
import type { Column, ColumnType, Dataset, Table } from '../../schema/warehouse/types';

/**
 * Checks shared by every Warehouse adapter, done before any SQL is built or any job is started: identifiers come
 * only from the Dataset (and match a strict pattern besides), and Parquet files are compared with the table by
 * reading their footers, so a mismatch is refused with the same message on DuckDB and BigQuery.
 */

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,299}$/;

/** A dataset, table or column name safe to quote into SQL; anything else is a bug in the schema. */
export function checkIdentifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new PlatformError(ErrorType.InvalidInput, `invalid ${what} name ${JSON.stringify(name)}`);
  }
  return name;
}

export function resolveTable(dataset: Dataset, name: string): Table {
  checkIdentifier(dataset.name, 'dataset');
  const table = dataset.tables.find((t) => t.name === name);
  if (!table) {
    throw new PlatformError(
      ErrorType.UnknownTable,
      `unknown table ${JSON.stringify(name)} in dataset ${dataset.name} (known: ${dataset.tables.map((t) => t.name).join(', ')})`,
    );
  }
  checkIdentifier(table.name, 'table');
  for (const c of table.columns) checkIdentifier(c.name, 'column');
  return table;
}

export function resolveColumn(table: Table, name: string): Column {
  const column = table.columns.find((c) => c.name === name);
  if (!column) {
    throw new PlatformError(ErrorType.UnknownColumn, `unknown column ${JSON.stringify(name)} in table ${table.name}`);
  }
  return column;
}

export function partitionColumnOf(table: Table): Column {
  if (!table.partitionColumn) {
    throw new PlatformError(ErrorType.InvalidInput, `table ${table.name} is not partitioned by day`);
  }
  const column = resolveColumn(table, table.partitionColumn);
  if (column.type !== 'DATE') {
    throw new PlatformError(ErrorType.InvalidInput, `partition column ${table.name}.${column.name} is not a DATE`);
  }
  return column;
}

export function primaryKeyOf(table: Table): Column[] {
  if (table.primaryKey.length === 0) {
    throw new PlatformError(ErrorType.InvalidInput, `table ${table.name} has no primary key to merge on`);
  }
  return table.primaryKey.map((name) => resolveColumn(table, name));
}

/** A jobKey becomes part of provider job ids and must be stable and printable. */
export function checkJobKey(jobKey: string): string {
  if (!/^[\x21-\x7e]{1,400}$/.test(jobKey)) {
    throw new PlatformError(
      ErrorType.InvalidInput,
      `invalid jobKey ${JSON.stringify(jobKey)}: 1-400 printable characters`,
    );
  }
  return jobKey;
}

export function checkFiles(files: string[]): string[] {
  if (files.length === 0) throw new PlatformError(ErrorType.InvalidInput, 'no Parquet files to load');
  return files;
}

/** The logical type family a Parquet column carries, in the schema's vocabulary (or a descriptive other name). */
export interface ParquetColumn {
  name: string;
  type: ColumnType | 'BYTES' | 'STRUCT' | 'LIST' | 'OTHER';
  /** Readable physical/logical description for messages (`INT32 (DATE)`). */
  describe: string;
}

function logicalOf(el: SchemaElement): ParquetColumn['type'] {
  const logical = el.logical_type?.type;
  const converted = el.converted_type;
  if ((el.num_children ?? 0) > 0) return logical === 'LIST' || converted === 'LIST' ? 'LIST' : 'STRUCT';
  if (logical === 'DECIMAL' || converted === 'DECIMAL') return 'NUMERIC';
  if (logical === 'DATE' || converted === 'DATE') return 'DATE';
  if (logical === 'TIMESTAMP' || converted === 'TIMESTAMP_MILLIS' || converted === 'TIMESTAMP_MICROS')
    return 'TIMESTAMP';
  if (logical === 'JSON' || converted === 'JSON') return 'JSON';
  if (logical === 'STRING' || logical === 'ENUM' || converted === 'UTF8' || converted === 'ENUM') return 'STRING';
  switch (el.type) {
    case 'BOOLEAN':
      return 'BOOL';
    case 'INT32':
    case 'INT64':
      return logical && logical !== 'INTEGER' ? 'OTHER' : 'INT64';
    case 'INT96':
      return 'TIMESTAMP';
    case 'FLOAT':
    case 'DOUBLE':
      return 'FLOAT64';
    case 'BYTE_ARRAY':
    case 'FIXED_LEN_BYTE_ARRAY':
      return 'BYTES';
    default:
      return 'OTHER';
  }
}

/** Top-level columns from a Parquet file's schema elements (element 0 is the root; nested children are skipped). */
function topLevelColumns(schema: SchemaElement[]): ParquetColumn[] {
  const out: ParquetColumn[] = [];
  const root = schema[0];
  let i = 1;
  const skip = (index: number): number => {
    let next = index + 1;
    for (let c = 0; c < (schema[index]?.num_children ?? 0); c++) next = skip(next);
    return next;
  };
  for (let c = 0; c < (root?.num_children ?? 0) && i < schema.length; c++) {
    const el = schema[i] as SchemaElement;
    const annotation = el.logical_type?.type ?? el.converted_type;
    out.push({
      name: el.name,
      type: logicalOf(el),
      describe: `${el.type ?? 'GROUP'}${annotation ? ` (${annotation})` : ''}`,
    });
    i = skip(i);
  }
  return out;
}

/** Reads `[start, end)` of a file; how depends on where it lives (local path, GCS object). */
export type RangeReader = (start: number, end: number) => Promise<Uint8Array>;

const TAIL_GUESS = 64 * 1024;

/** Columns of a Parquet file from its footer: one ranged read in the common case, two for large footers. */
export async function readParquetColumns(where: string, size: number, read: RangeReader): Promise<ParquetColumn[]> {
  const notParquet = (why: string) =>
    new PlatformError(ErrorType.InvalidInput, `${where} is not a readable Parquet file (${why})`);
  if (size < 12) throw notParquet(`${size} bytes`);
  let tail = await read(Math.max(0, size - TAIL_GUESS), size);
  const magic = Buffer.from(tail.subarray(tail.length - 4)).toString('latin1');
  if (magic !== 'PAR1') throw notParquet('no PAR1 footer');
  const footerLength = Buffer.from(tail.buffer, tail.byteOffset, tail.byteLength).readUInt32LE(tail.length - 8);
  if (footerLength + 8 > size) throw notParquet('footer longer than the file');
  if (footerLength + 8 > tail.length) tail = await read(size - footerLength - 8, size);
  const footer = tail.slice(tail.length - footerLength - 8);
  try {
    const metadata = parquetMetadata(footer.buffer.slice(footer.byteOffset, footer.byteOffset + footer.byteLength));
    return topLevelColumns(metadata.schema);
  } catch (err) {
    throw notParquet(err instanceof Error ? err.message : String(err));
  }
}

/** Columns of a local Parquet file. */
export async function readLocalParquetColumns(file: string): Promise<ParquetColumn[]> {
  let handle;
  try {
    handle = await fs.open(file, 'r');
  } catch (err) {
    throw new PlatformError(ErrorType.NotFound, `no Parquet file ${file}`, { cause: err });
  }
  try {
    const { size } = await handle.stat();
    return await readParquetColumns(file, size, async (start, end) => {
      const buffer = Buffer.alloc(end - start);
      await handle.read(buffer, 0, buffer.length, start);
      return buffer;
    });
  } finally {
    await handle.close();
  }
}

/** Which Parquet types load into which column type (BigQuery's rules, the stricter of the two engines). */
const ACCEPTS: Record<ColumnType, ParquetColumn['type'][]> = {
  STRING: ['STRING'],
  INT64: ['INT64'],
  FLOAT64: ['FLOAT64'],
  NUMERIC: ['NUMERIC'],
  BOOL: ['BOOL'],
  DATE: ['DATE'],
  TIMESTAMP: ['TIMESTAMP'],
  JSON: ['JSON', 'STRING'],
};

/**
 * Refuses a file whose columns do not fit the table: a column the table lacks (UnknownColumn), a REQUIRED column
 * the file lacks, or a type that does not load (InvalidInput). Each message names the file and the column.
 */
export function checkParquetColumns(table: Table, file: string, columns: ParquetColumn[]): void {
  for (const pc of columns) {
    const column = table.columns.find((c) => c.name === pc.name);
    if (!column) {
      throw new PlatformError(
        ErrorType.UnknownColumn,
        `${file}: column ${JSON.stringify(pc.name)} is not in table ${table.name}`,
      );
    }
    if (!ACCEPTS[column.type].includes(pc.type)) {
      throw new PlatformError(
        ErrorType.InvalidInput,
        `${file}: column ${pc.name} is ${pc.describe} but ${table.name}.${pc.name} is ${column.type}`,
      );
    }
  }
  for (const column of table.columns) {
    if (column.mode === 'REQUIRED' && !columns.some((pc) => pc.name === column.name)) {
      throw new PlatformError(
        ErrorType.InvalidInput,
        `${file}: required column ${table.name}.${column.name} is missing from the file`,
      );
    }
  }
}
