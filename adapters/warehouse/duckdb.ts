import path from 'node:path';
import { listValue, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
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
import { DuckDbFile, toRows } from './duckdb-file';
import {
  checkMergeLoad,
  checkPartitionLoad,
  checkPartitionOf,
  checkRowsOnDay,
  checkSourceKeys,
  columnsToAdd,
} from './load-checks';
import { checkIdentifier, erasurePlan, readLocalParquetColumns, resolveTable, type ParquetColumn } from './schema';
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
    const { dataset, userId, token } = request;
    const names = request.tables ?? dataset.tables.map((t) => t.name);
    const plans = names.map((n) => erasurePlan(resolveTable(dataset, n), request.subjectColumn ?? 'user_id'));
    return this.withConnection(
      `eraseUser in ${dataset.name}`,
      async (conn) => {
        const results: EraseTableResult[] = [];
        for (const plan of plans) {
          if (plan.action === 'skip') {
            results.push({ table: plan.table.name, action: 'skip', affected: 0, remaining: 0 });
            continue;
          }
          const target = fq(dataset, plan.table);
          const where = `${q(plan.subject.name)} = $user`;
          const count = async () =>
            Number(
              toRows(
                await conn.runAndReadAll(`SELECT count(*) AS n FROM ${target} WHERE ${where}`, { user: userId }),
              )[0]?.n ?? 0,
            );
          const affected = await count();
          if (plan.action === 'delete_row') {
            await conn.run(`DELETE FROM ${target} WHERE ${where}`, { user: userId });
          } else {
            const sets = [
              ...plan.nullify.map((c) => `${q(c.name)} = NULL`),
              ...plan.tokenise.map((c) => `${q(c.name)} = $token`),
            ];
            const bind: Record<string, DuckDBValue> = { user: userId };
            if (plan.tokenise.length > 0) bind.token = token;
            await conn.run(`UPDATE ${target} SET ${sets.join(', ')} WHERE ${where}`, bind);
          }
          results.push({ table: plan.table.name, action: plan.action, affected, remaining: await count() });
        }
        return results;
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
