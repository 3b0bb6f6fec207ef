/**
 * Seed generator throughput beside PostgreSQL's own bulk load of the same rows, measured in the same run:
 *   A. `generate()` streaming through COPY FROM STDIN into a scratch database (what `analytics seed` does);
 *   B. the identical rows, pre-written to files, loaded by `psql \copy` into a second scratch database.
 * Both load the same schema (indexes, foreign keys, checks) in one transaction. The ratio A/B says how close
 * generating on the fly comes to loading ready-made files; the goal is >= 0.5.
 *
 *   SOURCE_DB_PORT=55433 npx tsx bench/seed-generator.ts [--scale small|medium] [--seed S] [--rounds N]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { z } from 'zod';
import { loadConfig } from '../config';
import { generate, type SeedSink } from '../datagen/generate';
import { resolveSeedOptions, type ResolvedSeedOptions } from '../datagen/options';
import { seed } from '../datagen/seed';
import { migrate } from '../schema/source/migrate';
import { SOURCE_TABLES } from '../schema/source/tables';

const argsSchema = z.object({
  scale: z.enum(['small', 'medium']).default('small'),
  seed: z.string().min(1).default('bench'),
  /** Each side runs this many times, order alternating; the best time of each is compared. */
  rounds: z.coerce.number().int().min(1).max(10).default(1),
});

const say = (line: string) => process.stderr.write(`${line}\n`);
const rate = (rows: number, seconds: number) => Math.round(rows / seconds).toLocaleString('en-US');

function fileSink(dir: string): SeedSink {
  return {
    async copy(table, batches) {
      const texts = function* () {
        for (const b of batches) yield b.text;
      };
      await pipeline(Readable.from(texts()), fs.createWriteStream(path.join(dir, `${table.name}.copy`)));
    },
  };
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}`))));
  });
}

interface Target {
  host: string;
  port: number;
  user: string;
  password?: string;
}

/** Dropping a scratch database with (force) can race a pool's closing connections: an idle error is expected. */
function scratchPool(t: Target, database: string, max: number): pg.Pool {
  const pool = new pg.Pool({ ...t, database, max });
  pool.on('error', () => undefined);
  return pool;
}

async function withDatabase<T>(admin: pg.Client, name: string, fn: () => Promise<T>): Promise<T> {
  await admin.query(`create database ${name}`);
  try {
    return await fn();
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
  }
}

/** A: generate and COPY in one go, as `analytics seed` does; returns seconds and rows. */
async function runGenerator(t: Target, database: string, options: ResolvedSeedOptions) {
  const pool = scratchPool(t, database, 2);
  try {
    const migrated = await migrate(pool);
    if (!migrated.applied.length) throw new Error('scratch database was not empty');
    const result = await seed(pool, options, { log: say });
    return { seconds: result.seconds, rows: result.totalRows };
  } finally {
    await pool.end();
  }
}

/** B: psql loads the pre-written files, one transaction, same schema; returns seconds. */
async function runPsql(t: Target, database: string, script: string): Promise<number> {
  const pool = scratchPool(t, database, 1);
  await migrate(pool).finally(() => pool.end());
  const auth = `${encodeURIComponent(t.user)}${t.password ? `:${encodeURIComponent(t.password)}` : ''}`;
  const started = performance.now();
  await run('psql', [
    '-X',
    '-q',
    '-1',
    '-v',
    'ON_ERROR_STOP=1',
    '-f',
    script,
    `postgresql://${auth}@${t.host}:${t.port}/${database}`,
  ]);
  return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { scale: { type: 'string' }, seed: { type: 'string' }, rounds: { type: 'string' } },
  });
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('; '));
  }
  const { scale, rounds } = parsed.data;
  const target: Target = loadConfig().sourceDb;
  const options = { ...resolveSeedOptions({ scale, seed: parsed.data.seed, endDate: '2026-01-31' }), reset: false };
  const admin = new pg.Client({ ...target, database: 'postgres' });
  await admin.connect();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-seed-'));
  try {
    say(
      `scale ${scale}: ${options.users} users, ~${options.events} events, ${options.days} days; PostgreSQL at ${target.host}:${target.port}`,
    );
    say('writing the rows to files for B (this also times the generator alone)');
    const t0 = performance.now();
    const counts = await generate(options, fileSink(dir));
    const fileSeconds = (performance.now() - t0) / 1000;
    const rows = Object.values(counts).reduce((x, y) => x + y, 0);
    const script = path.join(dir, 'load.sql');
    fs.writeFileSync(
      script,
      SOURCE_TABLES.map(
        (t) => `\\copy ${t.name} (${t.columns.join(', ')}) from '${path.join(dir, `${t.name}.copy`)}'`,
      ).join('\n') + '\n',
    );

    const a: number[] = [];
    const b: number[] = [];
    const suffix = `${process.pid}_${Date.now() % 1_000_000}`;
    // Alternate the order each round so neither side always runs on a warmer (or busier) machine.
    for (let round = 0; round < rounds; round++) {
      const steps = [
        async () => {
          say(`round ${round + 1}: A generator -> COPY FROM STDIN`);
          const r = await withDatabase(admin, `bench_seed_a_${suffix}`, () =>
            runGenerator(target, `bench_seed_a_${suffix}`, options),
          );
          if (r.rows !== rows) throw new Error(`generator wrote ${r.rows} rows, files hold ${rows}`);
          a.push(r.seconds);
        },
        async () => {
          say(`round ${round + 1}: B psql \\copy from files`);
          b.push(
            await withDatabase(admin, `bench_seed_b_${suffix}`, () =>
              runPsql(target, `bench_seed_b_${suffix}`, script),
            ),
          );
        },
      ];
      if (round % 2 === 1) steps.reverse();
      for (const step of steps) await step();
    }
    const bestA = Math.min(...a);
    const bestB = Math.min(...b);
    process.stdout.write(
      [
        `rows                          ${rows.toLocaleString('en-US')}  (best of ${rounds} round(s) each)`,
        `A generator -> COPY           ${rate(rows, bestA).padStart(10)} rows/s  (${bestA.toFixed(1)} s)`,
        `B psql \\copy from files       ${rate(rows, bestB).padStart(10)} rows/s  (${bestB.toFixed(1)} s)`,
        `ratio A/B                     ${(bestB / bestA).toFixed(2)}  (goal >= 0.5)`,
        `generator alone, to files     ${rate(rows, fileSeconds).padStart(10)} rows/s  (${fileSeconds.toFixed(1)} s)`,
        '',
      ].join('\n'),
    );
  } finally {
    await admin.end();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  say(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
