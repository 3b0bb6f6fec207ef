/**
 * What the local daily transform costs, and what the tuning of issue 14 saves: the same day's transform (the
 * SparkSubmitRunner, `daily_transform.py --manifest`, exactly as the pipeline's transform activity runs it) with the
 * settings the worker used before and with today's, in the same run, alternating. Per variant: wall seconds, CPU
 * seconds (user + sys of the whole spark-submit process tree: JVM, Python driver, Python workers, from
 * getrusage(RUSAGE_CHILDREN) of a wrapper that waits for it) and the job's own breakdown (its TRANSFORM_TIMINGS
 * line). The outputs of every run are compared table by table with the first run's: same Parquet schema and the same
 * rows (row content; file bytes are reported too).
 *
 * Data: the data sets the issue measured, `analytics seed --scale <scale> --days 7 --seed bench` in a database
 * `bench_<scale>` (bench/README.md's medium set is `bench_medium`; seeded once and kept), and its busiest day
 * (most activity_events), extracted through the extract activity into a temporary lake (or into `--lake <dir>`,
 * kept and reused by later runs).
 *
 *   npm run bench:spark -- [--scales small,medium] [--rounds 1] [--lake DIR]
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { MockActivityEnvironment } from '@temporalio/testing';
import { z } from 'zod';
import { createExtractActivities, type ExtractTableResult } from '../activities/extract';
import {
  DAILY_TRANSFORM_RAW_TABLES,
  parseTransformSummary,
  parseTransformTimings,
  resolveTransformInputs,
  type TransformTimings,
} from '../activities/transform';
import { FsObjectStore } from '../adapters/object-store/fs';
import { duckdbParquetWriter } from '../adapters/parquet';
import { PostgresSourceDb } from '../adapters/source/postgres';
import { SparkSubmitRunner } from '../adapters/spark/spark-submit';
import { loadConfig, PROJECT_ROOT, type Config } from '../config';
import { SCALES, type Scale } from '../datagen/options';
import { localSparkProperties } from '../workers/adapters';
import { createDatabaseIfMissing, runAnalytics } from './bench-platform';

const DAYS = 7;
const SEED = 'bench';
const GOAL_SECONDS: Record<Scale, number | undefined> = { small: 10, medium: 25, large: undefined };
const say = (line: string) => process.stderr.write(`[bench:spark] ${line}\n`);

const args = z
  .object({
    scales: z
      .string()
      .default('small,medium')
      .transform((s) => s.split(',').map((x) => x.trim()))
      .pipe(z.array(z.enum(['small', 'medium', 'large'])).min(1)),
    rounds: z.coerce.number().int().min(1).max(10).default(1),
    lake: z.string().min(1).optional(),
  })
  .parse(
    parseArgs({ options: { scales: { type: 'string' }, rounds: { type: 'string' }, lake: { type: 'string' } } }).values,
  );

interface Variant {
  name: string;
  describe: string;
  properties: Record<string, string>;
}

/** The worker's local properties before issue 14, and the job switched back to its old behaviour. */
function variants(config: Config): Variant[] {
  const now = localSparkProperties(config);
  const before: Record<string, string> = {
    'spark.ui.enabled': 'false',
    'spark.sql.adaptive.enabled': 'true',
    'spark.sql.shuffle.partitions': String(config.spark.shufflePartitions),
    'spark.driver.memory': config.spark.driverMemory,
    'spark.hire10x.transform.tableConcurrency': '1',
    'spark.hire10x.transform.footerSchemas': 'false',
  };
  return [
    {
      name: 'before',
      describe: 'default JIT (C1+C2), tables one at a time, schemas inferred by a Spark job per raw table',
      properties: before,
    },
    {
      name: 'after',
      describe: Object.entries(now)
        .filter(([k, v]) => before[k] !== v)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
      properties: now,
    },
  ];
}

interface Measured {
  variant: string;
  wallS: number;
  cpuS: number;
  userS: number;
  sysS: number;
  timings?: TransformTimings;
  rows: Record<string, number>;
  outRoot: string;
}

/** A launcher that runs spark-submit and records the CPU of its whole (waited-for) process tree. */
function timedLauncher(dir: string, python: string, sparkSubmit: string): string {
  const script = path.join(dir, 'rusage.py');
  fs.writeFileSync(
    script,
    [
      'import json, os, resource, subprocess, sys',
      'out = os.environ.pop("BENCH_RUSAGE_FILE")',
      'code = subprocess.call(sys.argv[1:])',
      'r = resource.getrusage(resource.RUSAGE_CHILDREN)',
      'with open(out, "w") as f:',
      '    json.dump({"user": r.ru_utime, "sys": r.ru_stime}, f)',
      'sys.exit(code)',
    ].join('\n'),
  );
  const launcher = path.join(dir, 'spark-submit-timed');
  fs.writeFileSync(launcher, `#!/bin/sh\nexec "${python}" "${script}" "${sparkSubmit}" "$@"\n`, { mode: 0o755 });
  return launcher;
}

async function prepareDay(scale: Scale, lake: string): Promise<{ day: string; sourceRows: number; manifest: string }> {
  const database = `bench_${scale}`;
  const env = { ...process.env, SOURCE_DB_NAME: database, LOG_LEVEL: 'WARN' };
  const config = loadConfig(env);
  await createDatabaseIfMissing(config, database);
  runAnalytics(env, 'db', 'migrate');
  say(
    `${scale}: seeding ${database} (${SCALES[scale].users} users, ${SCALES[scale].events} events over ${DAYS} days) unless already seeded …`,
  );
  runAnalytics(env, 'seed', '--scale', scale, '--days', String(DAYS), '--seed', SEED, '--if-empty');

  const store = new FsObjectStore({
    raw: path.join(lake, 'raw'),
    processed: path.join(lake, 'processed'),
    archive: path.join(lake, 'archive'),
  });
  const source = new PostgresSourceDb(config.sourceDb);
  let sourceRows = 0;
  let day: string;
  try {
    const { rows } = await source.pool.query<{ day: string }>(
      `select to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD') as day from activity_events
       group by 1 order by count(*) desc, 1 limit 1`,
    );
    if (!rows[0]) throw new Error(`${database} holds no activity events`);
    day = rows[0].day;
    const manifestKey = `bench/${day}/input-manifest.json`;
    const done = path.join(lake, 'processed', 'bench', day, 'source-rows');
    if (fs.existsSync(done)) {
      say(`${scale}: reusing the extract of ${day} in ${lake}`);
      return { day, sourceRows: Number(fs.readFileSync(done, 'utf8')), manifest: store.uri('processed', manifestKey) };
    }
    const activities = createExtractActivities({ source, store, parquet: duckdbParquetWriter });
    say(`${scale}: extracting ${day} into ${lake} …`);
    for (const table of DAILY_TRANSFORM_RAW_TABLES) {
      const result: ExtractTableResult = await new MockActivityEnvironment().run(
        (i: { table: (typeof DAILY_TRANSFORM_RAW_TABLES)[number]; date: string }) => activities.extractTable(i),
        { table, date: day },
      );
      sourceRows += result.rows;
    }
    const manifest = await resolveTransformInputs(store, day);
    await store.put('processed', manifestKey, new TextEncoder().encode(JSON.stringify(manifest)));
    fs.writeFileSync(done, String(sourceRows));
    return { day, sourceRows, manifest: store.uri('processed', manifestKey) };
  } finally {
    await source.close();
  }
}

async function runVariant(
  variant: Variant,
  launcher: string,
  python: string,
  input: { day: string; manifest: string },
  outRoot: string,
  scratch: string,
): Promise<Measured> {
  const rusageFile = path.join(scratch, `rusage-${variant.name}.json`);
  process.env.BENCH_RUSAGE_FILE = rusageFile;
  const runner = new SparkSubmitRunner({ sparkSubmit: launcher, python, defaultProperties: variant.properties });
  fs.rmSync(outRoot, { recursive: true, force: true });
  const started = performance.now();
  const result = await runner.run({
    runId: `bench-spark-${variant.name}-${Date.now()}`,
    name: 'daily_transform',
    mainPythonFile: 'daily_transform.py',
    args: ['--manifest', input.manifest, '--out-root', outRoot, '--date', input.day, '--run-id', 'bench-spark'],
    properties: { 'spark.sql.parquet.outputTimestampType': 'TIMESTAMP_MICROS' },
  });
  const wallS = (performance.now() - started) / 1000;
  delete process.env.BENCH_RUSAGE_FILE;
  const usage = z.object({ user: z.number(), sys: z.number() }).parse(JSON.parse(fs.readFileSync(rusageFile, 'utf8')));
  return {
    variant: variant.name,
    wallS,
    cpuS: usage.user + usage.sys,
    userS: usage.user,
    sysS: usage.sys,
    timings: parseTransformTimings(result.output),
    rows: parseTransformSummary(result.output),
    outRoot,
  };
}

/** Per table: its Parquet schema, row count and a digest of its rows in a canonical order, and of its file bytes. */
async function digestOutputs(
  conn: DuckDBConnection,
  outRoot: string,
): Promise<Map<string, { schema: string; rows: number; content: string; bytes: string }>> {
  const out = new Map<string, { schema: string; rows: number; content: string; bytes: string }>();
  const tables = fs
    .readdirSync(outRoot, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('_') && e.name !== 'bench')
    .map((e) => e.name)
    .sort();
  for (const table of tables) {
    const dir = path.join(outRoot, table);
    const files = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.parquet'))
      .map((f) => path.join(dir, f))
      .sort();
    const list = `[${files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ')}]`;
    const schema = await conn.runAndReadAll(
      `select distinct name, type, repetition_type, converted_type, logical_type from parquet_schema(${list}) order by all`,
    );
    const rows = await conn.runAndReadAll(
      `select count(*)::bigint as n, coalesce(md5(string_agg(r::varchar, chr(10) order by r::varchar)), '') as digest
       from read_parquet(${list}) r`,
    );
    const [n, digest] = rows.getRows()[0] ?? [0, ''];
    const bytes = createHash('sha256');
    for (const f of files) bytes.update(createHash('sha256').update(fs.readFileSync(f)).digest('hex'));
    out.set(table, {
      schema: JSON.stringify(schema.getRows()),
      rows: Number(n),
      content: String(digest),
      bytes: `${files.length}:${bytes.digest('hex')}`,
    });
  }
  return out;
}

const f1 = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(1));
const f2 = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(2));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function benchScale(scale: Scale, config: Config): Promise<boolean> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `bench-spark-${scale}-`));
  const duck = await DuckDBInstance.create(':memory:');
  const conn = await duck.connect();
  try {
    const lake = args.lake ? path.resolve(args.lake, scale) : path.join(scratch, 'lake');
    const input = await prepareDay(scale, lake);
    const python = path.join(PROJECT_ROOT, '.venv', 'bin', 'python');
    const launcher = timedLauncher(scratch, python, path.join(PROJECT_ROOT, '.venv', 'bin', 'spark-submit'));
    const all = variants(config);
    say(`${scale}: warm-up run (not counted: page cache, jar and Python bytecode caches) …`);
    await runVariant(all[1]!, launcher, python, input, path.join(scratch, 'out-warmup'), scratch);

    const measured: Measured[] = [];
    let reference: Awaited<ReturnType<typeof digestOutputs>> | undefined;
    let identicalContent = true;
    let identicalBytes = 0;
    let compared = 0;
    for (let round = 0; round < args.rounds; round++) {
      // Alternate the order between rounds so neither variant always runs on a warmer machine.
      const order = round % 2 === 0 ? all : [...all].reverse();
      for (const variant of order) {
        say(`${scale}: round ${round + 1}/${args.rounds}, ${variant.name} …`);
        const m = await runVariant(
          variant,
          launcher,
          python,
          input,
          path.join(scratch, `out-${variant.name}-${round}`),
          scratch,
        );
        measured.push(m);
        say(`${scale}: ${variant.name}: ${m.wallS.toFixed(1)} s wall, ${m.cpuS.toFixed(1)} s CPU`);
        const digests = await digestOutputs(conn, m.outRoot);
        if (!reference) {
          reference = digests;
        } else {
          for (const [table, want] of reference) {
            const got = digests.get(table);
            compared++;
            if (!got || got.schema !== want.schema || got.rows !== want.rows || got.content !== want.content) {
              identicalContent = false;
              say(`${scale}: ${variant.name}: ${table} differs from the first run's output`);
            } else if (got.bytes === want.bytes) {
              identicalBytes++;
            }
          }
          if (digests.size !== reference.size) identicalContent = false;
        }
        fs.rmSync(m.outRoot, { recursive: true, force: true });
      }
    }

    const sourceRows = input.sourceRows;
    const outRows = Object.values(measured[0]!.rows).reduce((a, b) => a + b, 0);
    const by = (name: string) => measured.filter((m) => m.variant === name);
    console.log(
      `\n## ${scale}: day ${input.day}, ${sourceRows.toLocaleString('en-US')} raw rows in, ` +
        `${outRows.toLocaleString('en-US')} rows out (${Object.keys(measured[0]!.rows).length} tables); ` +
        `${args.rounds} round(s), medians; load before: ${os.loadavg()[0]!.toFixed(2)}\n`,
    );
    for (const v of all) console.log(`- ${v.name}: ${v.describe}`);
    console.log('\n| variant | wall s | CPU s (user+sys) | ÷ before (wall / CPU) | goal |');
    console.log('|---|---:|---:|---:|---|');
    const ref = by('before');
    const refWall = median(ref.map((m) => m.wallS));
    const refCpu = median(ref.map((m) => m.cpuS));
    for (const v of all) {
      const ms = by(v.name);
      const wall = median(ms.map((m) => m.wallS));
      const cpu = median(ms.map((m) => m.cpuS));
      const goal = GOAL_SECONDS[scale];
      console.log(
        `| ${v.name} | ${f1(wall)} | ${f1(cpu)} (${f1(median(ms.map((m) => m.userS)))}+${f1(median(ms.map((m) => m.sysS)))}) | ` +
          `${f2(wall / refWall)} / ${f2(cpu / refCpu)} | ${goal === undefined ? '' : `≤ ${goal} s: ${wall <= goal ? 'met' : 'not met'}`} |`,
      );
    }

    // The breakdown, from each variant's last run.
    const last = all.map((v) => by(v.name).at(-1)!);
    const keys: [string, (t: TransformTimings, m: Measured) => number | undefined][] = [
      ['JVM launch (spark-submit → Python driver)', (t) => t.jvm_launch],
      ['Python driver start (interpreter, imports)', (t) => t.python_start],
      ['session start', (t) => t.session_start],
      ['input manifest', (t) => t.manifest],
      ['reading (raw DataFrames, schemas)', (t) => t.read],
      ['planning', (t) => t.plan],
      ['output tables (wall, all together)', (t) => t.tables_wall],
      ['summary write', (t) => t.summary_write],
      ['session stop', (t) => t.session_stop],
      [
        'JVM exit and runner (wall − Python driver)',
        (t, m) => (t.python_total === undefined ? undefined : m.wallS - t.python_total - (t.jvm_launch ?? 0)),
      ],
    ];
    console.log(`\n| part (s) | ${all.map((v) => v.name).join(' | ')} |`);
    console.log(`|---|${all.map(() => '---:').join('|')}|`);
    for (const [label, get] of keys) {
      console.log(`| ${label} | ${last.map((m) => (m.timings ? f2(get(m.timings, m)) : '–')).join(' | ')} |`);
    }
    const tables = Object.keys(last[0]?.timings?.tables ?? {});
    for (const table of tables.sort(
      (a, b) => (last[0]!.timings!.tables[b] ?? 0) - (last[0]!.timings!.tables[a] ?? 0),
    )) {
      console.log(`| · ${table} | ${last.map((m) => f2(m.timings?.tables[table])).join(' | ')} |`);
    }
    console.log(
      `\noutputs: ${identicalContent ? 'identical' : 'DIFFERENT'} schema and row content in every run ` +
        `(${compared} table comparisons against the first run; ${identicalBytes} of them byte-identical files too)`,
    );
    return identicalContent;
  } finally {
    conn.closeSync();
    duck.closeSync();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

async function main() {
  const config = loadConfig();
  let ok = true;
  for (const scale of args.scales) ok = (await benchScale(scale, config)) && ok;
  if (!ok) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
