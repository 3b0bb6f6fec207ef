import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';

/** Where the versioned source migrations live (`NNN_name.sql`). */
export const MIGRATIONS_DIR = path.join(__dirname, 'migrations');

/** Arbitrary but fixed: every runner against one database contends for this advisory lock. */
const MIGRATION_LOCK_KEY = '7243019551063741';

const FILE_PATTERN = /^(\d{3})_[a-z0-9_]+\.sql$/;

export interface Migration {
  /** File name without `.sql`, e.g. `001_user_module_dimensions`. */
  version: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

/** Line endings are normalised first so a Windows checkout does not look like an edited migration. */
export function checksum(sql: string): string {
  return crypto.createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const seen = new Map<string, string>();
  return files.map((file) => {
    const match = FILE_PATTERN.exec(file);
    if (!match?.[1]) throw new MigrationError(`${path.join(dir, file)}: migration files are named NNN_name.sql`);
    const earlier = seen.get(match[1]);
    if (earlier) throw new MigrationError(`${file} and ${earlier} share the version number ${match[1]}`);
    seen.set(match[1], file);
    const sql = fs.readFileSync(path.join(dir, file), 'utf8');
    return { version: file.slice(0, -'.sql'.length), sql, checksum: checksum(sql) };
  });
}

export interface MigrateOptions {
  /** @default MIGRATIONS_DIR */
  dir?: string;
  log?: (line: string) => void;
}

/** One set of versioned migrations: where its files are, where it records them, which lock it holds. */
export interface MigrationSet {
  dir: string;
  /** Schema holding the set's own objects and its `schema_migrations` table; created first. @default public */
  schema?: string;
  /** Advisory lock key; distinct per set, so two sets may be applied concurrently. */
  lockKey: string;
  /** How messages name the set's migrations (`migration`, `platform migration`). */
  label: string;
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, each in its own transaction, under an advisory
 * lock so concurrent runners serialise. Refuses (applying nothing) when an applied migration was edited or removed:
 * the database would no longer match the files, and silently continuing hides schema drift.
 */
export async function migrate(pool: pg.Pool, options: MigrateOptions = {}): Promise<{ applied: string[] }> {
  return applyMigrations(
    pool,
    { dir: options.dir ?? MIGRATIONS_DIR, lockKey: MIGRATION_LOCK_KEY, label: 'migration' },
    options.log,
  );
}

/** The runner behind `migrate` (source) and `migratePlatform` (schema/platform), for any MigrationSet. */
export async function applyMigrations(
  pool: pg.Pool,
  set: MigrationSet,
  log?: (line: string) => void,
): Promise<{ applied: string[] }> {
  const migrations = readMigrations(set.dir);
  const table = set.schema ? `${set.schema}.schema_migrations` : 'schema_migrations';
  const client = await pool.connect();
  let unlockFailure: Error | undefined;
  try {
    // Session-level lock (not xact): it must span the per-migration transactions below.
    await client.query('select pg_advisory_lock($1)', [set.lockKey]);
    if (set.schema) await client.query(`create schema if not exists ${set.schema}`);
    await client.query(
      `create table if not exists ${table} (
         version text primary key,
         checksum text not null,
         applied_at timestamptz not null default now()
       )`,
    );
    const { rows } = await client.query<{ version: string; checksum: string }>(
      `select version, checksum from ${table} order by version`,
    );
    const onDisk = new Map(migrations.map((m) => [m.version, m]));
    for (const row of rows) {
      const file = onDisk.get(row.version);
      if (!file) {
        throw new MigrationError(`${set.label} ${row.version} is recorded as applied but its file is missing`);
      }
      if (file.checksum !== row.checksum) {
        throw new MigrationError(
          `${set.label} ${row.version} was changed after it was applied (checksum ${row.checksum.slice(0, 12)}… ` +
            `in ${table}, ${file.checksum.slice(0, 12)}… on disk); add a new migration instead of editing it`,
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
        await client.query(`insert into ${table} (version, checksum) values ($1, $2)`, [m.version, m.checksum]);
        await client.query('commit');
      } catch (err) {
        await client.query('rollback');
        throw new MigrationError(
          `${set.label} ${m.version} failed: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      applied.push(m.version);
      log?.(`applied ${set.schema ? `${set.schema}/` : ''}${m.version}`);
    }
    return { applied };
  } finally {
    await client.query('select pg_advisory_unlock($1)', [set.lockKey]).catch((err: Error) => {
      unlockFailure = err;
    });
    // A connection that could not unlock is destroyed, which drops its session lock with it.
    client.release(unlockFailure);
  }
}
