import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { PROJECT_ROOT } from '../../config';
import { ErrorType, PlatformError } from '../errors';
import type { SparkJob, SparkRunner, SparkRunOptions, SparkRunResult } from '../ports';
import { abortReason, TailBuffer, validateSparkJob } from './job';

export interface SparkSubmitRunnerOptions {
  /** The spark-submit launcher. @default `<repo>/.venv/bin/spark-submit` (pyspark from requirements-dev.txt) */
  sparkSubmit?: string;
  /** Python for the driver and the Python workers. @default the `python` next to `sparkSubmit` */
  python?: string;
  /** A Java 17 home (Spark 3.5 does not run on newer JDKs). @default the first /usr/lib/jvm/*17* with bin/java */
  javaHome?: string;
  /** Folder holding the jobs (`SparkJob.mainPythonFile` is relative to it). @default `<repo>/jobs` */
  jobsDir?: string;
  /** @default local[*] */
  master?: string;
  /** Spark properties of every job; `SparkJob.properties` override them. @default spark.ui.enabled=false */
  defaultProperties?: Record<string, string>;
  /** How much of the driver's stdout `output` keeps (the tail). @default 65536 */
  outputLimitBytes?: number;
  /** How much of the combined driver log a failure carries. @default 8192 */
  errorLogLimitBytes?: number;
  /** Delay between SIGTERM and SIGKILL of the job's process group on abort. @default 5000 */
  killGraceMs?: number;
}

const LOG4J_LINE = /^\d{2}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} [A-Z]+ /;
const EXCEPTION_LINE = /^[A-Za-z_][\w.]*(?:Error|Exception|Exit)\b.*$/;

/** Every JDK 17 under /usr/lib/jvm, real directories before symlinks so the choice is stable. */
export function detectJava17Home(jvmRoot = '/usr/lib/jvm'): string | undefined {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(jvmRoot, { withFileTypes: true });
  } catch {
    return undefined;
  }
  const candidates = entries
    .filter((e) => /(^|[^0-9])17([^0-9]|$)/.test(e.name))
    .sort((a, b) => Number(a.isSymbolicLink()) - Number(b.isSymbolicLink()) || a.name.localeCompare(b.name));
  return candidates
    .map((e) => path.join(jvmRoot, e.name))
    .find((home) => fs.existsSync(path.join(home, 'bin', 'java')));
}

/**
 * SparkRunner over `spark-submit --master local[*]`. Each run is its own process group so an abort can take down
 * the JVM, the Python driver and its Python workers together, not just the launcher.
 */
export class SparkSubmitRunner implements SparkRunner {
  private readonly sparkSubmit: string;
  private readonly python: string;
  private readonly javaHome: string | undefined;
  private readonly jobsDir: string;
  private readonly master: string;
  private readonly defaultProperties: Record<string, string>;
  private readonly outputLimitBytes: number;
  private readonly errorLogLimitBytes: number;
  private readonly killGraceMs: number;
  private readonly running = new Set<ChildProcess>();

  constructor(options: SparkSubmitRunnerOptions = {}) {
    this.sparkSubmit = options.sparkSubmit ?? path.join(PROJECT_ROOT, '.venv', 'bin', 'spark-submit');
    this.python = options.python ?? path.join(path.dirname(this.sparkSubmit), 'python');
    this.javaHome = options.javaHome ?? detectJava17Home();
    this.jobsDir = options.jobsDir ?? path.join(PROJECT_ROOT, 'jobs');
    this.master = options.master ?? 'local[*]';
    this.defaultProperties = options.defaultProperties ?? { 'spark.ui.enabled': 'false' };
    this.outputLimitBytes = options.outputLimitBytes ?? 64 * 1024;
    this.errorLogLimitBytes = options.errorLogLimitBytes ?? 8 * 1024;
    this.killGraceMs = options.killGraceMs ?? 5_000;
  }

  async run(job: SparkJob, options: SparkRunOptions = {}): Promise<SparkRunResult> {
    validateSparkJob(job);
    const { signal, onProgress } = options;
    signal?.throwIfAborted();
    const main = this.resolveJobFile(job.mainPythonFile);
    const extraPyFiles = (job.pyFiles ?? []).map((f) => this.resolveJobFile(f));
    if (!fs.existsSync(this.sparkSubmit)) {
      throw new PlatformError(ErrorType.NotFound, `spark-submit not found at ${this.sparkSubmit}`, {
        details: { hint: 'run `npm run bootstrap` (installs pyspark into .venv)' },
      });
    }

    // A driver orphaned by a killed worker (its own process group survives the worker) would keep computing the
    // same run: stop it before this attempt starts.
    await this.killRecorded(job.runId);
    const started = Date.now();
    // Per-run scratch directory: the jobs/lib zip and Spark's working files (spark-warehouse, derby.log) land here,
    // never in the repository, and go away with the run.
    const workDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), `spark-${job.name}-`));
    try {
      const libZip = await this.zipJobsLib(workDir);
      const pyFiles = [...(libZip ? [libZip] : []), ...extraPyFiles];
      const properties = { ...this.defaultProperties, ...job.properties };
      const args = [
        '--master',
        this.master,
        '--name',
        job.name,
        ...Object.entries(properties).flatMap(([k, v]) => ['--conf', `${k}=${v}`]),
        ...(pyFiles.length > 0 ? ['--py-files', pyFiles.join(',')] : []),
        main,
        ...job.args,
      ];
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PYSPARK_PYTHON: this.python,
        PYSPARK_DRIVER_PYTHON: this.python,
        PYTHONUNBUFFERED: '1',
        // Spark otherwise resolves the host name, which is slow or wrong in containers and sandboxes.
        SPARK_LOCAL_IP: '127.0.0.1',
      };
      if (this.javaHome) env.JAVA_HOME = this.javaHome;
      // The pip-installed launcher finds its own Spark; an inherited SPARK_HOME could point at another version.
      delete env.SPARK_HOME;

      const child = spawn(this.sparkSubmit, args, {
        cwd: workDir,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      this.running.add(child);
      if (child.pid !== undefined) fs.writeFileSync(pgidFile(job.runId), String(child.pid));
      const stdoutTail = new TailBuffer(this.outputLimitBytes);
      const logTail = new TailBuffer(this.errorLogLimitBytes);
      const onLine = (line: string, stdout: boolean) => {
        if (stdout) stdoutTail.push(line);
        logTail.push(line);
        onProgress?.(line);
      };
      readline.createInterface({ input: child.stdout }).on('line', (l) => onLine(l, true));
      readline.createInterface({ input: child.stderr }).on('line', (l) => onLine(l, false));

      const onAbort = () => void this.killGroup(child);
      signal?.addEventListener('abort', onAbort, { once: true });
      // An abort that landed while the lib zip was being built fired before anyone listened.
      if (signal?.aborted) onAbort();
      let exit: { code: number | null; signal: NodeJS.Signals | null; error?: Error };
      try {
        exit = await waitForClose(child);
      } finally {
        signal?.removeEventListener('abort', onAbort);
        this.running.delete(child);
        fs.rmSync(pgidFile(job.runId), { force: true });
      }

      if (signal?.aborted) {
        await this.killGroup(child);
        throw abortReason(signal);
      }
      if (exit.error) {
        throw new PlatformError(
          ErrorType.TransientInfrastructure,
          `could not start spark-submit: ${exit.error.message}`,
          {
            cause: exit.error,
          },
        );
      }
      if (exit.code !== 0) {
        const log = logTail.text();
        throw new PlatformError(
          ErrorType.SparkJobFailed,
          `Spark job ${job.name} failed (${exit.signal ? `signal ${exit.signal}` : `exit ${exit.code}`}): ${driverError(log)}`,
          { details: { runId: job.runId, exitCode: exit.code, signal: exit.signal, driverLogTail: log } },
        );
      }
      const durationMs = Date.now() - started;
      return { output: stdoutTail.text(), durationMs, details: { runner: 'local', phasesMs: { job: durationMs } } };
    } finally {
      await fs.promises.rm(workDir, { recursive: true, force: true });
    }
  }

  /** Nothing outlives a local run: its scratch directory and processes go when `run` settles. */
  /** Stops a driver of `runId` left running by a previous attempt on this machine; idempotent. */
  async cleanup(runId: string): Promise<void> {
    await this.killRecorded(runId);
  }

  private async killRecorded(runId: string): Promise<void> {
    const file = pgidFile(runId);
    let pgid: number;
    try {
      pgid = Number(fs.readFileSync(file, 'utf8'));
    } catch {
      return;
    }
    if (Number.isInteger(pgid) && pgid > 1) await this.killPgid(pgid);
    fs.rmSync(file, { force: true });
  }

  async close(): Promise<void> {
    await Promise.all([...this.running].map((child) => this.killGroup(child)));
  }

  private resolveJobFile(relative: string): string {
    const resolved = path.resolve(this.jobsDir, relative);
    if (path.isAbsolute(relative) || !resolved.startsWith(this.jobsDir + path.sep)) {
      throw new PlatformError(ErrorType.InvalidInput, `job file must be a path inside jobs/, got ${relative}`);
    }
    if (!fs.existsSync(resolved)) throw new PlatformError(ErrorType.InvalidInput, `job file not found: ${relative}`);
    return resolved;
  }

  /**
   * The --py-files zip: the `jobs` package as jobs import it (`jobs.lib.*`, `jobs.transform.*`), exactly what
   * production ships. `jobs/build_pyfiles.py` defines its content; without it (a trimmed jobs dir) jobs/__init__.py +
   * jobs/lib are zipped inline. Python's zipfile does the work since the venv is there anyway.
   */
  private async zipJobsLib(workDir: string): Promise<string | undefined> {
    const zip = path.join(workDir, 'jobs.zip');
    const builder = path.join(this.jobsDir, 'build_pyfiles.py');
    let args: string[];
    if (fs.existsSync(builder)) {
      args = [builder, '--out', zip];
    } else if (fs.existsSync(path.join(this.jobsDir, 'lib'))) {
      const script = [
        'import os, sys, zipfile',
        'root, out = sys.argv[1], sys.argv[2]',
        'with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:',
        '    init = os.path.join(root, "__init__.py")',
        '    z.writestr("jobs/__init__.py", open(init).read() if os.path.exists(init) else "")',
        '    for d, _, files in os.walk(os.path.join(root, "lib")):',
        '        for f in sorted(files):',
        '            if f.endswith(".py"):',
        '                p = os.path.join(d, f)',
        '                z.write(p, os.path.join("jobs", os.path.relpath(p, root)))',
      ].join('\n');
      args = ['-c', script, this.jobsDir, zip];
    } else {
      return undefined;
    }
    const child = spawn(this.python, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exit = await waitForClose(child);
    if (exit.code !== 0) {
      throw new PlatformError(
        ErrorType.NotFound,
        `could not build the jobs zip with ${this.python}: ${exit.error?.message ?? stderr}`,
      );
    }
    return zip;
  }

  /** SIGTERM the whole group, SIGKILL whatever is left after the grace period, and wait until it is empty. */
  private async killGroup(child: ChildProcess): Promise<void> {
    if (child.pid !== undefined) await this.killPgid(child.pid);
  }

  private async killPgid(pgid: number): Promise<void> {
    if (!groupAlive(pgid)) return;
    signalGroup(pgid, 'SIGTERM');
    const deadline = Date.now() + this.killGraceMs;
    while (groupAlive(pgid) && Date.now() < deadline) await sleep(100);
    if (!groupAlive(pgid)) return;
    signalGroup(pgid, 'SIGKILL');
    while (groupAlive(pgid)) await sleep(50);
  }
}

function waitForClose(
  child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }> {
  return new Promise((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    // 'close' (not 'exit') waits for stdio to end, so every log line has been delivered before we judge the run.
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
}

/** Where the process group of a run's driver is recorded, so a later attempt (or cleanup) can find an orphan. */
function pgidFile(runId: string): string {
  const dir = path.join(os.tmpdir(), 'hire10x-spark-runs');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, `${createHash('sha256').update(runId).digest('hex').slice(0, 24)}.pgid`);
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group emptied between the check and the signal.
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The line that says why the driver failed: the last Python exception line, else the last non-log4j line. */
export function driverError(log: string): string {
  const lines = log
    .split('\n')
    .map((l) => l.trimEnd())
    .reverse();
  return (
    lines.find((l) => EXCEPTION_LINE.test(l)) ??
    lines.find((l) => l.trim() !== '' && !LOG4J_LINE.test(l)) ??
    'no driver output'
  );
}
