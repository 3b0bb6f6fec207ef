import { credentials } from '@grpc/grpc-js';
import { ClusterControllerClient, JobControllerClient, protos } from '@google-cloud/dataproc';
import { z } from 'zod';
import { ErrorType, PlatformError } from '../errors';
import type { SparkJob, SparkRunner, SparkRunOptions, SparkRunResult } from '../ports';
import { abortableSleep, abortReason, pollBackoff, validateSparkJob } from './job';
import { classifyClusterFailure, classifyGrpcError, classifyJobFailure, grpcCode, GrpcCode } from './dataproc-errors';
import {
  clusterNameFor,
  dataprocRunnerOptionsSchema,
  jobIdFor,
  requestIdFor,
  type DataprocRunnerOptions,
  type DataprocRunnerOptionsInput,
} from './dataproc-options';
import { clusterSpecFor, pysparkJobFor } from './dataproc-specs';

type ICluster = protos.google.cloud.dataproc.v1.ICluster;
type IJob = protos.google.cloud.dataproc.v1.IJob;
type ClientOptions = NonNullable<ConstructorParameters<typeof ClusterControllerClient>[0]>;
const ClusterState = protos.google.cloud.dataproc.v1.ClusterStatus.State;
const JobState = protos.google.cloud.dataproc.v1.JobStatus.State;

/** Successive attempts of one run whose jobs ended in ERROR/CANCELLED; past this the run is considered broken. */
const MAX_GENERATIONS = 20;
/** How many times a stale create request id (its cluster already deleted) is replaced before giving up. */
const MAX_CREATE_REQUESTS = 5;

/** Enum values arrive as names over gRPC and as numbers over REST; compare names. */
function enumName(value: unknown, names: Record<number, string>): string {
  if (typeof value === 'number') return names[value] ?? String(value);
  return typeof value === 'string' ? value : 'STATE_UNSPECIFIED';
}
const clusterState = (c: ICluster) => enumName(c.status?.state, ClusterState);
const jobState = (j: IJob) => enumName(j.status?.state, JobState);
const TERMINAL_JOB_STATES = new Set(['DONE', 'ERROR', 'CANCELLED']);

/**
 * SparkRunner on Dataproc: one ephemeral cluster per run, created → job submitted → cluster deleted. Every
 * identifier (cluster name, job id, request ids) derives from `SparkJob.runId`, so a retried attempt picks up the
 * cluster and job of the one before rather than paying for a second cluster; the cluster is deleted whatever
 * happens, and `deleteCluster(runId)` lets a workflow's cleanup activity finish the job after a cancellation.
 */
export class DataprocSparkRunner implements SparkRunner {
  readonly options: DataprocRunnerOptions;
  private readonly clusters: ClusterControllerClient;
  private readonly jobs: JobControllerClient;
  private readonly callOptions: { retry?: { retryCodes: number[] } };

  constructor(options: DataprocRunnerOptionsInput) {
    const parsed = dataprocRunnerOptionsSchema.safeParse(options);
    if (!parsed.success) {
      throw new PlatformError(ErrorType.InvalidInput, `invalid Dataproc options: ${z.prettifyError(parsed.error)}`);
    }
    this.options = parsed.data;
    const { endpoint, region } = this.options;
    const clientOptions: ClientOptions = endpoint
      ? {
          apiEndpoint: endpoint.host,
          port: endpoint.port,
          // An explicit universe spares google-auth a credentials lookup (and a metadata-server probe) it cannot
          // use against an insecure emulator anyway.
          ...(endpoint.insecure ? { sslCreds: credentials.createInsecure(), universeDomain: 'googleapis.com' } : {}),
        }
      : { apiEndpoint: `${region}-dataproc.googleapis.com` };
    this.clusters = new ClusterControllerClient(clientOptions);
    this.jobs = new JobControllerClient(clientOptions);
    this.callOptions = this.options.transportRetries ? {} : { retry: { retryCodes: [] } };
  }

  clusterName(runId: string): string {
    return clusterNameFor(this.options.clusterNamePrefix, runId);
  }

  async run(job: SparkJob, options: SparkRunOptions = {}): Promise<SparkRunResult> {
    validateSparkJob(job);
    const { signal } = options;
    signal?.throwIfAborted();
    const progress = options.onProgress ?? (() => undefined);
    const started = Date.now();
    const clusterName = this.clusterName(job.runId);
    // Wall time of each phase: what the stage table and pipeline_runs.transform_details show.
    const phasesMs = { clusterCreate: 0, job: 0, clusterDelete: 0 };
    let done: { jobId: string; driverOutput: string } | undefined;
    let failure: Error | undefined;
    try {
      const found = await this.findJob(job);
      const generation = found.generation;
      let existing = found.existing;
      if (existing && jobState(existing) === 'DONE') {
        progress(`job ${existing.reference?.jobId}: DONE in an earlier attempt`);
      } else {
        if (!existing) {
          const createStarted = Date.now();
          await this.ensureCluster(job.runId, progress, signal);
          phasesMs.clusterCreate = Date.now() - createStarted;
          progress(`cluster ${clusterName}: RUNNING after ${phasesMs.clusterCreate} ms`);
        }
        const jobStarted = Date.now();
        try {
          if (!existing) existing = await this.submit(job, clusterName, generation);
          existing = await this.waitForJob(existing, progress, signal);
        } finally {
          phasesMs.job = Date.now() - jobStarted;
        }
      }
      done = {
        jobId: existing.reference?.jobId ?? jobIdFor(job.name, job.runId, generation),
        driverOutput: existing.driverOutputResourceUri ?? '(none)',
      };
    } catch (error) {
      failure = signal?.aborted ? abortReason(signal) : error instanceof Error ? error : new Error(String(error));
    }

    const deleteStarted = Date.now();
    try {
      await this.deleteCluster(job.runId, progress);
      phasesMs.clusterDelete = Date.now() - deleteStarted;
    } catch (cleanupError) {
      // A failed run keeps its own error (the cleanup activity will retry the delete); a successful one fails
      // retryably, and the next attempt finds the job DONE and only deletes the cluster.
      if (failure === undefined) throw cleanupError;
      if (failure instanceof PlatformError) failure.details.cleanupError = String(cleanupError);
    }
    if (failure !== undefined) {
      if (failure instanceof PlatformError) failure.details.phasesMs = { ...phasesMs };
      throw failure;
    }
    return {
      output: `Dataproc job ${done!.jobId} DONE on ${clusterName}; driver output: ${done!.driverOutput}`,
      durationMs: Date.now() - started,
      jobId: done!.jobId,
      details: { runner: 'dataproc-cluster', phasesMs, resource: clusterName },
    };
  }

  /** Deletes the run's cluster and waits until it is gone; idempotent (a missing cluster is success). */
  async deleteCluster(runId: string, onProgress: (line: string) => void = () => undefined): Promise<void> {
    const { projectId, region, deleteTimeoutMs } = this.options;
    const clusterName = this.clusterName(runId);
    const deadline = Date.now() + deleteTimeoutMs;
    const backoff = pollBackoff(this.options.pollInitialMs, this.options.pollMaxMs);
    while (Date.now() < deadline) {
      const cluster = await this.getCluster(clusterName);
      if (!cluster) return;
      const state = clusterState(cluster);
      onProgress(`cluster ${clusterName}: ${state}`);
      if (state !== 'DELETING') {
        try {
          const [operation] = await this.clusters.deleteCluster(
            {
              projectId,
              region,
              clusterName,
              clusterUuid: cluster.clusterUuid ?? '',
              // Keyed by the cluster's uuid, not the run: a later cluster of the same name must get a fresh id, or
              // Dataproc would answer with the old, finished delete operation and leave it running.
              requestId: requestIdFor('delete', cluster.clusterUuid ?? clusterName),
            },
            this.callOptions,
          );
          await this.waitForOperation('delete', operation.name ?? '', onProgress);
        } catch (error) {
          const code = grpcCode(error);
          if (code === GrpcCode.NOT_FOUND) return;
          // Dataproc refuses to delete a cluster mid-transition (creating, updating); wait and try again.
          if (code !== GrpcCode.FAILED_PRECONDITION) throw classifyGrpcError(error, `delete of cluster ${clusterName}`);
        }
      }
      await abortableSleep(backoff());
    }
    throw new PlatformError(
      ErrorType.Timeout,
      `Dataproc cluster ${clusterName} still exists after ${deleteTimeoutMs} ms`,
    );
  }

  cleanup(runId: string): Promise<void> {
    return this.deleteCluster(runId);
  }

  async close(): Promise<void> {
    await Promise.all([this.clusters.close(), this.jobs.close()]);
  }

  /**
   * Finds the job an earlier attempt of this run submitted. Generation g's job id is fixed; when it ended in ERROR or
   * CANCELLED, the next attempt moves to g+1 (a job id cannot be reused), so the walk is deterministic and two
   * concurrent attempts agree on the same job.
   */
  private async findJob(job: SparkJob): Promise<{ generation: number; existing?: IJob }> {
    for (let generation = 0; generation < MAX_GENERATIONS; generation++) {
      const existing = await this.getJob(jobIdFor(job.name, job.runId, generation));
      if (!existing) return { generation };
      const state = jobState(existing);
      if (state !== 'ERROR' && state !== 'CANCELLED') return { generation, existing };
    }
    throw new PlatformError(ErrorType.SparkJobFailed, `run ${job.runId} already failed ${MAX_GENERATIONS} times`);
  }

  /** Brings the run's cluster to RUNNING, reusing one an earlier or concurrent attempt created. */
  private async ensureCluster(runId: string, progress: (line: string) => void, signal?: AbortSignal): Promise<void> {
    const { projectId, region } = this.options;
    const clusterName = this.clusterName(runId);
    let salt = '';
    for (let request = 0; request < MAX_CREATE_REQUESTS; request++) {
      const found = await this.waitForSettledCluster(clusterName, progress, signal);
      if (found && clusterState(found) === 'RUNNING') return;
      if (found) {
        // ERROR (or stopped): a failed cluster is no use to anyone; replace it.
        const failure = classifyClusterFailure(clusterName, found.status?.detail ?? clusterState(found));
        if (!failure.nonRetryable) {
          await this.deleteCluster(runId, progress);
        } else {
          throw failure;
        }
      }
      signal?.throwIfAborted();
      const requestId = requestIdFor('create', runId, salt);
      let operationName: string;
      try {
        const [operation] = await this.clusters.createCluster(
          { projectId, region, cluster: clusterSpecFor(this.options, this.clusterName(runId), runId), requestId },
          this.callOptions,
        );
        operationName = operation.name ?? '';
        progress(`cluster ${clusterName}: create requested (${operationName})`);
      } catch (error) {
        // Another attempt created it under a different request id: wait for that one instead.
        if (grpcCode(error) === GrpcCode.ALREADY_EXISTS) continue;
        throw classifyGrpcError(error, `create of cluster ${clusterName}`);
      }
      const operationError = await this.waitForOperation('create', operationName, progress, signal);
      const cluster = await this.getCluster(clusterName);
      if (cluster && clusterState(cluster) === 'RUNNING') return;
      if (operationError && cluster)
        throw classifyClusterFailure(clusterName, cluster.status?.detail ?? operationError.message);
      if (operationError) throw classifyGrpcError(operationError, `create of cluster ${clusterName}`);
      if (cluster) continue;
      // The operation says "created" but the cluster is gone: the request id belongs to a cluster an earlier attempt
      // already deleted. Derive the next id from that operation, so concurrent attempts still agree on it.
      salt = operationName;
    }
    throw new PlatformError(ErrorType.TransientInfrastructure, `could not create Dataproc cluster ${clusterName}`);
  }

  /** Waits while the cluster is being created, updated or deleted; returns it settled, or undefined once gone. */
  private async waitForSettledCluster(
    clusterName: string,
    progress: (line: string) => void,
    signal?: AbortSignal,
  ): Promise<ICluster | undefined> {
    const backoff = pollBackoff(this.options.pollInitialMs, this.options.pollMaxMs);
    for (;;) {
      const cluster = await this.getCluster(clusterName);
      if (!cluster) return undefined;
      const state = clusterState(cluster);
      if (!['CREATING', 'UPDATING', 'DELETING', 'STARTING', 'STOPPING', 'REPAIRING'].includes(state)) return cluster;
      progress(`cluster ${clusterName}: ${state}`);
      await abortableSleep(backoff(), signal);
    }
  }

  private async submit(job: SparkJob, clusterName: string, generation: number): Promise<IJob> {
    const { projectId, region } = this.options;
    const jobId = jobIdFor(job.name, job.runId, generation);
    try {
      const [submitted] = await this.jobs.submitJob(
        {
          projectId,
          region,
          requestId: requestIdFor('submit', job.runId, String(generation)),
          job: pysparkJobFor(this.options, job, clusterName, jobId),
        },
        this.callOptions,
      );
      return submitted;
    } catch (error) {
      if (grpcCode(error) === GrpcCode.ALREADY_EXISTS) {
        const existing = await this.getJob(jobId);
        if (existing) return existing;
      }
      throw classifyGrpcError(error, `submit of job ${jobId}`);
    }
  }

  /** Polls until the job is terminal; on abort cancels it first. DONE returns, anything else throws. */
  private async waitForJob(job: IJob, progress: (line: string) => void, signal?: AbortSignal): Promise<IJob> {
    const jobId = job.reference?.jobId ?? '';
    const backoff = pollBackoff(this.options.pollInitialMs, this.options.pollMaxMs);
    let last = '';
    let current = job;
    for (;;) {
      const state = jobState(current);
      const detail = current.status?.details ? ` ${current.status.details}` : '';
      // Every poll reports, not only changes: the activity heartbeats on progress and a long RUNNING must not starve it.
      progress(`job ${jobId}: ${state}${detail}`);
      if (state !== last) backoff.reset();
      last = state;
      if (state === 'DONE') return current;
      if (state === 'ERROR') throw classifyJobFailure(jobId, current.status?.details ?? '');
      if (state === 'CANCELLED') {
        throw new PlatformError(ErrorType.SparkJobFailed, `Dataproc job ${jobId} was cancelled outside this run`, {
          details: { jobId },
        });
      }
      try {
        await abortableSleep(backoff(), signal);
      } catch (aborted) {
        await this.cancelJob(jobId, progress);
        throw aborted;
      }
      current = (await this.getJob(jobId)) ?? current;
    }
  }

  private async cancelJob(jobId: string, progress: (line: string) => void): Promise<void> {
    const { projectId, region } = this.options;
    try {
      await this.jobs.cancelJob({ projectId, region, jobId }, this.callOptions);
    } catch (error) {
      // Already terminal (FAILED_PRECONDITION) or gone: nothing left to stop.
      const code = grpcCode(error);
      if (code !== GrpcCode.FAILED_PRECONDITION && code !== GrpcCode.NOT_FOUND)
        throw classifyGrpcError(error, 'cancel');
    }
    // Deleting the cluster under a job still being cancelled loses its final status; wait briefly for it to settle.
    const backoff = pollBackoff(this.options.pollInitialMs, this.options.pollMaxMs);
    for (let poll = 0; poll < 10; poll++) {
      const job = await this.getJob(jobId);
      if (!job || TERMINAL_JOB_STATES.has(jobState(job))) {
        progress(`job ${jobId}: ${job ? jobState(job) : 'gone'}`);
        return;
      }
      await abortableSleep(backoff());
    }
  }

  /** Polls a cluster operation to completion; returns its error (the caller decides what it means). */
  private async waitForOperation(
    kind: 'create' | 'delete',
    name: string,
    progress: (line: string) => void,
    signal?: AbortSignal,
  ): Promise<Error | undefined> {
    const backoff = pollBackoff(this.options.pollInitialMs, this.options.pollMaxMs);
    for (;;) {
      const operation =
        kind === 'create'
          ? await this.clusters.checkCreateClusterProgress(name)
          : await this.clusters.checkDeleteClusterProgress(name);
      // gax sets `error` but not `done` on a failed operation; the raw response knows both.
      if (operation.error) return operation.error;
      if (operation.done || operation.latestResponse?.done) return undefined;
      progress(`operation ${name}: ${kind} running`);
      await abortableSleep(backoff(), signal);
    }
  }

  private async getCluster(clusterName: string): Promise<ICluster | undefined> {
    const { projectId, region } = this.options;
    try {
      const [cluster] = await this.clusters.getCluster({ projectId, region, clusterName }, this.callOptions);
      return cluster;
    } catch (error) {
      if (grpcCode(error) === GrpcCode.NOT_FOUND) return undefined;
      throw classifyGrpcError(error, `get of cluster ${clusterName}`);
    }
  }

  private async getJob(jobId: string): Promise<IJob | undefined> {
    const { projectId, region } = this.options;
    try {
      const [job] = await this.jobs.getJob({ projectId, region, jobId }, this.callOptions);
      return job;
    } catch (error) {
      if (grpcCode(error) === GrpcCode.NOT_FOUND) return undefined;
      throw classifyGrpcError(error, `get of job ${jobId}`);
    }
  }
}
