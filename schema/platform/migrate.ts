import path from 'node:path';
import type pg from 'pg';
import { applyMigrations } from '../source/migrate';

/** Where the platform store's migrations live (`NNN_name.sql`). */
export const PLATFORM_MIGRATIONS_DIR = path.join(__dirname, 'migrations');

/** Distinct from the source migrations' lock: the two sets may be applied concurrently. */
const PLATFORM_MIGRATION_LOCK_KEY = '7243019551063742';

/**
 * Applies the platform store migrations (schema `platform`) with the same runner as the source migrations
 * (schema/source/migrate.ts): versioned files, each in its own transaction, recorded with a checksum in
 * `platform.schema_migrations`, under an advisory lock; refuses when an applied file was edited or removed. Called by
 * `analytics db migrate` and at API start.
 */
export async function migratePlatform(
  pool: pg.Pool,
  options: { dir?: string; log?: (line: string) => void } = {},
): Promise<{ applied: string[] }> {
  return applyMigrations(
    pool,
    {
      dir: options.dir ?? PLATFORM_MIGRATIONS_DIR,
      schema: 'platform',
      lockKey: PLATFORM_MIGRATION_LOCK_KEY,
      label: 'platform migration',
    },
    options.log,
  );
}
