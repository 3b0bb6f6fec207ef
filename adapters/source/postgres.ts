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

  constructor(options: PostgresSourceOptions) {
    this.pool = sourcePool(options, 'hire10x-analytics');
  }

  async ping(): Promise<Probe> {
    const { rows } = await this.pool.query<{ version: string }>("select current_setting('server_version') as version");
    return { detail: `PostgreSQL ${rows[0]?.version ?? '?'}` };
  }

  /** The COPY statement for a spec. Identifiers are checked against a strict pattern and quoted; the day is validated. */
  static copySql(spec: ExtractSpec): string {
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
      // COPY takes no bind parameters; the day is a validated literal, never caller text.
      const col = checkIdent('column', column);
      sql += ` where ${col} >= '${day}'::timestamptz and ${col} < '${day}'::timestamptz + interval '1 day'`;
    }
    return `copy (${sql}) to stdout with (format csv)`;
  }

  async extractToCsv(
    spec: ExtractSpec,
    file: string,
    options: { signal?: AbortSignal; onProgress?: (p: ExtractProgress) => void } = {},
  ): Promise<ExtractResult> {
    const sql = PostgresSourceDb.copySql(spec);
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw classify(err, `connect to the source database`);
    }
    let broken = false;
    try {
      await client.query(`set timezone = 'UTC'`);
      const types = await client.query<{ column_name: string; data_type: string }>(
        `select column_name, data_type from information_schema.columns where table_schema = current_schema() and table_name = $1`,
        [spec.table],
      );
      const typeOf = new Map(types.rows.map((r) => [r.column_name, r.data_type]));
      if (typeOf.size === 0)
        throw new PlatformError(ErrorType.UnknownTable, `source table ${spec.table} does not exist`);
      const columnTypes = spec.columns.map((c) => {
        const t = typeOf.get(c);
        if (!t) throw new PlatformError(ErrorType.UnknownColumn, `source table ${spec.table} has no column ${c}`);
        return t;
      });

      const progress: ExtractProgress = { rows: 0, bytes: 0 };
      let lastReport = 0;
      const source = client.query(copyTo(sql));
      // Counting on 'data' (not in a Transform) keeps the stream a straight pipe from socket to file.
      source.on('data', (chunk: Buffer) => {
        progress.bytes += chunk.length;
        if (options.onProgress && progress.bytes - lastReport > 8 * 1024 * 1024) {
          lastReport = progress.bytes;
          options.onProgress({ ...progress });
        }
      });
      const onAbort = () => {
        broken = true;
        // Cancel on the server, then tear down the stream; the pipeline rejects with the abort reason.
        source.destroy(
          options.signal?.reason instanceof Error ? options.signal.reason : new Error('extract cancelled'),
        );
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        await pipeline(source, fs.createWriteStream(file, { highWaterMark: 1 << 20 }));
      } finally {
        options.signal?.removeEventListener('abort', onAbort);
      }
      progress.rows = source.rowCount;
      options.onProgress?.({ ...progress });
      return { ...progress, columnTypes };
    } catch (err) {
      broken = true;
      throw classify(err, `extract ${spec.table}`);
    } finally {
      // A connection that saw an aborted COPY is not reusable.
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
