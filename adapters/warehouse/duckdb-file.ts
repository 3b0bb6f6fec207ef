import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, DuckDBTypeId, type DuckDBConnection, type DuckDBResultReader } from '@duckdb/node-api';
import { ErrorType, PlatformError } from '../errors';
import type { Row } from '../ports';
import { normaliseDecimal, normaliseInteger, normaliseTimestamp } from './sql';

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

/** A result in the port's JSON-safe `Row` shape. */
export function toRows(reader: DuckDBResultReader): Row[] {
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
 * One DuckDB file, opened per operation. DuckDB lets one process open a file at a time, so the file is held only
 * while an operation runs and closed when the last one ends; every operation gets its own connection, so concurrent
 * activities never share a transaction.
 */
export class DuckDbFile {
  private instance?: Promise<DuckDBInstance>;
  /** Operations in flight; the file is closed when the last one ends. */
  private active = 0;

  /**
   * @param lockWaitMs how long an operation waits for another process (a worker, the CLI) to release the file
   *   before failing with a retryable error. @default 30000
   */
  constructor(
    readonly file: string,
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
  async withConnection<T>(
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

  async close(): Promise<void> {
    if (!this.instance) return;
    const instance = await this.instance;
    instance.closeSync();
    this.instance = undefined;
  }
}
