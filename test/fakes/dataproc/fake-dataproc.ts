import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { protos } from '@google-cloud/dataproc';
import { encodeBatch, encodeCluster } from './protos';

type ICluster = protos.google.cloud.dataproc.v1.ICluster;
type IJob = protos.google.cloud.dataproc.v1.IJob;
type IBatch = protos.google.cloud.dataproc.v1.IBatch;
type IOperation = protos.google.longrunning.IOperation;
const v1 = 'google.cloud.dataproc.v1';

export type RpcMethod =
  | 'CreateCluster'
  | 'GetCluster'
  | 'DeleteCluster'
  | 'ListClusters'
  | 'SubmitJob'
  | 'GetJob'
  | 'CancelJob'
  | 'ListJobs'
  | 'CreateBatch'
  | 'GetBatch'
  | 'DeleteBatch'
  | 'ListBatches'
  | 'GetOperation'
  | 'CancelOperation';

/** Failures the fake can be told to produce; each is consumed by the next call or job it applies to. */
export type Injection =
  /**
   * The next `times` calls of `method` fail with `code`. `when: 'after'` applies the call first and then loses the
   * response (the server did the work, the client saw an error), the case request ids exist for.
   */
  | {
      kind: 'rpcError';
      method: RpcMethod;
      code: grpc.status;
      message?: string;
      times?: number;
      when?: 'before' | 'after';
    }
  /** The next CreateCluster is refused for lack of CPU quota (RESOURCE_EXHAUSTED). */
  | { kind: 'quotaExceeded' }
  /** The next cluster creation operation fails and leaves the cluster in ERROR with this detail. */
  | { kind: 'clusterCreateFails'; message: string }
  /** The next submitted job or created batch ends in ERROR / FAILED because its own code failed with this message. */
  | { kind: 'jobError'; message: string }
  /** The next submitted job (or batch) ends in ERROR / FAILED because executors were lost (preempted nodes). */
  | { kind: 'jobPreempted' }
  /** The next submitted job or created batch stays RUNNING until cancelled. */
  | { kind: 'jobHangs' }
  /**
   * The next created batch ends FAILED before running because Dataproc could not get the capacity (a quota message;
   * the wording is an assumption modelled on Compute Engine's quota errors).
   */
  | { kind: 'batchCapacityFailure' };

/** What a job or batch asked to run, handed to `FakeDataprocOptions.execute`. */
export interface FakeWorkload {
  kind: 'job' | 'batch';
  /** Job id or batch id. */
  id: string;
  mainPythonFileUri: string;
  args: string[];
  pythonFileUris: string[];
  properties: Record<string, string>;
}

export interface FakeDataprocOptions {
  /** Delay before a create/delete cluster operation completes (and a cancel takes effect). @default 100 */
  operationDelayMs?: number;
  /** Time a job spends PENDING. @default 50 */
  jobPendingMs?: number;
  /** Time a job spends RUNNING before it ends (when `execute` is unset). @default 200 */
  jobRunningMs?: number;
  /**
   * Runs the workload for real while the job or batch is RUNNING (e.g. spark-submit of the same PySpark file): resolves
   * → DONE / SUCCEEDED, rejects → ERROR / FAILED with the rejection's message. The signal aborts on cancellation. Unset,
   * jobs and batches run no code and end after `jobRunningMs`.
   */
  execute?: (workload: FakeWorkload, signal: AbortSignal) => Promise<void>;
}

export interface FakeDataprocState {
  clusters: Map<string, ICluster>;
  jobs: Map<string, IJob>;
  /** Serverless batches, by `projects/<p>/locations/<l>/batches/<id>`. */
  batches: Map<string, IBatch>;
  operations: Map<string, IOperation>;
  /** Every batch ever created, by name, in order (a replayed request id does not add one). */
  createdBatches: string[];
  /** Every cluster ever created, in order (a retried request id does not add one). */
  createdClusters: { clusterName: string; clusterUuid: string }[];
  /** Every call received, in order, with its request. */
  calls: { method: RpcMethod; request: unknown }[];
}

class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

const CLUSTER_NAME = /^[a-z](?:[a-z0-9-]{0,49}[a-z0-9])?$/;
const REQUEST_ID = /^[a-zA-Z0-9_-]{1,40}$/;
const JOB_ID = /^[a-zA-Z0-9_-]{1,100}$/;
const TERMINAL = new Set(['DONE', 'ERROR', 'CANCELLED']);
const TERMINAL_BATCH = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
const PARENT = /^projects\/([^/]+)\/locations\/([^/]+)$/;
const BATCH_ID = /^[a-z0-9][a-z0-9-]{2,61}[a-z0-9]$/;
const ACTIVE_CLUSTER = new Set(['CREATING', 'RUNNING', 'UPDATING', 'STARTING', 'REPAIRING', 'ERROR_DUE_TO_UPDATE']);

function timestamp(): { seconds: string; nanos: number } {
  const now = Date.now();
  return { seconds: String(Math.floor(now / 1000)), nanos: (now % 1000) * 1_000_000 };
}

/** proto-loader (keepCase off) names the field typeUrl; the generated typings say type_url. */
function packAny(type: string, value: Buffer): IOperation['response'] {
  return { typeUrl: `type.googleapis.com/${type}`, value } as unknown as IOperation['response'];
}

function tsMs(t: { seconds?: unknown; nanos?: unknown } | null | undefined): number {
  return Number(t?.seconds ?? 0) * 1000 + Math.floor(Number(t?.nanos ?? 0) / 1e6);
}

function workloadOf(
  kind: 'job' | 'batch',
  id: string,
  p: {
    mainPythonFileUri?: string | null;
    args?: string[] | null;
    pythonFileUris?: string[] | null;
    properties?: Record<string, string> | null;
  },
): FakeWorkload {
  return {
    kind,
    id,
    mainPythonFileUri: str(p.mainPythonFileUri),
    args: [...(p.args ?? [])],
    pythonFileUris: [...(p.pythonFileUris ?? [])],
    properties: { ...(p.properties ?? {}) },
  };
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * In-memory Dataproc (v1 ClusterController, JobController, google.longrunning.Operations) with the semantics the
 * runner relies on: request-id idempotency as documented (same id → the first operation or job; same name or job id
 * with another id → ALREADY_EXISTS), long-running operations that finish after a delay, the job lifecycle
 * PENDING → RUNNING → DONE | ERROR | CANCELLED, Dataproc Serverless batches (v1 BatchController: PENDING → RUNNING →
 * SUCCEEDED | FAILED | CANCELLED, cancelled through Operations.CancelOperation on the batch's operation), and injected
 * failures. Jobs and batches run no code, unless `execute` is given: then they run it (e.g. the real PySpark file).
 */
export class FakeDataproc {
  readonly state: FakeDataprocState = {
    clusters: new Map(),
    jobs: new Map(),
    batches: new Map(),
    operations: new Map(),
    createdBatches: [],
    createdClusters: [],
    calls: [],
  };
  private readonly injections: Injection[] = [];
  private readonly requestIds = new Map<string, string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly jobTimers = new Map<string, NodeJS.Timeout[]>();
  private readonly operationDelayMs: number;
  private readonly jobPendingMs: number;
  private readonly jobRunningMs: number;
  private readonly execute?: FakeDataprocOptions['execute'];
  /** Aborts what `execute` runs for a job or batch, by its key. */
  private readonly executions = new Map<string, AbortController>();

  constructor(options: FakeDataprocOptions = {}) {
    this.operationDelayMs = options.operationDelayMs ?? 100;
    this.jobPendingMs = options.jobPendingMs ?? 50;
    this.jobRunningMs = options.jobRunningMs ?? 200;
    this.execute = options.execute;
  }

  inject(injection: Injection): void {
    this.injections.push(injection.kind === 'rpcError' ? { ...injection } : injection);
  }

  /** Clusters that currently exist (any state), by name. */
  clusterNames(): string[] {
    return [...this.state.clusters.values()].map((c) => c.clusterName ?? '');
  }

  /** Batches that have not ended (PENDING, RUNNING, CANCELLING), by name. */
  activeBatches(): string[] {
    return [...this.state.batches.values()].filter((b) => !TERMINAL_BATCH.has(str(b.state))).map((b) => str(b.name));
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.jobTimers.clear();
    for (const execution of this.executions.values()) execution.abort(new Error('fake stopped'));
    this.executions.clear();
  }

  /** gRPC handlers, keyed by service then method, each wrapped with call logging and failure injection. */
  handlers(): {
    clusters: grpc.UntypedServiceImplementation;
    jobs: grpc.UntypedServiceImplementation;
    batches: grpc.UntypedServiceImplementation;
    operations: grpc.UntypedServiceImplementation;
  } {
    const h =
      <Req, Res>(method: RpcMethod, fn: (request: Req) => Res): grpc.handleUnaryCall<Req, Res> =>
      (call, callback) => {
        this.state.calls.push({ method, request: call.request });
        try {
          const before = this.takeRpcFailure(method, 'before');
          if (before) throw before;
          const response = fn(call.request);
          const after = this.takeRpcFailure(method, 'after');
          if (after) throw after;
          callback(null, response);
        } catch (error) {
          const rpc = error instanceof RpcError ? error : new RpcError(grpc.status.INTERNAL, String(error));
          callback({ code: rpc.code, details: rpc.message, metadata: new grpc.Metadata() });
        }
      };
    return {
      clusters: {
        CreateCluster: h('CreateCluster', (r: protos.google.cloud.dataproc.v1.ICreateClusterRequest) =>
          this.createCluster(r),
        ),
        GetCluster: h('GetCluster', (r: protos.google.cloud.dataproc.v1.IGetClusterRequest) =>
          this.cluster(str(r.projectId), str(r.region), str(r.clusterName)),
        ),
        DeleteCluster: h('DeleteCluster', (r: protos.google.cloud.dataproc.v1.IDeleteClusterRequest) =>
          this.deleteCluster(r),
        ),
        ListClusters: h('ListClusters', (r: protos.google.cloud.dataproc.v1.IListClustersRequest) =>
          this.listClusters(r),
        ),
      },
      jobs: {
        SubmitJob: h('SubmitJob', (r: protos.google.cloud.dataproc.v1.ISubmitJobRequest) => this.submitJob(r)),
        GetJob: h('GetJob', (r: protos.google.cloud.dataproc.v1.IGetJobRequest) =>
          this.job(str(r.projectId), str(r.region), str(r.jobId)),
        ),
        CancelJob: h('CancelJob', (r: protos.google.cloud.dataproc.v1.ICancelJobRequest) => this.cancelJob(r)),
        ListJobs: h('ListJobs', (r: protos.google.cloud.dataproc.v1.IListJobsRequest) => this.listJobs(r)),
      },
      batches: {
        CreateBatch: h('CreateBatch', (r: protos.google.cloud.dataproc.v1.ICreateBatchRequest) => this.createBatch(r)),
        GetBatch: h('GetBatch', (r: protos.google.cloud.dataproc.v1.IGetBatchRequest) => this.batch(str(r.name))),
        DeleteBatch: h('DeleteBatch', (r: protos.google.cloud.dataproc.v1.IDeleteBatchRequest) => this.deleteBatch(r)),
        ListBatches: h('ListBatches', (r: protos.google.cloud.dataproc.v1.IListBatchesRequest) => this.listBatches(r)),
      },
      operations: {
        CancelOperation: h('CancelOperation', (r: protos.google.longrunning.ICancelOperationRequest) =>
          this.cancelOperation(str(r.name)),
        ),
        GetOperation: h('GetOperation', (r: protos.google.longrunning.IGetOperationRequest) => {
          const operation = this.state.operations.get(str(r.name));
          if (!operation) throw new RpcError(grpc.status.NOT_FOUND, `Operation ${str(r.name)} not found`);
          return operation;
        }),
      },
    };
  }

  // --- clusters -------------------------------------------------------------------------------------------------

  private createCluster(r: protos.google.cloud.dataproc.v1.ICreateClusterRequest): IOperation {
    const projectId = this.required(r.projectId, 'project_id');
    const region = this.required(r.region, 'region');
    const clusterName = str(r.cluster?.clusterName);
    if (!CLUSTER_NAME.test(clusterName)) {
      throw new RpcError(grpc.status.INVALID_ARGUMENT, `Invalid cluster name '${clusterName}'`);
    }
    const replay = this.replay('CreateCluster', projectId, region, r.requestId);
    if (replay) return replay;
    const key = `${projectId}/${region}/${clusterName}`;
    if (this.state.clusters.has(key)) {
      throw new RpcError(
        grpc.status.ALREADY_EXISTS,
        `Already exists: Failed to create cluster: Cluster projects/${projectId}/regions/${region}/clusters/${clusterName}`,
      );
    }
    if (this.takeInjection('quotaExceeded')) {
      throw new RpcError(grpc.status.RESOURCE_EXHAUSTED, "Insufficient 'CPUS' quota. Requested 24.0, available 8.0.");
    }
    const failure = this.takeInjection('clusterCreateFails');
    const clusterUuid = randomUUID();
    const cluster: ICluster = {
      ...r.cluster,
      projectId,
      clusterName,
      clusterUuid,
      config: {
        ...r.cluster?.config,
        configBucket: r.cluster?.config?.configBucket || `dataproc-staging-${region}-fake`,
      },
      status: { state: 'CREATING', stateStartTime: timestamp() },
      statusHistory: [],
    };
    this.state.clusters.set(key, cluster);
    this.state.createdClusters.push({ clusterName, clusterUuid });
    const operation = this.newOperation(projectId, region, r.requestId, 'CreateCluster');
    this.later(this.operationDelayMs, () => {
      if (failure) {
        this.setClusterState(cluster, 'ERROR', failure.message);
        operation.error = { code: grpc.status.FAILED_PRECONDITION, message: failure.message };
      } else {
        this.setClusterState(cluster, 'RUNNING');
        operation.response = packAny(`${v1}.Cluster`, encodeCluster(cluster));
      }
      operation.done = true;
    });
    return operation;
  }

  private deleteCluster(r: protos.google.cloud.dataproc.v1.IDeleteClusterRequest): IOperation {
    const projectId = this.required(r.projectId, 'project_id');
    const region = this.required(r.region, 'region');
    const replay = this.replay('DeleteCluster', projectId, region, r.requestId);
    if (replay) return replay;
    const cluster = this.cluster(projectId, region, str(r.clusterName));
    if (r.clusterUuid && r.clusterUuid !== cluster.clusterUuid) {
      throw new RpcError(grpc.status.NOT_FOUND, `Cluster ${str(r.clusterName)} with UUID ${r.clusterUuid} not found`);
    }
    const state = str(cluster.status?.state);
    // Assumed from the API's documented errors: a cluster mid-transition cannot be deleted until it settles.
    if (state === 'CREATING' || state === 'UPDATING' || state === 'DELETING') {
      throw new RpcError(
        grpc.status.FAILED_PRECONDITION,
        `Cluster ${str(r.clusterName)} is in state ${state} and cannot be deleted now`,
      );
    }
    this.setClusterState(cluster, 'DELETING');
    const operation = this.newOperation(projectId, region, r.requestId, 'DeleteCluster');
    this.later(this.operationDelayMs, () => {
      this.state.clusters.delete(`${projectId}/${region}/${str(cluster.clusterName)}`);
      for (const job of this.state.jobs.values()) {
        if (job.placement?.clusterUuid === cluster.clusterUuid && !TERMINAL.has(str(job.status?.state))) {
          this.setJobState(job, 'ERROR', 'Job failed: the cluster was deleted while the job was running');
        }
      }
      operation.response = packAny('google.protobuf.Empty', Buffer.alloc(0));
      operation.done = true;
    });
    return operation;
  }

  private cluster(projectId: string, region: string, clusterName: string): ICluster {
    const cluster = this.state.clusters.get(`${projectId}/${region}/${clusterName}`);
    if (!cluster) {
      throw new RpcError(
        grpc.status.NOT_FOUND,
        `Not found: Cluster projects/${projectId}/regions/${region}/clusters/${clusterName}`,
      );
    }
    return cluster;
  }

  private listClusters(r: protos.google.cloud.dataproc.v1.IListClustersRequest) {
    const prefix = `${str(r.projectId)}/${str(r.region)}/`;
    const matches = this.filter(str(r.filter), (field, value, c: ICluster) => {
      if (field === 'status.state') {
        const state = str(c.status?.state);
        return value === 'ACTIVE'
          ? ACTIVE_CLUSTER.has(state)
          : value === 'INACTIVE'
            ? !ACTIVE_CLUSTER.has(state)
            : state === value;
      }
      if (field === 'clustername') return c.clusterName === value;
      if (field.startsWith('labels.')) return c.labels?.[field.slice(7)] === value;
      throw new RpcError(grpc.status.INVALID_ARGUMENT, `Unsupported filter field ${field}`);
    });
    const clusters = [...this.state.clusters.entries()]
      .filter(([k, c]) => k.startsWith(prefix) && matches(c))
      .map(([, c]) => c);
    return { clusters, nextPageToken: '' };
  }

  private setClusterState(cluster: ICluster, state: string, detail = ''): void {
    if (cluster.status) cluster.statusHistory = [...(cluster.statusHistory ?? []), cluster.status];
    cluster.status = { state, detail, stateStartTime: timestamp() } as ICluster['status'];
  }

  // --- jobs -----------------------------------------------------------------------------------------------------

  private submitJob(r: protos.google.cloud.dataproc.v1.ISubmitJobRequest): IJob {
    const projectId = this.required(r.projectId, 'project_id');
    const region = this.required(r.region, 'region');
    const requestKey = this.requestKey('SubmitJob', projectId, region, r.requestId);
    const replayed = requestKey ? this.requestIds.get(requestKey) : undefined;
    if (replayed) return this.job(projectId, region, replayed);
    const pyspark = r.job?.pysparkJob;
    if (!pyspark) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'The fake runs PySpark jobs only (job.pyspark_job)');
    if (!str(pyspark.mainPythonFileUri).startsWith('gs://')) {
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        `main_python_file_uri must be gs://, got ${str(pyspark.mainPythonFileUri)}`,
      );
    }
    const jobId = str(r.job?.reference?.jobId) || randomUUID();
    if (!JOB_ID.test(jobId)) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Invalid job id '${jobId}'`);
    const key = `${projectId}/${region}/${jobId}`;
    if (this.state.jobs.has(key)) {
      throw new RpcError(
        grpc.status.ALREADY_EXISTS,
        `Already exists: Job projects/${projectId}/regions/${region}/jobs/${jobId}`,
      );
    }
    const cluster = this.cluster(projectId, region, str(r.job?.placement?.clusterName));
    if (cluster.status?.state !== 'RUNNING') {
      throw new RpcError(grpc.status.FAILED_PRECONDITION, `Cluster ${str(cluster.clusterName)} is not RUNNING`);
    }
    const outcome = this.takeJobOutcome();
    const driverOutputResourceUri = `gs://${str(cluster.config?.configBucket)}/google-cloud-dataproc-metainfo/${str(cluster.clusterUuid)}/jobs/${jobId}/driveroutput`;
    const job: IJob = {
      ...r.job,
      reference: { projectId, jobId },
      placement: { clusterName: cluster.clusterName ?? '', clusterUuid: cluster.clusterUuid ?? '' },
      status: { state: 'PENDING', stateStartTime: timestamp() },
      statusHistory: [],
      driverOutputResourceUri,
      jobUuid: randomUUID(),
      done: false,
    };
    this.state.jobs.set(key, job);
    if (requestKey) this.requestIds.set(requestKey, jobId);

    const timers: NodeJS.Timeout[] = [];
    this.jobTimers.set(key, timers);
    timers.push(
      this.later(this.jobPendingMs, () => {
        this.setJobState(job, 'RUNNING');
        if (outcome?.kind === 'jobHangs') return;
        if (!outcome && this.execute) {
          this.run(key, workloadOf('job', jobId, pyspark), (error) => {
            if (TERMINAL.has(str(job.status?.state)) || job.status?.state === 'CANCEL_PENDING') return;
            if (error === undefined) this.setJobState(job, 'DONE');
            else
              this.setJobState(
                job,
                'ERROR',
                `Job failed with message [${error}]. Additional details can be found at:\n${driverOutputResourceUri}.000000000`,
              );
          });
          return;
        }
        timers.push(
          this.later(this.jobRunningMs, () => {
            if (outcome?.kind === 'jobError') {
              this.setJobState(
                job,
                'ERROR',
                `Job failed with message [${outcome.message}]. Additional details can be found at:\n${driverOutputResourceUri}.000000000`,
              );
            } else if (outcome?.kind === 'jobPreempted') {
              this.setJobState(
                job,
                'ERROR',
                'Job failed with message [org.apache.spark.SparkException: Job aborted due to stage failure: ' +
                  'ExecutorLostFailure (executor 7 exited caused by one of the running tasks) Reason: Container ' +
                  'marked as failed: the secondary worker node was preempted].',
              );
            } else {
              this.setJobState(job, 'DONE');
            }
          }),
        );
      }),
    );
    return job;
  }

  private job(projectId: string, region: string, jobId: string): IJob {
    const job = this.state.jobs.get(`${projectId}/${region}/${jobId}`);
    if (!job)
      throw new RpcError(grpc.status.NOT_FOUND, `Not found: Job projects/${projectId}/regions/${region}/jobs/${jobId}`);
    return job;
  }

  private cancelJob(r: protos.google.cloud.dataproc.v1.ICancelJobRequest): IJob {
    const projectId = this.required(r.projectId, 'project_id');
    const region = this.required(r.region, 'region');
    const job = this.job(projectId, region, str(r.jobId));
    const state = str(job.status?.state);
    if (TERMINAL.has(state)) {
      throw new RpcError(grpc.status.FAILED_PRECONDITION, `Cannot cancel jobId '${str(r.jobId)}' in state: '${state}'`);
    }
    if (state !== 'CANCEL_PENDING') {
      const key = `${projectId}/${region}/${str(r.jobId)}`;
      for (const timer of this.jobTimers.get(key) ?? []) clearTimeout(timer);
      this.executions.get(key)?.abort(new Error('cancelled'));
      this.setJobState(job, 'CANCEL_PENDING');
      this.later(this.operationDelayMs, () => this.setJobState(job, 'CANCELLED'));
    }
    return job;
  }

  private listJobs(r: protos.google.cloud.dataproc.v1.IListJobsRequest) {
    const prefix = `${str(r.projectId)}/${str(r.region)}/`;
    const matcher = str(r.jobStateMatcher) || 'ALL';
    const matches = this.filter(str(r.filter), (field, value, j: IJob) => {
      if (field === 'status.state')
        return value === 'ACTIVE' ? !TERMINAL.has(str(j.status?.state)) : TERMINAL.has(str(j.status?.state));
      if (field.startsWith('labels.')) return j.labels?.[field.slice(7)] === value;
      throw new RpcError(grpc.status.INVALID_ARGUMENT, `Unsupported filter field ${field}`);
    });
    const jobs = [...this.state.jobs.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .map(([, j]) => j)
      .filter((j) => !r.clusterName || j.placement?.clusterName === r.clusterName)
      .filter((j) => {
        const terminal = TERMINAL.has(str(j.status?.state));
        return matcher === 'ALL' || (matcher === 'ACTIVE' ? !terminal : terminal);
      })
      .filter(matches);
    return { jobs, nextPageToken: '' };
  }

  private setJobState(job: IJob, state: string, details = ''): void {
    if (job.status) job.statusHistory = [...(job.statusHistory ?? []), job.status];
    job.status = { state, details, stateStartTime: timestamp() } as IJob['status'];
    job.done = TERMINAL.has(state);
  }

  // --- batches (Dataproc Serverless) ----------------------------------------------------------------------------

  /**
   * CreateBatch: the batch exists (PENDING) as soon as the call returns; its operation completes when the batch ends
   * (response: the Batch; error on FAILED/CANCELLED). Same request id → the first operation; an existing batch id
   * under another request id → ALREADY_EXISTS.
   */
  private createBatch(r: protos.google.cloud.dataproc.v1.ICreateBatchRequest): IOperation {
    const parent = str(r.parent);
    const where = PARENT.exec(parent);
    if (!where)
      throw new RpcError(grpc.status.INVALID_ARGUMENT, `parent must be projects/*/locations/*, got '${parent}'`);
    const [, projectId, region] = where as unknown as [string, string, string];
    const replay = this.replay('CreateBatch', projectId, region, r.requestId);
    if (replay) return replay;
    const pyspark = r.batch?.pysparkBatch;
    if (!pyspark)
      throw new RpcError(grpc.status.INVALID_ARGUMENT, 'The fake runs PySpark batches only (batch.pyspark_batch)');
    if (!str(pyspark.mainPythonFileUri).startsWith('gs://')) {
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        `main_python_file_uri must be gs://, got ${str(pyspark.mainPythonFileUri)}`,
      );
    }
    const batchId = str(r.batchId) || `b${randomUUID().replace(/-/g, '')}`;
    if (!BATCH_ID.test(batchId)) {
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        `batch_id must be 4-63 characters of [a-z0-9-], got '${batchId}'`,
      );
    }
    const name = `${parent}/batches/${batchId}`;
    if (this.state.batches.has(name)) throw new RpcError(grpc.status.ALREADY_EXISTS, `Batch ${name} already exists`);
    const outcome = this.takeBatchOutcome();
    const operation = this.newOperation(projectId, region, r.requestId, 'CreateBatch');
    const batch = {
      ...r.batch,
      name,
      uuid: randomUUID(),
      createTime: timestamp(),
      state: 'PENDING',
      stateTime: timestamp(),
      stateHistory: [],
      operation: operation.name ?? '',
      creator: 'fake@hire10x-test.iam.gserviceaccount.com',
      runtimeInfo: { outputUri: `gs://dataproc-staging-${region}-fake/batches/${batchId}/driveroutput` },
    } as IBatch;
    this.state.batches.set(name, batch);
    this.state.createdBatches.push(name);
    const finish = (state: 'SUCCEEDED' | 'FAILED' | 'CANCELLED', message = '') => {
      if (TERMINAL_BATCH.has(str(batch.state))) return;
      this.setBatchState(batch, state, message);
      // Approximate usage as Dataproc reports it: a fixed 4 DCU (driver + 2 executors, an assumption) over RUNNING.
      const running = (batch.stateHistory ?? []).find((h) => str(h.state) === 'RUNNING');
      const ranMs = running ? Date.now() - tsMs(running.stateStartTime) : 0;
      batch.runtimeInfo = { ...batch.runtimeInfo, approximateUsage: { milliDcuSeconds: String(4 * ranMs) } };
      if (state === 'SUCCEEDED') operation.response = packAny(`${v1}.Batch`, encodeBatch(batch));
      else
        operation.error = {
          code: state === 'CANCELLED' ? grpc.status.CANCELLED : grpc.status.FAILED_PRECONDITION,
          message,
        };
      operation.done = true;
    };
    this.batchFinishers.set(name, finish);
    this.later(this.jobPendingMs, () => {
      if (TERMINAL_BATCH.has(str(batch.state)) || batch.state === 'CANCELLING') return;
      if (outcome?.kind === 'batchCapacityFailure') {
        return finish(
          'FAILED',
          "Insufficient 'CPUS_ALL_REGIONS' quota. Requested 12.0, available 4.0. Try again later or request more quota.",
        );
      }
      this.setBatchState(batch, 'RUNNING');
      if (outcome?.kind === 'jobHangs') return;
      if (!outcome && this.execute) {
        this.run(name, workloadOf('batch', batchId, pyspark), (error) =>
          error === undefined ? finish('SUCCEEDED') : finish('FAILED', `Job failed with message [${error}].`),
        );
        return;
      }
      this.later(this.jobRunningMs, () => {
        if (outcome?.kind === 'jobError') finish('FAILED', `Job failed with message [${outcome.message}].`);
        else if (outcome?.kind === 'jobPreempted') {
          finish(
            'FAILED',
            'Job failed with message [org.apache.spark.SparkException: Job aborted due to stage failure: ' +
              'ExecutorLostFailure (executor 3 exited caused by one of the running tasks) Reason: Container ' +
              'marked as failed: the node was lost].',
          );
        } else finish('SUCCEEDED');
      });
    });
    return operation;
  }

  private readonly batchFinishers = new Map<
    string,
    (state: 'SUCCEEDED' | 'FAILED' | 'CANCELLED', message?: string) => void
  >();

  private batch(name: string): IBatch {
    const batch = this.state.batches.get(name);
    if (!batch) throw new RpcError(grpc.status.NOT_FOUND, `Not found: Batch ${name}`);
    return batch;
  }

  /** DeleteBatch removes the batch record; a batch that has not ended cannot be deleted (FAILED_PRECONDITION). */
  private deleteBatch(r: protos.google.cloud.dataproc.v1.IDeleteBatchRequest): Record<string, never> {
    const batch = this.batch(str(r.name));
    if (!TERMINAL_BATCH.has(str(batch.state))) {
      throw new RpcError(
        grpc.status.FAILED_PRECONDITION,
        `Batch ${str(r.name)} is in state ${str(batch.state)} and cannot be deleted`,
      );
    }
    this.state.batches.delete(str(r.name));
    return {};
  }

  private listBatches(r: protos.google.cloud.dataproc.v1.IListBatchesRequest) {
    const prefix = `${str(r.parent)}/batches/`;
    const matches = this.filter(str(r.filter), (field, value, b: IBatch) => {
      if (field === 'state') return str(b.state) === value;
      if (field === 'batch_id') return str(b.name).endsWith(`/${value}`);
      if (field.startsWith('labels.')) return b.labels?.[field.slice(7)] === value;
      throw new RpcError(grpc.status.INVALID_ARGUMENT, `Unsupported filter field ${field}`);
    });
    const batches = [...this.state.batches.entries()]
      .filter(([k, b]) => k.startsWith(prefix) && matches(b))
      .map(([, b]) => b);
    return { batches, nextPageToken: '', unreachable: [] };
  }

  /** Operations.CancelOperation: cancels the batch behind a batch operation (CANCELLING, then CANCELLED). */
  private cancelOperation(name: string): Record<string, never> {
    const operation = this.state.operations.get(name);
    if (!operation) throw new RpcError(grpc.status.NOT_FOUND, `Operation ${name} not found`);
    const batch = [...this.state.batches.values()].find((b) => b.operation === name);
    if (!batch) throw new RpcError(grpc.status.UNIMPLEMENTED, 'the fake cancels batch operations only');
    if (TERMINAL_BATCH.has(str(batch.state)) || batch.state === 'CANCELLING') return {};
    this.setBatchState(batch, 'CANCELLING');
    this.executions.get(str(batch.name))?.abort(new Error('cancelled'));
    this.later(this.operationDelayMs, () => this.batchFinishers.get(str(batch.name))?.('CANCELLED', 'Batch cancelled'));
    return {};
  }

  private setBatchState(batch: IBatch, state: string, message = ''): void {
    batch.stateHistory = [
      ...(batch.stateHistory ?? []),
      { state: batch.state, stateMessage: batch.stateMessage ?? '', stateStartTime: batch.stateTime },
    ] as IBatch['stateHistory'];
    Object.assign(batch, { state, stateMessage: message, stateTime: timestamp() });
  }

  private takeBatchOutcome():
    Extract<Injection, { kind: 'jobError' | 'jobPreempted' | 'jobHangs' | 'batchCapacityFailure' }> | undefined {
    const index = this.injections.findIndex((i) =>
      ['jobError', 'jobPreempted', 'jobHangs', 'batchCapacityFailure'].includes(i.kind),
    );
    if (index < 0) return undefined;
    return this.injections.splice(index, 1)[0] as Extract<
      Injection,
      { kind: 'jobError' | 'jobPreempted' | 'jobHangs' | 'batchCapacityFailure' }
    >;
  }

  /** Runs a workload through `execute`; `done` gets undefined on success, the failure's message otherwise. */
  private run(key: string, workload: FakeWorkload, done: (error?: string) => void): void {
    const controller = new AbortController();
    this.executions.set(key, controller);
    this.execute!(workload, controller.signal).then(
      () => {
        this.executions.delete(key);
        if (!controller.signal.aborted) done();
      },
      (error: unknown) => {
        this.executions.delete(key);
        if (!controller.signal.aborted) done(error instanceof Error ? error.message : String(error));
      },
    );
  }

  // --- shared ---------------------------------------------------------------------------------------------------

  private required(value: string | null | undefined, field: string): string {
    if (!value) throw new RpcError(grpc.status.INVALID_ARGUMENT, `${field} is required`);
    return value;
  }

  private requestKey(
    method: RpcMethod,
    projectId: string,
    region: string,
    requestId?: string | null,
  ): string | undefined {
    if (!requestId) return undefined;
    if (!REQUEST_ID.test(requestId)) {
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        `request_id must be ≤ 40 characters of [a-zA-Z0-9_-], got '${requestId}'`,
      );
    }
    return `${method}:${projectId}/${region}:${requestId}`;
  }

  /** A request id seen before gets the first request's operation back, whatever happened since. */
  private replay(
    method: RpcMethod,
    projectId: string,
    region: string,
    requestId?: string | null,
  ): IOperation | undefined {
    const key = this.requestKey(method, projectId, region, requestId);
    const name = key ? this.requestIds.get(key) : undefined;
    return name ? this.state.operations.get(name) : undefined;
  }

  private newOperation(
    projectId: string,
    region: string,
    requestId: string | null | undefined,
    method: RpcMethod,
  ): IOperation {
    const name = `projects/${projectId}/regions/${region}/operations/${randomUUID()}`;
    const operation: IOperation = { name, done: false };
    this.state.operations.set(name, operation);
    const key = this.requestKey(method, projectId, region, requestId);
    if (key) this.requestIds.set(key, name);
    return operation;
  }

  /** `field = value [AND field = value]...` — the subset of Dataproc's list filter syntax the runner would use. */
  private filter<T>(text: string, test: (field: string, value: string, item: T) => boolean): (item: T) => boolean {
    if (!text.trim()) return () => true;
    const terms = text.split(/\s+AND\s+/i).map((term) => {
      const match = /^\s*([\w.-]+)\s*=\s*"?([^"]*?)"?\s*$/.exec(term);
      if (!match) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Unsupported filter '${term}'`);
      return {
        field: match[1]!.toLowerCase().startsWith('labels.') ? match[1]! : match[1]!.toLowerCase(),
        value: match[2]!,
      };
    });
    return (item) => terms.every((t) => test(t.field, t.value, item));
  }

  private takeRpcFailure(method: RpcMethod, when: 'before' | 'after'): RpcError | undefined {
    const index = this.injections.findIndex(
      (i) => i.kind === 'rpcError' && i.method === method && (i.when ?? 'before') === when,
    );
    const injection = this.injections[index];
    if (!injection || injection.kind !== 'rpcError') return undefined;
    const remaining = (injection.times ?? 1) - 1;
    if (remaining > 0) injection.times = remaining;
    else this.injections.splice(index, 1);
    return new RpcError(injection.code, injection.message ?? `injected ${grpc.status[injection.code]} on ${method}`);
  }

  private takeInjection<K extends Injection['kind']>(kind: K): Extract<Injection, { kind: K }> | undefined {
    const index = this.injections.findIndex((i) => i.kind === kind);
    if (index < 0) return undefined;
    return this.injections.splice(index, 1)[0] as Extract<Injection, { kind: K }>;
  }

  private takeJobOutcome(): Extract<Injection, { kind: 'jobError' | 'jobPreempted' | 'jobHangs' }> | undefined {
    const index = this.injections.findIndex(
      (i) => i.kind === 'jobError' || i.kind === 'jobPreempted' || i.kind === 'jobHangs',
    );
    if (index < 0) return undefined;
    return this.injections.splice(index, 1)[0] as Extract<
      Injection,
      { kind: 'jobError' | 'jobPreempted' | 'jobHangs' }
    >;
  }

  private later(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
    return timer;
  }
}
