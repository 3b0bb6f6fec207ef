import fs from 'node:fs';
import path from 'node:path';
import {
  DuckDBInstance,
  DuckDBTypeId,
  listValue,
  type DuckDBConnection,
  type DuckDBResultReader,
  type DuckDBValue,
} from '@duckdb/node-api';
import { ErrorType, PlatformError } from '../errors';
import type {
  EraseRequest,
  EraseTableResult,
  LoadRequest,
  LoadResult,
  PartitionLoadRequest,
  PartitionStats,
  Probe,
  QueryOptions,
  QueryParam,
  Row,
  TableStats,
  Warehouse,
} from '../ports';
import {
  checkFiles,
  checkIdentifier,
  checkJobKey,
  checkParquetColumns,
  partitionColumnOf,
  primaryKeyOf,
  readLocalParquetColumns,
  resolveTable,
  type ParquetColumn,
} from './schema';
import {
  checkDate,
  checkQuery,
  normaliseDecimal,
  normaliseInteger,
  normaliseTimestamp,
  paramType,
  paramValue,
  rewriteParams,
} from './sql';
import type { Column, ColumnType, Dataset, Table } from '../../schema/warehouse/types';
import { paramValues, warehouseRule, warehouseStatements, type ParamName } from '../../schema/erasure';

/** DuckDB type of each logical column type (JSON stays VARCHAR: the json extension would need a download). */
export const DUCKDB_TYPES: Record<ColumnType, string> = {
  STRING: 'VARCHAR',
  INT64: 'BIGINT',
  FLOAT64: 'DOUBLE',
  NUMERIC: 'DECIMAL(38,9)',
  BOOL: 'BOOLEAN',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP WITH TIME ZONE',
  JSON: 'VARCHAR',
};

/** Identifiers reach SQL only after `resolveTable` validated them; quoting is defence in depth. */
const q = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;
const fq = (dataset: Dataset, table: Table) => `${q(dataset.name)}.${q(table.name)}`;

/** Maps a DuckDB failure to the platform's typed failure (bad SQL or data is not worth retrying). */
export function mapDuckDbError(err: unknown, what: string): PlatformError {
  if (err instanceof PlatformError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const full = `${what}: ${message}`;
  if (/Could not set lock/i.test(message)) {
    return new PlatformError(
      ErrorType.TransientInfrastructure,
      `${full} (another process, e.g. a running worker, holds the DuckDB file)`,
      { cause: err },
    );
  }
  if (/^(TransactionContext Error|IO Error)/.test(message) || /conflict/i.test(message)) {
    return new PlatformError(ErrorType.TransientInfrastructure, full, { cause: err });
  }
  if (/^Catalog Error/.test(message)) return new PlatformError(ErrorType.NotFound, full, { cause: err });
  return new PlatformError(ErrorType.InvalidInput, full, { cause: err });
}

const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

function toRows(reader: DuckDBResultReader): Row[] {
  const types = reader.columnTypes().map((t) => t.typeId);
  const names = reader.columnNames();
  return reader.getRowObjectsJson().map((raw) => {
    const row: Row = {};
    names.forEach((name, i) => {
      const value = raw[name];
      if (value === null || value === undefined) row[name] = null;
      else {
        switch (types[i]) {
          case DuckDBTypeId.TINYINT:
          case DuckDBTypeId.SMALLINT:
          case DuckDBTypeId.INTEGER:
          case DuckDBTypeId.BIGINT:
          case DuckDBTypeId.HUGEINT:
          case DuckDBTypeId.UTINYINT:
          case DuckDBTypeId.USMALLINT:
          case DuckDBTypeId.UINTEGER:
          case DuckDBTypeId.UBIGINT:
          case DuckDBTypeId.UHUGEINT:
            row[name] = normaliseInteger(value as string | number);
            break;
          case DuckDBTypeId.DECIMAL:
            row[name] = normaliseDecimal(text(value));
            break;
          case DuckDBTypeId.TIMESTAMP:
          case DuckDBTypeId.TIMESTAMP_TZ:
          case DuckDBTypeId.TIMESTAMP_MS:
          case DuckDBTypeId.TIMESTAMP_S:
          case DuckDBTypeId.TIMESTAMP_NS:
            row[name] = normaliseTimestamp(text(value));
            break;
          default:
            row[name] =
              typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
                ? value
                : JSON.stringify(value);
        }
      }
    });
    return row;
  });
}

/**
 * Warehouse over one DuckDB file: a dataset is a schema, a table a table (partitioning and clustering are BigQuery
 * notions and have no DuckDB counterpart). Every operation uses its own connection, so concurrent activities never
 * share a transaction; writes conflicting on a table fail with a retryable TransientInfrastructure.
 */
export class DuckDbWarehouse implements Warehouse {
  private instance?: Promise<DuckDBInstance>;
  /** Operations in flight; the file is closed when the last one ends. */
  private active = 0;

  /**
   * @param lockWaitMs how long an operation waits for another process (a worker, the CLI) to release the file
   *   before failing with a retryable error. DuckDB lets one process open a file at a time, so this adapter holds
   *   it only while an operation runs. @default 30000
   */
  constructor(
    private readonly file: string,
    private readonly lockWaitMs = 30_000,
  ) {}

  private open(): Promise<DuckDBInstance> {
    this.instance ??= (async () => {
      if (this.file !== ':memory:') fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const instance = await DuckDBInstance.create(this.file);
      // Timestamps render in UTC whatever the host's zone (the ICU extension is built in; it must load first).
      const conn = await instance.connect();
      await conn.run("SET GLOBAL TimeZone = 'UTC'");
      conn.closeSync();
      return instance;
    })();
    return this.instance;
  }

  /** Runs `fn` on a fresh connection, inside one transaction when `transaction` (rolled back on any failure). */
  private async withConnection<T>(
    what: string,
    fn: (conn: DuckDBConnection) => Promise<T>,
    { transaction = false } = {},
  ): Promise<T> {
    let conn: DuckDBConnection;
    this.active++;
    const deadline = Date.now() + this.lockWaitMs;
    for (;;) {
      try {
        conn = await (await this.open()).connect();
        break;
      } catch (err) {
        this.instance = undefined; // a failed open (file locked) is retried
        if (/Could not set lock/i.test(String(err)) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
          continue;
        }
        this.active--;
        throw mapDuckDbError(err, `open ${this.file}`);
      }
    }
    try {
      if (transaction) await conn.run('BEGIN TRANSACTION');
      const result = await fn(conn);
      if (transaction) await conn.run('COMMIT');
      return result;
    } catch (err) {
      if (transaction) await conn.run('ROLLBACK').catch(() => undefined);
      throw mapDuckDbError(err, what);
    } finally {
      conn.closeSync();
      if (--this.active === 0) await this.release();
    }
  }

  /** Closes the file between operations so other processes (the CLI, a second worker) can open it. */
  private async release(): Promise<void> {
    const pending = this.instance;
    this.instance = undefined;
    if (this.file === ':memory:') {
      this.instance = pending; // an in-memory database lives only as long as its instance
      return;
    }
    (await pending?.catch(() => undefined))?.closeSync();
  }

  async ping(): Promise<Probe> {
    const rows = await this.withConnection('ping', async (conn) =>
      toRows(await conn.runAndReadAll('select version() as v')),
    );
    return { detail: `DuckDB ${String(rows[0]?.v ?? '?')} at ${this.file}` };
  }

  async ensureDataset(dataset: Dataset): Promise<void> {
    const tables = dataset.tables.map((t) => resolveTable(dataset, t.name));
    await this.withConnection(
      `ensureDataset ${dataset.name}`,
      async (conn) => {
        await conn.run(`CREATE SCHEMA IF NOT EXISTS ${q(dataset.name)}`);
        for (const table of tables) {
          const existing = toRows(
            await conn.runAndReadAll(
              'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $s AND table_name = $t',
              { s: dataset.name, t: table.name },
            ),
          );
          if (existing.length === 0) {
            const columns = table.columns.map(
              (c) => `${q(c.name)} ${DUCKDB_TYPES[c.type]}${c.mode === 'REQUIRED' ? ' NOT NULL' : ''}`,
            );
            await conn.run(`CREATE TABLE ${fq(dataset, table)} (${columns.join(', ')})`);
            continue;
          }
          for (const column of table.columns) {
            const found = existing.find((r) => r.column_name === column.name);
            if (!found) {
              if (column.mode === 'REQUIRED') {
                throw new PlatformError(
                  ErrorType.InvalidInput,
                  `cannot add REQUIRED column ${table.name}.${column.name} to an existing table`,
                );
              }
              await conn.run(
                `ALTER TABLE ${fq(dataset, table)} ADD COLUMN ${q(column.name)} ${DUCKDB_TYPES[column.type]}`,
              );
            } else if (found.data_type !== DUCKDB_TYPES[column.type]) {
              throw new PlatformError(
                ErrorType.InvalidInput,
                `schema drift: ${table.name}.${column.name} is ${String(found.data_type)} in DuckDB, ${column.type} in the schema`,
              );
            }
          }
        }
      },
      { transaction: true },
    );
  }

  /** Validates every file's footer against the table before anything runs. */
  private async checkFiles(table: Table, files: string[]): Promise<ParquetColumn[]> {
    let first: ParquetColumn[] = [];
    for (const [i, file] of checkFiles(files).entries()) {
      if (!path.isAbsolute(file)) {
        throw new PlatformError(ErrorType.InvalidInput, `Parquet file ${JSON.stringify(file)} is not an absolute path`);
      }
      const columns = await readLocalParquetColumns(file);
      checkParquetColumns(table, file, columns);
      if (i === 0) first = columns;
      else if (columns.map((c) => c.name).join(',') !== first.map((c) => c.name).join(',')) {
        throw new PlatformError(ErrorType.InvalidInput, `${file}: columns differ from ${files[0] ?? ''}`);
      }
    }
    return first;
  }

  async replacePartition(request: PartitionLoadRequest): Promise<LoadResult> {
    const { dataset, parquetFiles: files } = request;
    const table = resolveTable(dataset, request.table);
    const partition = partitionColumnOf(table);
    const date = checkDate(request.date);
    checkJobKey(request.jobKey);
    const columns = await this.checkFiles(table, files);
    if (!columns.some((c) => c.name === partition.name)) {
      throw new PlatformError(
        ErrorType.InvalidInput,
        `${files[0] ?? ''}: partition column ${partition.name} is missing`,
      );
    }
    const params: Record<string, DuckDBValue> = { files: listValue(files), day: date };
    return this.withConnection(
      `replacePartition ${table.name} ${date}`,
      async (conn) => {
        const check = toRows(
          await conn.runAndReadAll(
            `SELECT count(*) FILTER (WHERE ${q(partition.name)} IS DISTINCT FROM CAST($day AS DATE)) AS outside
             FROM read_parquet($files)`,
            params,
          ),
        );
        const outside = Number(check[0]?.outside ?? 0);
        if (outside > 0) {
          throw new PlatformError(
            ErrorType.InvalidInput,
            `${outside} row(s) in the files have ${partition.name} other than ${date}; refusing to load them into that day`,
          );
        }
        const names = columns.map((c) => q(c.name)).join(', ');
        await conn.run(`DELETE FROM ${fq(dataset, table)} WHERE ${q(partition.name)} = CAST($day AS DATE)`, {
          day: date,
        });
        await conn.run(`INSERT INTO ${fq(dataset, table)} (${names}) SELECT ${names} FROM read_parquet($files)`, {
          files: listValue(files),
        });
        const after = toRows(
          await conn.runAndReadAll(
            `SELECT count(*) AS n FROM ${fq(dataset, table)} WHERE ${q(partition.name)} = CAST($day AS DATE)`,
            { day: date },
          ),
        );
        return { table: table.name, rows: Number(after[0]?.n ?? 0), jobIds: [] };
      },
      { transaction: true },
    );
  }

  async mergeDimension(request: LoadRequest): Promise<LoadResult> {
    const { dataset, parquetFiles: files } = request;
    const table = resolveTable(dataset, request.table);
    const key = primaryKeyOf(table);
    checkJobKey(request.jobKey);
    const columns = await this.checkFiles(table, files);
    const missingKey = key.find((k) => !columns.some((c) => c.name === k.name));
    if (missingKey) {
      throw new PlatformError(ErrorType.InvalidInput, `${files[0] ?? ''}: key column ${missingKey.name} is missing`);
    }
    return this.withConnection(
      `mergeDimension ${table.name}`,
      async (conn) => {
        await this.checkSourceKeys(conn, table, key, files);
        const on = key.map((k) => `target.${q(k.name)} = source.${q(k.name)}`).join(' AND ');
        const updates = columns.filter((c) => !table.primaryKey.includes(c.name));
        const names = columns.map((c) => q(c.name));
        const matched = updates.length
          ? `WHEN MATCHED THEN UPDATE SET ${updates.map((c) => `${q(c.name)} = source.${q(c.name)}`).join(', ')}`
          : '';
        await conn.run(
          `MERGE INTO ${fq(dataset, table)} AS target
           USING (SELECT ${names.join(', ')} FROM read_parquet($files)) AS source ON ${on}
           ${matched}
           WHEN NOT MATCHED THEN INSERT (${names.join(', ')}) VALUES (${names.map((n) => `source.${n}`).join(', ')})`,
          { files: listValue(files) },
        );
        const after = toRows(await conn.runAndReadAll(`SELECT count(*) AS n FROM ${fq(dataset, table)}`));
        return { table: table.name, rows: Number(after[0]?.n ?? 0), jobIds: [] };
      },
      { transaction: true },
    );
  }

  /** A MERGE source must have one row per key and no NULL key, or the merge is ambiguous / duplicates on rerun. */
  private async checkSourceKeys(conn: DuckDBConnection, table: Table, key: Column[], files: string[]): Promise<void> {
    const keyList = key.map((k) => q(k.name)).join(', ');
    const nullKey = key.map((k) => `${q(k.name)} IS NULL`).join(' OR ');
    const rows = toRows(
      await conn.runAndReadAll(
        `SELECT (SELECT count(*) FROM read_parquet($files) WHERE ${nullKey}) AS null_keys,
                (SELECT count(*) FROM (SELECT ${keyList} FROM read_parquet($files) GROUP BY ALL HAVING count(*) > 1)) AS dup_keys`,
        { files: listValue(files) },
      ),
    );
    if (Number(rows[0]?.null_keys ?? 0) > 0) {
      throw new PlatformError(ErrorType.InvalidInput, `source rows of ${table.name} have a NULL key (${keyList})`);
    }
    if (Number(rows[0]?.dup_keys ?? 0) > 0) {
      throw new PlatformError(
        ErrorType.InvalidInput,
        `source rows of ${table.name} repeat ${String(rows[0]?.dup_keys)} key(s) (${keyList}); a MERGE source needs one row per key`,
      );
    }
  }

  async query(sql: string, params: Record<string, QueryParam> = {}, options: QueryOptions = {}): Promise<Row[]> {
    const { tokens } = checkQuery(sql, params, { write: options.write, dialect: 'duckdb' });
    const values: Record<string, DuckDBValue> = {};
    for (const [name, param] of Object.entries(params)) {
      const value = paramValue(param);
      values[name] = value === null ? null : value instanceof Date ? value.toISOString() : String(value);
    }
    // Every value is bound as text and cast in SQL to its logical type: one binding path, exact round trips.
    const rewritten = rewriteParams(
      sql,
      tokens,
      (name) => `CAST($${name} AS ${DUCKDB_TYPES[paramType(params[name] as QueryParam)]})`,
    );
    const schema =
      options.defaultDataset === undefined ? undefined : checkIdentifier(options.defaultDataset, 'dataset');
    return this.withConnection('query', async (conn) => {
      if (schema) {
        const found = await conn.runAndReadAll('SELECT 1 FROM information_schema.schemata WHERE schema_name = $s', {
          s: schema,
        });
        if (found.currentRowCount > 0) await conn.run(`SET search_path = '${schema},main'`);
      }
      return toRows(await conn.runAndReadAll(rewritten, values));
    });
  }

  async eraseUser(request: EraseRequest): Promise<EraseTableResult[]> {
    const { dataset, subject } = request;
    const names = request.tables ?? dataset.tables.map((t) => t.name);
    const values = paramValues(subject);
    const bind = (names: ParamName[]) =>
      Object.fromEntries(names.map((n) => [n, values[n] ?? ''])) as Record<string, DuckDBValue>;
    const plans = names.map((n) => {
      const table = resolveTable(dataset, n);
      return warehouseStatements(warehouseRule(table.name, request.rules), table.name, fq(dataset, table), 'duckdb', {
        columns: new Set(table.columns.map((c) => c.name)),
        hasEmail: Boolean(subject.email),
      });
    });
    return this.withConnection(
      `eraseUser in ${dataset.name}`,
      async (conn) => {
        const results: EraseTableResult[] = [];
        for (const plan of plans) {
          if (plan.action === 'skip' || !plan.count) {
            results.push({ table: plan.table, action: 'skip', affected: 0, remaining: 0 });
            continue;
          }
          const { sql, params } = plan.count;
          const count = async () => Number(toRows(await conn.runAndReadAll(sql, bind(params)))[0]?.n ?? 0);
          const affected = await count();
          if (affected > 0) for (const c of plan.changes) await conn.run(c.sql, bind(c.params));
          results.push({
            table: plan.table,
            action: plan.action,
            affected,
            remaining: affected > 0 ? await count() : 0,
          });
        }
        return results;
      },
      { transaction: true },
    );
  }

  async tableStats(dataset: Dataset, tableName: string): Promise<TableStats> {
    const table = resolveTable(dataset, tableName);
    const rows = await this.withConnection(`tableStats ${table.name}`, async (conn) =>
      toRows(await conn.runAndReadAll(`SELECT count(*) AS n FROM ${fq(dataset, table)}`)),
    );
    return { table: table.name, rows: Number(rows[0]?.n ?? 0) };
  }

  async partitionStats(dataset: Dataset, tableName: string, date: string): Promise<PartitionStats> {
    const table = resolveTable(dataset, tableName);
    const partition = partitionColumnOf(table);
    checkDate(date);
    const rows = await this.withConnection(`partitionStats ${table.name} ${date}`, async (conn) =>
      toRows(
        await conn.runAndReadAll(
          `SELECT count(*) AS n FROM ${fq(dataset, table)} WHERE ${q(partition.name)} = CAST($day AS DATE)`,
          { day: date },
        ),
      ),
    );
    return { table: table.name, date, rows: Number(rows[0]?.n ?? 0) };
  }

  async close(): Promise<void> {
    if (!this.instance) return;
    const instance = await this.instance;
    instance.closeSync();
    this.instance = undefined;
  }
}
