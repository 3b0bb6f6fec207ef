import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { PROJECT_ROOT } from '../../config';
import { TEST_ENV } from '../test-env';

/**
 * A throw-away platform (Temporal, PostgreSQL, Redis) on free ports with its own data directory, driven through
 * the real `analytics` CLI. Tests that stop or kill services use one, so the shared test platform stays intact.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.once('error', reject);
  });
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function cli(env: Record<string, string>, ...args: string[]): CliResult {
  const res = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin/analytics.js'), ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** Like `cli`, without blocking the event loop (a worker in the same process keeps working meanwhile). */
export function cliAsync(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin/analytics.js'), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), 900_000);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

export interface PrivatePlatform {
  env: Record<string, string>;
  dataDir: string;
  /** Stops the services and removes the data (including PostgreSQL's out-of-tree directory when root). */
  destroy(): void;
}

export async function privatePlatformEnv(): Promise<PrivatePlatform> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hire10x-private-'));
  const [t, ui, pg, redis] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const api = await freePort();
  const env = {
    ...TEST_ENV,
    ANALYTICS_DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: `127.0.0.1:${t}`,
    TEMPORAL_UI_PORT: String(ui),
    SOURCE_DB_PORT: String(pg),
    REDIS_PORT: String(redis),
    API_PORT: String(api),
  };
  return {
    env,
    dataDir,
    destroy() {
      cli(env, 'dev', 'down');
      const pgLink = path.join(dataDir, 'postgres');
      if (fs.existsSync(pgLink) && fs.lstatSync(pgLink).isSymbolicLink()) {
        fs.rmSync(fs.realpathSync(pgLink), { recursive: true, force: true });
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** SIGKILL, as a crash would; a no-op for a process that already exited (by code or by signal). */
export async function killProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** A worker in its own process (so it can be killed for real), resolved once it reports it is polling. */
export async function startWorkerProcess(
  env: Record<string, string>,
  taskQueuePrefix: string,
): Promise<{ child: ChildProcess; log: string[] }> {
  const child = spawn(
    process.execPath,
    [path.join(PROJECT_ROOT, 'bin/analytics.js'), 'worker', '--task-queue-prefix', taskQueuePrefix],
    { env: { ...process.env, ...env, LOG_LEVEL: 'INFO' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${log.slice(-20).join('\n')}`)), 120_000);
    const onLine = (line: string) => {
      log.push(line);
      if (line.includes('"worker started"')) {
        clearTimeout(timer);
        resolve();
      }
    };
    readline.createInterface({ input: child.stdout }).on('line', onLine);
    readline.createInterface({ input: child.stderr }).on('line', onLine);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code}:\n${log.slice(-20).join('\n')}`));
    });
  });
  return { child, log };
}
