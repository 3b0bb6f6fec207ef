import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { migrate } from '../schema/source/migrate';
import { SOURCE_TABLES } from '../schema/source/tables';
import { generate, type SeedCounts, type SeedSink } from './generate';
import type { ResolvedSeedOptions } from './options';
import { pgCopySink } from './pg-sink';

/** Arbitrary but fixed: concurrent seeds of one database queue here, and the second then finds data. */
const SEED_LOCK_KEY = '7243019551063742';

export class SeedRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeedRefusedError';
  }
}

export interface SeedHooks {
  log?: (line: string) => void;
  /** Wraps the COPY sink (tests inject failures through it). */
  wrapSink?: (sink: SeedSink) => SeedSink;
}

export interface SeedResult {
  counts: SeedCounts;
  totalRows: number;
  seconds: number;
}

/** User Module tables that hold at least one row. */
export async function populatedTables(client: pg.ClientBase): Promise<string[]> {
  const probes = SOURCE_TABLES.map((t) => `select '${t.name}' as name where exists (select 1 from ${t.name})`);
  const { rows } = await client.query<{ name: string }>(probes.join(' union all '));
  return rows.map((r) => r.name);
}

/**
 * Migrates, then writes a whole sample data set in ONE transaction: a failure at any row rolls everything back,
 * so a database is either untouched or fully seeded. Refuses to add to existing data unless `reset`, which
 * truncates the User Module tables inside that same transaction (a failed reseed keeps the old data).
 */
export async function seed(pool: pg.Pool, options: ResolvedSeedOptions, hooks: SeedHooks = {}): Promise<SeedResult> {
  const { log } = hooks;
  await migrate(pool, { log });
  const client = await pool.connect();
  const started = performance.now();
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock($1)', [SEED_LOCK_KEY]);
    const populated = await populatedTables(client);
    if (populated.length > 0 && !options.reset) {
      throw new SeedRefusedError(
        `the source database already holds User Module data (${populated.join(', ')}); ` +
          'pass --reset to truncate it and seed again',
      );
    }
    if (options.reset) await client.query(`truncate ${SOURCE_TABLES.map((t) => t.name).join(', ')}`);
    log?.(
      `seeding ${options.users.toLocaleString('en-US')} users, ~${options.events.toLocaleString('en-US')} events, ` +
        `${options.days} days to ${options.endDate}, seed ${JSON.stringify(options.seedText)}`,
    );
    const sink = pgCopySink(client);
    const counts = await generate(options, hooks.wrapSink ? hooks.wrapSink(sink) : sink, { log });
    await client.query('commit');
    const seconds = (performance.now() - started) / 1000;
    // Fresh statistics, so the first one-day extract already plans an index range scan.
    await client.query(`analyze ${SOURCE_TABLES.map((t) => t.name).join(', ')}`);
    const totalRows = Object.values(counts).reduce((a, b) => a + b, 0);
    log?.(`committed ${totalRows.toLocaleString('en-US')} rows in ${seconds.toFixed(1)} s`);
    return { counts, totalRows, seconds };
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
