import { ErrorType, PlatformError } from '../errors';
import type { LoadRequest, PartitionLoadRequest, Row } from '../ports';
import {
  checkFiles,
  checkJobKey,
  checkParquetColumns,
  partitionColumnOf,
  primaryKeyOf,
  resolveTable,
  type ParquetColumn,
} from './schema';
import { checkDate, COLUMN_TYPES, ENGINE_NAMES, keyListOf, TYPE_ALIASES, type Dialect } from './sql';
import type { Column, Dataset, Table } from '../../schema/warehouse/types';

/**
 * What every Warehouse adapter checks around a load, written once: the request (table, day, jobKey), the files'
 * footers against the table before anything runs, the rows of a replaced day and a merge source's keys once the
 * engine has counted them, and an existing table's columns against the schema. A failed check is a non-retryable
 * PlatformError whose message is the same on every engine (quoted names follow the dialect).
 */

/** Reads the Parquet footer of one file where the adapter's files live (a local path, a `gs://` object). */
export type FooterReader = (file: string) => Promise<ParquetColumn[]>;

/** Validates every file's footer against the table; returns the files' columns (the same in every file). */
export async function checkLoadFiles(table: Table, files: string[], read: FooterReader): Promise<ParquetColumn[]> {
  let first: ParquetColumn[] = [];
  for (const [i, file] of checkFiles(files).entries()) {
    const columns = await read(file);
    checkParquetColumns(table, file, columns);
    if (i === 0) first = columns;
    else if (columns.map((c) => c.name).join(',') !== first.map((c) => c.name).join(',')) {
      throw new PlatformError(ErrorType.InvalidInput, `${file}: columns differ from ${files[0] ?? ''}`);
    }
  }
  return first;
}

/** A checked partition replace: what the adapter needs to run it. */
export interface PartitionLoad {
  dataset: Dataset;
  table: Table;
  partition: Column;
  date: string;
  files: string[];
  columns: ParquetColumn[];
  jobKey: string;
}

/** Checks a partition replace request and its files: a day-partitioned table, a real day, files carrying the day. */
export async function checkPartitionLoad(request: PartitionLoadRequest, read: FooterReader): Promise<PartitionLoad> {
  const { dataset, parquetFiles: files, jobKey } = request;
  const table = resolveTable(dataset, request.table);
  const partition = partitionColumnOf(table);
  const date = checkDate(request.date);
  checkJobKey(jobKey);
  const columns = await checkLoadFiles(table, files, read);
  if (!columns.some((c) => c.name === partition.name)) {
    throw new PlatformError(ErrorType.InvalidInput, `${files[0] ?? ''}: partition column ${partition.name} is missing`);
  }
  return { dataset, table, partition, date, files, columns, jobKey };
}

/** Refuses a replace whose files hold rows of another day (`outside`: what `rowsOutsideDaySql` counted). */
export function checkRowsOnDay(counted: Row | undefined, load: Pick<PartitionLoad, 'partition' | 'date'>): void {
  const outside = Number(counted?.outside ?? 0);
  if (outside > 0) {
    throw new PlatformError(
      ErrorType.InvalidInput,
      `${outside} row(s) in the files have ${load.partition.name} other than ${load.date}; refusing to load them into that day`,
    );
  }
}

/** A checked dimension merge: what the adapter needs to run it. */
export interface MergeLoad {
  dataset: Dataset;
  table: Table;
  key: Column[];
  files: string[];
  columns: ParquetColumn[];
  jobKey: string;
}

/** Checks a merge request and its files: a table with a primary key, files carrying every key column. */
export async function checkMergeLoad(request: LoadRequest, read: FooterReader): Promise<MergeLoad> {
  const { dataset, parquetFiles: files, jobKey } = request;
  const table = resolveTable(dataset, request.table);
  const key = primaryKeyOf(table);
  checkJobKey(jobKey);
  const columns = await checkLoadFiles(table, files, read);
  const missingKey = key.find((k) => !columns.some((c) => c.name === k.name));
  if (missingKey) {
    throw new PlatformError(ErrorType.InvalidInput, `${files[0] ?? ''}: key column ${missingKey.name} is missing`);
  }
  return { dataset, table, key, files, columns, jobKey };
}

/**
 * A MERGE source must have one row per key and no NULL key, or the merge is ambiguous / duplicates on rerun.
 * `counted` is the row `sourceKeyCountsSql` returned.
 */
export function checkSourceKeys(
  dialect: Dialect,
  load: { table: Table; key: Pick<Column, 'name'>[] },
  counted: Row | undefined,
): void {
  const keyList = keyListOf(dialect, load.key);
  if (Number(counted?.null_keys ?? 0) > 0) {
    throw new PlatformError(ErrorType.InvalidInput, `source rows of ${load.table.name} have a NULL key (${keyList})`);
  }
  if (Number(counted?.dup_keys ?? 0) > 0) {
    throw new PlatformError(
      ErrorType.InvalidInput,
      `source rows of ${load.table.name} repeat ${String(counted?.dup_keys)} key(s) (${keyList}); a MERGE source needs one row per key`,
    );
  }
}

/** A column of an existing table as the engine describes it (`type` in the engine's own vocabulary). */
export interface ExistingColumn {
  name: string;
  type: string | undefined;
}

/**
 * The schema-drift check of `ensureDataset` on an existing table: returns the columns to add (NULLABLE ones the
 * table lacks); refuses a REQUIRED column the table lacks and a column whose type differs from the schema's.
 */
export function columnsToAdd(dialect: Dialect, table: Table, existing: ExistingColumn[]): Column[] {
  const added: Column[] = [];
  for (const column of table.columns) {
    const found = existing.find((e) => e.name === column.name);
    if (!found) {
      if (column.mode === 'REQUIRED') {
        throw new PlatformError(
          ErrorType.InvalidInput,
          `cannot add REQUIRED column ${table.name}.${column.name} to an existing table`,
        );
      }
      added.push(column);
    } else if ((TYPE_ALIASES[dialect][found.type ?? ''] ?? found.type) !== COLUMN_TYPES[dialect][column.type]) {
      throw new PlatformError(
        ErrorType.InvalidInput,
        `schema drift: ${table.name}.${column.name} is ${String(found.type)} in ${ENGINE_NAMES[dialect]}, ${column.type} in the schema`,
      );
    }
  }
  return added;
}

/** The table and day of a partition's statistics, checked. */
export function checkPartitionOf(dataset: Dataset, tableName: string, date: string) {
  const table = resolveTable(dataset, tableName);
  return { table, partition: partitionColumnOf(table), date: checkDate(date) };
}
