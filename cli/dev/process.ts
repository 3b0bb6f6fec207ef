import { spawn, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** What `dev up` records about a process it started, so `dev down` stops exactly that process and nothing else. */
export interface PidRecord {
  pid: number;
  /** Basename of the executable; checked against /proc/<pid>/cmdline to survive pid reuse. */
  binary: string;
  startedAt: string;
}

/** True while the process exists and is not a zombie (a killed detached child may wait unreaped). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; comm may contain spaces, so read the state after the last ')'.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

export function readPidRecord(file: string): PidRecord | undefined {
  try {
    const rec = JSON.parse(fs.readFileSync(file, 'utf8')) as PidRecord;
    if (!isAlive(rec.pid) || !cmdline(rec.pid).includes(rec.binary)) return undefined;
    return rec;
  } catch {
    return undefined;
  }
}

/** Starts a detached long-running process with stdout/stderr appended to `logFile`, and records its pid. */
export function startDetached(
  command: string,
  args: string[],
  opts: { logFile: string; pidFile: string; cwd?: string; uid?: number; gid?: number; env?: NodeJS.ProcessEnv },
): PidRecord {
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  fs.mkdirSync(path.dirname(opts.pidFile), { recursive: true });
  const log = fs.openSync(opts.logFile, 'a');
  fs.writeSync(log, `\n--- ${new Date().toISOString()} starting: ${command} ${args.join(' ')}\n`);
  const spawnOpts: SpawnOptions = { detached: true, stdio: ['ignore', log, log], cwd: opts.cwd, env: opts.env };
  if (opts.uid !== undefined) spawnOpts.uid = opts.uid;
  if (opts.gid !== undefined) spawnOpts.gid = opts.gid;
  const child = spawn(command, args, spawnOpts);
  fs.closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  child.unref();
  const rec: PidRecord = { pid: child.pid, binary: path.basename(command), startedAt: new Date().toISOString() };
  fs.writeFileSync(opts.pidFile, JSON.stringify(rec));
  return rec;
}

/** Sends `signal`, waits up to `graceMs` for exit, then SIGKILLs. */
export async function stopProcess(pid: number, signal: NodeJS.Signals = 'SIGTERM', graceMs = 20_000): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await sleep(100);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/** True when nothing listens on host:port (we could bind it ourselves). */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log yet)';
  }
}

/** Polls `check` until it resolves true; fails early when the process died, with the tail of its log. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; pid?: number; logFile?: string },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    if (opts.pid !== undefined && !isAlive(opts.pid)) {
      throw new Error(`${what} exited during start-up. Last log lines (${opts.logFile}):\n${tail(opts.logFile ?? '')}`);
    }
    await sleep(250);
  }
  throw new Error(
    `${what} did not become healthy within ${opts.timeoutMs / 1000}s.` +
      (opts.logFile ? ` Last log lines (${opts.logFile}):\n${tail(opts.logFile)}` : ''),
  );
}
