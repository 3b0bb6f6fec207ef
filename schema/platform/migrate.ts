import path from 'node:path';
import type pg from 'pg';
import { MigrationError, readMigrations } from '../source/migrate';

/** Where the platform store's migrations live (`NNN_name.sql`). */
export const PLATFORM_MIGRATIONS_DIR = path.join(__dirname, 'migrations');

/** Distinct from the source migrations' lock: the two sets may be applied concurrently. */
const PLATFORM_MIGRATION_LOCK_KEY = '7243019551063742';

/**
 * Applies the platform store migrations (schema `platform`), the same way as schema/source/migrate.ts: versioned
 * files, each in its own transaction, recorded with a checksum in `platform.schema_migrations`, under an advisory
 * lock; refuses when an applied file was edited or removed. Called by `analytics db migrate` and at API start.
 */
export async function migratePlatform(
  pool: pg.Pool,
  options: { dir?: string; log?: (line: string) => void } = {},
): Promise<{ applied: string[] }> {
  const migrations = readMigrations(options.dir ?? PLATFORM_MIGRATIONS_DIR);
  const client = await pool.connect();
  let unlockFailure: Error | undefined;
  try {
    await client.query('select pg_advisory_lock($1)', [PLATFORM_MIGRATION_LOCK_KEY]);
    await client.query('create schema if not exists platform');
    await client.query(
      `create table if not exists platform.schema_migrations (
         version text primary key,
         checksum text not null,
         applied_at timestamptz not null default now()
       )`,
    );
    const { rows } = await client.query<{ version: string; checksum: string }>(
      'select version, checksum from platform.schema_migrations order by version',
    );
    const onDisk = new Map(migrations.map((m) => [m.version, m]));
    for (const row of rows) {
      const file = onDisk.get(row.version);
      if (!file) throw new MigrationError(`platform migration ${row.version} is applied but its file is missing`);
      if (file.checksum !== row.checksum) {
        throw new MigrationError(
          `platform migration ${row.version} was changed after it was applied; add a new migration instead`,
        );
      }
    }
    const done = new Set(rows.map((r) => r.version));
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query('begin');
      try {
        await client.query(m.sql);
        await client.query('insert into platform.schema_migrations (version, checksum) values ($1, $2)', [
          m.version,
          m.checksum,
        ]);
        await client.query('commit');
      } catch (err) {
        await client.query('rollback');
        throw new MigrationError(
          `platform migration ${m.version} failed: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      applied.push(m.version);
      options.log?.(`applied platform/${m.version}`);
    }
    return { applied };
  } finally {
    await client.query('select pg_advisory_unlock($1)', [PLATFORM_MIGRATION_LOCK_KEY]).catch((err: Error) => {
      unlockFailure = err;
    });
    client.release(unlockFailure);
  }
}
