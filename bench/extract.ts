/**
 * Extraction throughput beside PostgreSQL's own COPY TO STDOUT of the same rows, in the same run:
 *   A. the extract path (`PostgresSourceDb.extractToCsv` → `csvToParquet`): COPY streamed to a file, then typed
 *      Parquet (what the extract activity does, minus the object-store rename);
 *   B. `psql -c "COPY (...) TO STDOUT" > /dev/null`: the floor (the server's own export, nothing written).
 * The ratio A/B is the goal figure (aim: >= 0.5). Runs against whatever database the config points at, on the
 * largest event table's busiest day by default.
 *
 *   SOURCE_DB_PORT=55432 npx tsx bench/extract.ts [--table activity_events] [--day YYYY-MM-DD] [--rounds 3]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { PostgresSourceDb } from '../adapters/source/postgres';
import { csvToParquet } from '../adapters/parquet';
import { loadConfig } from '../config';
import { SOURCE_TABLES, type EventTable } from '../schema/source/tables';

const args = z
  .object({
    table: z.string().default('activity_events'),
    day: z.string().optional(),
    rounds: z.coerce.number().int().min(1).max(10).default(3),
  })
  .parse(
    parseArgs({ options: { table: { type: 'string' }, day: { type: 'string' }, rounds: { type: 'string' } } }).values,
  );

const config = loadConfig();
const found = SOURCE_TABLES.find((t) => t.name === args.table);
if (!found || found.kind !== 'event') throw new Error(`--table must be an event table, got ${args.table}`);
const spec: EventTable = found;
const source = new PostgresSourceDb(config.sourceDb);

async function busiestDay(): Promise<string> {
  const { rows } = await source.pool.query<{ day: string }>(
    `select to_char(${spec.timestampColumn} at time zone 'UTC', 'YYYY-MM-DD') as day from ${spec.name}
     group by 1 order by count(*) desc limit 1`,
  );
  if (!rows[0]) throw new Error(`${spec.name} is empty: seed first (analytics seed --scale medium)`);
  return rows[0].day;
}

function psqlCopy(sql: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      'psql',
      [
        '-h',
        config.sourceDb.host,
        '-p',
        String(config.sourceDb.port),
        '-U',
        config.sourceDb.user,
        '-d',
        config.sourceDb.database,
        '-X',
        '-q',
        '-c',
        sql,
      ],
      { stdio: ['ignore', fs.openSync('/dev/null', 'w'), 'inherit'], env: { ...process.env, PGTZ: 'UTC' } },
    );
    child.once('exit', (code) =>
      code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`psql exited ${code}`)),
    );
  });
}

async function main(): Promise<void> {
  const day = args.day ?? (await busiestDay());
  const extractSpec = { table: spec.name, columns: spec.columns, slice: { column: spec.timestampColumn, day } };
  const copySql = PostgresSourceDb.copySql(extractSpec);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-extract-'));
  let best = { a: Infinity, b: Infinity, rows: 0, bytes: 0 };
  for (let round = 1; round <= args.rounds; round++) {
    // Alternate the order so cache warmth favours neither side.
    const runA = async () => {
      const started = performance.now();
      const csv = path.join(dir, 'rows.csv');
      const result = await source.extractToCsv(extractSpec, csv);
      const rows = await csvToParquet(
        csv,
        spec.columns.map((name, i) => ({ name, pgType: result.columnTypes[i] ?? 'text' })),
        path.join(dir, 'part-0.parquet'),
      );
      const seconds = (performance.now() - started) / 1000;
      best = { ...best, a: Math.min(best.a, seconds), rows, bytes: result.bytes };
    };
    const runB = async () => {
      best = { ...best, b: Math.min(best.b, await psqlCopy(copySql)) };
    };
    if (round % 2) {
      await runA();
      await runB();
    } else {
      await runB();
      await runA();
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  await source.close();
  const mb = best.bytes / 1e6;
  const fmt = (rows: number, s: number) =>
    `${Math.round(rows / s).toLocaleString('en-US')} rows/s, ${(mb / s).toFixed(1)} MB/s`;
  console.log(
    `extract ${spec.name} ${day}: ${best.rows.toLocaleString('en-US')} rows, ${mb.toFixed(1)} MB of CSV (best of ${args.rounds})`,
  );
  console.log(`  A. extract activity path (COPY → file → Parquet): ${best.a.toFixed(2)} s  ${fmt(best.rows, best.a)}`);
  console.log(`  B. psql COPY TO STDOUT > /dev/null (reference):   ${best.b.toFixed(2)} s  ${fmt(best.rows, best.b)}`);
  console.log(`  ratio A/B throughput: ${(best.b / best.a).toFixed(2)} (goal >= 0.5)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
