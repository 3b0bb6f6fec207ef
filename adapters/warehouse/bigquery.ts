import type { BigQuery, TableField, TableMetadata } from '@google-cloud/bigquery';
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
import { ignoreConflict } from './bigquery-api';
import { BigQueryClient, q, type BigQueryCapabilities, type BigQueryWarehouseOptions } from './bigquery-client';
import { BigQueryEmulatorClient, emulatorCapabilities } from './bigquery-emulator';
import { checkMergeLoad, checkPartitionLoad, checkPartitionOf, columnsToAdd } from './load-checks';
import { checkIdentifier, partitionColumnOf, resolveTable } from './schema';
import { checkQuery } from './sql';
import type { Dataset, Table } from '../../schema/warehouse/types';
import {
  batchParamValues,
  paramValues,
  warehouseBatchStatements,
  warehouseRule,
  warehouseStatements,
  type ParamName,
} from '../../schema/erasure';

export type { BigQueryCapabilities, BigQueryWarehouseOptions } from './bigquery-client';

/**
 * Warehouse over BigQuery. Checks and SQL are the shared ones (`load-checks.ts`, `sql.ts`); the client layer does
 * the BigQuery work: `BigQueryClient` for the real service, or `BigQueryEmulatorClient` (`bigquery-emulator.ts`) when
 * built with `emulatorCompat`. Partition replace is one load job into `table$YYYYMMDD` with WRITE_TRUNCATE (atomic
 * by BigQuery's design) under a job id derived from the jobKey and the request, so a retried activity finds the job
 * of its previous attempt (409 → wait for it) instead of loading twice. Dimensions: load a staging table, check its
 * keys, MERGE, drop the staging table. `query()` is parameterised and capped by `maximumBytesBilled`.
 */
export class BigQueryWarehouse implements Warehouse {
  /** What goccy/bigquery-emulator v0.6.6 lacks (with `emulatorCompat: true`). */
  static readonly emulatorCapabilities: BigQueryCapabilities = emulatorCapabilities;

  readonly client: BigQuery;
  private readonly bq: BigQueryClient;

  constructor(private readonly options: BigQueryWarehouseOptions) {
    this.bq = options.emulatorCompat ? new BigQueryEmulatorClient(options) : new BigQueryClient(options);
    this.client = this.bq.client;
  }

  // eraseUser's statements go through the client like every other.
  private ref(dataset: Dataset, table: Table | string): string {
    return this.bq.ref(dataset, table);
  }

  private run(sql: string, params: Record<string, QueryParam>, what: string): Promise<Row[]> {
    return this.bq.run(sql, params, what);
  }

  async ping(): Promise<Probe> {
    const rows = await this.run('SELECT 1 AS ok', {}, 'ping');
    return {
      detail: `BigQuery project ${this.options.projectId} (${this.options.apiEndpoint ?? 'bigquery.googleapis.com'}) ok=${String(rows[0]?.ok)}`,
    };
  }

  async ensureDataset(dataset: Dataset): Promise<void> {
    const tables = dataset.tables.map((t) => resolveTable(dataset, t.name));
    const location = this.bq.location;
    const ds = this.client.dataset(dataset.name, { location });
    try {
      const [exists] = await ds.exists();
      if (!exists) {
        await this.client
          .createDataset(dataset.name, { location, description: dataset.description })
          .catch(ignoreConflict);
      }
      for (const table of tables) {
        const handle = ds.table(table.name);
        const [tableExists] = await handle.exists();
        if (!tableExists) {
          await ds.createTable(table.name, this.tableMetadata(table)).catch(ignoreConflict);
          continue;
        }
        const current = (await handle.getMetadata())[0] as TableMetadata;
        const fields: TableField[] = current.schema?.fields ?? [];
        const described = fields.map((f) => ({ name: f.name ?? '', type: f.type }));
        const added = columnsToAdd('bigquery', table, described).map((c) => this.bq.fieldOf(c));
        if (added.length) await this.bq.addColumns(handle, table, fields, added);
      }
    } catch (err) {
      throw this.bq.fail(err, `ensureDataset ${dataset.name}`);
    }
  }

  /** A new table: day partitioning on the partition column, clustering, retention, requirePartitionFilter. */
  private tableMetadata(table: Table): TableMetadata {
    const metadata: TableMetadata = {
      description: table.description,
      schema: { fields: table.columns.map((c) => this.bq.fieldOf(c)) },
    };
    if (table.partitionColumn) {
      metadata.timePartitioning = {
        type: 'DAY',
        field: partitionColumnOf(table).name,
        ...(table.retentionDays ? { expirationMs: String(table.retentionDays * 86_400_000) } : {}),
      };
      if (table.requirePartitionFilter) metadata.requirePartitionFilter = true;
    }
    if (table.clusterBy?.length) metadata.clustering = { fields: table.clusterBy };
    return metadata;
  }

  async replacePartition(request: PartitionLoadRequest): Promise<LoadResult> {
    return this.bq.replaceDay(await checkPartitionLoad(request, (uri) => this.bq.readFooter(uri)));
  }

  async mergeDimension(request: LoadRequest): Promise<LoadResult> {
    return this.bq.mergeDimension(await checkMergeLoad(request, (uri) => this.bq.readFooter(uri)));
  }

  async query(sql: string, params: Record<string, QueryParam> = {}, options: QueryOptions = {}): Promise<Row[]> {
    checkQuery(sql, params, { write: options.write, dialect: 'bigquery' });
    return this.bq.run(sql, params, 'query', {
      maximumBytesBilled: this.options.maximumBytesBilled,
      defaultDataset:
        options.defaultDataset === undefined ? undefined : checkIdentifier(options.defaultDataset, 'dataset'),
    });
  }

  async eraseUser(request: EraseRequest): Promise<EraseTableResult[]> {
    const { dataset, subject } = request;
    const names = request.tables ?? dataset.tables.map((t) => t.name);
    const values = paramValues(subject);
    const bind = (names: ParamName[]) =>
      Object.fromEntries(names.map((n) => [n, values[n] ?? ''])) as Record<string, QueryParam>;
    const plans = names.map((n) => {
      const table = resolveTable(dataset, n);
      // Tables that require a partition filter get one that keeps every day.
      const extraWhere =
        table.requirePartitionFilter && table.partitionColumn
          ? `${q(table.partitionColumn)} >= DATE '0001-01-01'`
          : undefined;
      return warehouseStatements(
        warehouseRule(table.name, request.rules),
        table.name,
        this.ref(dataset, table),
        'bigquery',
        {
          columns: new Set(table.columns.map((c) => c.name)),
          hasEmail: Boolean(subject.email),
          extraWhere,
        },
      );
    });
    const results: EraseTableResult[] = [];
    // One statement per change: each is atomic and idempotent, so a retry after a partial run finishes the job.
    for (const plan of plans) {
      if (plan.action === 'skip' || !plan.count) {
        results.push({ table: plan.table, action: 'skip', affected: 0, remaining: 0 });
        continue;
      }
      const what = `eraseUser ${plan.table}`;
      const { sql, params } = plan.count;
      const count = async () => Number((await this.run(sql, bind(params), what))[0]?.n ?? 0);
      const affected = await count();
      if (affected > 0) for (const c of plan.changes) await this.run(c.sql, bind(c.params), what);
      results.push({ table: plan.table, action: plan.action, affected, remaining: affected > 0 ? await count() : 0 });
    }
    return results;
  }

  async eraseUsers(request: EraseBatchRequest): Promise<EraseTableResult[][]> {
    const { dataset, subjects } = request;
    const out: EraseTableResult[][] = subjects.map(() => []);
    if (subjects.length === 0) return out;
    const names = request.tables ?? dataset.tables.map((t) => t.name);
    const values = batchParamValues(subjects);
    const bind = (names: string[]) =>
      Object.fromEntries(names.map((n) => [n, values[n] ?? ''])) as Record<string, QueryParam>;
    // One count and at most one DELETE and one UPDATE per table for the whole batch (DML jobs are the cost here).
    for (const n of names) {
      const table = resolveTable(dataset, n);
      const extraWhere =
        table.requirePartitionFilter && table.partitionColumn
          ? `${q(table.partitionColumn)} >= DATE '0001-01-01'`
          : undefined;
      const plan = warehouseBatchStatements(
        warehouseRule(table.name, request.rules),
        table.name,
        this.ref(dataset, table),
        'bigquery',
        {
          columns: new Set(table.columns.map((c) => c.name)),
          hasEmail: subjects.map((s) => Boolean(s.email)),
          extraWhere,
        },
      );
      if (plan.action === 'skip' || !plan.count) {
        for (const r of out) r.push({ table: plan.table, action: 'skip', affected: 0, remaining: 0 });
        continue;
      }
      const what = `eraseUsers ${plan.table}`;
      const { sql, params } = plan.count;
      const count = async () => {
        const row = (await this.run(sql, bind(params), what))[0];
        return subjects.map((_, i) => Number(row?.[`n_${i}`] ?? 0));
      };
      const affected = await count();
      const any = affected.some((x) => x > 0);
      if (any) for (const c of plan.changes) await this.run(c.sql, bind(c.params), what);
      const remaining = any ? await count() : affected.map(() => 0);
      out.forEach((r, i) =>
        r.push({ table: plan.table, action: plan.action, affected: affected[i]!, remaining: remaining[i]! }),
      );
    }
    return out;
  }

  async tableStats(dataset: Dataset, tableName: string): Promise<TableStats> {
    return this.bq.tableStats(dataset, resolveTable(dataset, tableName));
  }

  async partitionStats(dataset: Dataset, tableName: string, date: string): Promise<PartitionStats> {
    const { table } = checkPartitionOf(dataset, tableName, date);
    return this.bq.partitionStats(dataset, table, date);
  }

  async close(): Promise<void> {}
}
