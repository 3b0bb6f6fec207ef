import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BatchControllerClient, ClusterControllerClient, JobControllerClient, protos } from '@google-cloud/dataproc';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorType, PlatformError } from '../../adapters/errors';
import { clusterNameFor, dataprocRunnerOptionsSchema, requestIdFor } from '../../adapters/spark/dataproc-options';
import { DataprocSparkRunner } from '../../adapters/spark/dataproc';
import { ModeSelectingSparkRunner } from '../../adapters/spark/dataproc-mode';
import { DataprocServerlessRunner } from '../../adapters/spark/dataproc-serverless';
import { detectJava17Home, SparkSubmitRunner } from '../../adapters/spark/spark-submit';
import type { SparkJob, SparkRunner } from '../../adapters/ports';
import { startFakeDataproc, type RunningFakeDataproc } from '../fakes/dataproc';

/**
 * One SparkRunner contract, run against spark-submit (for real, with the venv's pyspark) and against Dataproc
 * (the real client library talking to the in-repo gRPC fake).
 */
interface Capabilities {
  /** The job's Python actually runs (the Dataproc fake completes or fails jobs without executing anything). */
  executesCode: boolean;
  /** What `SparkRunResult.details.runner` says, with the phases it reports. */
  runner: { name: string; phases: string[] };
}

interface Harness {
  capabilities: Capabilities;
  runner: SparkRunner;
  /** A job that succeeds, and what its `output` must say. */
  succeeding(runId: string): { job: SparkJob; output: RegExp };
  /** A job whose own code fails, and the driver message the error must carry. */
  failing(runId: string): { job: SparkJob; driverMessage: RegExp };
  /** A job that runs long enough to be aborted, and the progress line after which to abort it. */
  abortable(runId: string): { job: SparkJob; abortAfter: RegExp };
  /** Called once the abort trigger line is seen, before aborting (e.g. to note which processes exist). */
  beforeAbort(job: SparkJob): void;
  /** Asserts that the aborted job is really stopped. */
  afterAbort(job: SparkJob): void;
  /** Whatever a run left behind that should not be there (processes, clusters). */
  leftovers(): string[];
  close(): Promise<void>;
}

const WORDS = 'the quick brown fox\njumps over the lazy dog\n';
const LOGICAL_DATE = '2026-01-02';

// --- local: spark-submit ---------------------------------------------------------------------------------------

/** Processes whose command line mentions `marker`, with their process group ids (Linux /proc). */
function processesMentioning(marker: string): { pid: number; pgid: number }[] {
  const found: { pid: number; pgid: number }[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) continue;
      found.push({ pid: Number(entry), pgid: processGroup(Number(entry)) });
    } catch {
      // The process exited while we looked.
    }
  }
  return found;
}

function processGroup(pid: number): number {
  // /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces, so split after the last ')'.
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

function processesInGroups(pgids: Set<number>): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (pgids.has(processGroup(Number(entry)))) pids.push(Number(entry));
    } catch {
      // Exited meanwhile.
    }
  }
  return pids;
}

async function localHarness(): Promise<Harness> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'spark-contract-'));
  const input = path.join(dir, 'words.txt');
  await fs.promises.writeFile(input, WORDS);
  const runner = new SparkSubmitRunner();
  const abortGroups = new Set<number>();
  const job = (runId: string, args: string[]): SparkJob => ({
    runId,
    name: 'word_count',
    mainPythonFile: 'smoke/word_count.py',
    args,
    properties: { 'spark.sql.shuffle.partitions': '2' },
  });
  return {
    capabilities: { executesCode: true, runner: { name: 'local', phases: ['job'] } },
    runner,
    succeeding: (runId) => ({
      job: job(runId, [input, path.join(dir, 'ok'), LOGICAL_DATE]),
      output: /word_count: 8 distinct words, 9 words/,
    }),
    failing: (runId) => ({
      job: job(runId, [path.join(dir, 'missing.txt'), path.join(dir, 'failed'), LOGICAL_DATE]),
      driverMessage: /PATH_NOT_FOUND|Path does not exist/,
    }),
    abortable: (runId) => ({
      job: job(runId, [input, path.join(dir, 'aborted-marker'), LOGICAL_DATE]),
      // Logged once the Python driver has started its SparkContext: the JVM and Python are both alive.
      abortAfter: /Running Spark version/,
    }),
    beforeAbort: () => {
      const processes = processesMentioning(path.join(dir, 'aborted-marker'));
      expect(processes.length).toBeGreaterThan(0);
      for (const p of processes) abortGroups.add(p.pgid);
    },
    afterAbort: () => {
      expect(processesInGroups(abortGroups)).toEqual([]);
      expect(processesMentioning(path.join(dir, 'aborted-marker'))).toEqual([]);
    },
    leftovers: () => processesMentioning(dir).map((p) => `process ${p.pid}`),
    close: async () => {
      await runner.close();
      await fs.promises.rm(dir, { recursive: true, force: true });
    },
  };
}

// --- Dataproc through the fake ---------------------------------------------------------------------------------

const FAST_POLLS = { pollInitialMs: 20, pollMaxMs: 100 } as const;

function dataprocRunner(fake: RunningFakeDataproc, extra: { transportRetries?: boolean } = {}): DataprocSparkRunner {
  return new DataprocSparkRunner({
    projectId: 'hire10x-test',
    region: 'europe-west1',
    jobsUri: 'gs://hire10x-jobs/jobs/',
    workers: { count: 2, machineType: 'custom-4-16384' },
    secondaryWorkers: { count: 2, preemptibility: 'SPOT' },
    labels: { env: 'test' },
    endpoint: { host: 'localhost', port: fake.port, insecure: true },
    ...FAST_POLLS,
    ...extra,
  });
}

function dataprocHarness(fake: RunningFakeDataproc): Harness {
  const runner = dataprocRunner(fake);
  const job = (runId: string): SparkJob => ({
    runId,
    name: 'word_count',
    mainPythonFile: 'smoke/word_count.py',
    args: ['gs://hire10x-raw/words.txt', 'gs://hire10x-processed', LOGICAL_DATE],
  });
  return {
    capabilities: {
      executesCode: false,
      runner: { name: 'dataproc-cluster', phases: ['clusterCreate', 'job', 'clusterDelete'] },
    },
    runner,
    succeeding: (runId) => ({ job: job(runId), output: /Dataproc job word_count-[0-9a-f]{16}-0 DONE .*driveroutput/ }),
    failing: (runId) => {
      fake.inject({ kind: 'jobError', message: 'ValueError: input has no rows for 2026-01-02' });
      return { job: job(runId), driverMessage: /ValueError: input has no rows for 2026-01-02/ };
    },
    abortable: (runId) => {
      fake.inject({ kind: 'jobHangs' });
      return { job: job(runId), abortAfter: /: RUNNING/ };
    },
    beforeAbort: () => undefined,
    afterAbort: (aborted) => {
      const jobs = [...fake.state.jobs.values()].filter(
        (j) => j.placement?.clusterName === runner.clusterName(aborted.runId),
      );
      expect(jobs.map((j) => j.status?.state)).toEqual(['CANCELLED']);
      expect(fake.state.calls.some((c) => c.method === 'CancelJob')).toBe(true);
    },
    leftovers: () => fake.clusterNames().map((n) => `cluster ${n}`),
    close: () => runner.close(),
  };
}

// --- Dataproc Serverless through the fake -----------------------------------------------------------------------

function serverlessRunner(
  fake: RunningFakeDataproc,
  extra: { transportRetries?: boolean } = {},
): DataprocServerlessRunner {
  return new DataprocServerlessRunner({
    projectId: 'hire10x-test',
    region: 'europe-west1',
    jobsUri: 'gs://hire10x-jobs/jobs/',
    runtimeVersion: '2.2',
    properties: { 'spark.executor.instances': '2', 'spark.sql.adaptive.enabled': 'true' },
    labels: { env: 'test' },
    endpoint: { host: 'localhost', port: fake.port, insecure: true },
    ...FAST_POLLS,
    ...extra,
  });
}

/** The fake's batches of one run (every generation), by the run's batch-id stem. */
function batchesOf(fake: RunningFakeDataproc, runner: DataprocServerlessRunner, runId: string) {
  const stem = runner.batchId(runId).replace(/-0$/, '-');
  return [...fake.state.batches.values()].filter((b) => (b.name ?? '').split('/').pop()!.startsWith(stem));
}

function serverlessHarness(fake: RunningFakeDataproc): Harness {
  const runner = serverlessRunner(fake);
  const job = (runId: string): SparkJob => ({
    runId,
    name: 'word_count',
    mainPythonFile: 'smoke/word_count.py',
    args: ['gs://hire10x-raw/words.txt', 'gs://hire10x-processed', LOGICAL_DATE],
  });
  return {
    capabilities: { executesCode: false, runner: { name: 'dataproc-serverless', phases: ['pending', 'running'] } },
    runner,
    succeeding: (runId) => ({
      job: job(runId),
      output: /Dataproc batch hire10x-[0-9a-f]{16}-0 SUCCEEDED; output: gs:/,
    }),
    failing: (runId) => {
      fake.inject({ kind: 'jobError', message: 'ValueError: input has no rows for 2026-01-02' });
      return { job: job(runId), driverMessage: /ValueError: input has no rows for 2026-01-02/ };
    },
    abortable: (runId) => {
      fake.inject({ kind: 'jobHangs' });
      return { job: job(runId), abortAfter: /: RUNNING/ };
    },
    beforeAbort: () => undefined,
    afterAbort: (aborted) => {
      expect(batchesOf(fake, runner, aborted.runId).map((b) => b.state)).toEqual(['CANCELLED']);
      expect(fake.state.calls.some((c) => c.method === 'CancelOperation')).toBe(true);
    },
    // A batch costs while it has not ended; ended ones are records (cleanup deletes them).
    leftovers: () => fake.activeBatches().map((n) => `batch ${n}`),
    close: () => runner.close(),
  };
}

// --- the contract ----------------------------------------------------------------------------------------------

let fake: RunningFakeDataproc;
beforeAll(async () => {
  fake = await startFakeDataproc({ operationDelayMs: 60, jobPendingMs: 30, jobRunningMs: 150 });
});
afterAll(async () => {
  await fake?.close();
});

const implementations: [string, () => Promise<Harness>][] = [
  ['spark-submit (local)', localHarness],
  ['Dataproc (gRPC fake)', () => Promise.resolve(dataprocHarness(fake))],
  ['Dataproc Serverless (gRPC fake)', () => Promise.resolve(serverlessHarness(fake))],
];

describe.each(implementations)('SparkRunner contract: %s', (_name, makeHarness) => {
  let h: Harness;
  let seq = 0;
  const runId = () => `contract-${process.pid}-${++seq}`;
  beforeAll(async () => {
    h = await makeHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('runs a job and returns its output', { timeout: 240_000 }, async () => {
    const { job, output } = h.succeeding(runId());
    const lines: string[] = [];
    const result = await h.runner.run(job, { onProgress: (l) => lines.push(l) });
    expect(result.output).toMatch(output);
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(result.details?.runner).toBe(h.capabilities.runner.name);
    expect(Object.keys(result.details?.phasesMs ?? {})).toEqual(h.capabilities.runner.phases);
    expect(lines.length).toBeGreaterThan(0);
    if (h.capabilities.executesCode) {
      const partition = path.join(job.args[1]!, 'word_counts', `dt=${LOGICAL_DATE}`);
      const csv = fs.readdirSync(partition).find((f) => f.endsWith('.csv'));
      expect(fs.readFileSync(path.join(partition, csv!), 'utf8')).toMatch(/^word,count\nthe,2\n/);
    }
    expect(h.leftovers()).toEqual([]);
  });

  it("fails non-retryably with the driver's message when the job's code fails", { timeout: 240_000 }, async () => {
    const { job, driverMessage } = h.failing(runId());
    const error = await h.runner.run(job).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    const failure = error as PlatformError;
    expect(failure.type).toBe(ErrorType.SparkJobFailed);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(driverMessage);
    expect(h.leftovers()).toEqual([]);
  });

  it('stops the job when aborted and rejects with the abort reason', { timeout: 240_000 }, async () => {
    const { job, abortAfter } = h.abortable(runId());
    const controller = new AbortController();
    const reason = new Error('cancelled by the test');
    const run = h.runner.run(job, {
      signal: controller.signal,
      onProgress: (line) => {
        if (!controller.signal.aborted && abortAfter.test(line)) {
          h.beforeAbort(job);
          controller.abort(reason);
        }
      },
    });
    await expect(run).rejects.toBe(reason);
    h.afterAbort(job);
    expect(h.leftovers()).toEqual([]);
  });

  it('refuses a malformed job before running anything', async () => {
    const { job } = h.succeeding(runId());
    const error = await h.runner.run({ ...job, name: 'Bad Name', mainPythonFile: 'x.txt' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ type: ErrorType.InvalidInput, nonRetryable: true });
  });

  it('cleanup of a run that left nothing is a no-op', async () => {
    await expect(h.runner.cleanup(runId())).resolves.toBeUndefined();
  });
});

// --- Dataproc specifics: idempotency, cleanup, classification ---------------------------------------------------

describe('DataprocSparkRunner against the fake', () => {
  let runner: DataprocSparkRunner;
  let noRetries: DataprocSparkRunner;
  let seq = 0;
  const job = (): SparkJob => ({
    runId: `dataproc-${process.pid}-${++seq}`,
    name: 'word_count',
    mainPythonFile: 'smoke/word_count.py',
    args: [],
  });
  const createdFor = (j: SparkJob) =>
    fake.state.createdClusters.filter((c) => c.clusterName === runner.clusterName(j.runId));
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (e: unknown) => e as PlatformError,
    );

  beforeAll(() => {
    runner = dataprocRunner(fake);
    // Without the client library's own retries, the first UNAVAILABLE fails the attempt as Temporal would see it.
    noRetries = dataprocRunner(fake, { transportRetries: false });
  });
  afterAll(async () => {
    await runner?.close();
    await noRetries?.close();
  });

  it('a retried run after UNAVAILABLE on create creates exactly one cluster and leaves none', async () => {
    const j = job();
    fake.inject({ kind: 'rpcError', method: 'CreateCluster', code: 14 });
    const first = await failureOf(noRetries.run(j));
    expect(first).toMatchObject({ type: ErrorType.TransientInfrastructure, nonRetryable: false });
    const second = await noRetries.run(j);
    expect(second.jobId).toMatch(/-0$/);
    expect(createdFor(j)).toHaveLength(1);
    expect(fake.clusterNames()).toEqual([]);
  });

  it('a lost create response is retried with the same request id: one cluster, one job', async () => {
    const j = job();
    fake.inject({ kind: 'rpcError', method: 'CreateCluster', code: 14, when: 'after' });
    await runner.run(j);
    expect(createdFor(j)).toHaveLength(1);
    expect(fake.clusterNames()).toEqual([]);
  });

  it('a retry after the earlier attempt deleted its cluster does not trust the stale create operation', async () => {
    const j = job();
    fake.inject({ kind: 'rpcError', method: 'CreateCluster', code: 14, when: 'after' });
    expect(await failureOf(noRetries.run(j))).toMatchObject({ type: ErrorType.TransientInfrastructure });
    expect(fake.clusterNames()).toEqual([]);
    const result = await noRetries.run(j);
    expect(result.jobId).toMatch(/-0$/);
    // The first cluster was created then cleaned up; the retry needed (and made) exactly one more.
    expect(createdFor(j)).toHaveLength(2);
    expect(fake.clusterNames()).toEqual([]);
  });

  it('two concurrent attempts of one run share one cluster and one job', async () => {
    const j = job();
    const [a, b] = await Promise.all([runner.run(j), runner.run(j)]);
    expect(a.jobId).toBe(b.jobId);
    expect(createdFor(j)).toHaveLength(1);
    const submitted = [...fake.state.jobs.values()].filter(
      (x) => x.placement?.clusterName === runner.clusterName(j.runId),
    );
    expect(submitted).toHaveLength(1);
    expect(fake.clusterNames()).toEqual([]);
  });

  it('a retry after a preempted job submits a new job on a new cluster', async () => {
    const j = job();
    fake.inject({ kind: 'jobPreempted' });
    const first = await failureOf(runner.run(j));
    expect(first).toMatchObject({ type: ErrorType.TransientInfrastructure, nonRetryable: false });
    expect(first?.message).toMatch(/preempted/);
    const second = await runner.run(j);
    expect(second.jobId).toMatch(/-1$/);
    expect(fake.clusterNames()).toEqual([]);
  });

  it('classifies quota exhaustion as retryable', async () => {
    fake.inject({ kind: 'quotaExceeded' });
    const error = await failureOf(runner.run(job()));
    expect(error).toMatchObject({ type: ErrorType.TransientInfrastructure, nonRetryable: false });
    expect(error?.message).toMatch(/quota/);
    expect(fake.clusterNames()).toEqual([]);
  });

  it('classifies a failed cluster start: stockout retryable, bad configuration not', async () => {
    fake.inject({ kind: 'clusterCreateFails', message: 'ZONE_RESOURCE_POOL_EXHAUSTED: try again later' });
    expect(await failureOf(runner.run(job()))).toMatchObject({ nonRetryable: false });
    fake.inject({ kind: 'clusterCreateFails', message: 'Initialization action failed: gs://x/init.sh exited 1' });
    expect(await failureOf(runner.run(job()))).toMatchObject({ type: ErrorType.InvalidInput, nonRetryable: true });
    expect(fake.clusterNames()).toEqual([]);
  });

  it('an abort while the cluster is still being created leaves no cluster', async () => {
    const j = job();
    const controller = new AbortController();
    const run = runner.run(j, {
      signal: controller.signal,
      onProgress: (line) => {
        if (/create requested/.test(line)) controller.abort(new Error('stop'));
      },
    });
    await expect(run).rejects.toThrow('stop');
    expect(
      [...fake.state.jobs.values()].filter((x) => x.placement?.clusterName === runner.clusterName(j.runId)),
    ).toEqual([]);
    expect(fake.clusterNames()).toEqual([]);
  });

  it('when cleanup fails the run fails retryably, and cleanup(runId) finishes the job later', async () => {
    const j = job();
    fake.inject({ kind: 'rpcError', method: 'DeleteCluster', code: 14 });
    const error = await failureOf(noRetries.run(j));
    expect(error).toMatchObject({ type: ErrorType.TransientInfrastructure, nonRetryable: false });
    expect(fake.clusterNames()).toEqual([noRetries.clusterName(j.runId)]);
    await noRetries.cleanup(j.runId);
    expect(fake.clusterNames()).toEqual([]);
    // The retried attempt finds the job DONE and does not run it again.
    const retried = await noRetries.run(j);
    expect(retried.jobId).toMatch(/-0$/);
    expect(createdFor(j)).toHaveLength(1);
  });

  it('reports cluster create, job and delete times, and none for a job already DONE', async () => {
    const j = job();
    const first = await runner.run(j);
    expect(first.details).toMatchObject({ runner: 'dataproc-cluster', resource: runner.clusterName(j.runId) });
    const phases = first.details!.phasesMs;
    expect(Object.keys(phases)).toEqual(['clusterCreate', 'job', 'clusterDelete']);
    // The fake takes operationDelayMs (60) per cluster operation and pending + running (30 + 150) per job.
    expect(phases.clusterCreate).toBeGreaterThanOrEqual(60);
    expect(phases.job).toBeGreaterThanOrEqual(180);
    expect(phases.clusterDelete).toBeGreaterThanOrEqual(60);
    // A retried attempt that finds the job DONE creates nothing and reports no create or job time.
    const again = await runner.run(j);
    expect(again.details?.phasesMs).toMatchObject({ clusterCreate: 0, job: 0 });
    expect(createdFor(j)).toHaveLength(1);
  });

  it('sends the configured cluster shape', async () => {
    const j = job();
    await runner.run(j);
    const create = fake.state.calls.find(
      (c) => c.method === 'CreateCluster' && JSON.stringify(c.request).includes(runner.clusterName(j.runId)),
    )?.request as {
      cluster: { config: Record<string, { numInstances?: number; machineTypeUri?: string; preemptibility?: string }> };
    };
    expect(create.cluster.config.workerConfig).toMatchObject({ numInstances: 2, machineTypeUri: 'custom-4-16384' });
    expect(create.cluster.config.secondaryWorkerConfig).toMatchObject({ numInstances: 2, preemptibility: 'SPOT' });
    expect(create.cluster.config.softwareConfig).toMatchObject({
      properties: { 'spark:spark.sql.adaptive.enabled': 'true', 'spark:spark.sql.shuffle.partitions': '200' },
    });
  });
});

describe('the Dataproc fake', () => {
  it('serves the real client library with the documented emulator settings, List calls included', async () => {
    const options = { apiEndpoint: 'localhost', port: fake.port, sslCreds: grpc.credentials.createInsecure() };
    const clusters = new ClusterControllerClient(options);
    const jobs = new JobControllerClient(options);
    try {
      const [operation] = await clusters.createCluster({
        projectId: 'hire10x-test',
        region: 'us-central1',
        cluster: { clusterName: 'listed', labels: { team: 'data' } },
        requestId: 'list-test',
      });
      const [cluster] = await operation.promise();
      expect(cluster.clusterName).toBe('listed');
      const [again] = await clusters.createCluster({
        projectId: 'hire10x-test',
        region: 'us-central1',
        cluster: { clusterName: 'listed' },
        requestId: 'list-test',
      });
      expect(again.name).toBe(operation.name);
      await expect(
        clusters.createCluster({
          projectId: 'hire10x-test',
          region: 'us-central1',
          cluster: { clusterName: 'listed' },
        }),
      ).rejects.toMatchObject({ code: grpc.status.ALREADY_EXISTS });
      const [listed] = await clusters.listClusters({
        projectId: 'hire10x-test',
        region: 'us-central1',
        filter: 'status.state = ACTIVE AND labels.team = data',
      });
      expect(listed.map((c) => c.clusterName)).toEqual(['listed']);
      const [submitted] = await jobs.submitJob({
        projectId: 'hire10x-test',
        region: 'us-central1',
        job: { placement: { clusterName: 'listed' }, pysparkJob: { mainPythonFileUri: 'gs://b/main.py' } },
      });
      const [active] = await jobs.listJobs({
        projectId: 'hire10x-test',
        region: 'us-central1',
        jobStateMatcher: 'ACTIVE',
      });
      expect(active.map((j) => j.reference?.jobId)).toContain(submitted.reference?.jobId);
      const [deletion] = await clusters.deleteCluster({
        projectId: 'hire10x-test',
        region: 'us-central1',
        clusterName: 'listed',
      });
      await deletion.promise();
      expect(fake.clusterNames()).not.toContain('listed');
    } finally {
      await clusters.close();
      await jobs.close();
    }
  });
});

describe('Dataproc naming and options', () => {
  it('derives valid, deterministic cluster names and request ids from any run id', () => {
    for (const runId of ['a', 'user-analytics-daily:2026-11-27/transform#1', 'X'.repeat(300), '!!!', 'Ünïcode run']) {
      const name = clusterNameFor('hire10x-spark', runId);
      expect(name).toMatch(/^[a-z](?:[a-z0-9-]{0,49}[a-z0-9])$/);
      expect(name).toBe(clusterNameFor('hire10x-spark', runId));
      for (const kind of ['create', 'submit', 'delete'] as const)
        expect(requestIdFor(kind, runId)).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    }
    expect(clusterNameFor('p', 'run-1')).not.toBe(clusterNameFor('p', 'run_1'));
  });

  it('validates the cluster options', () => {
    const base = { projectId: 'hire10x-prod', region: 'europe-west1', jobsUri: 'gs://hire10x-jobs/jobs' };
    expect(dataprocRunnerOptionsSchema.safeParse({ ...base, workers: { machineType: 'custom-4-16384' } }).success).toBe(
      true,
    );
    expect(dataprocRunnerOptionsSchema.safeParse({ ...base, workers: { machineType: 'custom-4-1000' } }).success).toBe(
      false,
    );
    expect(dataprocRunnerOptionsSchema.safeParse({ ...base, workers: { count: 1 } }).success).toBe(false);
    expect(dataprocRunnerOptionsSchema.safeParse({ ...base, labels: { Team: 'x' } }).success).toBe(false);
    expect(dataprocRunnerOptionsSchema.safeParse({ ...base, labels: { team: 'Data Eng' } }).success).toBe(false);
    expect(
      dataprocRunnerOptionsSchema.safeParse({ ...base, clusterNamePrefix: 'a-very-long-cluster-prefix' }).success,
    ).toBe(false);
    expect(() => new DataprocSparkRunner({ ...base, region: 'Europe' })).toThrow(PlatformError);
  });

  it('finds a Java 17 home', () => {
    expect(detectJava17Home()).toMatch(/17/);
  });
});

// --- Dataproc Serverless specifics: one batch per run, failures, cleanup ------------------------------------------

describe('DataprocServerlessRunner against the fake', () => {
  let runner: DataprocServerlessRunner;
  let noRetries: DataprocServerlessRunner;
  let seq = 0;
  const job = (): SparkJob => ({
    runId: `serverless-${process.pid}-${++seq}`,
    name: 'word_count',
    mainPythonFile: 'smoke/word_count.py',
    args: ['gs://hire10x-raw/words.txt'],
    properties: { 'spark.sql.shuffle.partitions': '8' },
  });
  const created = (j: SparkJob) =>
    fake.state.createdBatches.filter((n) =>
      n.split('/').pop()!.startsWith(runner.batchId(j.runId).replace(/-0$/, '-')),
    );
  const creates = () => fake.state.calls.filter((c) => c.method === 'CreateBatch').length;
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (e: unknown) => e as PlatformError,
    );

  beforeAll(() => {
    runner = serverlessRunner(fake);
    noRetries = serverlessRunner(fake, { transportRetries: false });
  });
  afterAll(async () => {
    await runner?.close();
    await noRetries?.close();
  });

  it('runs one batch and reports its pending and running time and its usage', async () => {
    const j = job();
    const result = await runner.run(j);
    expect(result.jobId).toBe(runner.batchId(j.runId, 0));
    expect(result.details).toMatchObject({ runner: 'dataproc-serverless', resource: result.jobId });
    expect(Object.keys(result.details!.phasesMs)).toEqual(['pending', 'running']);
    // The fake keeps a batch PENDING for jobPendingMs (30) and RUNNING for jobRunningMs (150).
    expect(result.details!.phasesMs.pending).toBeGreaterThanOrEqual(20);
    expect(result.details!.phasesMs.running).toBeGreaterThanOrEqual(140);
    expect(result.details!.usage?.milliDcuSeconds).toBeGreaterThan(0);
    expect(created(j)).toHaveLength(1);
    expect(fake.state.batches.get(created(j)[0]!)?.state).toBe('SUCCEEDED');
  });

  it('a retry after UNAVAILABLE on create launches exactly one batch', async () => {
    const j = job();
    fake.inject({ kind: 'rpcError', method: 'CreateBatch', code: 14 });
    expect(await failureOf(noRetries.run(j))).toMatchObject({
      type: ErrorType.TransientInfrastructure,
      nonRetryable: false,
    });
    expect(created(j)).toHaveLength(0);
    expect((await noRetries.run(j)).jobId).toMatch(/-0$/);
    expect(created(j)).toHaveLength(1);
  });

  it('a retry after a lost create response finds the batch instead of launching a second', async () => {
    const j = job();
    // The batch is created, the response lost: the attempt fails as Temporal would see it.
    fake.inject({ kind: 'rpcError', method: 'CreateBatch', code: 14, when: 'after' });
    expect(await failureOf(noRetries.run(j))).toMatchObject({ type: ErrorType.TransientInfrastructure });
    expect(created(j)).toHaveLength(1);
    const before = creates();
    const retried = await noRetries.run(j);
    expect(retried.jobId).toMatch(/-0$/);
    expect(creates()).toBe(before); // it found the running batch and waited for it
    expect(created(j)).toHaveLength(1);
  });

  it('a retry after the batch SUCCEEDED returns it without running anything', async () => {
    const j = job();
    const first = await runner.run(j);
    const before = creates();
    const lines: string[] = [];
    const second = await runner.run(j, { onProgress: (l) => lines.push(l) });
    expect(second.jobId).toBe(first.jobId);
    expect(creates()).toBe(before);
    expect(lines).toContain(`batch ${first.jobId}: SUCCEEDED in an earlier attempt`);
  });

  it('two concurrent attempts of one run share one batch', async () => {
    const j = job();
    const [a, b] = await Promise.all([runner.run(j), runner.run(j)]);
    expect(a.jobId).toBe(b.jobId);
    expect(created(j)).toHaveLength(1);
  });

  it('lost executors or missing capacity fail retryably, and the retry launches the next generation', async () => {
    const j = job();
    fake.inject({ kind: 'jobPreempted' });
    const first = await failureOf(runner.run(j));
    expect(first).toMatchObject({ type: ErrorType.TransientInfrastructure, nonRetryable: false });
    expect(first?.message).toMatch(/batch hire10x-[0-9a-f]{16}-0 failed \(infrastructure\): .*ExecutorLostFailure/);
    fake.inject({ kind: 'batchCapacityFailure' });
    const second = await failureOf(runner.run(j));
    expect(second).toMatchObject({ type: ErrorType.TransientInfrastructure, nonRetryable: false });
    expect(second?.message).toMatch(/-1 failed \(infrastructure\): Insufficient 'CPUS_ALL_REGIONS' quota/);
    const third = await runner.run(j);
    expect(third.jobId).toMatch(/-2$/);
    expect(created(j)).toHaveLength(3);
  });

  it("the job's own failure is non-retryable and carries the driver's message", async () => {
    const j = job();
    fake.inject({ kind: 'jobError', message: 'AnalysisException: [UNRESOLVED_COLUMN] user_idd' });
    const error = await failureOf(runner.run(j));
    expect(error).toMatchObject({ type: ErrorType.SparkJobFailed, nonRetryable: true });
    expect(error?.message).toMatch(/UNRESOLVED_COLUMN\] user_idd/);
    expect(error?.details).toMatchObject({ batchId: runner.batchId(j.runId, 0) });
  });

  it('a refused batch (bad runtime version) is non-retryable; quota at create is retryable', async () => {
    fake.inject({ kind: 'rpcError', method: 'CreateBatch', code: 3, message: 'Unsupported runtime version 9.9' });
    expect(await failureOf(noRetries.run(job()))).toMatchObject({
      type: ErrorType.InvalidInput,
      nonRetryable: true,
    });
    fake.inject({ kind: 'rpcError', method: 'CreateBatch', code: 8, message: "Insufficient 'DISKS_TOTAL_GB' quota" });
    expect(await failureOf(noRetries.run(job()))).toMatchObject({
      type: ErrorType.TransientInfrastructure,
      nonRetryable: false,
    });
  });

  it('cleanup cancels a batch still running (a worker died mid-run) and deletes every generation', async () => {
    const j = job();
    fake.inject({ kind: 'jobPreempted' });
    await failureOf(runner.run(j)); // generation 0 FAILED
    fake.inject({ kind: 'jobHangs' });
    const orphan = failureOf(runner.run(j)); // generation 1 never ends by itself
    while (!batchesOf(fake, runner, j.runId).some((b) => b.state === 'RUNNING'))
      await new Promise((r) => setTimeout(r, 20));
    await runner.cleanup(j.runId);
    expect(batchesOf(fake, runner, j.runId)).toEqual([]);
    expect(fake.activeBatches()).toEqual([]);
    // The attempt that was waiting sees its batch cancelled from outside.
    const orphaned = await orphan;
    expect(orphaned).toMatchObject({ type: ErrorType.SparkJobFailed });
    expect(orphaned?.message).toMatch(/cancelled outside this run/);
    await expect(runner.cleanup(j.runId)).resolves.toBeUndefined();
  });

  it('sends the configured batch: runtime, merged properties, labels, the jobs zip, a ttl', async () => {
    const j = job();
    await runner.run(j);
    const request = fake.state.calls.find(
      (c) => c.method === 'CreateBatch' && (c.request as { batchId?: string }).batchId === runner.batchId(j.runId),
    )?.request as { parent: string; requestId: string; batch: Record<string, unknown> };
    expect(request.parent).toBe('projects/hire10x-test/locations/europe-west1');
    expect(request.requestId).toMatch(/^batch-[0-9a-f]+$/);
    expect(request.batch).toMatchObject({
      pysparkBatch: {
        mainPythonFileUri: 'gs://hire10x-jobs/jobs/smoke/word_count.py',
        args: ['gs://hire10x-raw/words.txt'],
        pythonFileUris: ['gs://hire10x-jobs/jobs/jobs.zip'],
      },
      runtimeConfig: {
        version: '2.2',
        properties: {
          'spark.executor.instances': '2',
          'spark.sql.adaptive.enabled': 'true',
          'spark.sql.shuffle.partitions': '8',
        },
      },
      labels: { env: 'test', 'managed-by': 'hire10x-analytics', 'hire10x-job': 'word_count' },
      environmentConfig: { executionConfig: { ttl: { seconds: '14400' } } },
    });
  });

  it('refuses bad options', () => {
    const base = { projectId: 'hire10x-prod', region: 'europe-west1', jobsUri: 'gs://hire10x-jobs/jobs' };
    expect(() => new DataprocServerlessRunner({ ...base, runtimeVersion: 'latest' })).toThrow(/runtime version/);
    expect(() => new DataprocServerlessRunner({ ...base, properties: { 'executor.cores': '4' } })).toThrow(
      /Invalid key in record[\s\S]*properties/,
    );
    expect(() => new DataprocServerlessRunner({ ...base, batchIdPrefix: 'Hire10x' })).toThrow(PlatformError);
  });
});

describe('DATAPROC_MODE=auto against the fake', () => {
  it('a small day runs as a batch, a large one on a cluster, each attempt finding its own', async () => {
    const cluster = dataprocRunner(fake);
    const serverless = serverlessRunner(fake);
    const auto = new ModeSelectingSparkRunner('auto', 1_000_000, { cluster, serverless });
    try {
      const small: SparkJob = {
        runId: `auto-small-${process.pid}`,
        name: 'word_count',
        mainPythonFile: 'w.py',
        args: [],
        inputRows: 35_000,
      };
      const large: SparkJob = { ...small, runId: `auto-large-${process.pid}`, inputRows: 1_200_000 };
      const a = await auto.run(small);
      expect(a.details).toMatchObject({ runner: 'dataproc-serverless', reason: 'auto: 35000 rows ≤ 1000000' });
      expect(batchesOf(fake, serverless, small.runId)).toHaveLength(1);
      expect(fake.state.createdClusters.filter((c) => c.clusterName === cluster.clusterName(small.runId))).toEqual([]);
      const b = await auto.run(large);
      expect(b.details).toMatchObject({ runner: 'dataproc-cluster', reason: 'auto: 1200000 rows > 1000000' });
      expect(batchesOf(fake, serverless, large.runId)).toEqual([]);
      expect(fake.state.createdClusters.filter((c) => c.clusterName === cluster.clusterName(large.runId))).toHaveLength(
        1,
      );
      // cleanup looks in both places; the small day's batch record goes, nothing else was left.
      await auto.cleanup(small.runId);
      await auto.cleanup(large.runId);
      expect(batchesOf(fake, serverless, small.runId)).toEqual([]);
      expect(fake.clusterNames()).toEqual([]);
    } finally {
      await auto.close();
    }
  });
});

describe('the Dataproc fake: batches', () => {
  it('serves the real BatchController client: create (LRO), get, list, delete, cancel through the operation', async () => {
    const batches = new BatchControllerClient({
      apiEndpoint: 'localhost',
      port: fake.port,
      sslCreds: grpc.credentials.createInsecure(),
    });
    const parent = batches.locationPath('hire10x-test', 'us-central1');
    try {
      const [operation] = await batches.createBatch({
        parent,
        batchId: 'fake-listed-1',
        requestId: 'fake-listed-1',
        batch: { labels: { team: 'data' }, pysparkBatch: { mainPythonFileUri: 'gs://b/main.py' } },
      });
      const [again] = await batches.createBatch({
        parent,
        batchId: 'fake-listed-1',
        requestId: 'fake-listed-1',
        batch: { pysparkBatch: { mainPythonFileUri: 'gs://b/main.py' } },
      });
      expect(again.name).toBe(operation.name);
      await expect(
        batches.createBatch({
          parent,
          batchId: 'fake-listed-1',
          batch: { pysparkBatch: { mainPythonFileUri: 'gs://b/main.py' } },
        }),
      ).rejects.toMatchObject({ code: grpc.status.ALREADY_EXISTS });
      await expect(
        batches.deleteBatch({ name: batches.batchPath('hire10x-test', 'us-central1', 'fake-listed-1') }),
      ).rejects.toMatchObject({ code: grpc.status.FAILED_PRECONDITION });
      const [done] = await operation.promise();
      // The LRO's response is decoded by protobufjs (enum numbers), GetBatch's by gRPC (enum names).
      expect(protos.google.cloud.dataproc.v1.Batch.State[done.state as number]).toBe('SUCCEEDED');
      const [listed] = await batches.listBatches({ parent, filter: 'labels.team = data' });
      expect(listed.map((b) => b.name)).toEqual([batches.batchPath('hire10x-test', 'us-central1', 'fake-listed-1')]);
      await batches.deleteBatch({ name: listed[0]!.name! });
      await expect(batches.getBatch({ name: listed[0]!.name! })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });

      fake.inject({ kind: 'jobHangs' });
      const [hanging] = await batches.createBatch({
        parent,
        batchId: 'fake-hangs-1',
        batch: { pysparkBatch: { mainPythonFileUri: 'gs://b/main.py' } },
      });
      await batches.cancelOperation({ name: hanging.name! } as unknown as Parameters<
        BatchControllerClient['cancelOperation']
      >[0]);
      await expect(hanging.promise()).rejects.toMatchObject({ code: grpc.status.CANCELLED });
      const [cancelled] = await batches.getBatch({
        name: batches.batchPath('hire10x-test', 'us-central1', 'fake-hangs-1'),
      });
      expect(cancelled.state).toBe('CANCELLED');
    } finally {
      await batches.close();
    }
  });
});
