import path from 'node:path';
import { listValue, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { ErrorType, PlatformError } from '../errors';
import type {
  EraseBatchRequest,
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
import { DuckDbFile, toRows } from './duckdb-file';
import {
  checkMergeLoad,
  checkPartitionLoad,
  checkPartitionOf,
  checkRowsOnDay,
  checkSourceKeys,
  columnsToAdd,
} from './load-checks';
import { checkIdentifier, readLocalParquetColumns, resolveTable, type ParquetColumn } from './schema';
import {
  checkQuery,
  COLUMN_TYPES,
  countRowsSql,
  deleteDaySql,
  insertSelectSql,
  mergeSql,
  paramType,
  paramValue,
  quoteIdentifier,
  rewriteParams,
  rowsOutsideDaySql,
  sourceKeyCountsSql,
} from './sql';
import type { Dataset, Table } from '../../schema/warehouse/types';
import {
  batchParamValues,
  paramValues,
  warehouseBatchStatements,
  warehouseRule,
  warehouseStatements,
  type ParamName,
} from '../../schema/erasure';

/** DuckDB type of each logical column type (JSON stays VARCHAR: the json extension would need a download). */
export const DUCKDB_TYPES = COLUMN_TYPES.duckdb;

const q = (identifier: string) => quoteIdentifier('duckdb', identifier);
const fq = (dataset: Dataset, table: Table) => `${q(dataset.name)}.${q(table.name)}`;

/** Rows of the load's files, as a table expression (parameter `$files`). */
const FILES = 'read_parquet($files)';

/** Footers of local files; a relative path would depend on the worker's directory, so it is refused. */
async function readFooter(file: string): Promise<ParquetColumn[]> {
  if (!path.isAbsolute(file)) {
    throw new PlatformError(ErrorType.InvalidInput, `Parquet file ${JSON.stringify(file)} is not an absolute path`);
  }
  return readLocalParquetColumns(file);
}

/**
 * Warehouse over one DuckDB file: a dataset is a schema, a table a table (partitioning and clustering are BigQuery
 * notions and have no DuckDB counterpart). Checks and SQL are the shared ones (`load-checks.ts`, `sql.ts`); this
 * class binds them to DuckDB connections. Every operation uses its own connection (`DuckDbFile`), so concurrent
 * activities never share a transaction; writes conflicting on a table fail with a retryable TransientInfrastructure.
 */
export class DuckDbWarehouse implements Warehouse {
  private readonly db: DuckDbFile;

  /**
   * @param lockWaitMs how long an operation waits for another process (a worker, the CLI) to release the file
   *   before failing with a retryable error. DuckDB lets one process open a file at a time, so this adapter holds
   *   it only while an operation runs. @default 30000
   */
  constructor(
    private readonly file: string,
    lockWaitMs = 30_000,
  ) {
    this.db = new DuckDbFile(file, lockWaitMs);
  }

  private withConnection<T>(
    what: string,
    fn: (conn: DuckDBConnection) => Promise<T>,
    options?: { transaction?: boolean },
  ) {
    return this.db.withConnection(what, fn, options);
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
          const described = existing.map((r) => ({ name: String(r.column_name), type: String(r.data_type) }));
          for (const column of columnsToAdd('duckdb', table, described)) {
            await conn.run(
              `ALTER TABLE ${fq(dataset, table)} ADD COLUMN ${q(column.name)} ${DUCKDB_TYPES[column.type]}`,
            );
          }
        }
      },
      { transaction: true },
    );
  }

  /** One transaction: the day check on the files, DELETE of the day, INSERT from the files. */
  async replacePartition(request: PartitionLoadRequest): Promise<LoadResult> {
    const load = await checkPartitionLoad(request, readFooter);
    const { table, partition, date } = load;
    const target = fq(load.dataset, table);
    const files = listValue(load.files);
    return this.withConnection(
      `replacePartition ${table.name} ${date}`,
      async (conn) => {
        const outside = await conn.runAndReadAll(rowsOutsideDaySql('duckdb', FILES, q(partition.name)), {
          files,
          day: date,
        });
        checkRowsOnDay(toRows(outside)[0], load);
        await conn.run(deleteDaySql('duckdb', target, partition), { day: date });
        await conn.run(insertSelectSql('duckdb', target, FILES, load.columns), { files });
        const after = toRows(await conn.runAndReadAll(countRowsSql('duckdb', target, partition), { day: date }));
        return { table: table.name, rows: Number(after[0]?.n ?? 0), jobIds: [] };
      },
      { transaction: true },
    );
  }

  /** One transaction: the source-key check on the files, then MERGE straight from them. */
  async mergeDimension(request: LoadRequest): Promise<LoadResult> {
    const load = await checkMergeLoad(request, readFooter);
    const { table, key, columns } = load;
    const target = fq(load.dataset, table);
    const files = listValue(load.files);
    const source = `(SELECT ${columns.map((c) => q(c.name)).join(', ')} FROM ${FILES})`;
    return this.withConnection(
      `mergeDimension ${table.name}`,
      async (conn) => {
        const counted = await conn.runAndReadAll(sourceKeyCountsSql('duckdb', FILES, key), { files });
        checkSourceKeys('duckdb', load, toRows(counted)[0]);
        await conn.run(mergeSql('duckdb', target, source, key, columns), { files });
        const after = toRows(await conn.runAndReadAll(countRowsSql('duckdb', target)));
        return { table: table.name, rows: Number(after[0]?.n ?? 0), jobIds: [] };
      },
      { transaction: true },
    );
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

  async eraseUsers(request: EraseBatchRequest): Promise<EraseTableResult[][]> {
    const { dataset, subjects } = request;
    const out: EraseTableResult[][] = subjects.map(() => []);
    if (subjects.length === 0) return out;
    const names = request.tables ?? dataset.tables.map((t) => t.name);
    const values = batchParamValues(subjects);
    const bind = (names: string[]) =>
      Object.fromEntries(names.map((n) => [n, values[n] ?? ''])) as Record<string, DuckDBValue>;
    const plans = names.map((n) => {
      const table = resolveTable(dataset, n);
      return warehouseBatchStatements(
        warehouseRule(table.name, request.rules),
        table.name,
        fq(dataset, table),
        'duckdb',
        {
          columns: new Set(table.columns.map((c) => c.name)),
          hasEmail: subjects.map((s) => Boolean(s.email)),
        },
      );
    });
    return this.withConnection(
      `eraseUsers (${subjects.length}) in ${dataset.name}`,
      async (conn) => {
        for (const plan of plans) {
          if (plan.action === 'skip' || !plan.count) {
            for (const r of out) r.push({ table: plan.table, action: 'skip', affected: 0, remaining: 0 });
            continue;
          }
          const { sql, params } = plan.count;
          const count = async () => {
            const row = toRows(await conn.runAndReadAll(sql, bind(params)))[0];
            return subjects.map((_, i) => Number(row?.[`n_${i}`] ?? 0));
          };
          const affected = await count();
          const any = affected.some((n) => n > 0);
          if (any) for (const c of plan.changes) await conn.run(c.sql, bind(c.params));
          const remaining = any ? await count() : affected.map(() => 0);
          out.forEach((r, i) =>
            r.push({ table: plan.table, action: plan.action, affected: affected[i]!, remaining: remaining[i]! }),
          );
        }
        return out;
      },
      { transaction: true },
    );
  }

  async tableStats(dataset: Dataset, tableName: string): Promise<TableStats> {
    const table = resolveTable(dataset, tableName);
    const rows = await this.withConnection(`tableStats ${table.name}`, async (conn) =>
      toRows(await conn.runAndReadAll(countRowsSql('duckdb', fq(dataset, table)))),
    );
    return { table: table.name, rows: Number(rows[0]?.n ?? 0) };
  }

  async partitionStats(dataset: Dataset, tableName: string, date: string): Promise<PartitionStats> {
    const { table, partition } = checkPartitionOf(dataset, tableName, date);
    const rows = await this.withConnection(`partitionStats ${table.name} ${date}`, async (conn) =>
      toRows(await conn.runAndReadAll(countRowsSql('duckdb', fq(dataset, table), partition), { day: date })),
    );
    return { table: table.name, date, rows: Number(rows[0]?.n ?? 0) };
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
