import crypto from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../../config';

export interface ScratchDb {
  name: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

/**
 * A database of its own for one test file, on the test platform's PostgreSQL, so suites never touch `hire10x`
 * (which other suites use) or each other. Created through the `postgres` maintenance database.
 */
export async function createScratchDb(prefix: string): Promise<ScratchDb> {
  const { host, port, user, password } = loadConfig().sourceDb;
  const name = `${prefix}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ host, port, user, password, database: 'postgres' });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const pool = new pg.Pool({ host, port, user, password, database: name, max: 4 });
  pool.on('error', () => undefined);
  return {
    name,
    pool,
    async drop() {
      await pool.end();
      await admin(`drop database if exists ${name} with (force)`);
    },
  };
}
