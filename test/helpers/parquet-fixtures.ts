import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/**
 * Writes Parquet fixtures with DuckDB (`COPY (SELECT ...) TO 'file' (FORMAT parquet)`), the same way the pipeline's
 * files look to a loader: typed columns, one file per call. The SELECT is test-authored SQL.
 */
export class ParquetFixtures {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hire10x-parquet-'));
  private connection?: Promise<{ instance: DuckDBInstance; conn: DuckDBConnection }>;
  private counter = 0;

  private connect() {
    this.connection ??= (async () => {
      const instance = await DuckDBInstance.create(':memory:');
      const conn = await instance.connect();
      await conn.run("SET TimeZone = 'UTC'");
      return { instance, conn };
    })();
    return this.connection;
  }

  /** Writes the rows of `select` to a new Parquet file and returns its absolute path. */
  async write(select: string, name = `fixture-${++this.counter}.parquet`): Promise<string> {
    const file = path.join(this.dir, name);
    const { conn } = await this.connect();
    await conn.run(`COPY (${select}) TO '${file}' (FORMAT parquet)`);
    return file;
  }

  async close(): Promise<void> {
    if (this.connection) {
      const { instance, conn } = await this.connection;
      conn.closeSync();
      instance.closeSync();
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
