import { execFile } from 'node:child_process';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Table } from '../schema/warehouse/types';
import { DUCKDB_TYPES } from './warehouse/duckdb';
import { ErrorType, PlatformError } from './errors';
import type { CsvParquetStream, ParquetWriter } from './ports';

/** PostgreSQL type (information_schema data_type) → DuckDB type of the Parquet column. */
const PG_TO_DUCKDB: Record<string, string> = {
  bigint: 'BIGINT',
  integer: 'INTEGER',
  smallint: 'SMALLINT',
  boolean: 'BOOLEAN',
  text: 'VARCHAR',
  'character varying': 'VARCHAR',
  character: 'VARCHAR',
  uuid: 'VARCHAR',
  inet: 'VARCHAR',
  json: 'VARCHAR',
  jsonb: 'VARCHAR',
  date: 'DATE',
  'timestamp with time zone': 'TIMESTAMPTZ',
  'timestamp without time zone': 'TIMESTAMP',
  'double precision': 'DOUBLE',
  real: 'FLOAT',
  numeric: 'DECIMAL(38,9)',
};

export function duckdbTypeOf(pgType: string): string {
  const t = PG_TO_DUCKDB[pgType];
  if (!t)
    throw new PlatformError(ErrorType.InvalidInput, `no Parquet mapping for PostgreSQL type ${JSON.stringify(pgType)}`);
  return t;
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
const execFileAsync = promisify(execFile);

/** DuckDB's `read_csv` of PostgreSQL COPY CSV (unquoted empty = NULL, quoted empty = ''), typed by the source. */
function readPgCsv(
  files: string[],
  columns: { name: string; pgType: string }[],
  options: { bufferSize?: number } = {},
): string {
  const spec = columns.map((c) => `${sqlString(c.name)}: ${sqlString(duckdbTypeOf(c.pgType))}`).join(', ');
  return (
    `read_csv([${files.map(sqlString).join(', ')}], header = false, auto_detect = false, columns = {${spec}}, ` +
    `quote = '"', escape = '"', nullstr = '', allow_quoted_nulls = false, timestampformat = '%Y-%m-%d %H:%M:%S.%g%z'` +
    `${options.bufferSize ? `, buffer_size = ${options.bufferSize}` : ''})`
  );
}

/**
 * DuckDB's CSV read buffer for a pipe: its default (16 × the 2 MiB line limit) makes it wait for 32 MiB before it
 * parses anything, so COPY and encoding take turns instead of overlapping. 4 MiB keeps every line DuckDB accepts
 * from a file (up to the 2 MiB max_line_size) and lets it start on the first few megabytes (bench:extract).
 */
const PIPE_BUFFER_BYTES = 4 * 1024 * 1024;

async function parquetRowCount(conn: DuckDBConnection, parquetFile: string): Promise<number> {
  const reader = await conn.runAndReadAll(`select count(*) from read_parquet(${sqlString(parquetFile)})`);
  return Number(reader.getRows()[0]?.[0] ?? 0);
}

/**
 * Converts PostgreSQL CSV (COPY … WITH (FORMAT csv): unquoted empty = NULL, quoted empty = '') into one Parquet
 * file with explicit column types, streaming inside DuckDB (no rows in JS memory). Returns the row count.
 */
export async function csvToParquet(
  csvFile: string,
  columns: { name: string; pgType: string }[],
  parquetFile: string,
): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '1GB' });
  const conn = await instance.connect();
  try {
    await conn.run(`set TimeZone = 'UTC'`);
    await conn.run(
      `copy (select * from ${readPgCsv([csvFile], columns)}) to ${sqlString(parquetFile)} (format parquet, compression snappy)`,
    );
    return await parquetRowCount(conn, parquetFile);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/**
 * Opens the write end of `fifo` once its reader (DuckDB, on a thread of its own) has it open, without blocking:
 * a non-blocking open fails with ENXIO until then. Opening only after the reader guarantees the reader sees every
 * byte and then EOF (a FIFO whose writer came and went before the reader opened would leave the reader waiting for
 * another writer forever).
 */
async function openFifoWriter(fifo: string, stopped: () => Error | undefined): Promise<net.Socket> {
  for (let wait = 1; ; wait = Math.min(wait * 2, 20)) {
    const stop = stopped();
    if (stop) throw stop;
    try {
      const fd = fsSync.openSync(fifo, fsSync.constants.O_WRONLY | fsSync.constants.O_NONBLOCK);
      return new net.Socket({ fd, readable: false, writable: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO') throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/**
 * Lets a reader that is, or is about to be, blocked on `fifo` go: opening it read-write wakes a reader waiting in
 * open(), unlinking it makes any later open fail, and closing it (the last writer) gives the reader EOF.
 */
function unblockReader(fifo: string): void {
  let fd: number | undefined;
  try {
    fd = fsSync.openSync(fifo, fsSync.constants.O_RDWR | fsSync.constants.O_NONBLOCK);
  } catch {
    // Already gone.
  }
  fsSync.rmSync(fifo, { force: true });
  if (fd !== undefined) fsSync.closeSync(fd);
}

/** A Writable into a named pipe that is opened lazily, when its reader opens it (see openFifoWriter). */
class FifoSink extends Writable {
  private socket?: Promise<net.Socket>;

  constructor(
    private readonly fifo: string,
    private readonly stopped: () => Error | undefined,
  ) {
    super({ highWaterMark: 1 << 20 });
    // Its failures are the conversion's: `done` rejects with them, and a pipeline into the sink sees them too. A
    // sink nobody is writing into when the conversion fails must not take the process down.
    this.on('error', () => undefined);
  }

  private open(): Promise<net.Socket> {
    this.socket ??= openFifoWriter(this.fifo, this.stopped).then((socket) => {
      // EPIPE (DuckDB stopped reading) and the like surface as this stream's error.
      socket.on('error', (err) => this.destroy(err));
      return socket;
    });
    return this.socket;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.open().then((socket) => {
      if (socket.write(chunk)) callback();
      else socket.once('drain', () => callback());
    }, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    // An empty part still opens the pipe, so the reader sees its EOF.
    this.open().then((socket) => socket.end(() => callback()), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const socket = this.socket;
    if (!socket) return callback(error);
    socket.then(
      (s) => {
        s.destroy();
        callback(error);
      },
      () => callback(error),
    );
  }
}

/**
 * Streams PostgreSQL COPY CSV into one Parquet file with no intermediate CSV file: each part is a named pipe
 * (created beside the Parquet file) that DuckDB's `read_csv` reads while the caller writes into it, so the COPY and
 * the Parquet encoding overlap instead of running one after the other. The pipes are removed when `done` settles.
 */
export async function csvStreamToParquet(
  columns: { name: string; pgType: string }[],
  parquetFile: string,
  options: { parts?: number } = {},
): Promise<CsvParquetStream> {
  const parts = options.parts ?? 1;
  if (!Number.isInteger(parts) || parts < 1 || parts > 64)
    throw new PlatformError(ErrorType.InvalidInput, `parts must be an integer in 1..64, got ${parts}`);
  const fifos = Array.from({ length: parts }, (_, i) => `${parquetFile}.${i}.csv.pipe`);
  const copySql =
    `copy (select * from ${readPgCsv(fifos, columns, { bufferSize: PIPE_BUFFER_BYTES })}) to ${sqlString(parquetFile)} ` +
    `(format parquet, compression snappy)`;
  await Promise.all(fifos.map((fifo) => execFileAsync('mkfifo', ['-m', '600', fifo])));

  let stopped: Error | undefined;
  const sinks = fifos.map((fifo) => new FifoSink(fifo, () => stopped));
  // One thread: a pipe is read by one thread anyway, and a second one only competes with the COPY for the CPU
  // (bench:extract: 1 thread keeps up with the COPY, 2 threads fall behind it on two cores).
  const instance = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: '1GB' });
  const conn = await instance.connect();
  const done = (async () => {
    try {
      await conn.run(`set TimeZone = 'UTC'`);
      await conn.run(copySql);
      if (stopped) throw stopped;
      return await parquetRowCount(conn, parquetFile);
    } catch (err) {
      stopped ??= err instanceof Error ? err : new Error(String(err));
      for (const sink of sinks) sink.destroy(stopped);
      await fs.rm(parquetFile, { force: true }); // no partial file for anyone to pick up
      throw stopped;
    } finally {
      conn.closeSync();
      instance.closeSync();
      await Promise.all(fifos.map((fifo) => fs.rm(fifo, { force: true })));
    }
  })();
  // `done` may settle before the caller awaits it (DuckDB failing mid-COPY): never an unhandled rejection.
  done.catch(() => undefined);
  return {
    sinks,
    done,
    abort(reason: Error) {
      if (stopped) return;
      stopped = reason;
      conn.interrupt();
      for (const sink of sinks) sink.destroy(reason);
      for (const fifo of fifos) unblockReader(fifo);
    },
  };
}

/**
 * Writes JSON-safe rows (as `Warehouse.query` returns them) as one Parquet file typed by a warehouse table, so
 * activity-computed tables (reporting, dq_results, pipeline_runs) load through the same path as Spark output.
 * Every column of the table is written; a row missing a column gets NULL, a key the table lacks is refused.
 */
export async function rowsToParquet(rows: Record<string, unknown>[], table: Table, parquetFile: string): Promise<void> {
  const known = new Set(table.columns.map((c) => c.name));
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (!known.has(key))
        throw new PlatformError(ErrorType.UnknownColumn, `column ${key} is not in table ${table.name}`);
    }
  }
  const jsonFile = `${parquetFile}.ndjson`;
  await fs.writeFile(jsonFile, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await instance.connect();
  try {
    await conn.run(`set TimeZone = 'UTC'`);
    const spec = table.columns.map((c) => `${sqlString(c.name)}: 'VARCHAR'`).join(', ');
    const casts = table.columns
      .map((c) => `cast(${JSON.stringify(c.name)} as ${DUCKDB_TYPES[c.type]}) as ${JSON.stringify(c.name)}`)
      .join(', ');
    // Everything is read as text and cast explicitly: read_json's inference would guess types per file.
    const source = rows.length
      ? `read_json(${sqlString(jsonFile)}, format = 'newline_delimited', columns = {${spec}})`
      : `(select ${table.columns.map((c) => `null::VARCHAR as ${JSON.stringify(c.name)}`).join(', ')} limit 0)`;
    await conn.run(`copy (select ${casts} from ${source}) to ${sqlString(parquetFile)} (format parquet)`);
  } finally {
    conn.closeSync();
    instance.closeSync();
    await fs.rm(jsonFile, { force: true });
  }
}

/** The ParquetWriter port over DuckDB (one in-memory instance per file). */
export const duckdbParquetWriter: ParquetWriter = {
  fromCsv: csvToParquet,
  fromCsvStream: csvStreamToParquet,
  fromRows: rowsToParquet,
};
