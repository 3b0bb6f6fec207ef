import type { QueryParameter, Table as TableHandle, TableField } from '@google-cloud/bigquery';
import { ErrorType, PlatformError } from '../errors';
import type { LoadResult, PartitionStats, QueryParam, TableStats } from '../ports';
import { failureMessage, queryParameter, reasonOf } from './bigquery-api';
import { BigQueryClient, q, type BigQueryCapabilities, type Staging, type StagingLayout } from './bigquery-client';
import { checkRowsOnDay, type MergeLoad, type PartitionLoad } from './load-checks';
import {
  COLUMN_TYPES,
  deleteDaySql,
  insertSelectSql,
  paramType,
  paramValue,
  rewriteParams,
  rowsOutsideDaySql,
  scan,
} from './sql';
import type { Column, Dataset, Table } from '../../schema/warehouse/types';

/**
 * The goccy/bigquery-emulator workarounds, kept out of the real service's code path: `BigQueryWarehouse` builds this
 * client instead of `BigQueryClient` when `emulatorCompat` is set. Each override is one gap that
 * test/contract/README.md lists; never use it against the real service (its replace is not atomic there).
 */

/** What goccy/bigquery-emulator v0.6.6 lacks; the contract suite skips exactly these. */
export const emulatorCapabilities: BigQueryCapabilities = {
  partitionDecorator: false,
  atomicPartitionReplace: true,
  deterministicJobIds: false,
  maximumBytesBilled: false,
  tableBytes: false,
  nativeMerge: false,
  addColumns: false,
  defaultDataset: false,
};

export class BigQueryEmulatorClient extends BigQueryClient {
  /** The emulator reports every SQL or data error as jobInternalError; the real service means a transient fault. */
  override fail(err: unknown, what: string): PlatformError {
    if (!(err instanceof PlatformError) && reasonOf(err) === 'jobInternalError') {
      return new PlatformError(ErrorType.InvalidInput, failureMessage(err, what), { cause: err });
    }
    return super.fail(err, what);
  }

  /**
   * The emulator ignores declared parameter types and infers them from context, so each `@name` becomes
   * `CAST(@name AS TYPE)`, and a NULL (which it cannot receive) becomes `CAST(NULL AS TYPE)` — a constant, never a
   * value spliced into the SQL.
   */
  protected override queryRequest(
    sql: string,
    params: Record<string, QueryParam>,
  ): { query: string; params: QueryParameter[] } {
    const query = rewriteParams(sql, scan(sql, 'bigquery'), (name) => {
      const param = params[name];
      const type = param === undefined ? 'STRING' : COLUMN_TYPES.bigquery[paramType(param)];
      return param !== undefined && paramValue(param) === null ? `CAST(NULL AS ${type})` : `CAST(@${name} AS ${type})`;
    });
    const sent = Object.entries(params).filter(([, param]) => paramValue(param) !== null);
    return { query, params: sent.map(([name, param]) => queryParameter(name, param)) };
  }

  /**
   * The emulator decodes Parquet DATE columns as 1970-01-01; staged as INT64 they keep the day number, which `expr`
   * turns back into a DATE with DATE_FROM_UNIX_DATE. It has no table expiration, and loads need the schema.
   */
  protected override stagingLayout(columns: Column[]): StagingLayout {
    const asDays = (c: Column) => c.type === 'DATE';
    const schema = columns.map((c) => ({ ...this.fieldOf(c, true), ...(asDays(c) ? { type: 'INT64' } : {}) }));
    return {
      schema,
      options: {},
      loadSchema: schema,
      expr: (column) => (asDays(column) ? `DATE_FROM_UNIX_DATE(${q(column.name)})` : q(column.name)),
    };
  }

  /**
   * Partition decorators and WRITE_TRUNCATE are ignored: load a staging table, check every row is on the day, then
   * DELETE the day + INSERT from staging as one script, which the emulator runs in one SQLite transaction.
   */
  override async replaceDay(load: PartitionLoad): Promise<LoadResult> {
    const { dataset, table, partition, date } = load;
    const what = `replacePartition ${table.name} ${date}`;
    const day: QueryParam = { type: 'DATE', value: date };
    const staging = await this.loadStaging(dataset, table, load.files, load.columns, this.loadJobId(load));
    try {
      const source = this.ref(dataset, staging.name);
      const counted = await this.run(rowsOutsideDaySql('bigquery', source, staging.expr(partition)), { day }, what);
      checkRowsOnDay(counted[0], load);
      const target = this.ref(dataset, table);
      const insert = insertSelectSql('bigquery', target, source, staging.columns, staging.expr);
      await this.run(`${deleteDaySql('bigquery', target, partition)};\n${insert}`, { day }, what);
    } finally {
      await staging.drop();
    }
    return { table: table.name, rows: await this.countRows(dataset, table, date), jobIds: [staging.jobId] };
  }

  /** The DELETE + INSERT fallback replaces whole rows, so it could not keep the values of columns the files lack. */
  override async mergeDimension(load: MergeLoad): Promise<LoadResult> {
    const absent = load.table.columns.filter((c) => !load.columns.some((pc) => pc.name === c.name));
    if (absent.length > 0) {
      throw new PlatformError(
        ErrorType.InvalidInput,
        `emulatorCompat merge needs every column of ${load.table.name}; the files lack ${absent.map((c) => c.name).join(', ')}`,
      );
    }
    return super.mergeDimension(load);
  }

  /**
   * The emulator's MERGE cannot resolve dataset-qualified tables; with every column present, deleting the matched
   * keys and inserting the source rows in one script gives the same rows as the MERGE.
   */
  protected override mergeStatement(load: MergeLoad, staging: Staging): string {
    const { dataset, table, key } = load;
    const source = this.ref(dataset, staging.name);
    const target = this.ref(dataset, table);
    const keyOf = (expr: (c: Column) => string) =>
      `TO_JSON_STRING(STRUCT(${key.map((k) => `${expr(k)} AS ${q(k.name)}`).join(', ')}))`;
    return `DELETE FROM ${target} WHERE ${keyOf((k) => q(k.name))} IN (SELECT ${keyOf(staging.expr)} FROM ${source});
           ${insertSelectSql('bigquery', target, source, staging.columns, staging.expr)}`;
  }

  /** Schema patches do not reach the emulator's data: refuse clearly instead of silently doing nothing. */
  override addColumns(_handle: TableHandle, table: Table, _fields: TableField[], added: TableField[]): Promise<void> {
    return Promise.reject(
      new PlatformError(
        ErrorType.InvalidInput,
        `bigquery-emulator cannot add columns (${added.map((f) => f.name).join(', ')}) to ${table.name}; recreate the table`,
      ),
    );
  }

  /** No byte counts: rows are counted. */
  override async tableStats(dataset: Dataset, table: Table): Promise<TableStats> {
    return { table: table.name, rows: await this.countRows(dataset, table) };
  }

  override async partitionStats(dataset: Dataset, table: Table, date: string): Promise<PartitionStats> {
    return { table: table.name, date, rows: await this.countRows(dataset, table, date) };
  }
}
