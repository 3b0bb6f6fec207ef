/**
 * Extraction throughput beside PostgreSQL's own COPY TO STDOUT of the same rows, in the same run:
 *   A. the extract activity's path (`extractToParquet`): COPY streamed straight into DuckDB's Parquet writer through
 *      a named pipe, in `--parts` time ranges side by side (default: SOURCE_DB_EXTRACT_PARTS), minus the
 *      object-store rename;
 *   B. `psql -c "COPY (...) TO STDOUT" > /dev/null` over one connection: the floor (the server's own export,
 *      nothing written);
 *   C. the path before issue 14 (COPY → CSV file → `csvToParquet`), for comparison.
 * The ratio A/B of throughputs is the goal figure (issue 14: >= 0.9). Runs against whatever database the config
 * points at, on the largest event table's busiest day by default. Each figure is the best of `--rounds`; the order
 * rotates each round so cache warmth favours none.
 *
 *   SOURCE_DB_NAME=bench_medium npm run bench:extract -- [--table activity_events] [--day YYYY-MM-DD] [--rounds 3]
 *     [--parts 1,2] [--skip-before]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { extractToParquet } from '../activities/extract';
import { PostgresSourceDb } from '../adapters/source/postgres';
import { csvToParquet, duckdbParquetWriter } from '../adapters/parquet';
import { loadConfig } from '../config';
import { SOURCE_TABLES, type EventTable } from '../schema/source/tables';

const config = loadConfig();
const args = z
  .object({
    table: z.string().default('activity_events'),
    day: z.string().optional(),
    rounds: z.coerce.number().int().min(1).max(10).default(3),
    parts: z
      .string()
      .regex(/^\d+(,\d+)*$/, 'expected e.g. 1,2')
      .transform((s) => s.split(',').map(Number))
      .pipe(z.array(z.number().int().min(1).max(16)))
      .default([config.sourceDb.extractParts]),
    'skip-before': z.boolean().default(false),
  })
  .parse(
    parseArgs({
      options: {
        table: { type: 'string' },
        day: { type: 'string' },
        rounds: { type: 'string' },
        parts: { type: 'string' },
        'skip-before': { type: 'boolean' },
      },
    }).values,
  );

const found = SOURCE_TABLES.find((t) => t.name === args.table);
if (!found || found.kind !== 'event') throw new Error(`--table must be an event table, got ${args.table}`);
const spec: EventTable = found;

async function busiestDay(source: PostgresSourceDb): Promise<string> {
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
      {
        stdio: ['ignore', fs.openSync('/dev/null', 'w'), 'inherit'],
        env: {
          ...process.env,
          PGTZ: 'UTC',
          ...(config.sourceDb.password ? { PGPASSWORD: config.sourceDb.password } : {}),
        },
      },
    );
    child.once('exit', (code) =>
      code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`psql exited ${code}`)),
    );
  });
}

const timed = async (work: () => Promise<unknown>) => {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
};

async function main(): Promise<void> {
  const sources = new Map(
    args.parts.map((parts) => [parts, new PostgresSourceDb({ ...config.sourceDb, extractParts: parts })]),
  );
  const first = sources.values().next().value as PostgresSourceDb;
  const day = args.day ?? (await busiestDay(first));
  const extractSpec = { table: spec.name, columns: spec.columns, slice: { column: spec.timestampColumn, day } };
  const copySql = PostgresSourceDb.copySql(extractSpec);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-extract-'));
  let rows = 0;
  let bytes = 0;
  const best = new Map<string, number>();
  const record = (name: string, seconds: number) => {
    best.set(name, Math.min(best.get(name) ?? Infinity, seconds));
  };

  const runs: [string, () => Promise<void>][] = [
    ...[...sources].map(([parts, source]): [string, () => Promise<void>] => [
      `A${parts}`,
      async () => {
        const file = path.join(dir, `a${parts}.parquet`);
        const seconds = await timed(async () => {
          const result = await extractToParquet({ source, parquet: duckdbParquetWriter }, spec, day, file);
          if (rows && result.rows !== rows) throw new Error(`parts=${parts}: ${result.rows} rows, expected ${rows}`);
          rows = result.rows;
          bytes = result.sourceBytes;
        });
        record(`A${parts}`, seconds);
        fs.rmSync(file);
      },
    ]),
    ['B', async () => record('B', await psqlCopy(copySql))],
  ];
  if (!args['skip-before']) {
    runs.push([
      'C',
      async () => {
        const csv = path.join(dir, 'rows.csv');
        const file = path.join(dir, 'c.parquet');
        const seconds = await timed(async () => {
          const result = await first.extractToCsv(extractSpec, csv);
          const n = await csvToParquet(
            csv,
            spec.columns.map((name, i) => ({ name, pgType: result.columnTypes[i] ?? 'text' })),
            file,
          );
          if (rows && n !== rows) throw new Error(`before: ${n} rows, expected ${rows}`);
        });
        record('C', seconds);
        fs.rmSync(csv);
        fs.rmSync(file);
      },
    ]);
  }
  for (let round = 0; round < args.rounds; round++) {
    for (let i = 0; i < runs.length; i++) await runs[(round + i) % runs.length]![1]();
  }
  fs.rmSync(dir, { recursive: true, force: true });
  for (const source of sources.values()) await source.close();

  const mb = bytes / 1e6;
  const ref = best.get('B')!;
  const line = (label: string, s: number) =>
    `  ${label.padEnd(58)} ${s.toFixed(2)} s  ${Math.round(rows / s).toLocaleString('en-US')} rows/s  ` +
    `${(mb / s).toFixed(1)} MB/s  ${(ref / s).toFixed(2)}×`;
  console.log(
    `extract ${spec.name} ${day}: ${rows.toLocaleString('en-US')} rows, ${mb.toFixed(1)} MB of CSV ` +
      `(best of ${args.rounds}; × = throughput ÷ B)`,
  );
  for (const parts of args.parts) {
    console.log(
      line(`A. extract path, COPY → Parquet stream, ${parts} part${parts > 1 ? 's' : ''}`, best.get(`A${parts}`)!),
    );
  }
  console.log(line('B. psql COPY TO STDOUT > /dev/null, 1 connection (reference)', ref));
  if (best.has('C')) console.log(line('C. before issue 14: COPY → CSV file → Parquet', best.get('C')!));
  for (const parts of args.parts) {
    const ratio = ref / best.get(`A${parts}`)!;
    console.log(
      `  ratio A/B (${parts} part${parts > 1 ? 's' : ''}): ${ratio.toFixed(2)} (goal >= 0.9: ${ratio >= 0.9 ? 'met' : 'not met'})`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
