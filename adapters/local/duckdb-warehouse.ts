import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Probe, Warehouse } from '../ports';

/** Warehouse over one DuckDB file. The connection opens lazily so a worker starts even before the file exists. */
export class DuckDbWarehouse implements Warehouse {
  private connection?: Promise<DuckDBConnection>;
  private instance?: DuckDBInstance;

  constructor(private readonly file: string) {}

  protected connect(): Promise<DuckDBConnection> {
    this.connection ??= (async () => {
      if (this.file !== ':memory:') fs.mkdirSync(path.dirname(this.file), { recursive: true });
      this.instance = await DuckDBInstance.create(this.file);
      return this.instance.connect();
    })();
    return this.connection;
  }

  async ping(): Promise<Probe> {
    const conn = await this.connect();
    const reader = await conn.runAndReadAll('select version() as v');
    return { detail: `DuckDB ${String(reader.getRows()[0]?.[0] ?? '?')} at ${this.file}` };
  }

  async close(): Promise<void> {
    if (!this.connection) return;
    const conn = await this.connection;
    conn.closeSync();
    this.instance?.closeSync();
    this.connection = undefined;
  }
}
