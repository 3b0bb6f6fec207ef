import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Progress for the long parts, on stderr so stdout keeps only the table. */
export const progress = (line: string): void => void process.stderr.write(`[bench:orchestration] ${line}\n`);

/**
 * Everything the bench started, stopped in reverse order at the end, on failure and on Ctrl-C. `stopSync` is the
 * last resort from an `exit` handler (no event loop left): it only sends signals.
 */
export class Cleanup {
  private readonly steps: { name: string; stop: () => Promise<void>; stopSync: () => void }[] = [];
  private done = false;

  constructor() {
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.once(signal, () => {
        progress(`${signal}: stopping what the bench started`);
        void this.run().finally(() => process.exit(130));
      });
    process.once('exit', () => {
      if (this.done) return;
      for (const step of [...this.steps].reverse()) {
        try {
          step.stopSync();
        } catch {
          // best effort: the process is exiting anyway
        }
      }
    });
  }

  add(name: string, stop: () => Promise<void>, stopSync: () => void = () => undefined): void {
    this.steps.push({ name, stop, stopSync });
  }

  async run(): Promise<void> {
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step.stop();
      } catch (err) {
        progress(`cleanup of ${step.name} failed: ${String(err)}`);
      }
    }
    this.done = true;
  }
}

/** A long-running child in a process group of its own, so stopping it also stops what it forked (task processes). */
export interface Service {
  name: string;
  pid: number;
  log: string;
  exited: Promise<number | null>;
  /** Why it is not running any more, or undefined while it runs (for `waitFor`'s `failed`). */
  failure: () => string | undefined;
  stop: (graceMs?: number) => Promise<void>;
  kill: () => void;
}

export function startService(
  name: string,
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; log: string; cwd?: string },
): Service {
  const out = fs.openSync(options.log, 'a');
  const child = spawn(command, args, {
    env: options.env,
    cwd: options.cwd,
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = child.pid;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let running = true;
  let exitCode: number | null = null;
  void exited.then((code) => {
    running = false;
    exitCode = code;
  });
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // the group is already gone
    }
  };
  return {
    name,
    pid,
    log: options.log,
    exited,
    failure: () => (running ? undefined : `${name} exited (${exitCode}); log ${options.log}:\n${tail(options.log)}`),
    kill: () => signal('SIGKILL'),
    async stop(graceMs = 15_000) {
      if (!running) return signal('SIGKILL'); // the leader exited; forked children may remain
      signal('SIGTERM');
      const timedOut = await Promise.race([exited.then(() => false), sleep(graceMs).then(() => true)]);
      if (timedOut) progress(`${name} did not stop within ${graceMs / 1000} s: killing it`);
      signal('SIGKILL');
    },
  };
}

/** `preferred` if nothing listens there, else a port the OS picks (the bench never takes a port in use). */
export async function freePort(preferred: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
      });
    });
  const port = (await tryListen(preferred)) ?? (await tryListen(0));
  if (port === undefined) throw new Error('no free TCP port');
  if (port !== preferred) progress(`port ${preferred} is in use: using ${port}`);
  return port;
}

/** Polls `probe` until it returns a value (not undefined) or `timeoutMs` passes; `what` names it in the error. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  {
    timeoutMs = 120_000,
    everyMs = 250,
    failed,
  }: { timeoutMs?: number; everyMs?: number; failed?: () => string | undefined } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = failed?.();
    if (dead) throw new Error(`${what}: ${dead}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs / 1000} s`);
    await sleep(everyMs);
  }
}

/** The last lines of a log, to show why a service failed before its directory is removed. */
export function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Runs a command to completion, its output kept for the error message. */
export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number; cwd?: string } = {},
): string {
  try {
    return execFileSync(command, args, { ...options, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`, {
      cause: err,
    });
  }
}
