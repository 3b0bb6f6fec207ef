import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../adapters/warehouse/duckdb';
import type { Adapters } from '../../adapters/ports';
import { temporalBinary } from '../../cli/dev/tools';
import { startDaily } from '../../cli/run-daily';
import { parseConfig, PROJECT_ROOT, type Config } from '../../config';
import { dataConverterFromConfig } from '../../security/data-converter';
import { buildAdapters } from '../../workers/adapters';
import { createWorkers } from '../../workers/create-workers';
import { gdprSubjectKey } from '../../security/secrets';
import { erasureWorkflowId, newErasureRequestId } from '../../security/subject-ids';
import { gdprErasure } from '../../workflows/gdpr-erasure';
import { pseudonymOf } from '../../schema/erasure';
import { userAnalytics } from '../../schema/warehouse';
import {
  cancelErasureUpdate,
  erasureStatusQuery,
  retryErasureSignal,
  type ErasureStatus,
} from '../../workflows/gdpr-contract';
import { cli, privatePlatformEnv, type PrivatePlatform } from '../helpers/platform';
import { erasureApi, type ErasureApi } from '../helpers/erasure-api';

/**
 * GDPR erasure end to end on a private platform: the small data set goes through the daily pipeline (so the user is
 * in PostgreSQL, the raw/processed zones and the warehouse), cache keys and pending events are put in Redis, then
 * erasures go through the HTTP API to the saga. An independent scan (written here, not the saga's own) then looks
 * for the user's id and email in every store and in the exported workflow history.
 */
const DAY = '2026-11-26';
const QUEUES = { etl: 'gdpr-e2e-etl', gdpr: 'gdpr-e2e-gdpr', stream: 'gdpr-e2e-stream' };
let platform: PrivatePlatform;
let config: Config;
let client: Client;
let connection: Connection;
let native: NativeConnection;
let adapters: Adapters;
let workers: Worker[] = [];
let running: Promise<unknown> | undefined;
let db: pg.Pool;
let redis: Redis;
/** People erased so far in this file (all picked `active`): a re-run of DAY counts each under 'deleted'. */
const erasedSoFar = new Set<string>();
let api: ErasureApi;

interface Person {
  tenantId: string;
  userId: string;
  email: string;
  status: string;
}
let people: {
  erase: Person;
  cancel: Person;
  held: Person;
  bystander: Person;
  operator: Person;
  /** Erased together, at once: their lake and warehouse passes are batched by the worker. */
  together: Person[];
};
/** Subjects per batched pass, as the worker's coalescers report them. */
const batches: Array<{ pass: string; subjects: number }> = [];

function progress(line: string): void {
  if (process.env.E2E_PROGRESS) fs.appendFileSync(process.env.E2E_PROGRESS, `${new Date().toISOString()} ${line}\n`);
}

async function startWorkers(): Promise<void> {
  // The real DuckDB adapter, with a short wait for the file lock so "warehouse unavailable" turns into retries fast.
  const fast = { ...adapters, warehouse: new DuckDbWarehouse(config.warehouse.duckdbPath, 2_000) };
  workers = await createWorkers({
    connection: native,
    clientConnection: connection,
    namespace: config.temporal.namespace,
    adapters: fast,
    taskQueues: QUEUES,
    ui: { url: config.temporal.uiUrl },
    dataConverter: dataConverterFromConfig(config),
    gdprBatch: { onBatch: (pass, subjects) => batches.push({ pass, subjects }) },
  });
  running = Promise.all(workers.map((w) => w.run()));
}

async function stopWorkers(): Promise<void> {
  for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  await running;
  workers = [];
}

async function pickPeople(): Promise<typeof people> {
  // Active users of one tenant with sessions and activity on DAY, so every zone holds their rows.
  const { rows } = await db.query<Person>(
    `select u.tenant_id::text as "tenantId", u.user_id::text as "userId", u.email, u.status
     from users u
     where u.status = 'active'
       -- ids of three digits or more, never equal to a tenant id: the history scan looks for the quoted id
       and u.user_id >= 100
       and exists (select 1 from sessions s where s.user_id = u.user_id and s.started_at >= $1::timestamptz
                   and s.started_at < $1::timestamptz + interval '1 day')
       and exists (select 1 from activity_events a where a.user_id = u.user_id and a.occurred_at >= $1::timestamptz
                   and a.occurred_at < $1::timestamptz + interval '1 day')
       and not exists (select 1 from legal_holds h where h.user_id = u.user_id)
     order by u.tenant_id, u.user_id`,
    [DAY],
  );
  const tenant = rows[0]!.tenantId;
  const same = rows.filter((r) => r.tenantId === tenant);
  if (same.length < 8) throw new Error(`need 8 active users in tenant ${tenant}, found ${same.length}`);
  return {
    erase: same[0]!,
    cancel: same[1]!,
    held: same[2]!,
    bystander: same[3]!,
    operator: same[4]!,
    together: same.slice(5, 8),
  };
}

async function putCacheData(p: Person): Promise<void> {
  await redis.set(`user:${p.tenantId}:${p.userId}`, JSON.stringify({ email: p.email, name: 'cached profile' }));
  await redis.set(`user:${p.tenantId}:${p.userId}:permissions`, 'candidates:read,jobs:write');
  await redis.set(`session:${p.tenantId}:${p.userId}:s1`, 'opaque-session');
  await redis.xadd('events:user-module', '*', 'type', 'profile.updated', 'user_id', p.userId, 'email', p.email);
  await redis.xadd('events:user-module', '*', 'type', 'feature.used', 'user_id', p.userId, 'feature', 'search');
}

// ── The independent completeness scan ────────────────────────────────────────────────────────────────────────────

interface Finding {
  store: string;
  where: string;
  count: number;
}

const isUserColumn = (name: string) => /user_id$/.test(name);

async function scanPostgres(p: Person): Promise<Finding[]> {
  const { rows: columns } = await db.query<{ table_name: string; column_name: string; data_type: string }>(
    `select c.table_name, c.column_name, c.data_type from information_schema.columns c
     join information_schema.tables t using (table_schema, table_name)
     where c.table_schema = 'public' and t.table_type = 'BASE TABLE'`,
  );
  const out: Finding[] = [];
  for (const c of columns) {
    const sql = isUserColumn(c.column_name)
      ? `select count(*) as n from "${c.table_name}" where "${c.column_name}"::text = $1`
      : `select count(*) as n from "${c.table_name}" where strpos(lower("${c.column_name}"::text), lower($1)) > 0`;
    const { rows } = await db.query<{ n: string }>(sql, [isUserColumn(c.column_name) ? p.userId : p.email]);
    const n = Number(rows[0]?.n ?? 0);
    if (n > 0) out.push({ store: 'postgres', where: `${c.table_name}.${c.column_name}`, count: n });
  }
  return out;
}

/** Every row of every Parquet file (lake zones) or warehouse table, checked column by column. */
async function scanDuckDb(
  sqlFrom: Array<{ label: string; from: string }>,
  p: Person,
  store: string,
  attach?: string,
): Promise<Finding[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const out: Finding[] = [];
  try {
    if (attach) await conn.run(`ATTACH '${attach}' AS wh (READ_ONLY)`);
    for (const { label, from } of sqlFrom) {
      const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`);
      const names = described.getRowObjects().map((r) => String(r.column_name));
      for (const name of names) {
        const cond = isUserColumn(name)
          ? `CAST("${name}" AS VARCHAR) = $user`
          : `strpos(lower(CAST("${name}" AS VARCHAR)), lower($email)) > 0`;
        const res = await conn.runAndReadAll(
          `SELECT count(*) AS n FROM ${from} WHERE ${cond}`,
          isUserColumn(name) ? { user: p.userId } : { email: p.email },
        );
        const n = Number(res.getRowObjects()[0]?.n ?? 0);
        if (n > 0) out.push({ store, where: `${label}.${name}`, count: n });
      }
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return out;
}

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? walk(full) : [full];
  });
}

async function scanLake(p: Person): Promise<Finding[]> {
  const files = walk(config.lake.root);
  const parquet = files.filter((f) => f.endsWith('.parquet'));
  const findings = await scanDuckDb(
    parquet.map((f) => ({ label: path.relative(config.lake.root, f), from: `read_parquet('${f}')` })),
    p,
    'lake',
  );
  for (const f of files.filter((f) => !f.endsWith('.parquet'))) {
    const text = fs.readFileSync(f, 'latin1');
    if (text.toLowerCase().includes(p.email.toLowerCase()) || text.includes(`"${p.userId}"`)) {
      findings.push({ store: 'lake', where: path.relative(config.lake.root, f), count: 1 });
    }
  }
  return findings;
}

async function scanWarehouse(p: Person): Promise<Finding[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  let tables: string[];
  try {
    await conn.run(`ATTACH '${config.warehouse.duckdbPath}' AS wh (READ_ONLY)`);
    const res = await conn.runAndReadAll(
      `SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_catalog = 'wh'`,
    );
    tables = res.getRowObjects().map((r) => String(r.t));
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  expect(tables.length).toBeGreaterThan(10);
  return scanDuckDb(
    tables.map((t) => ({ label: t, from: `wh.${t}` })),
    p,
    'warehouse',
    config.warehouse.duckdbPath,
  );
}

async function scanRedis(p: Person): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const key of await redis.keys('*')) {
    const seg = key.split(':');
    const names = seg.some((x, i) => x === p.tenantId && seg[i + 1] === p.userId) || key.includes(p.email);
    if (names) out.push({ store: 'redis', where: key, count: 1 });
    const type = await redis.type(key);
    const values =
      type === 'string'
        ? [(await redis.get(key)) ?? '']
        : type === 'stream'
          ? (await redis.xrange(key, '-', '+')).flatMap(([, fields]) =>
              fields.some((v, i) => i % 2 === 1 && fields[i - 1]!.endsWith('user_id') && v === p.userId)
                ? [`"${p.userId}"`]
                : fields,
            )
          : [];
    const hits = values.filter((v) => v.includes(p.email) || v === `"${p.userId}"`).length;
    if (hits > 0) out.push({ store: 'redis', where: key, count: hits });
  }
  return out;
}

/** Every string and byte field of the history, decoded, searched for the email and the quoted user id. */
async function scanHistory(workflowId: string, p: Person): Promise<Finding[]> {
  const raw = new Client({ connection, namespace: config.temporal.namespace }); // no codec: what is stored
  const history = await raw.workflow.getHandle(workflowId).fetchHistory();
  let hits = 0;
  const needles = [p.email.toLowerCase(), `"${p.userId}"`];
  const visit = (v: unknown): void => {
    if (v instanceof Uint8Array) {
      const text = Buffer.from(v).toString('latin1').toLowerCase();
      if (needles.some((n) => text.includes(n))) hits++;
    } else if (typeof v === 'string') {
      if (needles.some((n) => v.toLowerCase().includes(n))) hits++;
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(history);
  expect(history.events?.length ?? 0).toBeGreaterThan(10);
  return hits > 0 ? [{ store: 'temporal-history', where: workflowId, count: hits }] : [];
}

async function scanEverything(p: Person): Promise<Finding[]> {
  return [...(await scanPostgres(p)), ...(await scanWarehouse(p)), ...(await scanLake(p)), ...(await scanRedis(p))];
}

// ── Helpers ───────────────────────────────────────────────────────────────────────────────────────────────────────

async function waitForStatus(
  requestId: string,
  until: (s: ErasureStatus) => boolean,
  timeoutMs = 300_000,
): Promise<ErasureStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: ErasureStatus | undefined;
  while (Date.now() < deadline) {
    last = await api.status(requestId);
    if (until(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`status never matched; last: ${JSON.stringify(last)}`);
}

/** Holds DuckDB's file lock from another process (as a long query would), until killed. */
async function holdWarehouseLock(): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const { DuckDBInstance } = require('@duckdb/node-api');
       DuckDBInstance.create(process.argv[1]).then(async (i) => { globalThis.held = [i, await i.connect()]; console.log('locked'); setInterval(() => {}, 1000); });`,
      config.warehouse.duckdbPath,
    ],
    { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited ${code}`)));
  });
  return child;
}

async function userRow(p: Person): Promise<{ status: string } | undefined> {
  const { rows } = await db.query<{ status: string }>('select status from users where user_id = $1', [p.userId]);
  return rows[0];
}

beforeAll(async () => {
  platform = await privatePlatformEnv();
  config = parseConfig(platform.env);
  for (const args of [
    ['dev', 'up'],
    ['db', 'migrate'],
    ['seed', '--scale', 'small', '--days', '2', '--end-date', DAY, '--seed', '11'],
  ]) {
    progress(`analytics ${args.join(' ')}`);
    const res = cli(platform.env, ...args);
    if (res.status !== 0) throw new Error(`analytics ${args.join(' ')} failed:\n${res.stderr}`);
  }
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed by another suite in this process
  }
  connection = await Connection.connect({ address: config.temporal.address });
  native = await NativeConnection.connect({ address: config.temporal.address });
  client = new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: dataConverterFromConfig(config),
  });
  adapters = buildAdapters(config, () => undefined);
  db = new pg.Pool({ ...config.sourceDb, max: 2 });
  redis = new Redis({ host: config.redis.host, port: config.redis.port });
  await startWorkers();
  progress('daily run');
  const h = await startDaily(
    client,
    config,
    { logicalDate: DAY },
    { taskQueue: QUEUES.etl, workflowId: `daily:${DAY}` },
  );
  await h.result();
  progress('daily run done');
  people = await pickPeople();
  for (const p of Object.values(people).flat()) await putCacheData(p);
  api = await erasureApi(config, { taskQueue: QUEUES.gdpr, tenantId: people.erase.tenantId });
}, 900_000);

afterAll(async () => {
  await api?.close();
  await stopWorkers().catch(() => undefined);
  await adapters?.close();
  await db?.end();
  redis?.disconnect();
  await connection?.close();
  await native?.close();
  platform?.destroy();
});

describe('gdprErasure through the API', () => {
  it('erases a user from every store while the warehouse is briefly unavailable, and a scan finds nothing', async () => {
    const p = people.erase;
    const before = await scanEverything(p);
    const stores = new Set(before.map((f) => f.store));
    // The user really is everywhere before: otherwise "nothing found" afterwards would prove nothing.
    expect([...stores].sort()).toEqual(['lake', 'postgres', 'redis', 'warehouse']);
    const bystanderBefore = await scanEverything(people.bystander);

    const lock = await holdWarehouseLock();
    let requestId: string;
    try {
      const first = await api.erase(p, 'idem-erase-1');
      expect(first.status).toBe(202);
      requestId = first.body.requestId;
      // A duplicate (same key) and a second request for the same user (other key) find the same request.
      const again = await api.erase(p, 'idem-erase-1');
      const other = await api.erase(p, 'idem-erase-2');
      expect(again.body.requestId).toBe(requestId);
      expect(other.body.requestId).toBe(requestId);
      expect(other.body.workflowId).toBe(first.body.workflowId);
      // The warehouse step is attempted while the file is locked, and fails over to a retry.
      await waitForStatus(requestId, (s) =>
        s.steps.some((x) => x.name === 'erase_warehouse' && x.status === 'running'),
      );
      await waitForActivityAttempt(first.body.workflowId, 'gdprEraseWarehouse', 2);
    } finally {
      lock.kill('SIGKILL');
    }
    const done = await waitForStatus(requestId, (s) => s.state !== 'running');
    expect(done.state, JSON.stringify(done, null, 1)).toBe('completed');
    expect(done.pointOfNoReturnPassed).toBe(true);

    const cert = await api.certificate(requestId);
    expect(cert.requestId).toBe(requestId);
    expect(cert.subjectToken).toMatch(/^anon_[0-9a-f]{32}$/);
    expect(cert.verification.length).toBeGreaterThanOrEqual(5);
    expect(cert.verification.filter((v) => v.occurrences > 0)).toEqual([]);
    // Every store was really looked at; the archive zone is empty here (nothing has aged into it yet).
    expect(cert.verification.filter((v) => v.scanned === 0).map((v) => v.store)).toEqual(['objects.archive']);
    expect(cert.steps.map((s) => s.name)).toEqual([
      'validate',
      'suspend',
      'purge_cache',
      'erase_source',
      'erase_warehouse',
      'rewrite_objects',
      'verify',
    ]);
    // Locally the only copy left is the encrypted history, kept for the dev server's namespace retention (24 h).
    expect(cert.residualCopies.map((r) => r.store)).toEqual(['temporal']);
    expect(Date.parse(cert.residualCopies[0]!.expiresAt) - Date.parse(cert.completedAt)).toBe(24 * 3_600_000);
    expect(cert.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(cert)).not.toContain(p.email);

    if (process.env.RECORD_GDPR_HISTORY) await recordHistory(cert.workflowId, process.env.RECORD_GDPR_HISTORY);
    const after = await scanEverything(p);
    expect(after).toEqual([]);
    expect(await scanHistory(cert.workflowId, p)).toEqual([]);
    // Tenant-level counts survive: the user's facts are still there, under the pseudonym derived from the token.
    const wh = new DuckDbWarehouse(config.warehouse.duckdbPath);
    try {
      const [row] = await wh.query(`select count(*) as n from user_analytics.fact_user_activities where user_id = @t`, {
        t: pseudonymOf(cert.subjectToken),
      });
      expect(Number(row?.n)).toBeGreaterThan(0);
    } finally {
      await wh.close();
    }
    // Nobody else lost anything.
    expect(await scanEverything(people.bystander)).toEqual(bystanderBefore);
    erasedSoFar.add(p.userId);
  });

  it('erases several people requested at once, each verified and certified on its own', async () => {
    const group = people.together;
    for (const p of group) expect((await scanEverything(p)).length).toBeGreaterThan(0);
    const bystanderBefore = await scanEverything(people.bystander);
    const seen = batches.length;
    const accepted = await Promise.all(group.map((p, i) => api.erase(p, `idem-together-${i}`)));
    const done = await Promise.all(
      accepted.map(({ body }) => waitForStatus(body.requestId, (s) => s.state !== 'running')),
    );
    expect(done.map((d) => d.state)).toEqual(['completed', 'completed', 'completed']);
    for (const p of group) erasedSoFar.add(p.userId);
    const certs = await Promise.all(accepted.map(({ body }) => api.certificate(body.requestId)));
    // One certificate each: its own request, workflow, token and digest, and its own clean verification.
    for (const [i, cert] of certs.entries()) {
      expect(cert.requestId).toBe(accepted[i]!.body.requestId);
      expect(cert.workflowId).toBe(accepted[i]!.body.workflowId);
      expect(cert.verification.filter((v) => v.occurrences > 0)).toEqual([]);
      expect(cert.steps.map((s) => s.name)).toContain('rewrite_objects');
    }
    expect(new Set(certs.map((c) => c.subjectToken)).size).toBe(3);
    expect(new Set(certs.map((c) => c.digest)).size).toBe(3);
    // Every pass of these erasures went through the worker's coalescers (each subject in exactly one pass per round).
    const passes = batches.slice(seen);
    for (const pass of ['warehouse_erasure', 'lake_erasure', 'lake_scan', 'warehouse_scan']) {
      const subjects = passes.filter((b) => b.pass === pass).reduce((n, b) => n + b.subjects, 0);
      expect(subjects, pass).toBeGreaterThanOrEqual(3);
    }
    for (const p of group) expect(await scanEverything(p)).toEqual([]);
    expect(await scanEverything(people.bystander)).toEqual(bystanderBefore);
  });

  it('re-running an erased person’s day changes no fact and no aggregate, and brings nothing of them back', async () => {
    const p = people.erase;
    const cert = await api.certificate(erasedRequestId());
    const pseudonym = pseudonymOf(cert.subjectToken);
    const before = await dayTables();
    // The person's rows of the day are there before the re-run, under the pseudonym, and the tombstone is counted.
    expect(before.fact_user_activities!.some((r) => r.user_id === pseudonym)).toBe(true);
    const tombstone = await db.query(`select status, email, tenant_id::text as tenant from users where user_id = $1`, [
      pseudonym,
    ]);
    expect(tombstone.rows).toEqual([{ status: 'deleted', email: null, tenant: p.tenantId }]);

    progress('re-run of the erased day');
    const rerun = await startDaily(
      client,
      config,
      { logicalDate: DAY },
      { taskQueue: QUEUES.etl, workflowId: `daily:${DAY}:after-erasure` },
    );
    await rerun.result();
    const after = await dayTables();
    // Demographics break users down by their CURRENT status (dimensions are snapshots), so the re-run counts the
    // person under 'deleted' instead of the status they had: the same shift a re-run shows for any user whose status
    // changed since. Every other row of every fact and rpt_* table is identical.
    const byStatus = (rows: Array<Record<string, unknown>>) =>
      rows.filter((r) => r.attribute === 'status' && r.tenant_id === p.tenantId);
    // Distinct counts of erased personal values shift too: erasure nulls the person's IPs and attempted emails in
    // the facts, so the re-run's reports can count fewer distinct IPs, attempted emails or accounts (never more) than the
    // first run did (aggregates are not personal data and erasure does not rewrite them). Every other column is equal.
    const personalDistinct = (column: string) => /^distinct_(.*(ips|emails)|accounts)$/.test(column);
    const split = (rows: Array<Record<string, unknown>> = []) => ({
      rest: rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !personalDistinct(k)))),
      distinct: rows.map((r) => Object.entries(r).filter(([k]) => personalDistinct(k))),
    });
    for (const table of Object.keys(before)) {
      const keep = (rows: Array<Record<string, unknown>> = []) =>
        table === 'rpt_user_distribution_daily' ? rows.filter((r) => !byStatus([r]).length) : rows;
      const [b, a] = [split(keep(before[table])), split(keep(after[table]))];
      expect(a.rest, table).toEqual(b.rest);
      for (const [i, row] of a.distinct.entries())
        for (const [j, [column, value]] of row.entries())
          expect(Number(value), `${table}.${column}`).toBeLessThanOrEqual(Number(b.distinct[i]![j]![1]));
    }
    const statusBefore = byStatus(before.rpt_user_distribution_daily!);
    const statusAfter = byStatus(after.rpt_user_distribution_daily!);
    const users = (rows: Array<Record<string, unknown>>, value?: string) =>
      rows.filter((r) => value === undefined || r.attribute_value === value).reduce((n, r) => n + Number(r.users), 0);
    expect(users(statusAfter)).toBe(users(statusBefore)); // still counted, once
    // Everyone erased so far was `active` (pickPeople): each moves from there to 'deleted' on the re-run.
    expect(erasedSoFar.has(p.userId)).toBe(true);
    expect(users(statusAfter, p.status)).toBe(users(statusBefore, p.status) - erasedSoFar.size);
    expect(await scanEverything(p)).toEqual([]);
  }, 900_000);

  it('refuses a user under legal hold, and changes nothing', async () => {
    const p = people.held;
    await db.query(`insert into legal_holds (user_id, tenant_id, reason, created_at) values ($1, $2, $3, now())`, [
      p.userId,
      p.tenantId,
      'litigation LIT-2291',
    ]);
    const before = await scanEverything(p);
    const res = await api.erase(p, 'idem-held');
    const done = await waitForStatus(res.body.requestId, (s) => s.state !== 'running');
    expect(done.state).toBe('rejected');
    expect(done.reason).toContain('legal hold');
    expect(done.reason).toContain('LIT-2291');
    expect(done.pointOfNoReturnPassed).toBe(false);
    expect(await scanEverything(p)).toEqual(before);
    expect(await userRow(p)).toEqual({ status: 'active' });
  });

  it('cancel before the point of no return restores the account; after it, cancel is refused', async () => {
    const p = people.cancel;
    // Redis stops serving for a while, so the saga sits in the cache purge with the account already suspended.
    await redis.call('CLIENT', 'PAUSE', '15000', 'ALL');
    const res = await api.erase(p, 'idem-cancel');
    const requestId = res.body.requestId;
    await waitForStatus(requestId, (s) => s.stage === 'purge_cache' && s.steps[1]!.status === 'completed');
    expect(await userRow(p)).toEqual({ status: 'suspended' });
    const cancelled = await api.cancel(requestId);
    expect(cancelled.status).toBe(202);
    const done = await waitForStatus(requestId, (s) => s.state !== 'running');
    expect(done.state).toBe('cancelled');
    expect(done.steps.find((s) => s.name === 'suspend')?.status).toBe('compensated');
    expect(await userRow(p)).toEqual({ status: 'active' });
    const again = await api.cancel(requestId);
    expect(again.status).toBe(409);
    // The completed erasure of the first test is past its point of no return.
    const refused = await api.cancel(erasedRequestId());
    expect(refused.status).toBe(409);
    expect(JSON.stringify(refused.body)).toMatch(/already_finished|point_of_no_return_passed/);
  });
});

describe('gdprErasure after the point of no return', () => {
  it('waits for an operator when a step exhausts its retries, then finishes on the retry signal', async () => {
    const p = people.operator;
    // Started directly (the API does not expose maxStepAttempts): one attempt per step, so the locked warehouse
    // exhausts the erase_warehouse step at once.
    const workflowId = erasureWorkflowId(p.tenantId, p.userId, gdprSubjectKey(config));
    const lock = await holdWarehouseLock();
    let handle;
    try {
      handle = await client.workflow.start(gdprErasure, {
        workflowId,
        taskQueue: QUEUES.gdpr,
        args: [
          {
            requestId: newErasureRequestId(),
            tenantId: p.tenantId,
            userId: p.userId,
            requestedBy: 'e2e-operator',
            requestedAt: new Date().toISOString(),
            maxStepAttempts: 1,
          },
        ],
      });
      const deadline = Date.now() + 120_000;
      let status = await handle.query(erasureStatusQuery);
      while (status.state !== 'awaiting_operator' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        status = await handle.query(erasureStatusQuery);
      }
      expect(status.state).toBe('awaiting_operator');
      expect(status.stage).toBe('erase_warehouse');
      expect(status.reason).toMatch(/retry/);
      expect(status.pointOfNoReturnPassed).toBe(true);
      // Cancel is refused now, with the reason.
      await expect(handle.executeUpdate(cancelErasureUpdate, { args: [{ requestedBy: 'e2e' }] })).rejects.toThrow();
    } finally {
      lock.kill('SIGKILL');
    }
    await handle.signal(retryErasureSignal);
    const outcome = await handle.result();
    expect(outcome.state).toBe('completed');
    expect(outcome.certificate?.verification.filter((v) => v.occurrences > 0)).toEqual([]);
    expect(await scanEverything(p)).toEqual([]);
  });
});

/**
 * Every fact and reporting table's rows of DAY, in a stable order (the warehouse's own view of the day). Columns the
 * run stamps with its own time are left out.
 */
async function dayTables(): Promise<Record<string, Array<Record<string, unknown>>>> {
  const wh = new DuckDbWarehouse(config.warehouse.duckdbPath);
  try {
    const out: Record<string, Array<Record<string, unknown>>> = {};
    for (const t of userAnalytics.tables.filter((x) => x.kind === 'fact' || x.kind === 'reporting')) {
      const day = t.kind === 'fact' ? 'event_date' : 'report_date';
      out[t.name] = await wh.query(
        `select * from user_analytics.${t.name} where ${day} = cast(@d as date) order by all`,
        { d: DAY },
      );
    }
    return out;
  } finally {
    await wh.close();
  }
}

function erasedRequestId(): string {
  return api.requests().find((r) => r.userId === people.erase.userId)!.requestId;
}

/**
 * Writes the run's history for the replay test, decoded through the API's codec endpoint (the stored history is
 * ciphertext under this platform's key, which another machine does not have). Synthetic seed data only.
 */
async function recordHistory(workflowId: string, file: string): Promise<void> {
  // Asynchronously: the codec endpoint the CLI calls is served by this very process.
  const child = spawn(
    temporalBinary(),
    [
      'workflow',
      'show',
      '--workflow-id',
      workflowId,
      '--output',
      'json',
      '--address',
      config.temporal.address,
      '--namespace',
      config.temporal.namespace,
      '--codec-endpoint',
      `${api.url}/codec`,
      '--codec-auth',
      `Bearer ${api.key}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`temporal workflow show failed: ${Buffer.concat(err).toString()}`);
  fs.writeFileSync(file, Buffer.concat(out));
}

async function waitForActivityAttempt(workflowId: string, type: string, attempt: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const d = await client.workflow.getHandle(workflowId).describe();
    const a = (d.raw.pendingActivities ?? []).find((x) => x.activityType?.name === type);
    if (a && (a.attempt ?? 0) >= attempt) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${type} never reached attempt ${attempt}`);
}
