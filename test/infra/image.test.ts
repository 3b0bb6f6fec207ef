import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../../config';
import { buildImage, parseDockerfile, stageTrackedFiles, type BuiltImage, type Stage } from '../helpers/dockerfile';
import { freePort } from '../helpers/platform';
import { until } from '../helpers/until';
import { TEST_ENV } from '../test-env';

/**
 * infra/docker/Dockerfile without a Docker engine: parsed, its COPY sources checked against the tracked files, its
 * RUN steps run as a script over a copy of the tracked files (`npm ci --omit=dev` from the npm cache, the workflow
 * bundle), and its command started from that copy against the test platform: the worker polls (its /readyz says so),
 * then SIGTERM drains it and it exits 0.
 */
const DOCKERFILE = path.join(PROJECT_ROOT, 'infra/docker/Dockerfile');
let stages: Stage[];
let work: string;
let image: BuiltImage;

beforeAll(() => {
  stages = parseDockerfile(fs.readFileSync(DOCKERFILE, 'utf8'));
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'hire10x-image-'));
});

// Three stages' copies of node_modules (hard links, but still ~100k directory entries): slow to remove on a busy disk.
afterAll(async () => {
  if (work) await fs.promises.rm(work, { recursive: true, force: true });
}, 600_000);

describe('Dockerfile', () => {
  it('builds from node:20-bookworm-slim (glibc: the Temporal core has no musl build) in named stages', () => {
    const bases = stages.map((s) => s.from).filter((f) => !stages.some((s) => s.name === f));
    expect(new Set(bases)).toEqual(new Set(['node:20-bookworm-slim']));
    expect(stages.length).toBeGreaterThanOrEqual(2);
  });

  it('installs production dependencies only, and the runtime needs none of the dev dependencies', () => {
    const runs = stages.flatMap((s) => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args[0] ?? ''));
    expect(runs.some((r) => /npm ci\b.*--omit=dev/.test(r))).toBe(true);
    const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    // bin/analytics.js runs the TypeScript sources through tsx: it must be installed by `npm ci --omit=dev`.
    expect(pkg.dependencies.tsx).toBeDefined();
    expect(pkg.devDependencies.tsx).toBeUndefined();
  });

  it('runs the last stage as a non-root user, with an exec-form command (node is PID 1 and gets SIGTERM)', () => {
    const last = stages.at(-1)!;
    const user = last.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args[0];
    expect(user).toBeDefined();
    expect(user!.split(':')[0]).not.toMatch(/^(root|0)$/);
    for (const kw of ['ENTRYPOINT', 'CMD']) {
      const ins = last.instructions.find((i) => i.keyword === kw);
      expect(ins?.execForm, `${kw} in exec form`).toBe(true);
    }
  });

  it('copies only sources that are tracked by git (a clean checkout has them)', () => {
    const tracked = fs.mkdtempSync(path.join(work, 'context-'));
    stageTrackedFiles(PROJECT_ROOT, tracked);
    const missing = stages.flatMap((s) =>
      s.instructions
        .filter((i) => i.keyword === 'COPY' && i.flags.from === undefined)
        .flatMap((i) => i.args.slice(0, -1).filter((src) => !fs.existsSync(path.join(tracked, src))))
        .map((src) => src),
    );
    expect(missing).toEqual([]);
  });
});

describe('the image, built as a script and started against the test platform', () => {
  let worker: ChildProcess | undefined;
  const log: string[] = [];

  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGKILL');
      await new Promise((r) => worker!.once('exit', r));
    }
  });

  it('runs every RUN step on a copy of the tracked files', () => {
    const context = path.join(work, 'context');
    stageTrackedFiles(PROJECT_ROOT, context);
    image = buildImage(stages, context, path.join(work, 'stages'), {
      // The npm cache of this machine stands in for the registry when it has the tarballs.
      env: { npm_config_prefer_offline: 'true', npm_config_loglevel: 'error' },
    });
    const app = path.join(image.root, image.workdir);
    expect(fs.existsSync(path.join(app, 'dist/workflow-bundle.js'))).toBe(true);
    // --omit=dev: no dev dependency reached the runtime stage.
    expect(fs.existsSync(path.join(app, 'node_modules/vitest'))).toBe(false);
    expect(fs.existsSync(path.join(app, 'node_modules/tsx'))).toBe(true);
  }, 900_000);

  it('starts a polling worker with the image command, and drains and exits 0 on SIGTERM', async () => {
    expect(image, 'the build step above must pass first').toBeDefined();
    const healthPort = await freePort();
    const prefix = `image-${randomUUID().slice(0, 8)}-`;
    const config = loadConfig();
    const [cmd, ...args] = image.command;
    expect(cmd).toBe('node');
    worker = spawn(process.execPath, args, {
      cwd: path.join(image.root, image.workdir),
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ...image.env,
        // The test platform instead of GCP; absolute paths, since relative ones resolve inside the image copy.
        ...TEST_ENV,
        PLATFORM: 'local',
        ANALYTICS_DATA_DIR: config.dataDir,
        SECRETS_DIR: config.secrets.dir,
        WORKER_METRICS_PORT: '0',
        WORKER_METRICS_HOST: '127.0.0.1',
        WORKER_HEALTH_PORT: String(healthPort),
        WORKER_SHUTDOWN_GRACE_SECONDS: '10',
        TASK_QUEUE_PREFIX: prefix,
        LOG_LEVEL: 'INFO',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => worker!.once('exit', (code) => resolve(code)));
    readline.createInterface({ input: worker.stdout! }).on('line', (l) => log.push(l));
    readline.createInterface({ input: worker.stderr! }).on('line', (l) => log.push(l));
    const ready = await until(
      `the image's worker to report ready on :${healthPort}/readyz (log: ${log.slice(-5).join(' | ')})`,
      async () => {
        if (worker!.exitCode !== null) throw new Error('exited');
        const res = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
        return res.status === 200 ? ((await res.json()) as { workers: string[]; temporal: string }) : undefined;
      },
      { timeoutMs: 180_000, everyMs: 500 },
    );
    expect(ready.workers).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);
    expect(ready.temporal).toBe('ok');
    const live = await fetch(`http://127.0.0.1:${healthPort}/livez`);
    expect(live.status).toBe(200);
    const started = log.find((l) => l.includes('"worker started"'));
    expect(started).toContain(`${prefix}etl`);
    expect(started).toContain('"shutdownGraceSeconds":10');

    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(log.some((l) => l.includes('"worker stopped"'))).toBe(true);
  }, 300_000);
});
