import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { protos } from '@google-cloud/dataproc';
import { encodeCluster } from './protos';

type ICluster = protos.google.cloud.dataproc.v1.ICluster;
type IJob = protos.google.cloud.dataproc.v1.IJob;
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
  | 'GetOperation';

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
  /** The next submitted job ends in ERROR because its own code failed with this driver message. */
  | { kind: 'jobError'; message: string }
  /** The next submitted job ends in ERROR because its secondary workers were preempted. */
  | { kind: 'jobPreempted' }
  /** The next submitted job stays RUNNING until cancelled. */
  | { kind: 'jobHangs' };

export interface FakeDataprocOptions {
  /** Delay before a create/delete cluster operation completes (and a cancel takes effect). @default 100 */
  operationDelayMs?: number;
  /** Time a job spends PENDING. @default 50 */
  jobPendingMs?: number;
  /** Time a job spends RUNNING before it ends. @default 200 */
  jobRunningMs?: number;
}

export interface FakeDataprocState {
  clusters: Map<string, ICluster>;
  jobs: Map<string, IJob>;
  operations: Map<string, IOperation>;
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
const ACTIVE_CLUSTER = new Set(['CREATING', 'RUNNING', 'UPDATING', 'STARTING', 'REPAIRING', 'ERROR_DUE_TO_UPDATE']);

function timestamp(): { seconds: string; nanos: number } {
  const now = Date.now();
  return { seconds: String(Math.floor(now / 1000)), nanos: (now % 1000) * 1_000_000 };
}

/** proto-loader (keepCase off) names the field typeUrl; the generated typings say type_url. */
function packAny(type: string, value: Buffer): IOperation['response'] {
  return { typeUrl: `type.googleapis.com/${type}`, value } as unknown as IOperation['response'];
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * In-memory Dataproc (v1 ClusterController, JobController, google.longrunning.Operations) with the semantics the
 * runner relies on: request-id idempotency as documented (same id → the first operation or job; same name or job id
 * with another id → ALREADY_EXISTS), long-running operations that finish after a delay, the job lifecycle
 * PENDING → RUNNING → DONE | ERROR | CANCELLED, and injected failures. Jobs run no code.
 */
export class FakeDataproc {
  readonly state: FakeDataprocState = {
    clusters: new Map(),
    jobs: new Map(),
    operations: new Map(),
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

  constructor(options: FakeDataprocOptions = {}) {
    this.operationDelayMs = options.operationDelayMs ?? 100;
    this.jobPendingMs = options.jobPendingMs ?? 50;
    this.jobRunningMs = options.jobRunningMs ?? 200;
  }

  inject(injection: Injection): void {
    this.injections.push(injection.kind === 'rpcError' ? { ...injection } : injection);
  }

  /** Clusters that currently exist (any state), by name. */
  clusterNames(): string[] {
    return [...this.state.clusters.values()].map((c) => c.clusterName ?? '');
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.jobTimers.clear();
  }

  /** gRPC handlers, keyed by service then method, each wrapped with call logging and failure injection. */
  handlers(): {
    clusters: grpc.UntypedServiceImplementation;
    jobs: grpc.UntypedServiceImplementation;
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
      operations: {
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
      for (const timer of this.jobTimers.get(`${projectId}/${region}/${str(r.jobId)}`) ?? []) clearTimeout(timer);
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
