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

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime, stime, cutime, cstime (seconds) and ppid of a process, from /proc; undefined once it is gone. */
function procStat(pid: number): { self: number; children: number; ppid: number } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const n = (i: number) => Number(f[i]) / TICKS_PER_SECOND;
  return { self: n(11) + n(12), children: n(13) + n(14), ppid: Number(f[1]) };
}

/**
 * CPU seconds the local PostgreSQL server has used so far: the postmaster, its live children (backends, workers)
 * and the children it has reaped (exited backends). Undefined when the server is not on this machine.
 */
async function serverCpu(source: PostgresSourceDb): Promise<(() => number) | undefined> {
  const { rows } = await source.pool.query<{ pid: number }>('select pg_backend_pid() as pid');
  const backend = procStat(rows[0]!.pid);
  if (!backend || process.platform !== 'linux') return undefined;
  const postmaster = backend.ppid;
  return () => {
    const main = procStat(postmaster);
    let total = main ? main.self + main.children : 0;
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = procStat(Number(entry));
      if (stat?.ppid === postmaster) total += stat.self;
    }
    return total;
  };
}

/** Runs the reference COPY in psql; its wall time and psql's own CPU seconds (GNU time, when installed). */
function psqlCopy(sql: string): Promise<{ seconds: number; clientCpu?: number }> {
  const timeFile = path.join(os.tmpdir(), `bench-extract-psql-${process.pid}.time`);
  const gnuTime = fs.existsSync('/usr/bin/time');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      gnuTime ? '/usr/bin/time' : 'psql',
      [
        ...(gnuTime ? ['-f', '%U %S', '-o', timeFile, 'psql'] : []),
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
    child.once('exit', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`psql exited ${code}`));
      if (!gnuTime) return resolve({ seconds });
      const [user, system] = fs.readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
      fs.rmSync(timeFile, { force: true });
      resolve({ seconds, clientCpu: (user ?? 0) + (system ?? 0) });
    });
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
  // CPU seconds per run (server + client), the least of the rounds: unlike wall time, barely moved by other load.
  const readServerCpu = await serverCpu(first);
  const cpu = new Map<string, { server: number; client: number }>();
  const recordCpu = (name: string, server: number, client: number) => {
    const was = cpu.get(name);
    if (!was || server + client < was.server + was.client) cpu.set(name, { server, client });
  };
  const ownCpu = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  };

  const runs: [string, () => Promise<void>][] = [
    ...[...sources].map(([parts, source]): [string, () => Promise<void>] => [
      `A${parts}`,
      async () => {
        const file = path.join(dir, `a${parts}.parquet`);
        const [server0, client0] = [readServerCpu?.(), ownCpu()];
        const seconds = await timed(async () => {
          const result = await extractToParquet({ source, parquet: duckdbParquetWriter }, spec, day, file);
          if (rows && result.rows !== rows) throw new Error(`parts=${parts}: ${result.rows} rows, expected ${rows}`);
          rows = result.rows;
          bytes = result.sourceBytes;
        });
        record(`A${parts}`, seconds);
        if (readServerCpu) recordCpu(`A${parts}`, readServerCpu() - server0!, ownCpu() - client0);
        fs.rmSync(file);
      },
    ]),
    [
      'B',
      async () => {
        const server0 = readServerCpu?.();
        const { seconds, clientCpu } = await psqlCopy(copySql);
        // The backend exits with psql; give the postmaster a moment to reap it (its CPU then counts as a child's).
        await new Promise((resolve) => setTimeout(resolve, 200));
        record('B', seconds);
        if (readServerCpu && clientCpu !== undefined) recordCpu('B', readServerCpu() - server0!, clientCpu);
      },
    ],
  ];
  if (!args['skip-before']) {
    runs.push([
      'C',
      async () => {
        const csv = path.join(dir, 'rows.csv');
        const file = path.join(dir, 'c.parquet');
        const [server0, client0] = [readServerCpu?.(), ownCpu()];
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
        if (readServerCpu) recordCpu('C', readServerCpu() - server0!, ownCpu() - client0);
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
  if (cpu.has('B')) {
    const b = cpu.get('B')!;
    console.log(
      `  CPU seconds per run (least of ${args.rounds}; server = the PostgreSQL processes, client = this process or psql):`,
    );
    const cpuLine = (label: string, key: string) => {
      const c = cpu.get(key);
      if (!c) return;
      console.log(
        `    ${label.padEnd(16)} server ${c.server.toFixed(2)} s + client ${c.client.toFixed(2)} s` +
          `  (client ÷ B's server ${(c.client / b.server).toFixed(2)})`,
      );
    };
    for (const parts of args.parts) cpuLine(`A, ${parts} part${parts > 1 ? 's' : ''}`, `A${parts}`);
    cpuLine('B', 'B');
    cpuLine('C', 'C');
    console.log(
      `    with one part the client runs beside the server on the second core: it keeps up (A ≈ B on an idle ` +
        `machine) while client ÷ B's server < 1`,
    );
  }
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
