/**
 * The local dashboards' query cost on the medium data set: for each dashboard page, the time of its queries (p50,
 * p95) and of the whole page (its JSON request: tenants, default range, every tile and the run links), beside a
 * bare `select 1` through the same Warehouse (the same DuckDB file, opened per operation as the API does) measured
 * in the same rounds. Goal: every page's total ≤ 300 ms.
 *
 *   npm run bench:dashboards -- [--rounds 20] [--days 7] [--warehouse FILE]
 *
 * Without --warehouse it prepares, once, a medium warehouse of its own and reuses it on later runs: a database
 * `bench_dashboards` on the configured PostgreSQL seeded with `seed --scale medium --days N --seed bench` (50k users,
 * 5M events), and the real daily pipeline (a worker in a child process on task queues of its own, Spark included)
 * run for every seeded day, into `.data/bench/dashboards/` (lake and DuckDB). It runs against the platform the
 * configuration points at: set the test platform's variables (test/test-env.json) to leave the demo alone.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import Fastify from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { QueryOptions, QueryParam, Row, Warehouse } from '../adapters/ports';
import { DuckDbWarehouse } from '../adapters/warehouse/duckdb';
import { errorsPlugin } from '../api/plugins/errors';
import { dashboardRoutes } from '../api/routes/dashboards';
import { DASHBOARD_LOCK_WAIT_MS } from '../cli/dashboards';
import { startDaily } from '../cli/run-daily';
import { loadConfig, PROJECT_ROOT } from '../config';
import { DashboardService } from '../dashboards/service';
import { DASHBOARD_NAMES, type DashboardName } from '../dashboards/tiles';
import { dataConverterFromConfig } from '../security/data-converter';
import { createDatabaseIfMissing, runAnalytics, startBenchWorker } from './bench-platform';

const args = z
  .object({
    rounds: z.coerce.number().int().min(3).max(1000).default(20),
    days: z.coerce.number().int().min(1).max(31).default(7),
    warehouse: z.string().optional(),
  })
  .parse(
    parseArgs({ options: { rounds: { type: 'string' }, days: { type: 'string' }, warehouse: { type: 'string' } } })
      .values,
  );

const GOAL_MS = 300;
const WARMUP = 2;
const DATABASE = 'bench_dashboards';
const DATA_DIR = path.join(PROJECT_ROOT, '.data/bench/dashboards');
const say = (line: string) => process.stderr.write(`[bench:dashboards] ${line}\n`);

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;
};
const ms = (v: number) => `${v.toFixed(1)} ms`.padStart(9);

/** The Warehouse with every query timed (the pages' queries, attributed to the page being measured). */
class TimedWarehouse {
  samples: number[] = [];
  constructor(readonly inner: Warehouse) {}
  asWarehouse(): Warehouse {
    return new Proxy(this.inner, {
      get: (target, prop, receiver) => {
        if (prop !== 'query') return Reflect.get(target, prop, receiver) as unknown;
        return async (sql: string, params?: Record<string, QueryParam>, options?: QueryOptions): Promise<Row[]> => {
          const started = performance.now();
          try {
            return await target.query(sql, params, options);
          } finally {
            this.samples.push(performance.now() - started);
          }
        };
      },
    });
  }
}

/** Seeds the medium data set and runs the daily pipeline for each of its days that has no succeeded run yet. */
async function prepare(): Promise<string> {
  const env = {
    ...process.env,
    SOURCE_DB_NAME: DATABASE,
    ANALYTICS_DATA_DIR: DATA_DIR,
    WORKER_METRICS_PORT: '0',
    LOG_LEVEL: 'WARN',
  };
  const config = loadConfig(env);
  const file = config.warehouse.duckdbPath;
  await createDatabaseIfMissing(config, DATABASE);
  const cli = (...cliArgs: string[]) => runAnalytics(env, ...cliArgs);
  say(`preparing the medium data set in database ${DATABASE} (${config.sourceDb.host}:${config.sourceDb.port})`);
  cli('db', 'migrate');
  const seedStarted = performance.now();
  cli('seed', '--scale', 'medium', '--days', String(args.days), '--seed', 'bench', '--if-empty');
  say(`seeded (or kept) in ${((performance.now() - seedStarted) / 1000).toFixed(0)} s`);
  const days = cli('db', 'event-days').trim().split('\n').filter(Boolean);
  const done = new Set<string>();
  if (fs.existsSync(file)) {
    const wh = new DuckDbWarehouse(file);
    try {
      const rows = await wh
        .query(
          `select distinct cast(logical_date as varchar) as d from user_analytics.pipeline_runs where status = 'succeeded'`,
        )
        .catch(() => []);
      for (const r of rows) done.add(String(r.d));
    } finally {
      await wh.close();
    }
  }
  const todo = days.filter((d) => !done.has(d));
  if (todo.length === 0) {
    say(`warehouse ready: ${days.length} day(s) already run (${file})`);
    return file;
  }
  const prefix = `bench-dash-${Date.now()}-`;
  const stop = await startBenchWorker(env, prefix);
  const connection = await Connection.connect({ address: config.temporal.address });
  try {
    const client = new Client({
      connection,
      namespace: config.temporal.namespace,
      dataConverter: dataConverterFromConfig(config),
    });
    for (const [i, day] of todo.entries()) {
      const started = performance.now();
      say(`daily pipeline ${i + 1}/${todo.length}: ${day} …`);
      const handle = await startDaily(
        client,
        config,
        { logicalDate: day },
        { taskQueue: `${prefix}etl`, workflowId: `user-analytics-daily:${day}:${prefix}` },
      );
      const summary = await handle.result();
      const rows = Object.values(summary.loaded).reduce((a, b) => a + b, 0);
      say(
        `  ${day}: ${rows.toLocaleString('en-US')} rows loaded in ${((performance.now() - started) / 1000).toFixed(0)} s`,
      );
    }
  } finally {
    await connection.close();
    stop();
  }
  return file;
}

async function sizes(wh: Warehouse): Promise<string> {
  const [r] = await wh.query(
    `select (select count(*) from user_analytics.dim_tenants) as tenants,
            (select count(*) from user_analytics.dim_users) as users,
            (select count(distinct report_date) from user_analytics.rpt_engagement_daily) as days,
            (select count(*) from user_analytics.fact_user_activities) as activities`,
  );
  const n = (v: unknown) => Number(v ?? 0).toLocaleString('en-US');
  return `${n(r?.tenants)} tenants, ${n(r?.users)} users, ${n(r?.activities)} activity events, ${n(r?.days)} reported day(s)`;
}

async function main(): Promise<void> {
  const file = args.warehouse ? path.resolve(args.warehouse) : await prepare();
  if (!fs.existsSync(file)) throw new Error(`no warehouse at ${file}`);
  const timed = new TimedWarehouse(new DuckDbWarehouse(file, DASHBOARD_LOCK_WAIT_MS));
  const warehouse = timed.asWarehouse();
  const ui = { url: 'http://127.0.0.1:8233', namespace: 'default' };
  const service = new DashboardService({ warehouse, ui });
  // The JSON endpoint as the browser calls it (routing, validation, serialisation), on a loopback port.
  const app = Fastify().withTypeProvider<ZodTypeProvider>();
  await app.register(errorsPlugin);
  await app.register(dashboardRoutes, { dashboards: service });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });

  const select1: number[] = [];
  const page: Record<
    DashboardName,
    { totals: number[]; refetch: number[]; http: number[]; queries: number[]; count: number; bytes: number }
  > = Object.fromEntries(
    DASHBOARD_NAMES.map((n) => [n, { totals: [], refetch: [], http: [], queries: [], count: 0, bytes: 0 }]),
  ) as never;
  try {
    say(`warehouse ${file}: ${await sizes(warehouse)}`);
    for (let round = 0; round < WARMUP + args.rounds; round++) {
      const keep = round >= WARMUP;
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        await timed.inner.query('select 1 as one');
        if (keep) select1.push(performance.now() - started);
      }
      for (const name of DASHBOARD_NAMES) {
        timed.samples = [];
        const started = performance.now();
        const data = await service.load(name, {});
        const total = performance.now() - started;
        const queries = [...timed.samples];
        // A filter change: the browser sends the range it shows, so no default-range lookup.
        const refetchStarted = performance.now();
        await service.load(name, { from: data.filters.from, to: data.filters.to });
        const refetch = performance.now() - refetchStarted;
        const httpStarted = performance.now();
        const res = await fetch(`${base}/dashboards/api/${name}`);
        const body = await res.text();
        const http = performance.now() - httpStarted;
        if (!res.ok) throw new Error(`GET /dashboards/api/${name}: ${res.status} ${body.slice(0, 200)}`);
        if (!keep) continue;
        const p = page[name];
        p.totals.push(total);
        p.refetch.push(refetch);
        p.http.push(http);
        p.queries.push(...queries);
        p.count = queries.length;
        if (queries.length < data.tiles.length) throw new Error(`${name}: fewer queries than tiles`);
        p.bytes = body.length;
      }
      if (keep && (round - WARMUP + 1) % 5 === 0) say(`round ${round - WARMUP + 1}/${args.rounds}`);
    }
  } finally {
    await app.close();
    await timed.inner.close();
  }

  const floor = quantile(select1, 0.5);
  console.log(`Dashboards over ${file}`);
  console.log(
    `  ${args.rounds} rounds after ${WARMUP} warm-up; page = as first opened (default range, all tenants); ` +
      'refetch = p50 of a filter change (explicit from/to); HTTP = GET /dashboards/api/<name> on a loopback port',
  );
  console.log(
    `  reference: select 1 through the same Warehouse (file opened per operation): p50 ${ms(floor).trim()}, p95 ${ms(quantile(select1, 0.95)).trim()}`,
  );
  console.log(
    `  ${'page'.padEnd(11)} ${'queries'.padStart(7)} ${'query p50'.padStart(9)} ${'query p95'.padStart(9)} ${'page p50'.padStart(9)} ${'page p95'.padStart(9)} ${'p50/sel1'.padStart(8)} ${'refetch'.padStart(9)} ${'HTTP p50'.padStart(9)} ${'HTTP p95'.padStart(9)} ${'JSON'.padStart(8)}  goal ≤ ${GOAL_MS} ms`,
  );
  for (const name of DASHBOARD_NAMES) {
    const p = page[name];
    const worst = Math.max(quantile(p.totals, 0.95), quantile(p.refetch, 0.95), quantile(p.http, 0.95));
    console.log(
      `  ${name.padEnd(11)} ${String(p.count).padStart(7)} ${ms(quantile(p.queries, 0.5))} ${ms(quantile(p.queries, 0.95))} ${ms(quantile(p.totals, 0.5))} ${ms(quantile(p.totals, 0.95))} ${(quantile(p.totals, 0.5) / floor).toFixed(1).padStart(7)}× ${ms(quantile(p.refetch, 0.5))} ${ms(quantile(p.http, 0.5))} ${ms(quantile(p.http, 0.95))} ${`${(p.bytes / 1024).toFixed(0)} KiB`.padStart(8)}  ${worst <= GOAL_MS ? 'met' : 'MISSED'} (p95 ${worst.toFixed(0)} ms)`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:dashboards failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
