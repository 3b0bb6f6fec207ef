import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BigQuery,
  type Job,
  type JobMetadata,
  type QueryParameter,
  type Table as TableHandle,
  type TableField,
  type TableMetadata,
} from '@google-cloud/bigquery';
import { Storage } from '@google-cloud/storage';
import { ErrorType, PlatformError } from '../errors';
import type { LoadResult, PartitionStats, QueryParam, Row, TableStats } from '../ports';
import {
  jobFailure,
  mapBigQueryError,
  normaliseValue,
  parseGsUri,
  queryParameter,
  statusOf,
  yyyymmdd,
} from './bigquery-api';
import { checkSourceKeys, type MergeLoad, type PartitionLoad } from './load-checks';
import { partitionColumnOf, readParquetColumns, type ParquetColumn } from './schema';
import { COLUMN_TYPES, countRowsSql, mergeSql, quoteIdentifier, sourceKeyCountsSql } from './sql';
import type { Column, Dataset, Table } from '../../schema/warehouse/types';

/**
 * What BigQuery can do that an emulator may not; the contract suite skips only what is declared false, and
 * test/contract/README.md lists the gaps.
 */
export interface BigQueryCapabilities {
  /** Load jobs into `table$YYYYMMDD` with WRITE_TRUNCATE replace exactly that day. */
  partitionDecorator: boolean;
  /** Readers never see a day half replaced. */
  atomicPartitionReplace: boolean;
  /** A second insert of the same job id answers 409 and the first job can be fetched. */
  deterministicJobIds: boolean;
  /** `maximumBytesBilled` is enforced. */
  maximumBytesBilled: boolean;
  /** Table/partition metadata reports stored bytes. */
  tableBytes: boolean;
  /** MERGE works (the emulator's cannot resolve dataset-qualified tables; compat uses DELETE + INSERT). */
  nativeMerge: boolean;
  /** New NULLABLE columns can be added to an existing table. */
  addColumns: boolean;
  /** A query job's `defaultDataset` resolves unqualified table names. */
  defaultDataset: boolean;
}

export interface BigQueryWarehouseOptions {
  projectId: string;
  /** Dataset and job location. @default 'US' */
  location?: string;
  /** Endpoint override (bigquery-emulator); unset means the real service. */
  apiEndpoint?: string;
  /** GCS endpoint for reading Parquet footers before loads (fake-gcs-server); unset means the real service. */
  gcsApiEndpoint?: string;
  /** Cost guard for `query()`: a query that would bill more bytes fails before it runs. */
  maximumBytesBilled: number;
  /**
   * Use the documented emulator fallbacks (`bigquery-emulator.ts`): partition replace loads a staging table and runs
   * DELETE + INSERT for the day (the emulator ignores partition decorators and WRITE_TRUNCATE). Never set this
   * against the real service: the fallback is not atomic there. @default false
   */
  emulatorCompat?: boolean;
  /** Poll interval while waiting for a job. @default 500 */
  pollIntervalMs?: number;
}

export const q = (identifier: string) => quoteIdentifier('bigquery', identifier);

/** How files are staged before SQL reads them. */
export interface StagingLayout {
  /** The staging table's fields. */
  schema: TableField[];
  /** Table options: the real service drops a forgotten staging table by itself. */
  options: Pick<TableMetadata, 'expirationTime'>;
  /** A schema for the load job, or none to load into the table's. */
  loadSchema?: TableField[];
  /** Reads a staged column back as the table's column. */
  expr: (column: Column) => string;
}

/** A staging table holding a load's files; `drop` removes it (the caller drops it in `finally`). */
export interface Staging {
  name: string;
  jobId: string;
  columns: Column[];
  expr: (column: Column) => string;
  drop: () => Promise<void>;
}

/**
 * The client layer under `BigQueryWarehouse` for the real service: jobs under deterministic ids, parameterised
 * queries, Parquet footers read from GCS, staging tables, and the steps of a load (a partition is one load job into
 * `table$YYYYMMDD` with WRITE_TRUNCATE; a dimension is MERGEd from a staging table). `BigQueryEmulatorClient`
 * overrides the steps goccy/bigquery-emulator cannot do.
 */
export class BigQueryClient {
  readonly client: BigQuery;
  readonly location: string;
  readonly projectId: string;
  private readonly storage: Storage;
  private readonly pollMs: number;

  constructor(options: BigQueryWarehouseOptions) {
    this.location = options.location ?? 'US';
    this.projectId = options.projectId;
    this.pollMs = options.pollIntervalMs ?? 500;
    this.client = new BigQuery({
      projectId: options.projectId,
      location: this.location,
      ...(options.apiEndpoint ? { apiEndpoint: options.apiEndpoint } : {}),
    });
    this.storage = new Storage({ projectId: options.projectId, apiEndpoint: options.gcsApiEndpoint });
  }

  ref(dataset: Dataset, table: Table | string): string {
    const name = typeof table === 'string' ? table : table.name;
    return `${q(this.projectId)}.${q(dataset.name)}.${q(name)}`;
  }

  /** Maps a failure of this backend to the platform's typed failure. */
  fail(err: unknown, what: string): PlatformError {
    return mapBigQueryError(err, what);
  }

  // ---------------------------------------------------------------- jobs

  /** Deterministic job id: readable prefix from the jobKey, plus a hash of everything that defines the job. */
  jobId(kind: string, jobKey: string, definition: unknown): string {
    const slug = jobKey.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 200);
    const hash = createHash('sha256')
      .update(JSON.stringify({ kind, jobKey, project: this.projectId, definition }))
      .digest('hex')
      .slice(0, 16);
    return `hire10x_${kind}_${slug}_${hash}`;
  }

  /** The job id of a partition replace. */
  protected loadJobId(load: PartitionLoad): string {
    const { dataset, table, date, files } = load;
    return this.jobId('load', load.jobKey, { dataset: dataset.name, table: table.name, date, files });
  }

  private async waitDone(job: Job, what: string): Promise<JobMetadata> {
    for (let delay = this.pollMs; ; delay = Math.min(delay * 1.5, 5_000)) {
      let metadata: JobMetadata;
      try {
        metadata = (await job.getMetadata())[0] as JobMetadata;
      } catch (err) {
        throw this.fail(err, `${what}: job ${job.id ?? ''}`);
      }
      if (metadata.status?.state === 'DONE') return metadata;
      await sleep(delay);
    }
  }

  /**
   * Runs a job under a deterministic id. If the id exists (a previous attempt submitted it), waits for that job
   * instead; if that job failed transiently, the next deterministic id (`_r1`, `_r2`, ...) runs it again.
   */
  async runJob(baseId: string, configuration: JobMetadata['configuration'], what: string): Promise<string> {
    let last: PlatformError | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      const jobId = attempt === 0 ? baseId : `${baseId}_r${attempt}`;
      let job: Job;
      try {
        [job] = await this.client.createJob({ jobId, location: this.location, configuration });
      } catch (err) {
        if (statusOf(err) !== 409) throw this.fail(err, what);
        job = this.client.job(jobId, { location: this.location });
      }
      const metadata = await this.waitDone(job, what);
      const errorResult = metadata.status?.errorResult;
      if (!errorResult) return jobId;
      last = this.fail(jobFailure(errorResult, metadata.status?.errors), `${what} (job ${jobId})`);
      if (last.nonRetryable) throw last;
    }
    throw last ?? new PlatformError(ErrorType.TransientInfrastructure, `${what}: job kept failing`);
  }

  /** The query text and parameters sent for `sql`: the real service takes typed parameters as they are. */
  protected queryRequest(sql: string, params: Record<string, QueryParam>): { query: string; params: QueryParameter[] } {
    return { query: sql, params: Object.entries(params).map(([name, param]) => queryParameter(name, param)) };
  }

  /** A parameterised query job; returns normalised rows. Used for internal statements too. */
  async run(
    sql: string,
    params: Record<string, QueryParam>,
    what: string,
    { maximumBytesBilled, defaultDataset }: { maximumBytesBilled?: number; defaultDataset?: string } = {},
  ): Promise<Row[]> {
    const { query, params: queryParameters } = this.queryRequest(sql, params);
    try {
      const [job] = await this.client.createQueryJob({
        query,
        queryParameters,
        parameterMode: 'NAMED',
        useLegacySql: false,
        ...(this.location ? { location: this.location } : {}),
        ...(maximumBytesBilled ? { maximumBytesBilled: String(maximumBytesBilled) } : {}),
        ...(defaultDataset ? { defaultDataset: { datasetId: defaultDataset, projectId: this.projectId } } : {}),
      });
      const [rows] = await job.getQueryResults({ wrapIntegers: true, autoPaginate: true });
      return (rows as Record<string, unknown>[]).map((raw) => {
        const row: Row = {};
        for (const [k, v] of Object.entries(raw)) row[k] = normaliseValue(v);
        return row;
      });
    } catch (err) {
      throw this.fail(err, what);
    }
  }

  async countRows(dataset: Dataset, table: Table, date?: string): Promise<number> {
    const sql = countRowsSql('bigquery', this.ref(dataset, table), date ? partitionColumnOf(table) : undefined);
    const params: Record<string, QueryParam> = date ? { day: { type: 'DATE', value: date } } : {};
    const rows = await this.run(sql, params, `count ${table.name}`);
    return Number(rows[0]?.n ?? 0);
  }

  fieldOf(column: Column, forceNullable = false): TableField {
    return {
      name: column.name,
      type: COLUMN_TYPES.bigquery[column.type],
      mode: forceNullable ? 'NULLABLE' : (column.mode ?? 'NULLABLE'),
      description: column.description,
    };
  }

  // ---------------------------------------------------------------- loads

  /** Reads a file's Parquet footer from GCS (a `gs://` URI), with two ranged reads at most. */
  async readFooter(uri: string): Promise<ParquetColumn[]> {
    const { bucket, key } = parseGsUri(uri);
    const file = this.storage.bucket(bucket).file(key);
    let size: number;
    try {
      const [metadata] = await file.getMetadata();
      size = Number(metadata.size ?? 0);
    } catch (err) {
      if (statusOf(err) === 404) throw new PlatformError(ErrorType.NotFound, `no Parquet file ${uri}`, { cause: err });
      throw this.fail(err, `stat ${uri}`);
    }
    return readParquetColumns(uri, size, async (start, end) => {
      const [bytes] = await file.download({ start, end: end - 1 });
      return bytes;
    });
  }

  protected loadConfiguration(
    dataset: Dataset,
    tableId: string,
    files: string[],
    writeDisposition: 'WRITE_TRUNCATE' | 'WRITE_APPEND',
    schema?: TableField[],
  ): JobMetadata['configuration'] {
    return {
      load: {
        sourceUris: files,
        sourceFormat: 'PARQUET',
        destinationTable: { projectId: this.projectId, datasetId: dataset.name, tableId },
        writeDisposition,
        createDisposition: schema ? 'CREATE_IF_NEEDED' : 'CREATE_NEVER',
        ...(schema ? { schema: { fields: schema } } : {}),
      },
    };
  }

  /** Staging on the real service: the columns as they are (all NULLABLE), expiring after 6 hours. */
  protected stagingLayout(columns: Column[]): StagingLayout {
    return {
      schema: columns.map((c) => this.fieldOf(c, true)),
      options: { expirationTime: String(Date.now() + 6 * 3_600_000) },
      expr: (column) => q(column.name),
    };
  }

  /**
   * Loads files into a fresh staging table `_staging_<table>_<random>` holding the files' columns, so checks and
   * SQL run against the rows before the target changes. Staging is rebuilt on every attempt, so its load job gets a
   * fresh id (a deterministic one would make a retry find the previous attempt's job and skip the load).
   */
  protected async loadStaging(
    dataset: Dataset,
    table: Table,
    files: string[],
    columns: ParquetColumn[],
    jobId: string,
  ): Promise<Staging> {
    const suffix = randomUUID().replace(/-/g, '').slice(0, 12);
    const staging = `_staging_${table.name}_${suffix}`;
    const handle = this.client.dataset(dataset.name).table(staging);
    const staged = columns.map((pc) => table.columns.find((c) => c.name === pc.name) as Column);
    const layout = this.stagingLayout(staged);
    const drop = () =>
      handle.delete({ ignoreNotFound: true }).then(
        () => undefined,
        () => undefined,
      );
    try {
      await this.client
        .dataset(dataset.name)
        .createTable(staging, { schema: { fields: layout.schema }, ...layout.options });
      await this.runJob(
        `${jobId}_stage_${suffix}`,
        this.loadConfiguration(dataset, staging, files, 'WRITE_TRUNCATE', layout.loadSchema),
        `load ${staging}`,
      );
    } catch (err) {
      await drop();
      throw this.fail(err, `load ${staging}`);
    }
    return { name: staging, jobId: `${jobId}_stage_${suffix}`, columns: staged, expr: layout.expr, drop };
  }

  /**
   * Replaces the day with one load job into `table$YYYYMMDD` with WRITE_TRUNCATE: BigQuery itself refuses rows
   * outside the decorated day, and swaps the partition atomically.
   */
  async replaceDay(load: PartitionLoad): Promise<LoadResult> {
    const { dataset, table, date, files } = load;
    const jobId = this.loadJobId(load);
    const target = `${table.name}$${yyyymmdd(date)}`;
    const what = `replacePartition ${table.name} ${date}`;
    await this.runJob(jobId, this.loadConfiguration(dataset, target, files, 'WRITE_TRUNCATE'), what);
    return { table: table.name, rows: await this.countRows(dataset, table, date), jobIds: [jobId] };
  }

  /** Loads a staging table, checks its keys, writes it into the table (`mergeStatement`), drops it. */
  async mergeDimension(load: MergeLoad): Promise<LoadResult> {
    const { dataset, table, files } = load;
    const jobId = this.jobId('merge', load.jobKey, { dataset: dataset.name, table: table.name, files });
    const what = `mergeDimension ${table.name}`;
    const staging = await this.loadStaging(dataset, table, files, load.columns, jobId);
    try {
      const counted = await this.run(
        sourceKeyCountsSql('bigquery', this.ref(dataset, staging.name), load.key),
        {},
        what,
      );
      checkSourceKeys('bigquery', load, counted[0]);
      await this.run(this.mergeStatement(load, staging), {}, what);
    } finally {
      await staging.drop();
    }
    return { table: table.name, rows: await this.countRows(dataset, table), jobIds: [staging.jobId] };
  }

  protected mergeStatement(load: MergeLoad, staging: Staging): string {
    const { dataset, table, key } = load;
    return mergeSql('bigquery', this.ref(dataset, table), this.ref(dataset, staging.name), key, staging.columns);
  }

  /** Appends NULLABLE columns to an existing table's schema. */
  async addColumns(handle: TableHandle, _table: Table, fields: TableField[], added: TableField[]): Promise<void> {
    await handle.setMetadata({ schema: { fields: [...fields, ...added] } });
  }

  async tableStats(dataset: Dataset, table: Table): Promise<TableStats> {
    try {
      const m = (await this.client.dataset(dataset.name).table(table.name).getMetadata())[0] as TableMetadata;
      return { table: table.name, rows: Number(m.numRows ?? 0), bytes: Number(m.numBytes ?? 0) };
    } catch (err) {
      throw this.fail(err, `tableStats ${table.name}`);
    }
  }

  async partitionStats(dataset: Dataset, table: Table, date: string): Promise<PartitionStats> {
    const rows = await this.run(
      `SELECT total_rows AS n, total_logical_bytes AS bytes
       FROM ${q(this.projectId)}.${q(dataset.name)}.INFORMATION_SCHEMA.PARTITIONS
       WHERE table_name = @table AND partition_id = @partition`,
      { table: table.name, partition: yyyymmdd(date) },
      `partitionStats ${table.name} ${date}`,
    );
    return { table: table.name, date, rows: Number(rows[0]?.n ?? 0), bytes: Number(rows[0]?.bytes ?? 0) };
  }
}
