import pg from 'pg';
import type { Command } from 'commander';
import type { Config } from '../config';
import { migrate } from '../schema/source/migrate';
import { migratePlatform } from '../schema/platform/migrate';
import { resolveSeedOptions } from '../datagen/options';
import { seed, SeedRefusedError } from '../datagen/seed';

const say = (line: string) => process.stderr.write(`${line}\n`);

/** A short-lived pool over the configured source database (one connection holds the seed's transaction). */
async function withSourcePool<T>(config: Config, fn: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const { host, port, database, user, password } = config.sourceDb;
  const pool = new pg.Pool({ host, port, database, user, password, max: 2, application_name: 'hire10x-seed' });
  // An idle connection dropped by the server must not crash the command; the next query reconnects.
  pool.on('error', () => undefined);
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

/** `analytics db migrate` and `analytics seed`. */
export function registerDbCommands(program: Command, getConfig: () => Config): void {
  const db = program.command('db').description('the User Module source database');
  db.command('migrate')
    .description('apply new migrations from schema/source/migrations and schema/platform/migrations (safe to re-run)')
    .action(async () => {
      const { applied } = await withSourcePool(getConfig(), async (pool) => {
        const source = await migrate(pool, { log: say });
        // The API's platform store (schema `platform`) lives in the same database.
        const platform = await migratePlatform(pool, { log: say });
        return { applied: [...source.applied, ...platform.applied] };
      });
      say(applied.length ? `applied ${applied.length} migration(s)` : 'schema is up to date');
    });

  program
    .command('seed')
    .description('fill the source database with deterministic sample data (one transaction)')
    .option('--scale <scale>', 'small (~1k users, 200k events) | medium (50k, 5M) | large (1M, 50M)', 'small')
    .option('--users <n>', 'users in total (overrides the scale)')
    .option('--events <n>', 'events in total across event tables (overrides the scale)')
    .option('--days <n>', 'days of events', '30')
    .option('--seed <seed>', 'any text; the same seed gives the same data', '1')
    .option('--end-date <YYYY-MM-DD>', 'last day of data, UTC (default: yesterday)')
    .option('--reset', 'truncate the User Module tables first (in the same transaction)')
    .option('--if-empty', 'seed only an empty database; keep existing data without error (idempotent scripts)')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const { ifEmpty, ...rest } = opts;
      const options = resolveSeedOptions({ ...rest, reset: rest.reset === true });
      try {
        const result = await withSourcePool(getConfig(), (pool) => seed(pool, options, { log: say }));
        process.stdout.write(`${JSON.stringify(result.counts, null, 2)}\n`);
      } catch (err) {
        if (!(ifEmpty && err instanceof SeedRefusedError)) throw err;
        say('the source database already holds data; keeping it (--if-empty)');
      }
    });

  db.command('event-days')
    .description('the first and last day (UTC) holding events, e.g. to run the pipeline over seeded data')
    .option('--json', 'print {"first": "...", "last": "...", "days": [...]} ')
    .action(async (opts: { json?: boolean }) => {
      const days = await withSourcePool(getConfig(), async (pool) => {
        const { rows } = await pool.query<{ day: string }>(
          `select distinct to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD') as day from activity_events order by 1`,
        );
        return rows.map((r) => r.day);
      });
      if (opts.json)
        process.stdout.write(`${JSON.stringify({ first: days[0] ?? null, last: days.at(-1) ?? null, days })}\n`);
      else process.stdout.write(`${days.join('\n')}\n`);
    });

  db.command('sample-user')
    .description(
      'prints "<tenant_id> <user_id>" of an active user with activity and no legal hold (demo: an erasure to run)',
    )
    .option('--seed <text>', 'which user: the same seed picks the same user while it exists', 'demo')
    .action(async (opts: { seed: string }) => {
      const row = await withSourcePool(getConfig(), async (pool) => {
        const { rows } = await pool.query<{ tenant_id: string; user_id: string }>(
          `select u.tenant_id::text, u.user_id::text from users u
           where u.status = 'active'
             and exists (select 1 from activity_events a where a.user_id = u.user_id)
             and not exists (select 1 from legal_holds h where h.user_id = u.user_id)
           order by md5($1 || u.user_id::text) limit 1`,
          [opts.seed],
        );
        return rows[0];
      });
      if (!row) throw new Error('no active user with activity: seed first (analytics seed)');
      process.stdout.write(`${row.tenant_id} ${row.user_id}\n`);
    });
}
