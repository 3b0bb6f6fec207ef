import pg from 'pg';
import type { Probe, SourceDb } from '../ports';

export interface PostgresSourceOptions {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  /** @default 4 */
  maxConnections?: number;
}

/** SourceDb over node-postgres; the same adapter serves the local cluster and Cloud SQL. */
export class PostgresSourceDb implements SourceDb {
  readonly pool: pg.Pool;

  constructor(options: PostgresSourceOptions) {
    this.pool = new pg.Pool({
      host: options.host,
      port: options.port,
      database: options.database,
      user: options.user,
      password: options.password,
      max: options.maxConnections ?? 4,
      connectionTimeoutMillis: 5_000,
      application_name: 'hire10x-analytics',
    });
    // An idle client that errors (server restart) must not crash the worker; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  async ping(): Promise<Probe> {
    const { rows } = await this.pool.query<{ version: string }>("select current_setting('server_version') as version");
    return { detail: `PostgreSQL ${rows[0]?.version ?? '?'}` };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
