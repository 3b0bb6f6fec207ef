import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { detectJava17Home } from '../../adapters/spark/spark-submit';
import { MissingToolError, pinnedTool } from '../../cli/dev/tools';

/** A GCP emulator running as a child process of the test file, on free ports in its own temp directory. */
export interface RunningEmulator {
  name: string;
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  endpoint: string;
  port: number;
  dir: string;
  /** Last lines of the emulator's log (for failure messages). */
  logTail(): string;
  stop(): Promise<void>;
}

export const fakeGcsBinary = () => pinnedTool('fake-gcs-server', 'FAKE_GCS_SERVER_VERSION', 'fake-gcs-server');
export const bigQueryEmulatorBinary = () =>
  pinnedTool('bigquery-emulator', 'BIGQUERY_EMULATOR_VERSION', 'bigquery-emulator');

/** The binary, or undefined with the reason when it is not installed (the suite then skips that adapter). */
export function findEmulator(resolve: () => string): { binary?: string; missing?: string } {
  try {
    return { binary: resolve() };
  } catch (err) {
    if (err instanceof MissingToolError) return { missing: err.message };
    throw err;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function start(
  name: string,
  binary: string,
  args: (dir: string, port: number, extraPort: number) => string[],
  readyPath: string,
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<RunningEmulator> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `hire10x-${name}-`));
  const port = await freePort();
  const extraPort = await freePort();
  const logFile = path.join(dir, `${name}.log`);
  const log = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn(binary, args(dir, port, extraPort), {
    cwd: dir,
    env: { ...process.env, ...env },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  let exited: string | undefined;
  child.on('exit', (code, signal) => (exited = `exited with ${code ?? signal}`));
  const endpoint = `http://127.0.0.1:${port}`;
  const logTail = () => {
    try {
      return fs.readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '';
    }
  };
  const stop = async () => {
    if (!exited && child.pid) {
      child.kill('SIGTERM');
      for (let i = 0; i < 50 && !exited; i++) await sleep(100);
      if (!exited) child.kill('SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      const tail = logTail();
      await stop();
      throw new Error(`${name} ${exited} before it was ready:\n${tail}`);
    }
    try {
      const res = await fetch(endpoint + readyPath, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      const tail = logTail();
      await stop();
      throw new Error(`${name} not ready at ${endpoint} after ${timeoutMs} ms:\n${tail}`);
    }
    await sleep(100);
  }
  return { name, endpoint, port, dir, logTail, stop };
}

/** fake-gcs-server over plain HTTP, in-memory backend. */
export function startFakeGcs(binary = fakeGcsBinary()): Promise<RunningEmulator> {
  return start(
    'fake-gcs-server',
    binary,
    (_dir, port) => [
      '-scheme',
      'http',
      '-host',
      '127.0.0.1',
      '-port',
      String(port),
      '-backend',
      'memory',
      '-log-level',
      'warn',
    ],
    '/storage/v1/b',
  );
}

/**
 * goccy/bigquery-emulator for `project`, its data in the temp directory. With `gcsEndpoint`, load jobs read
 * `gs://` URIs from that fake-gcs-server (STORAGE_EMULATOR_HOST).
 */
export function startBigQueryEmulator(
  options: { project: string; gcsEndpoint?: string },
  binary = bigQueryEmulatorBinary(),
): Promise<RunningEmulator> {
  return start(
    'bigquery-emulator',
    binary,
    (dir, port, grpcPort) => [
      `--project=${options.project}`,
      '--host=127.0.0.1',
      `--port=${port}`,
      `--grpc-port=${grpcPort}`,
      `--database=${path.join(dir, 'bigquery.db')}`,
      '--log-level=warn',
    ],
    `/bigquery/v2/projects/${options.project}/datasets`,
    options.gcsEndpoint ? { STORAGE_EMULATOR_HOST: options.gcsEndpoint } : {},
  );
}

/** Where Debian's google-cloud-cli-pubsub-emulator package puts the emulator jar. */
const PUBSUB_EMULATOR_PACKAGE = 'google-cloud-cli-pubsub-emulator';
const PUBSUB_EMULATOR_DIRS = [
  '/usr/lib/google-cloud-sdk/platform/pubsub-emulator/lib',
  '/usr/share/google-cloud-sdk/platform/pubsub-emulator/lib',
];

/**
 * The official Pub/Sub emulator jar (`cloud-pubsub-emulator-<v>-all.jar`) and a `java` to run it, or a
 * MissingToolError naming the package to install. The jar is looked up through dpkg, then in the SDK's usual places.
 */
export function pubSubEmulatorJar(): { java: string; jar: string } {
  const isJar = (f: string) => /cloud-pubsub-emulator-[\d.]+-all\.jar$/.test(f);
  let jar: string | undefined;
  const listed = spawnSync('dpkg', ['-L', PUBSUB_EMULATOR_PACKAGE], { encoding: 'utf8' });
  if (listed.status === 0) jar = listed.stdout.split('\n').find((f) => isJar(f) && fs.existsSync(f));
  for (const dir of PUBSUB_EMULATOR_DIRS) {
    if (jar || !fs.existsSync(dir)) continue;
    const found = fs.readdirSync(dir).filter(isJar).sort().pop();
    if (found) jar = path.join(dir, found);
  }
  if (!jar) {
    throw new MissingToolError(
      'the Pub/Sub emulator',
      `Install the Debian package ${PUBSUB_EMULATOR_PACKAGE} (Google Cloud CLI apt repository)`,
    );
  }
  const home = detectJava17Home();
  const java = [home && path.join(home, 'bin', 'java'), '/usr/bin/java'].find((f) => f && fs.existsSync(f));
  if (!java)
    throw new MissingToolError('java', 'The Pub/Sub emulator needs Java: apt-get install openjdk-17-jre-headless');
  return { java, jar };
}

/** The official Pub/Sub emulator (in memory), on a free port; clients reach it with `http://127.0.0.1:<port>`. */
export function startPubSubEmulator(tool = pubSubEmulatorJar()): Promise<RunningEmulator> {
  return start(
    'pubsub-emulator',
    tool.java,
    (_dir, port) => ['-Xmx256m', '-jar', tool.jar, '--host=127.0.0.1', `--port=${port}`],
    '/',
  );
}
