import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BigQuery,
  BigQueryDate,
  BigQueryDatetime,
  BigQueryInt,
  BigQueryTime,
  BigQueryTimestamp,
  type Job,
  type JobMetadata,
  type TableField,
  type TableMetadata,
  type QueryParameter,
} from '@google-cloud/bigquery';
import { Storage } from '@google-cloud/storage';
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
  checkIdentifier,
  checkFiles,
  checkJobKey,
  checkParquetColumns,
  partitionColumnOf,
  primaryKeyOf,
  readParquetColumns,
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
  scan,
} from './sql';
import type { Column, ColumnType, Dataset, Table } from '../../schema/warehouse/types';
import { paramValues, warehouseRule, warehouseStatements, type ParamName } from '../../schema/erasure';

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
   * Use the documented emulator fallbacks: partition replace loads a staging table and runs DELETE + INSERT for the
   * day (the emulator ignores partition decorators and WRITE_TRUNCATE). Never set this against the real service:
   * the fallback is not atomic there. @default false
   */
  emulatorCompat?: boolean;
  /** Poll interval while waiting for a job. @default 500 */
  pollIntervalMs?: number;
}

/** BigQuery field type of each logical column type. */
const BQ_TYPES: Record<ColumnType, string> = {
  STRING: 'STRING',
  INT64: 'INT64',
  FLOAT64: 'FLOAT64',
  NUMERIC: 'NUMERIC',
  BOOL: 'BOOL',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
  JSON: 'JSON',
};
/** Legacy names the API answers with in table schemas. */
const BQ_ALIASES: Record<string, string> = { INTEGER: 'INT64', FLOAT: 'FLOAT64', BOOLEAN: 'BOOL' };

const REASON_TYPES: Record<string, ErrorType> = {
  invalid: ErrorType.InvalidInput,
  invalidQuery: ErrorType.InvalidInput,
  bytesBilledLimitExceeded: ErrorType.InvalidInput,
  billingTierLimitExceeded: ErrorType.InvalidInput,
  notFound: ErrorType.NotFound,
  accessDenied: ErrorType.PermissionDenied,
  backendError: ErrorType.TransientInfrastructure,
  internalError: ErrorType.TransientInfrastructure,
  rateLimitExceeded: ErrorType.TransientInfrastructure,
  quotaExceeded: ErrorType.TransientInfrastructure,
  jobBackendError: ErrorType.TransientInfrastructure,
  timeout: ErrorType.Timeout,
};

const q = (identifier: string) => `\`${identifier}\``;

interface ErrorProto {
  reason?: string;
  message?: string;
}

const statusOf = (err: unknown): number | undefined => {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
};

/** Maps a BigQuery API or job failure to the platform's typed failure. */
export function mapBigQueryError(err: unknown, what: string, emulator = false): PlatformError {
  if (err instanceof PlatformError) return err;
  const apiErrors = (err as { errors?: ErrorProto[] } | undefined)?.errors ?? [];
  const reason = apiErrors[0]?.reason;
  const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
  const status = statusOf(err);
  // The emulator reports every SQL or data error as jobInternalError; the real service means a transient fault.
  if (emulator && reason === 'jobInternalError')
    return new PlatformError(ErrorType.InvalidInput, message, { cause: err });
  if (reason && REASON_TYPES[reason]) return new PlatformError(REASON_TYPES[reason], message, { cause: err });
  if (status === 404) return new PlatformError(ErrorType.NotFound, message, { cause: err });
  if (status === 400) return new PlatformError(ErrorType.InvalidInput, message, { cause: err });
  if (status === 401 || status === 403) return new PlatformError(ErrorType.PermissionDenied, message, { cause: err });
  return new PlatformError(ErrorType.TransientInfrastructure, message, { cause: err });
}

function jobError(errorResult: ErrorProto, errors: ErrorProto[] | undefined, what: string, emulator: boolean) {
  const details = [errorResult, ...(errors ?? [])]
    .map((e) => e.message)
    .filter((m, i, all): m is string => Boolean(m) && all.indexOf(m) === i)
    .join('; ');
  const err = Object.assign(new Error(details || errorResult.reason || 'job failed'), { errors: [errorResult] });
  return mapBigQueryError(err, what, emulator);
}

function normaliseValue(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (value instanceof BigQueryInt) return normaliseInteger(value.value);
  if (value instanceof BigQueryTimestamp) return normaliseTimestamp(value.value);
  if (value instanceof BigQueryDate || value instanceof BigQueryDatetime || value instanceof BigQueryTime) {
    return value.value;
  }
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? normaliseInteger(value) : value;
  if (typeof value === 'bigint') return normaliseInteger(value);
  if (Buffer.isBuffer(value)) return value.toString('base64');
  // NUMERIC arrives as a Big.js instance.
  if (typeof value === 'object' && value.constructor?.name === 'Big') {
    return normaliseDecimal((value as { toString(): string }).toString());
  }
  return JSON.stringify(value);
}

function parseGsUri(uri: string): { bucket: string; key: string } {
  const m = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220})\/(.+)$/.exec(uri);
  if (!m?.[1] || !m[2])
    throw new PlatformError(ErrorType.InvalidInput, `Parquet file ${JSON.stringify(uri)} is not a gs:// URI`);
  return { bucket: m[1], key: m[2] };
}

/** Lets a create race with another creator: 409 already-exists is success. */
const ignoreConflict = (err: unknown): undefined => {
  if (statusOf(err) === 409) return undefined;
  throw err;
};

/** A parameter value in the REST representation (always text). */
function parameterText(value: string | number | bigint | boolean | Date): string {
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

const yyyymmdd = (date: string) => date.replace(/-/g, '');

/**
 * Warehouse over BigQuery. Partition replace is one load job into `table$YYYYMMDD` with WRITE_TRUNCATE (atomic by
 * BigQuery's design) under a job id derived from the jobKey and the request, so a retried activity finds the job
 * of its previous attempt (409 → wait for it) instead of loading twice. Dimensions: load a staging table, check its
 * keys, MERGE, drop the staging table. `query()` is parameterised and capped by `maximumBytesBilled`.
 */
export class BigQueryWarehouse implements Warehouse {
  /** What goccy/bigquery-emulator v0.6.6 lacks (with `emulatorCompat: true`). */
  static readonly emulatorCapabilities: BigQueryCapabilities = {
    partitionDecorator: false,
    atomicPartitionReplace: true,
    deterministicJobIds: false,
    maximumBytesBilled: false,
    tableBytes: false,
    nativeMerge: false,
    addColumns: false,
    defaultDataset: false,
  };

  readonly client: BigQuery;
  private readonly storage: Storage;
  private readonly location: string;
  private readonly compat: boolean;
  private readonly pollMs: number;

  constructor(private readonly options: BigQueryWarehouseOptions) {
    this.location = options.location ?? 'US';
    this.compat = options.emulatorCompat ?? false;
    this.pollMs = options.pollIntervalMs ?? 500;
    this.client = new BigQuery({
      projectId: options.projectId,
      location: this.location,
      ...(options.apiEndpoint ? { apiEndpoint: options.apiEndpoint } : {}),
    });
    this.storage = new Storage({ projectId: options.projectId, apiEndpoint: options.gcsApiEndpoint });
  }

  private ref(dataset: Dataset, table: Table | string): string {
    const name = typeof table === 'string' ? table : table.name;
    return `${q(this.options.projectId)}.${q(dataset.name)}.${q(name)}`;
  }

  private fail(err: unknown, what: string): PlatformError {
    return mapBigQueryError(err, what, this.compat);
  }

  async ping(): Promise<Probe> {
    const rows = await this.run('SELECT 1 AS ok', {}, 'ping');
    return {
      detail: `BigQuery project ${this.options.projectId} (${this.options.apiEndpoint ?? 'bigquery.googleapis.com'}) ok=${String(rows[0]?.ok)}`,
    };
  }

  // ---------------------------------------------------------------- jobs

  /** Deterministic job id: readable prefix from the jobKey, plus a hash of everything that defines the job. */
  private jobId(kind: string, jobKey: string, definition: unknown): string {
    const slug = jobKey.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 200);
    const hash = createHash('sha256')
      .update(JSON.stringify({ kind, jobKey, project: this.options.projectId, definition }))
      .digest('hex')
      .slice(0, 16);
    return `hire10x_${kind}_${slug}_${hash}`;
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
  private async runJob(baseId: string, configuration: JobMetadata['configuration'], what: string): Promise<string> {
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
      last = jobError(errorResult, metadata.status?.errors, `${what} (job ${jobId})`, this.compat);
      if (last.nonRetryable) throw last;
    }
    throw last ?? new PlatformError(ErrorType.TransientInfrastructure, `${what}: job kept failing`);
  }

  /**
   * A parameterised query job; returns normalised rows. Used for internal statements too. Parameters are sent typed
   * in the REST shape (text values). The emulator ignores declared parameter types and infers them from context, so
   * with `emulatorCompat` each `@name` becomes `CAST(@name AS TYPE)`, and a NULL (which it cannot receive) becomes
   * `CAST(NULL AS TYPE)` — a constant, never a value spliced into the SQL.
   */
  private async run(
    sql: string,
    params: Record<string, QueryParam>,
    what: string,
    { maximumBytesBilled, defaultDataset }: { maximumBytesBilled?: number; defaultDataset?: string } = {},
  ): Promise<Row[]> {
    const queryParameters: QueryParameter[] = [];
    for (const [name, param] of Object.entries(params)) {
      const type = BQ_TYPES[paramType(param)];
      const value = paramValue(param);
      if (value === null && this.compat) continue;
      queryParameters.push({
        name,
        parameterType: { type },
        parameterValue: value === null ? {} : { value: parameterText(value) },
      });
    }
    const query = this.compat
      ? rewriteParams(sql, scan(sql, 'bigquery'), (name) => {
          const param = params[name];
          const type = param === undefined ? 'STRING' : BQ_TYPES[paramType(param)];
          return param !== undefined && paramValue(param) === null
            ? `CAST(NULL AS ${type})`
            : `CAST(@${name} AS ${type})`;
        })
      : sql;
    try {
      const [job] = await this.client.createQueryJob({
        query,
        queryParameters,
        parameterMode: 'NAMED',
        useLegacySql: false,
        ...(this.location ? { location: this.location } : {}),
        ...(maximumBytesBilled ? { maximumBytesBilled: String(maximumBytesBilled) } : {}),
        ...(defaultDataset ? { defaultDataset: { datasetId: defaultDataset, projectId: this.options.projectId } } : {}),
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

  // ---------------------------------------------------------------- schema

  private fieldOf(column: Column, forceNullable = false): TableField {
    return {
      name: column.name,
      type: BQ_TYPES[column.type],
      mode: forceNullable ? 'NULLABLE' : (column.mode ?? 'NULLABLE'),
      description: column.description,
    };
  }

  async ensureDataset(dataset: Dataset): Promise<void> {
    const tables = dataset.tables.map((t) => resolveTable(dataset, t.name));
    const ds = this.client.dataset(dataset.name, { location: this.location });
    try {
      const [exists] = await ds.exists();
      if (!exists) {
        await this.client
          .createDataset(dataset.name, { location: this.location, description: dataset.description })
          .catch(ignoreConflict);
      }
      for (const table of tables) {
        const handle = ds.table(table.name);
        const [tableExists] = await handle.exists();
        if (!tableExists) {
          const metadata: TableMetadata = {
            description: table.description,
            schema: { fields: table.columns.map((c) => this.fieldOf(c)) },
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
          await ds.createTable(table.name, metadata).catch(ignoreConflict);
          continue;
        }
        const current = (await handle.getMetadata())[0] as TableMetadata;
        const fields: TableField[] = current.schema?.fields ?? [];
        const added: TableField[] = [];
        for (const column of table.columns) {
          const found = fields.find((f) => f.name === column.name);
          if (!found) {
            if (column.mode === 'REQUIRED') {
              throw new PlatformError(
                ErrorType.InvalidInput,
                `cannot add REQUIRED column ${table.name}.${column.name} to an existing table`,
              );
            }
            added.push(this.fieldOf(column));
          } else {
            const type = BQ_ALIASES[found.type ?? ''] ?? found.type;
            if (type !== BQ_TYPES[column.type]) {
              throw new PlatformError(
                ErrorType.InvalidInput,
                `schema drift: ${table.name}.${column.name} is ${String(found.type)} in BigQuery, ${column.type} in the schema`,
              );
            }
          }
        }
        if (added.length && this.compat) {
          throw new PlatformError(
            ErrorType.InvalidInput,
            `bigquery-emulator cannot add columns (${added.map((f) => f.name).join(', ')}) to ${table.name}; recreate the table`,
          );
        }
        if (added.length) await handle.setMetadata({ schema: { fields: [...fields, ...added] } });
      }
    } catch (err) {
      throw this.fail(err, `ensureDataset ${dataset.name}`);
    }
  }

  // ---------------------------------------------------------------- loads

  /** Reads every file's footer from GCS and checks it against the table before any job starts. */
  private async checkFiles(table: Table, files: string[]): Promise<ParquetColumn[]> {
    let first: ParquetColumn[] = [];
    for (const [i, uri] of checkFiles(files).entries()) {
      const { bucket, key } = parseGsUri(uri);
      const file = this.storage.bucket(bucket).file(key);
      let size: number;
      try {
        const [metadata] = await file.getMetadata();
        size = Number(metadata.size ?? 0);
      } catch (err) {
        if (statusOf(err) === 404)
          throw new PlatformError(ErrorType.NotFound, `no Parquet file ${uri}`, { cause: err });
        throw this.fail(err, `stat ${uri}`);
      }
      const columns = await readParquetColumns(uri, size, async (start, end) => {
        const [bytes] = await file.download({ start, end: end - 1 });
        return bytes;
      });
      checkParquetColumns(table, uri, columns);
      if (i === 0) first = columns;
      else if (columns.map((c) => c.name).join(',') !== first.map((c) => c.name).join(',')) {
        throw new PlatformError(ErrorType.InvalidInput, `${uri}: columns differ from ${files[0] ?? ''}`);
      }
    }
    return first;
  }

  private loadConfiguration(
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
        destinationTable: { projectId: this.options.projectId, datasetId: dataset.name, tableId },
        writeDisposition,
        createDisposition: schema ? 'CREATE_IF_NEEDED' : 'CREATE_NEVER',
        ...(schema ? { schema: { fields: schema } } : {}),
      },
    };
  }

  private async countRows(dataset: Dataset, table: Table, date?: string): Promise<number> {
    const filter = date ? ` WHERE ${q(partitionColumnOf(table).name)} = @day` : '';
    const params: Record<string, QueryParam> = date ? { day: { type: 'DATE', value: date } } : {};
    const rows = await this.run(
      `SELECT COUNT(*) AS n FROM ${this.ref(dataset, table)}${filter}`,
      params,
      `count ${table.name}`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Loads files into a fresh staging table `_staging_<table>_<random>` holding the files' columns (all NULLABLE), so
   * checks and SQL run against the rows before the target changes. Staging is rebuilt on every attempt, so its load
   * job gets a fresh id (a deterministic one would make a retry find the previous attempt's job and skip the load).
   * On the real service the table expires after 6 hours should the drop in `finally` never run.
   *
   * Emulator fallback: bigquery-emulator decodes Parquet DATE columns as 1970-01-01; staged as INT64 they keep the
   * day number, which `expr()` turns back into a DATE with DATE_FROM_UNIX_DATE.
   */
  private async loadStaging(dataset: Dataset, table: Table, files: string[], columns: ParquetColumn[], jobId: string) {
    const suffix = randomUUID().replace(/-/g, '').slice(0, 12);
    const staging = `_staging_${table.name}_${suffix}`;
    const handle = this.client.dataset(dataset.name).table(staging);
    const stagedAsDays = (c: Column) => this.compat && c.type === 'DATE';
    const staged = columns.map((pc) => table.columns.find((c) => c.name === pc.name) as Column);
    const schema = staged.map((c) => ({ ...this.fieldOf(c, true), ...(stagedAsDays(c) ? { type: 'INT64' } : {}) }));
    const drop = () =>
      handle.delete({ ignoreNotFound: true }).then(
        () => undefined,
        () => undefined,
      );
    try {
      await this.client.dataset(dataset.name).createTable(staging, {
        schema: { fields: schema },
        ...(this.compat ? {} : { expirationTime: String(Date.now() + 6 * 3_600_000) }),
      });
      await this.runJob(
        `${jobId}_stage_${suffix}`,
        this.loadConfiguration(dataset, staging, files, 'WRITE_TRUNCATE', this.compat ? schema : undefined),
        `load ${staging}`,
      );
    } catch (err) {
      await drop();
      throw this.fail(err, `load ${staging}`);
    }
    const expr = (column: Column) => (stagedAsDays(column) ? `DATE_FROM_UNIX_DATE(${q(column.name)})` : q(column.name));
    return { name: staging, jobId: `${jobId}_stage_${suffix}`, columns: staged, expr, drop };
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
    const jobId = this.jobId('load', request.jobKey, { dataset: dataset.name, table: table.name, date, files });
    const what = `replacePartition ${table.name} ${date}`;
    const day: QueryParam = { type: 'DATE', value: date };
    if (!this.compat) {
      // BigQuery itself refuses rows outside the decorated day, and WRITE_TRUNCATE swaps the partition atomically.
      const target = `${table.name}$${yyyymmdd(date)}`;
      await this.runJob(jobId, this.loadConfiguration(dataset, target, files, 'WRITE_TRUNCATE'), what);
      return { table: table.name, rows: await this.countRows(dataset, table, date), jobIds: [jobId] };
    }
    // Emulator fallback (test/contract/README.md): staging table, day check, then DELETE + INSERT as one script,
    // which the emulator runs in one SQLite transaction.
    const staging = await this.loadStaging(dataset, table, files, columns, jobId);
    try {
      const source = this.ref(dataset, staging.name);
      const part = staging.expr(partition);
      const check = await this.run(
        `SELECT COUNTIF(${part} IS NULL OR ${part} != @day) AS outside FROM ${source}`,
        { day },
        what,
      );
      const outside = Number(check[0]?.outside ?? 0);
      if (outside > 0) {
        throw new PlatformError(
          ErrorType.InvalidInput,
          `${outside} row(s) in the files have ${partition.name} other than ${date}; refusing to load them into that day`,
        );
      }
      const names = staging.columns.map((c) => q(c.name)).join(', ');
      const values = staging.columns.map((c) => staging.expr(c)).join(', ');
      await this.run(
        `DELETE FROM ${this.ref(dataset, table)} WHERE ${q(partition.name)} = @day;
         INSERT INTO ${this.ref(dataset, table)} (${names}) SELECT ${values} FROM ${source}`,
        { day },
        what,
      );
    } finally {
      await staging.drop();
    }
    return { table: table.name, rows: await this.countRows(dataset, table, date), jobIds: [staging.jobId] };
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
    const absent = table.columns.filter((c) => !columns.some((pc) => pc.name === c.name));
    if (this.compat && absent.length > 0) {
      // The fallback replaces whole rows, so it could not keep the values of columns the files do not carry.
      throw new PlatformError(
        ErrorType.InvalidInput,
        `emulatorCompat merge needs every column of ${table.name}; the files lack ${absent.map((c) => c.name).join(', ')}`,
      );
    }
    const jobId = this.jobId('merge', request.jobKey, { dataset: dataset.name, table: table.name, files });
    const what = `mergeDimension ${table.name}`;
    const staging = await this.loadStaging(dataset, table, files, columns, jobId);
    try {
      const source = this.ref(dataset, staging.name);
      const target = this.ref(dataset, table);
      const keyList = key.map((k) => q(k.name)).join(', ');
      const checks = await this.run(
        `SELECT (SELECT COUNT(*) FROM ${source} WHERE ${key.map((k) => `${q(k.name)} IS NULL`).join(' OR ')}) AS null_keys,
                (SELECT COUNT(*) FROM (SELECT ${keyList} FROM ${source} GROUP BY ${keyList} HAVING COUNT(*) > 1)) AS dup_keys`,
        {},
        what,
      );
      if (Number(checks[0]?.null_keys ?? 0) > 0) {
        throw new PlatformError(ErrorType.InvalidInput, `source rows of ${table.name} have a NULL key (${keyList})`);
      }
      if (Number(checks[0]?.dup_keys ?? 0) > 0) {
        throw new PlatformError(
          ErrorType.InvalidInput,
          `source rows of ${table.name} repeat ${String(checks[0]?.dup_keys)} key(s) (${keyList}); a MERGE source needs one row per key`,
        );
      }
      const names = staging.columns.map((c) => q(c.name));
      if (this.compat) {
        // Emulator fallback: its MERGE cannot resolve dataset-qualified tables; with every column present, deleting
        // the matched keys and inserting the source rows in one script gives the same rows as the MERGE.
        const keyOf = (expr: (c: Column) => string) =>
          `TO_JSON_STRING(STRUCT(${key.map((k) => `${expr(k)} AS ${q(k.name)}`).join(', ')}))`;
        await this.run(
          `DELETE FROM ${target} WHERE ${keyOf((k) => q(k.name))} IN (SELECT ${keyOf(staging.expr)} FROM ${source});
           INSERT INTO ${target} (${names.join(', ')}) SELECT ${staging.columns.map(staging.expr).join(', ')} FROM ${source}`,
          {},
          what,
        );
      } else {
        const on = key.map((k) => `target.${q(k.name)} = source.${q(k.name)}`).join(' AND ');
        const updates = staging.columns.filter((c) => !table.primaryKey.includes(c.name));
        const matched = updates.length
          ? `WHEN MATCHED THEN UPDATE SET ${updates.map((c) => `${q(c.name)} = source.${q(c.name)}`).join(', ')}`
          : '';
        await this.run(
          `MERGE ${target} AS target USING ${source} AS source ON ${on}
           ${matched}
           WHEN NOT MATCHED THEN INSERT (${names.join(', ')}) VALUES (${names.map((n) => `source.${n}`).join(', ')})`,
          {},
          what,
        );
      }
    } finally {
      await staging.drop();
    }
    return { table: table.name, rows: await this.countRows(dataset, table), jobIds: [staging.jobId] };
  }

  // ---------------------------------------------------------------- queries

  async query(sql: string, params: Record<string, QueryParam> = {}, options: QueryOptions = {}): Promise<Row[]> {
    checkQuery(sql, params, { write: options.write, dialect: 'bigquery' });
    return this.run(sql, params, 'query', {
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

  async tableStats(dataset: Dataset, tableName: string): Promise<TableStats> {
    const table = resolveTable(dataset, tableName);
    if (this.compat) return { table: table.name, rows: await this.countRows(dataset, table) };
    try {
      const m = (await this.client.dataset(dataset.name).table(table.name).getMetadata())[0] as TableMetadata;
      return { table: table.name, rows: Number(m.numRows ?? 0), bytes: Number(m.numBytes ?? 0) };
    } catch (err) {
      throw this.fail(err, `tableStats ${table.name}`);
    }
  }

  async partitionStats(dataset: Dataset, tableName: string, date: string): Promise<PartitionStats> {
    const table = resolveTable(dataset, tableName);
    partitionColumnOf(table);
    checkDate(date);
    if (this.compat) return { table: table.name, date, rows: await this.countRows(dataset, table, date) };
    const rows = await this.run(
      `SELECT total_rows AS n, total_logical_bytes AS bytes
       FROM ${q(this.options.projectId)}.${q(dataset.name)}.INFORMATION_SCHEMA.PARTITIONS
       WHERE table_name = @table AND partition_id = @partition`,
      { table: table.name, partition: yyyymmdd(date) },
      `partitionStats ${table.name} ${date}`,
    );
    return { table: table.name, date, rows: Number(rows[0]?.n ?? 0), bytes: Number(rows[0]?.bytes ?? 0) };
  }

  async close(): Promise<void> {}
}
