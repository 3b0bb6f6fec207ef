import { credentials } from '@grpc/grpc-js';
import { BatchControllerClient, protos } from '@google-cloud/dataproc';
import { z } from 'zod';
import { ErrorType, PlatformError } from '../errors';
import type { SparkJob, SparkRunDetails, SparkRunner, SparkRunOptions, SparkRunResult } from '../ports';
import { abortableSleep, abortReason, pollBackoff, validateSparkJob } from './job';
import { classifyGrpcError, grpcCode, GrpcCode, TRANSIENT_FAILURE_DETAIL } from './dataproc-errors';
import { requestIdFor, runHash } from './dataproc-options';
import {
  batchIdFor,
  dataprocServerlessOptionsSchema,
  type DataprocServerlessOptions,
  type DataprocServerlessOptionsInput,
} from './dataproc-serverless-options';

export {
  batchIdFor,
  dataprocServerlessOptionsSchema,
  type DataprocServerlessOptions,
  type DataprocServerlessOptionsInput,
} from './dataproc-serverless-options';

type IBatch = protos.google.cloud.dataproc.v1.IBatch;
type ClientOptions = NonNullable<ConstructorParameters<typeof BatchControllerClient>[0]>;
const BatchState = protos.google.cloud.dataproc.v1.Batch.State;

/** Successive attempts of one run whose batches ended FAILED/CANCELLED; past this the run is considered broken. */
const MAX_GENERATIONS = 20;
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** The CreateBatch body: the same PySpark file, args and `jobs` zip the cluster runner submits. */
export function pysparkBatchFor(o: DataprocServerlessOptions, job: SparkJob): IBatch {
  return {
    labels: {
      ...o.labels,
      'managed-by': 'hire10x-analytics',
      'hire10x-run': runHash(job.runId),
      'hire10x-job': job.name,
    },
    pysparkBatch: {
      mainPythonFileUri: `${o.jobsUri}/${job.mainPythonFile}`,
      args: job.args,
      pythonFileUris: [o.libZipUri ?? `${o.jobsUri}/jobs.zip`, ...(job.pyFiles ?? []).map((f) => `${o.jobsUri}/${f}`)],
    },
    runtimeConfig: { version: o.runtimeVersion, properties: { ...o.properties, ...(job.properties ?? {}) } },
    environmentConfig: {
      executionConfig: {
        ...(o.serviceAccount ? { serviceAccount: o.serviceAccount } : {}),
        ...(o.subnetworkUri ? { subnetworkUri: o.subnetworkUri } : {}),
        ...(o.stagingBucket ? { stagingBucket: o.stagingBucket } : {}),
        ttl: { seconds: o.ttlSeconds },
      },
    },
  };
}

/** Enum values arrive as names over gRPC and as numbers over REST; compare names. */
function stateName(value: unknown): string {
  if (typeof value === 'number') return BatchState[value] ?? String(value);
  return typeof value === 'string' ? value : 'STATE_UNSPECIFIED';
}

/** A protobuf Timestamp as epoch ms (seconds arrive as a number, a string or a Long depending on the transport). */
function timestampMs(t: { seconds?: unknown; nanos?: unknown } | null | undefined): number | undefined {
  if (!t || t.seconds === undefined || t.seconds === null) return undefined;
  // A Long (protobufjs) has toString(); numbers and strings convert directly.
  const raw = t.seconds as number | string | { toString(): string };
  const seconds = Number(typeof raw === 'object' ? raw.toString() : raw);
  return seconds * 1000 + Math.floor(Number(t.nanos ?? 0) / 1e6);
}

/**
 * Phase times from the batch's own record: `pending` from creation to RUNNING (Dataproc provisioning driver and
 * executors: the Serverless counterpart of the cluster's create), `running` from RUNNING to the end.
 */
export function batchPhases(batch: IBatch): Record<string, number> {
  const entries = [
    ...(batch.stateHistory ?? []).map((h) => ({ state: stateName(h.state), at: timestampMs(h.stateStartTime) })),
    { state: stateName(batch.state), at: timestampMs(batch.stateTime) },
  ];
  const created = timestampMs(batch.createTime) ?? entries[0]?.at;
  const running = entries.find((e) => e.state === 'RUNNING')?.at;
  const ended = entries.find((e) => TERMINAL.has(e.state))?.at;
  const phases: Record<string, number> = {};
  if (created !== undefined) phases.pending = Math.max(0, (running ?? ended ?? created) - created);
  if (running !== undefined && ended !== undefined) phases.running = Math.max(0, ended - running);
  return phases;
}

function usageOf(batch: IBatch): Record<string, number> | undefined {
  const usage = batch.runtimeInfo?.approximateUsage;
  if (!usage) return undefined;
  const out: Record<string, number> = {};
  if (usage.milliDcuSeconds !== undefined && usage.milliDcuSeconds !== null)
    out.milliDcuSeconds = Number(String(usage.milliDcuSeconds));
  if (usage.shuffleStorageGbSeconds !== undefined && usage.shuffleStorageGbSeconds !== null)
    out.shuffleStorageGbSeconds = Number(String(usage.shuffleStorageGbSeconds));
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A FAILED batch: capacity, quota and lost executors are the platform's fault (retryable), the rest the job's code. */
export function classifyBatchFailure(batchId: string, message: string): PlatformError {
  const transient = TRANSIENT_FAILURE_DETAIL.test(message);
  return new PlatformError(
    transient ? ErrorType.TransientInfrastructure : ErrorType.SparkJobFailed,
    `Dataproc batch ${batchId} failed${transient ? ' (infrastructure)' : ''}: ${message || 'no details'}`,
    { details: { batchId, driverMessage: message } },
  );
}

/**
 * SparkRunner on Dataproc Serverless: one batch per run (generation), no cluster to create or delete. The batch id
 * derives from `SparkJob.runId`, so a retried or concurrent attempt finds the batch of the one before (running: it
 * waits for it; SUCCEEDED: it returns without running anything) instead of launching a second; a new generation's
 * batch is created only after the previous one ended FAILED or CANCELLED. Batch records stay after `run` (a retry can
 * inspect them) until `cleanup(runId)` cancels whatever still runs and deletes them.
 */
export class DataprocServerlessRunner implements SparkRunner {
  readonly options: DataprocServerlessOptions;
  private readonly batches: BatchControllerClient;
  private readonly callOptions: { retry?: { retryCodes: number[] } };

  constructor(options: DataprocServerlessOptionsInput) {
    const parsed = dataprocServerlessOptionsSchema.safeParse(options);
    if (!parsed.success) {
      throw new PlatformError(
        ErrorType.InvalidInput,
        `invalid Dataproc Serverless options: ${z.prettifyError(parsed.error)}`,
      );
    }
    this.options = parsed.data;
    const { endpoint, region } = this.options;
    const clientOptions: ClientOptions = endpoint
      ? {
          apiEndpoint: endpoint.host,
          port: endpoint.port,
          ...(endpoint.insecure ? { sslCreds: credentials.createInsecure(), universeDomain: 'googleapis.com' } : {}),
        }
      : { apiEndpoint: `${region}-dataproc.googleapis.com` };
    this.batches = new BatchControllerClient(clientOptions);
    this.callOptions = this.options.transportRetries ? {} : { retry: { retryCodes: [] } };
  }

  batchId(runId: string, generation = 0): string {
    return batchIdFor(this.options.batchIdPrefix, runId, generation);
  }

  private parent(): string {
    return `projects/${this.options.projectId}/locations/${this.options.region}`;
  }

  private batchName(batchId: string): string {
    return `${this.parent()}/batches/${batchId}`;
  }

  async run(job: SparkJob, options: SparkRunOptions = {}): Promise<SparkRunResult> {
    validateSparkJob(job);
    const { signal } = options;
    signal?.throwIfAborted();
    const progress = options.onProgress ?? (() => undefined);
    const started = Date.now();
    try {
      const found = await this.findBatch(job.runId);
      let batch = found.existing;
      const batchId = this.batchId(job.runId, found.generation);
      if (batch && stateName(batch.state) === 'SUCCEEDED') {
        progress(`batch ${batchId}: SUCCEEDED in an earlier attempt`);
      } else {
        if (!batch) batch = await this.create(job, found.generation, progress);
        batch = await this.waitForBatch(batchId, batch, progress, signal);
      }
      const details: SparkRunDetails = {
        runner: 'dataproc-serverless',
        phasesMs: batchPhases(batch),
        resource: batchId,
      };
      const usage = usageOf(batch);
      if (usage) details.usage = usage;
      return {
        output: `Dataproc batch ${batchId} SUCCEEDED; output: ${batch.runtimeInfo?.outputUri ?? '(none)'}`,
        durationMs: Date.now() - started,
        jobId: batchId,
        details,
      };
    } catch (error) {
      throw signal?.aborted ? abortReason(signal) : error;
    }
  }

  /**
   * Cancels any batch of the run still going, then deletes the run's batch records (newest generation first, so an
   * interrupted cleanup leaves the generation walk intact); idempotent.
   */
  async cleanup(runId: string): Promise<void> {
    const existing: { batchId: string; batch: IBatch }[] = [];
    for (let generation = 0; generation < MAX_GENERATIONS; generation++) {
      const batchId = this.batchId(runId, generation);
      const batch = await this.getBatch(batchId);
      if (!batch) break;
      existing.push({ batchId, batch });
    }
    for (const { batchId, batch } of existing.reverse()) {
      if (!TERMINAL.has(stateName(batch.state))) await this.cancel(batchId, batch, () => undefined, true);
      try {
        await this.batches.deleteBatch({ name: this.batchName(batchId) }, this.callOptions);
      } catch (error) {
        if (grpcCode(error) !== GrpcCode.NOT_FOUND) throw classifyGrpcError(error, `delete of batch ${batchId}`);
      }
    }
  }

  async close(): Promise<void> {
    await this.batches.close();
  }

  /** The generation walk: batch g's id is fixed; g+1 is used only once g ended FAILED or CANCELLED. */
  private async findBatch(runId: string): Promise<{ generation: number; existing?: IBatch }> {
    for (let generation = 0; generation < MAX_GENERATIONS; generation++) {
      const existing = await this.getBatch(this.batchId(runId, generation));
      if (!existing) return { generation };
      const state = stateName(existing.state);
      if (state !== 'FAILED' && state !== 'CANCELLED') return { generation, existing };
    }
    throw new PlatformError(ErrorType.SparkJobFailed, `run ${runId} already failed ${MAX_GENERATIONS} times`);
  }

  private async create(job: SparkJob, generation: number, progress: (line: string) => void): Promise<IBatch> {
    const batchId = this.batchId(job.runId, generation);
    try {
      const [operation] = await this.batches.createBatch(
        {
          parent: this.parent(),
          batchId,
          // Same request id on a retried call whose response was lost: Dataproc answers with the first operation.
          requestId: requestIdFor('batch', job.runId, String(generation)),
          batch: pysparkBatchFor(this.options, job),
        },
        this.callOptions,
      );
      progress(`batch ${batchId}: create requested (${operation.name ?? ''})`);
    } catch (error) {
      // A concurrent attempt created it first: wait for that one.
      if (grpcCode(error) !== GrpcCode.ALREADY_EXISTS) throw classifyGrpcError(error, `create of batch ${batchId}`);
      progress(`batch ${batchId}: created by another attempt`);
    }
    const batch = await this.getBatch(batchId);
    if (!batch) {
      throw new PlatformError(ErrorType.TransientInfrastructure, `Dataproc batch ${batchId} vanished after its create`);
    }
    return batch;
  }

  /** Polls until the batch ends; on abort cancels it first. SUCCEEDED returns, anything else throws. */
  private async waitForBatch(
    batchId: string,
    batch: IBatch,
    progress: (line: string) => void,
    signal?: AbortSignal,
  ): Promise<IBatch> {
    const backoff = pollBackoff(this.options.pollInitialMs, this.options.pollMaxMs);
    let last = '';
    let current = batch;
    for (;;) {
      const state = stateName(current.state);
      // Every poll reports, not only changes: the activity heartbeats on progress.
      progress(`batch ${batchId}: ${state}${current.stateMessage ? ` ${current.stateMessage}` : ''}`);
      if (state !== last) backoff.reset();
      last = state;
      if (state === 'SUCCEEDED') return current;
      if (state === 'FAILED') throw classifyBatchFailure(batchId, current.stateMessage ?? '');
      if (state === 'CANCELLED') {
        throw new PlatformError(ErrorType.SparkJobFailed, `Dataproc batch ${batchId} was cancelled outside this run`, {
          details: { batchId },
        });
      }
      try {
        await abortableSleep(backoff(), signal);
      } catch (aborted) {
        await this.cancel(batchId, current, progress, false);
        throw aborted;
      }
      current = (await this.getBatch(batchId)) ?? current;
    }
  }

  /**
   * Cancels a batch through its long-running operation and waits for it to end: briefly after an abort (the cleanup
   * activity finishes the job), up to `cancelTimeoutMs` in cleanup, which must not delete a batch still running.
   */
  private async cancel(batchId: string, batch: IBatch, progress: (line: string) => void, mustEnd: boolean) {
    if (batch.operation) {
      try {
        // The gax typings want a message instance; the plain request object is what it sends either way.
        await this.batches.cancelOperation({
          name: batch.operation,
        } as unknown as Parameters<BatchControllerClient['cancelOperation']>[0]);
      } catch (error) {
        const code = grpcCode(error);
        if (code !== GrpcCode.FAILED_PRECONDITION && code !== GrpcCode.NOT_FOUND)
          throw classifyGrpcError(error, `cancel of batch ${batchId}`);
      }
    }
    const backoff = pollBackoff(this.options.pollInitialMs, this.options.pollMaxMs);
    const deadline = Date.now() + (mustEnd ? this.options.cancelTimeoutMs : 10 * this.options.pollMaxMs);
    while (Date.now() < deadline) {
      const current = await this.getBatch(batchId);
      if (!current || TERMINAL.has(stateName(current.state))) {
        progress(`batch ${batchId}: ${current ? stateName(current.state) : 'gone'}`);
        return;
      }
      await abortableSleep(backoff());
    }
    if (mustEnd) {
      throw new PlatformError(ErrorType.Timeout, `Dataproc batch ${batchId} still running after its cancellation`);
    }
  }

  private async getBatch(batchId: string): Promise<IBatch | undefined> {
    try {
      const [batch] = await this.batches.getBatch({ name: this.batchName(batchId) }, this.callOptions);
      return batch;
    } catch (error) {
      if (grpcCode(error) === GrpcCode.NOT_FOUND) return undefined;
      throw classifyGrpcError(error, `get of batch ${batchId}`);
    }
  }
}
