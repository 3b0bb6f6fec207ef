import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { ErrorType, PlatformError } from '../errors';
import type { ExtractProgress, ExtractResult, ExtractSpec, Probe, SourceDb } from '../ports';

export interface PostgresSourceOptions {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  /** @default 4 */
  maxConnections?: number;
  /** Parts a day's slice is extracted in, each over a connection of its own (see `extractCsv`). @default 1 */
  extractParts?: number;
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Connection-level failures worth retrying (server restarting, network); everything else is the caller's. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08006',
  '08001',
  '08004',
  '53300',
]);

/** Maps a node-postgres error to the platform's failure vocabulary (connection-level ones are retryable). */
export function classify(err: unknown, what: string): PlatformError {
  if (err instanceof PlatformError) return err;
  const code = (err as { code?: string }).code ?? '';
  const message = `${what}: ${(err as Error).message}`;
  if (TRANSIENT_CODES.has(code) || /Connection terminated|timeout/i.test((err as Error).message)) {
    return new PlatformError(ErrorType.TransientInfrastructure, message, { cause: err, details: { code } });
  }
  if (code === '42P01') return new PlatformError(ErrorType.UnknownTable, message, { cause: err });
  if (code === '42703') return new PlatformError(ErrorType.UnknownColumn, message, { cause: err });
  return new PlatformError(ErrorType.TransientInfrastructure, message, { cause: err, details: { code } });
}

function checkIdent(kind: string, name: string): string {
  if (!IDENT.test(name))
    throw new PlatformError(ErrorType.InvalidInput, `invalid ${kind} name ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/** A pool on the source database (the local cluster or Cloud SQL), named in pg_stat_activity by `applicationName`. */
export function sourcePool(options: PostgresSourceOptions, applicationName: string): pg.Pool {
  const pool = new pg.Pool({
    host: options.host,
    port: options.port,
    database: options.database,
    user: options.user,
    password: options.password,
    max: options.maxConnections ?? 4,
    connectionTimeoutMillis: 5_000,
    application_name: applicationName,
  });
  // An idle client that errors (server restart) must not crash the worker; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/** SourceDb over node-postgres; the same adapter serves the local cluster and Cloud SQL. */
export class PostgresSourceDb implements SourceDb {
  readonly pool: pg.Pool;

  constructor(private readonly options: PostgresSourceOptions) {
    this.pool = sourcePool(options, 'hire10x-analytics');
  }

  async ping(): Promise<Probe> {
    const { rows } = await this.pool.query<{ version: string }>("select current_setting('server_version') as version");
    return { detail: `PostgreSQL ${rows[0]?.version ?? '?'}` };
  }

  /** The COPY statement for a spec. Identifiers are checked against a strict pattern and quoted; the day is validated. */
  static copySql(spec: ExtractSpec): string {
    return PostgresSourceDb.partSql(spec, 0, 1);
  }

  /**
   * The COPY statement of part `index` of `parts`: a day's slice cut into equal time ranges
   * `[day + index/parts, day + (index+1)/parts)` (the last one ends at the next day exactly), so the parts together
   * hold every row of the day once. A snapshot (no slice) has one part.
   */
  static partSql(spec: ExtractSpec, index: number, parts: number): string {
    const columns = spec.columns.map((c) => checkIdent('column', c)).join(', ');
    let sql = `select ${columns} from ${checkIdent('table', spec.table)}`;
    if (spec.slice) {
      const { column, day } = spec.slice;
      if (
        !DAY.test(day) ||
        Number.isNaN(Date.parse(`${day}T00:00:00Z`)) ||
        new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) !== day
      ) {
        throw new PlatformError(ErrorType.InvalidInput, `invalid day ${JSON.stringify(day)} (expected YYYY-MM-DD)`);
      }
      // COPY takes no bind parameters; the bounds are computed from a validated day, never caller text.
      const col = checkIdent('column', column);
      const bound = (i: number) =>
        i === 0
          ? `'${day}'::timestamptz`
          : i === parts
            ? `'${day}'::timestamptz + interval '1 day'`
            : `'${new Date(Date.parse(`${day}T00:00:00Z`) + Math.floor((86_400_000 * i) / parts)).toISOString()}'::timestamptz`;
      sql += ` where ${col} >= ${bound(index)} and ${col} < ${bound(index + 1)}`;
    } else if (parts !== 1) {
      throw new PlatformError(ErrorType.InvalidInput, `a snapshot of ${spec.table} is extracted in one part`);
    }
    return `copy (${sql}) to stdout with (format csv)`;
  }

  extractParts(spec: ExtractSpec): number {
    return spec.slice ? (this.options.extractParts ?? 1) : 1;
  }

  async extractToCsv(
    spec: ExtractSpec,
    file: string,
    options: { signal?: AbortSignal; onProgress?: (p: ExtractProgress) => void } = {},
  ): Promise<ExtractResult> {
    return this.extractCsv(spec, [fs.createWriteStream(file, { highWaterMark: 1 << 20 })], options);
  }

  async extractCsv(
    spec: ExtractSpec,
    sinks: NodeJS.WritableStream[],
    options: { signal?: AbortSignal; onProgress?: (p: ExtractProgress) => void } = {},
  ): Promise<ExtractResult> {
    const parts = sinks.length;
    if (parts < 1) throw new PlatformError(ErrorType.InvalidInput, `extract ${spec.table}: no sink`);
    options.signal?.throwIfAborted();
    const sqls = sinks.map((_, i) => PostgresSourceDb.partSql(spec, i, parts));
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw classify(err, `connect to the source database`);
    }
    // Parts after the first run on connections of their own, outside the pool: extracts running side by side each
    // holding one pooled connection while waiting for a second would wait for each other forever.
    const extra: pg.Client[] = [];
    let broken = false;
    try {
      const columnTypes = await this.queryColumnTypes(client, spec);
      for (let i = 1; i < parts; i++) {
        const { host, port, database, user, password } = this.options;
        const c = new pg.Client({
          host,
          port,
          database,
          user,
          password,
          connectionTimeoutMillis: 5_000,
          application_name: 'hire10x-analytics',
        });
        c.on('error', () => undefined); // surfaced by the query in flight
        extra.push(c);
        await c.connect();
      }
      const clients: (pg.PoolClient | pg.Client)[] = [client, ...extra];
      for (const c of clients) await c.query(`set timezone = 'UTC'`);
      if (parts > 1) {
        // One snapshot for every part (as pg_dump --jobs does): the day's rows as of one moment, counted exactly once.
        await client.query('begin isolation level repeatable read read only');
        const { rows } = await client.query<{ id: string }>('select pg_export_snapshot() as id');
        for (const c of extra) {
          await c.query('begin isolation level repeatable read read only');
          await c.query(`set transaction snapshot '${rows[0]!.id.replace(/'/g, "''")}'`);
        }
      }

      const progress: ExtractProgress = { rows: 0, bytes: 0 };
      let lastReport = 0;
      const sources = clients.map((c, i) => c.query(copyTo(sqls[i]!)));
      for (const source of sources) {
        // Counting on 'data' (not in a Transform) keeps the stream a straight pipe from socket to sink.
        source.on('data', (chunk: Buffer) => {
          progress.bytes += chunk.length;
          if (options.onProgress && progress.bytes - lastReport > 8 * 1024 * 1024) {
            lastReport = progress.bytes;
            options.onProgress({ ...progress });
          }
        });
      }
      const onAbort = () => {
        broken = true;
        // Cancel on the server, then tear down the streams; the pipelines reject with the abort reason.
        const reason = options.signal?.reason instanceof Error ? options.signal.reason : new Error('extract cancelled');
        for (const source of sources) source.destroy(reason);
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        // The first part to fail stops the others.
        await Promise.all(
          sources.map((source, i) =>
            pipeline(source, sinks[i]!).catch((err: unknown) => {
              broken = true;
              for (const other of sources) other.destroy(err instanceof Error ? err : new Error(String(err)));
              throw err;
            }),
          ),
        );
      } finally {
        options.signal?.removeEventListener('abort', onAbort);
      }
      if (parts > 1) await Promise.all(clients.map((c) => c.query('commit')));
      progress.rows = sources.reduce((sum, source) => sum + source.rowCount, 0);
      options.onProgress?.({ ...progress });
      return { ...progress, columnTypes };
    } catch (err) {
      broken = true;
      throw classify(err, `extract ${spec.table}`);
    } finally {
      // A connection that saw an aborted COPY is not reusable.
      client.release(broken);
      await Promise.all(extra.map((c) => c.end().catch(() => undefined)));
    }
  }

  async columnTypes(spec: ExtractSpec): Promise<string[]> {
    try {
      return await this.queryColumnTypes(this.pool, spec);
    } catch (err) {
      throw classify(err, `read the columns of ${spec.table}`);
    }
  }

  /** information_schema types of the spec's columns, in order; a missing table or column is the caller's error. */
  private async queryColumnTypes(client: pg.Pool | pg.PoolClient, spec: ExtractSpec): Promise<string[]> {
    const types = await client.query<{ column_name: string; data_type: string }>(
      `select column_name, data_type from information_schema.columns where table_schema = current_schema() and table_name = $1`,
      [spec.table],
    );
    const typeOf = new Map(types.rows.map((r) => [r.column_name, r.data_type]));
    if (typeOf.size === 0) throw new PlatformError(ErrorType.UnknownTable, `source table ${spec.table} does not exist`);
    return spec.columns.map((c) => {
      const t = typeOf.get(c);
      if (!t) throw new PlatformError(ErrorType.UnknownColumn, `source table ${spec.table} has no column ${c}`);
      return t;
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
