import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import pg from 'pg';
import { PROJECT_ROOT, type Config } from '../config';

/** One statement on the server's maintenance database (create or drop a benchmark's own database). */
export async function adminQuery(config: Config, sql: string): Promise<void> {
  const db = new pg.Client({ ...config.sourceDb, database: 'postgres' });
  await db.connect();
  try {
    await db.query(sql);
  } finally {
    await db.end();
  }
}

/** Creates a benchmark's own database unless it exists (benchmarks keep their seeded data between runs). */
export async function createDatabaseIfMissing(config: Config, database: string): Promise<void> {
  await adminQuery(config, `create database ${database}`).catch((err: Error) => {
    if (!/already exists/.test(err.message)) throw err;
  });
}

/**
 * Runs `analytics <args>` to completion with `env`; its progress (stderr) shows on the bench's stderr. Returns its
 * stdout; throws naming the command on a non-zero exit.
 */
export function runAnalytics(env: NodeJS.ProcessEnv, ...args: string[]): string {
  const res = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin/analytics.js'), ...args], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.status !== 0) throw new Error(`analytics ${args.join(' ')} failed (exit ${res.status})`);
  return res.stdout;
}

/**
 * An `analytics worker` in a child process on task queues of its own (`--task-queue-prefix`), as benchmarks run it so
 * they never disturb the demo platform's worker; resolves with a stop function (and the worker's pid) once the worker
 * reports it is polling.
 */
export function startBenchWorker(
  env: NodeJS.ProcessEnv,
  prefix: string,
  onLine?: (line: string) => void,
): Promise<(() => void) & { readonly pid: number }> {
  const child = spawn(
    process.execPath,
    [path.join(PROJECT_ROOT, 'bin/analytics.js'), 'worker', '--task-queue-prefix', prefix],
    {
      env: { ...env, LOG_LEVEL: 'INFO' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on('line', (l) => {
      onLine?.(l);
      if (l.includes('"worker started"'))
        resolve(Object.assign(() => void child.kill('SIGTERM'), { pid: child.pid ?? 0 }));
    });
    child.once('exit', (code) => reject(new Error(`worker exited ${code}`)));
  });
}
