import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import pg from 'pg';
import { PROJECT_ROOT, type Config } from '../../config';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { startDetached } from './process';
import { devServerTuningArgs } from './temporal-dynamic-config';
import { applySchedules } from '../schedules';
import { startStreamConsumers } from '../stream';
import { withClient } from '../temporal-client';
import { postgresBinDir, redisServerBinary, temporalBinary } from './tools';
import { uiCodecToken } from '../../security/secrets';

/** A service `analytics dev up` supervises. */
export interface ServiceSpec {
  name: 'temporal' | 'postgres' | 'redis' | 'worker' | 'api';
  /** Every port it binds; each must be free (or ours) before start. */
  ports: { port: number; what: string }[];
  host: string;
  address: Record<string, string | number>;
  /** Prepares data directories and spawns the process; returns its pid. */
  start(): number;
  healthy(): Promise<boolean>;
  startTimeoutMs: number;
  /** Signal for a graceful stop (PostgreSQL: SIGINT = fast shutdown). */
  stopSignal: NodeJS.Signals;
  /** After healthy: one-time set-up such as creating the application database. */
  afterStart?(): Promise<void>;
}

export interface Paths {
  runDir: string;
  logDir: string;
  pidFile(name: string): string;
  logFile(name: string): string;
}

export function paths(config: Config): Paths {
  const runDir = path.join(config.dataDir, 'run');
  return {
    runDir,
    logDir: config.logDir,
    pidFile: (name) => path.join(runDir, `${name}.pid`),
    logFile: (name) => path.join(config.logDir, `${name}.log`),
  };
}

async function temporalHealthy(config: Config): Promise<boolean> {
  const connection = await Connection.connect({ address: config.temporal.address, connectTimeout: 1_000 });
  try {
    await connection.workflowService.describeNamespace({ namespace: config.temporal.namespace });
    const ui = await fetch(config.temporal.uiUrl, { signal: AbortSignal.timeout(2_000) });
    return ui.ok;
  } finally {
    await connection.close();
  }
}

function redisPing(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

async function postgresQuery<T extends pg.QueryResultRow>(
  config: Config,
  database: string,
  sql: string,
  values?: unknown[],
) {
  const client = new pg.Client({
    host: config.sourceDb.host,
    port: config.sourceDb.port,
    user: config.sourceDb.user,
    password: config.sourceDb.password,
    database,
    connectionTimeoutMillis: 1_000,
  });
  await client.connect();
  try {
    return await client.query<T>(sql, values);
  } finally {
    await client.end();
  }
}

/**
 * PostgreSQL refuses to run as root. When we are root, the cluster runs as an unprivileged OS user, and its
 * data directory must be reachable by that user: a clone under a private directory (mktemp -d) is not, so the
 * cluster then lives under /var/lib/hire10x-analytics/<hash of the data dir> with a symlink from .data/.
 */
function postgresIdentity(): { uid: number; gid: number; user: string } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = (user: string) => {
    try {
      const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
      return { uid, gid, user };
    } catch {
      return undefined;
    }
  };
  const existing = lookup('postgres') ?? lookup('hire10x-pg');
  if (existing) return existing;
  execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'hire10x-pg']);
  return lookup('hire10x-pg');
}

function reachableBy(user: string, dir: string): boolean {
  try {
    execFileSync('runuser', ['-u', user, '--', 'test', '-x', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function preparePostgresDataDir(config: Config, who?: { uid: number; gid: number; user: string }): string {
  const link = path.join(config.dataDir, 'postgres');
  if (fs.existsSync(link)) return fs.realpathSync(link);
  fs.mkdirSync(config.dataDir, { recursive: true });
  let dir = link;
  if (who && !reachableBy(who.user, config.dataDir)) {
    const key = createHash('sha256').update(config.dataDir).digest('hex').slice(0, 12);
    dir = path.join('/var/lib/hire10x-analytics', key, 'postgres');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
    fs.symlinkSync(dir, link);
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (who) fs.chownSync(dir, who.uid, who.gid);
  return dir;
}

/**
 * Registers the project's search attributes with their declared types. `start-dev --search-attribute` only adds
 * missing ones: on a data file from an older version an attribute keeps its old type (LogicalDate was a Datetime).
 * A mismatched attribute is removed and added again with the new type; runs recorded before keep no value for it.
 */
export async function ensureSearchAttributes(config: Config, say: (line: string) => void): Promise<void> {
  const IndexedValueType = temporal.api.enums.v1.IndexedValueType;
  const wanted = Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => {
    const value = IndexedValueType[`INDEXED_VALUE_TYPE_${type.toUpperCase()}` as keyof typeof IndexedValueType];
    return { name, type, value };
  });
  const connection = await Connection.connect({ address: config.temporal.address, connectTimeout: 5_000 });
  try {
    const namespace = config.temporal.namespace;
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const custom = existing.customAttributes ?? {};
    const stale = wanted.filter((w) => w.name in custom && custom[w.name] !== w.value);
    if (stale.length > 0) {
      await connection.operatorService.removeSearchAttributes({
        namespace,
        searchAttributes: stale.map((w) => w.name),
      });
      for (const w of stale) {
        say(`temporal: search attribute ${w.name} re-registered as ${w.type} (runs recorded before keep no ${w.name})`);
      }
    }
    const missing = wanted.filter((w) => !(w.name in custom) || stale.includes(w));
    if (missing.length > 0) {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map((w) => [w.name, w.value])),
      });
    }
  } finally {
    await connection.close();
  }
}

export function serviceSpecs(config: Config, p: Paths, say: (line: string) => void = () => undefined): ServiceSpec[] {
  const t = config.temporal;
  const temporal: ServiceSpec = {
    name: 'temporal',
    host: t.host,
    ports: [
      { port: t.port, what: 'Temporal frontend (TEMPORAL_ADDRESS)' },
      { port: t.uiPort, what: 'Temporal Web UI (TEMPORAL_UI_PORT)' },
    ],
    address: { host: t.host, port: t.port, address: t.address, uiUrl: t.uiUrl, namespace: t.namespace },
    startTimeoutMs: 60_000,
    stopSignal: 'SIGTERM',
    start() {
      const dir = path.join(config.dataDir, 'temporal');
      fs.mkdirSync(dir, { recursive: true });
      const args = ['server', 'start-dev', '--db-filename', path.join(dir, 'temporal.db')];
      args.push('--ip', t.host, '--port', String(t.port), '--ui-port', String(t.uiPort));
      args.push('--namespace', t.namespace, '--log-format', 'json', '--log-level', 'warn');
      for (const [key, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${key}=${type}`);
      if (t.devDynamicConfig === 'project') args.push(...devServerTuningArgs());
      // The UI decrypts payloads in the browser through the API's codec endpoint (security/README.md).
      const token = uiCodecToken(config);
      args.push(
        '--ui-codec-endpoint',
        token ? `${config.api.publicUrl}/codec/ui/${token}` : `${config.api.publicUrl}/codec`,
      );
      return startProcess(temporalBinary(), args, p, 'temporal', { cwd: dir });
    },
    healthy: () => temporalHealthy(config),
    async afterStart() {
      await ensureSearchAttributes(config, say);
      // The watchdog notices runs Composer never started; it needs only the server (a worker runs it when present).
      const [outcome] = await withClient(config, (client) =>
        applySchedules(client, { taskQueue: config.temporal.taskQueues.etl }),
      );
      if (outcome && outcome.action !== 'unchanged') say(`temporal: schedule ${outcome.scheduleId} ${outcome.action}`);
    },
  };

  const db = config.sourceDb;
  const postgres: ServiceSpec = {
    name: 'postgres',
    host: db.host,
    ports: [{ port: db.port, what: 'PostgreSQL (SOURCE_DB_PORT)' }],
    address: {
      host: db.host,
      port: db.port,
      database: db.database,
      url: `postgres://${db.user}@${db.host}:${db.port}/${db.database}`,
    },
    startTimeoutMs: 60_000,
    stopSignal: 'SIGINT',
    start() {
      const bin = postgresBinDir();
      const who = postgresIdentity();
      const dataDir = preparePostgresDataDir(config, who);
      const ids = who ? { uid: who.uid, gid: who.gid } : {};
      if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
        execFileSync(
          path.join(bin, 'initdb'),
          ['-D', dataDir, '-U', db.user, '--auth=trust', '-E', 'UTF8', '--no-locale'],
          { stdio: ['ignore', 'pipe', 'pipe'], cwd: dataDir, ...ids },
        );
      }
      const args = ['-D', dataDir, '-p', String(db.port), '-c', `listen_addresses=${db.host}`];
      args.push('-c', 'unix_socket_directories=', '-c', 'fsync=on', '-c', 'timezone=UTC', '-c', 'log_timezone=UTC');
      return startProcess(path.join(bin, 'postgres'), args, p, 'postgres', { cwd: dataDir, ...ids });
    },
    healthy: async () => (await postgresQuery(config, 'postgres', 'select 1')).rowCount === 1,
    async afterStart() {
      const exists = await postgresQuery(config, 'postgres', 'select 1 from pg_database where datname = $1', [
        db.database,
      ]);
      if (exists.rowCount === 0)
        await postgresQuery(config, 'postgres', `create database "${db.database.replace(/"/g, '""')}"`);
    },
  };

  const r = config.redis;
  const redis: ServiceSpec = {
    name: 'redis',
    host: r.host,
    ports: [{ port: r.port, what: 'Redis (REDIS_PORT)' }],
    address: { host: r.host, port: r.port, url: `redis://${r.host}:${r.port}` },
    startTimeoutMs: 20_000,
    stopSignal: 'SIGTERM',
    start() {
      const dir = path.join(config.dataDir, 'redis');
      fs.mkdirSync(dir, { recursive: true });
      const args = ['--bind', r.host, '--port', String(r.port), '--dir', dir, '--appendonly', 'yes'];
      args.push('--appendfsync', 'everysec', '--daemonize', 'no', '--save', '', '--protected-mode', 'yes');
      return startProcess(redisServerBinary(), args, p, 'redis', { cwd: dir });
    },
    healthy: () => redisPing(r.host, r.port),
  };
  const metricsPort = config.worker.metricsPort;
  const worker: ServiceSpec = {
    name: 'worker',
    host: '127.0.0.1',
    ports: metricsPort > 0 ? [{ port: metricsPort, what: 'worker Prometheus metrics (WORKER_METRICS_PORT)' }] : [],
    address: {
      taskQueues: Object.values(config.temporal.taskQueues).join(','),
      metricsUrl: metricsPort > 0 ? `http://127.0.0.1:${metricsPort}/metrics` : 'disabled',
    },
    startTimeoutMs: 90_000,
    stopSignal: 'SIGTERM',
    start() {
      const cli = path.join(PROJECT_ROOT, 'bin', 'analytics.js');
      return startProcess(process.execPath, [cli, 'worker'], p, 'worker', { cwd: PROJECT_ROOT });
    },
    healthy: () => workerPolling(config),
    async afterStart() {
      // The real-time consumers run on the worker: one supervised consumer per shard (idempotent).
      const started = await withClient(config, (client) => startStreamConsumers(client, config));
      const fresh = started.filter((s) => s.started).map((s) => s.shard);
      if (fresh.length > 0) say(`worker: stream consumers started for shard(s) ${fresh.join(', ')}`);
    },
  };
  const apiUrl = `http://${config.api.host === '0.0.0.0' ? '127.0.0.1' : config.api.host}:${config.api.port}`;
  const api: ServiceSpec = {
    name: 'api',
    host: config.api.host,
    ports: [{ port: config.api.port, what: 'HTTP API (API_PORT)' }],
    address: {
      url: apiUrl,
      publicUrl: config.api.publicUrl,
      openapi: `${apiUrl}/openapi.json`,
      ...(config.platform === 'local' ? { dashboards: `${config.api.publicUrl}/dashboards/` } : {}),
    },
    startTimeoutMs: 60_000,
    stopSignal: 'SIGTERM',
    start() {
      // `analytics api` migrates the platform store itself; up() starts it after PostgreSQL and Temporal.
      const cli = path.join(PROJECT_ROOT, 'bin', 'analytics.js');
      return startProcess(process.execPath, [cli, 'api'], p, 'api', { cwd: PROJECT_ROOT });
    },
    healthy: async () => (await fetch(`${apiUrl}/healthz`, { signal: AbortSignal.timeout(1_000) })).ok,
  };
  return [temporal, postgres, redis, worker, api];
}

/**
 * How recently a poller must have been seen. An idle worker's long poll lasts about a minute before it polls again,
 * so its last access can be ~70 s old while it is perfectly healthy; two missed polls mean it is gone.
 */
export const POLLER_FRESH_SECONDS = 150;

/** A worker is healthy when Temporal has seen a poller on every task queue it serves within POLLER_FRESH_SECONDS. */
export async function workerPolling(config: Config): Promise<boolean> {
  const connection = await Connection.connect({ address: config.temporal.address, connectTimeout: 1_000 });
  try {
    for (const name of Object.values(config.temporal.taskQueues)) {
      const res = await connection.workflowService.describeTaskQueue({
        namespace: config.temporal.namespace,
        taskQueue: { name },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      const recent = (res.pollers ?? []).some((poller) => {
        const seconds = Number(poller.lastAccessTime?.seconds ?? 0);
        return Date.now() / 1000 - seconds < POLLER_FRESH_SECONDS;
      });
      if (!recent) return false;
    }
    return true;
  } finally {
    await connection.close();
  }
}

function startProcess(
  command: string,
  args: string[],
  p: Paths,
  name: string,
  opts: { cwd: string; uid?: number; gid?: number },
): number {
  const env = { ...process.env, HOME: opts.uid !== undefined ? os.tmpdir() : process.env.HOME };
  return startDetached(command, args, { logFile: p.logFile(name), pidFile: p.pidFile(name), env, ...opts }).pid;
}
