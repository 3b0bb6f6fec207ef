/**
 * Airflow side of the orchestration bench: a private PostgreSQL 15 (initdb + pg_ctl in the bench's temp dir) as
 * the metadata database, then a real api-server, scheduler (LocalExecutor) and dag-processor from the project venv
 * (apache-airflow pinned in requirements-dev.txt), each in a process group of its own, with an AIRFLOW_HOME of
 * their own. Dag runs are triggered through the REST API; step times come from task_instance in the metadata DB.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { PROJECT_ROOT } from '../../config';
import { postgresBinDir, toolCache } from '../../cli/dev/tools';
import { freePort, progress, run, startService, waitFor, type Cleanup, type Service } from './processes';
import { chainStats, type ChainStats, type Interval } from './stats';

const DAG_ID = 'orchestration_chain';
const DAG_FILE = path.join(__dirname, 'airflow', `${DAG_ID}.py`);
const VENV = path.join(PROJECT_ROOT, '.venv');
const DB = { user: 'airflow', database: 'airflow' } as const;

/**
 * Tuned settings: what an engineer chasing task latency would change (names from Airflow 3.1's config reference,
 * airflow/config_templates/config.yml in the installed package). Out of the box uses none of them.
 */
export const AIRFLOW_TUNED: Record<string, { value: string; why: string }> = {
  AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME: {
    value: '0.05',
    why: 'default 1 s: the loop sleeps this long after a pass that queued nothing, which is every pass between two steps of a chain',
  },
  AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL: {
    value: '600',
    why: 'default 30 s: an unchanged DAG file is re-parsed less often, leaving the 2 cores to the scheduler and tasks',
  },
  AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL: {
    value: '600',
    why: 'default 300 s: the bundle (DAG folder) is listed less often; the DAG file is there before start',
  },
  AIRFLOW__SCHEDULER__USE_ROW_LEVEL_LOCKING: {
    value: 'False',
    why: 'default True: no SELECT ... FOR UPDATE, safe with a single scheduler (documented)',
  },
};

/** Settings both configurations need to run here at all (not tuning): where things are, and the local REST auth. */
function baseEnv(dir: string, dbPort: number, apiPort: number, pythonPath: string): NodeJS.ProcessEnv {
  // The caller's own Airflow settings must not leak into either configuration.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('AIRFLOW') && key !== 'PYTHONPATH'),
  );
  const secret = () => randomBytes(24).toString('hex');
  return {
    ...inherited,
    PATH: `${path.join(VENV, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    PYTHONPATH: pythonPath,
    AIRFLOW_HOME: path.join(dir, 'airflow-home'),
    AIRFLOW__CORE__DAGS_FOLDER: path.join(dir, 'airflow-home', 'dags'),
    // The ~80 example DAGs are a demo, not a default anyone deploys; they would only add parsing load.
    AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
    AIRFLOW__CORE__EXECUTOR: 'LocalExecutor',
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: `postgresql+psycopg2://${DB.user}@127.0.0.1:${dbPort}/${DB.database}`,
    AIRFLOW__API__HOST: '127.0.0.1',
    AIRFLOW__API__PORT: String(apiPort),
    AIRFLOW__CORE__EXECUTION_API_SERVER_URL: `http://127.0.0.1:${apiPort}/execution/`,
    // Shared by the three processes: tasks authenticate to the Execution API with JWTs the scheduler signs.
    AIRFLOW__API_AUTH__JWT_SECRET: secret(),
    AIRFLOW__API__SECRET_KEY: secret(),
    // Lets the bench get a REST token with no password (GET /auth/token); the api-server listens on 127.0.0.1 only.
    AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS: 'True',
  };
}

/**
 * The PostgreSQL drivers Airflow needs (requirements.txt beside this file), installed once per version into the
 * tool cache with `pip install --target` and put on PYTHONPATH: the shared project venv stays untouched.
 */
function pythonDeps(): string {
  const requirements = path.join(__dirname, 'requirements.txt');
  const python = path.join(VENV, 'bin', 'python');
  if (!fs.existsSync(python)) throw new Error(`no project venv at ${VENV}: run npm run bootstrap`);
  const key = createHash('sha256')
    .update(run(python, ['--version']))
    .update(fs.readFileSync(requirements))
    .digest('hex')
    .slice(0, 16);
  const target = path.join(toolCache(), 'bench-orchestration', `pydeps-${key}`);
  if (fs.existsSync(path.join(target, '.complete'))) return target;
  progress(`installing the PostgreSQL drivers for Airflow into ${target}`);
  fs.rmSync(target, { recursive: true, force: true });
  run(path.join(VENV, 'bin', 'pip'), [
    'install',
    '--disable-pip-version-check',
    '-q',
    '--target',
    target,
    '-r',
    requirements,
  ]);
  fs.writeFileSync(path.join(target, '.complete'), '');
  return target;
}

/** PostgreSQL refuses to run as root: then the cluster runs as the `postgres` OS user (the Debian package's). */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    return { uid: Number(run('id', ['-u', 'postgres']).trim()), gid: Number(run('id', ['-g', 'postgres']).trim()) };
  } catch {
    throw new Error(
      'running as root and there is no `postgres` OS user to run PostgreSQL as (apt-get install postgresql-15)',
    );
  }
}

export interface AirflowDatabase {
  port: number;
  query: <R extends pg.QueryResultRow>(sql: string, params?: unknown[]) => Promise<R[]>;
}

/** A fresh cluster in `dir`/pg on a free port (55499 if free), with the database `airflow`, stopped by `cleanup`. */
export async function startAirflowDatabase(cleanup: Cleanup, dir: string): Promise<AirflowDatabase> {
  const bin = postgresBinDir();
  const who = postgresUser();
  const dataDir = path.join(dir, 'pg');
  fs.mkdirSync(dataDir, { mode: 0o700 });
  if (who) {
    fs.chmodSync(dir, 0o711); // the postgres user must traverse the (root-private) temp dir to its own folder
    fs.chownSync(dataDir, who.uid, who.gid);
  }
  const asPostgres = { ...who, cwd: dataDir };
  run(
    path.join(bin, 'initdb'),
    ['-D', dataDir, '-U', DB.user, '--auth=trust', '-E', 'UTF8', '--no-locale'],
    asPostgres,
  );
  const port = await freePort(55499);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c timezone=UTC`;
  run(
    path.join(bin, 'pg_ctl'),
    ['-D', dataDir, '-l', path.join(dataDir, 'server.log'), '-o', options, '-w', 'start'],
    asPostgres,
  );
  const stop = () => void run(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop'], asPostgres);
  cleanup.add('postgresql', () => Promise.resolve(stop()), stop);

  const pool = new pg.Pool({ host: '127.0.0.1', port, user: DB.user, database: 'postgres', max: 1 });
  await pool.query(`create database ${DB.database}`);
  await pool.end();
  const db = new pg.Pool({ host: '127.0.0.1', port, user: DB.user, database: DB.database, max: 2 });
  cleanup.add('postgresql client', () => db.end());
  return {
    port,
    query: async <R extends pg.QueryResultRow>(sql: string, params?: unknown[]) =>
      (await db.query<R>(sql, params)).rows,
  };
}

/** The Airflow installation shared by both configurations: one AIRFLOW_HOME and one migrated metadata DB. */
export interface AirflowInstall {
  dir: string;
  db: AirflowDatabase;
  apiPort: number;
  env: NodeJS.ProcessEnv;
}

export async function installAirflow(cleanup: Cleanup, dir: string): Promise<AirflowInstall> {
  const pythonPath = pythonDeps();
  const db = await startAirflowDatabase(cleanup, dir);
  const apiPort = await freePort(58080);
  const env = baseEnv(dir, db.port, apiPort, pythonPath);
  const dags = env.AIRFLOW__CORE__DAGS_FOLDER ?? '';
  fs.mkdirSync(dags, { recursive: true });
  fs.copyFileSync(DAG_FILE, path.join(dags, path.basename(DAG_FILE)));
  progress(`airflow: migrating the metadata DB (PostgreSQL on 127.0.0.1:${db.port})`);
  run(path.join(VENV, 'bin', 'airflow'), ['db', 'migrate'], { env });
  return { dir, db, apiPort, env };
}

/** The three Airflow services with `settings` on top of the base environment, up and the DAG parsed and unpaused. */
export interface RunningAirflow {
  api: string;
  token: string;
  stop: () => Promise<void>;
}

export async function startAirflow(
  cleanup: Cleanup,
  install: AirflowInstall,
  label: string,
  settings: Record<string, string>,
): Promise<RunningAirflow> {
  const env = { ...install.env, ...settings };
  const startedAt = new Date();
  const services: Service[] = [];
  const stopAll = async () => void (await Promise.all(services.map((s) => s.stop())));
  cleanup.add(`airflow (${label})`, stopAll, () => services.forEach((s) => s.kill()));
  for (const command of ['api-server', 'scheduler', 'dag-processor']) {
    const log = path.join(install.dir, `airflow-${label}-${command}.log`);
    services.push(
      startService(`airflow ${command} (${label})`, path.join(VENV, 'bin', 'airflow'), [command], { env, log }),
    );
  }
  const failed = () => services.map((s) => s.failure()).find((f) => f !== undefined);
  const api = `http://127.0.0.1:${install.apiPort}`;
  progress(`airflow (${label}): waiting for the api-server, the scheduler and the DAG to be parsed`);
  await waitFor('airflow api-server', async () => ((await fetch(`${api}/api/v2/version`)).ok ? true : undefined), {
    failed,
  });
  const token = await waitFor('airflow token', async () => {
    const res = await fetch(`${api}/auth/token`);
    return res.ok ? ((await res.json()) as { access_token: string }).access_token : undefined;
  });
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  await waitFor(
    'airflow DAG parsed',
    async () => ((await fetch(`${api}/api/v2/dags/${DAG_ID}`, { headers })).ok ? true : undefined),
    {
      failed,
    },
  );
  await waitFor(
    'airflow scheduler heartbeat',
    async () => {
      const rows = await install.db.query(
        `select 1 from job where job_type = 'SchedulerJob' and state = 'running' and start_date >= $1`,
        [startedAt],
      );
      return rows.length > 0 ? true : undefined;
    },
    { failed },
  );
  const unpause = await fetch(`${api}/api/v2/dags/${DAG_ID}`, {
    method: 'PATCH',
    headers,
    body: JSON.stringify({ is_paused: false }),
  });
  if (!unpause.ok) throw new Error(`airflow: unpausing ${DAG_ID} failed: ${unpause.status} ${await unpause.text()}`);
  return { api, token, stop: stopAll };
}

/** One dag run, triggered through the REST API, awaited in the metadata DB; its steps in the order they ran. */
async function runOnce(airflow: RunningAirflow, db: AirflowDatabase, steps: number): Promise<Interval[]> {
  const res = await fetch(`${airflow.api}/api/v2/dags/${DAG_ID}/dagRuns`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${airflow.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ logical_date: null }),
  });
  if (!res.ok) throw new Error(`airflow: triggering ${DAG_ID} failed: ${res.status} ${await res.text()}`);
  const { dag_run_id: runId } = (await res.json()) as { dag_run_id: string };
  const state = await waitFor(
    `airflow dag run ${runId}`,
    async () => {
      const [row] = await db.query<{ state: string }>(`select state from dag_run where dag_id = $1 and run_id = $2`, [
        DAG_ID,
        runId,
      ]);
      return row && ['success', 'failed'].includes(row.state) ? row.state : undefined;
    },
    { timeoutMs: 600_000, everyMs: 200 },
  );
  // Epoch ms as float8 keeps the microseconds a JS Date would drop.
  const rows = await db.query<{ state: string; start_ms: number; end_ms: number }>(
    `select state, extract(epoch from start_date) * 1000 as start_ms, extract(epoch from end_date) * 1000 as end_ms
       from task_instance where dag_id = $1 and run_id = $2 order by start_date`,
    [DAG_ID, runId],
  );
  const done = rows.filter((r) => r.state === 'success');
  if (state !== 'success' || done.length !== steps)
    throw new Error(`airflow dag run ${runId}: ${state}, ${done.length}/${steps} steps succeeded`);
  return done.map((r) => ({ start: Number(r.start_ms), end: Number(r.end_ms) }));
}

/** `warmup + runs` dag runs one after the other; the warm-up runs are discarded. */
export async function benchAirflow(
  airflow: RunningAirflow,
  db: AirflowDatabase,
  label: string,
  options: { steps: number; runs: number; warmup: number },
): Promise<ChainStats> {
  const runs: Interval[][] = [];
  for (let i = 0; i < options.warmup + options.runs; i++) {
    const steps = await runOnce(airflow, db, options.steps);
    const perStep = ((steps.at(-1)?.end ?? 0) - (steps[0]?.start ?? 0)) / options.steps;
    const what = i < options.warmup ? 'warm-up run' : `run ${i - options.warmup + 1}/${options.runs}`;
    progress(`airflow (${label}): ${what}: ${perStep.toFixed(0)} ms/step`);
    if (i >= options.warmup) runs.push(steps);
  }
  return chainStats(runs);
}
