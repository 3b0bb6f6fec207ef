import { ErrorType, PlatformError } from '../errors';
import type { SparkJob } from '../ports';

const JOB_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** Both runners refuse the same malformed jobs, before any process or cluster exists. */
export function validateSparkJob(job: SparkJob): void {
  const problems: string[] = [];
  if (!job.runId || job.runId.length > 256) problems.push('runId must be 1-256 characters');
  if (!JOB_NAME.test(job.name)) problems.push(`name must be lower_snake_case, got ${JSON.stringify(job.name)}`);
  if (!job.mainPythonFile.endsWith('.py'))
    problems.push(`mainPythonFile must be a .py file, got ${job.mainPythonFile}`);
  for (const f of job.pyFiles ?? []) if (!/\.(py|zip|egg)$/.test(f)) problems.push(`pyFiles: unsupported file ${f}`);
  for (const key of Object.keys(job.properties ?? {})) if (!/^\S+$/.test(key)) problems.push(`bad property ${key}`);
  if (problems.length > 0) {
    throw new PlatformError(ErrorType.InvalidInput, `invalid Spark job: ${problems.join('; ')}`, {
      details: { problems },
    });
  }
}

/** What an aborted run rejects with: the signal's own reason (Temporal passes a CancelledFailure). */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(`aborted: ${String(reason)}`);
}

/** Keeps the last `limitBytes` of a line stream: long jobs log without bound, a failure needs only the end. */
export class TailBuffer {
  private lines: string[] = [];
  private bytes = 0;
  private dropped = false;

  constructor(private readonly limitBytes: number) {}

  push(line: string): void {
    const size = Buffer.byteLength(line) + 1;
    this.lines.push(line);
    this.bytes += size;
    while (this.bytes > this.limitBytes && this.lines.length > 1) {
      this.bytes -= Buffer.byteLength(this.lines.shift()!) + 1;
      this.dropped = true;
    }
  }

  text(): string {
    return (this.dropped ? '…\n' : '') + this.lines.join('\n');
  }
}

/** Poll delays growing ×1.5 from `initialMs` up to `maxMs`; `reset()` starts over (the Dataproc runners' polls). */
export function pollBackoff(initialMs: number, maxMs: number): (() => number) & { reset: () => void } {
  let delay = initialMs;
  const next = () => {
    const current = delay;
    delay = Math.min(Math.round(delay * 1.5), maxMs);
    return current;
  };
  return Object.assign(next, { reset: () => void (delay = initialMs) });
}

/** Waits `ms`; an abort of `signal` ends the wait at once with the abort's reason. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
