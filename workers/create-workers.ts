import { Client, type Connection } from '@temporalio/client';
import { type DataConverter } from '@temporalio/common';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createExtractActivities } from '../activities/extract';
import { createGdprActivities, DEFAULT_RESIDUAL_POLICY } from '../activities/gdpr';
import type { BatchOptions } from '../activities/gdpr/batcher';
import { DuckDbLakeRewriter } from '../adapters/lake/duckdb-rewriter';
import { duckdbParquetWriter } from '../adapters/parquet';
import { createBackfillActivities } from '../activities/backfill';
import { createHealthActivities } from '../activities/health';
import { configuredDueAt, createSlaActivities, type SlaDeps } from '../activities/sla';
import { createLoadActivities } from '../activities/load';
import { createPublishActivities } from '../activities/publish';
import { createQualityActivities } from '../activities/quality';
import { createRetentionActivities } from '../activities/retention';
import { createTransformActivities } from '../activities/transform';
import { createStreamActivities } from '../activities/stream';
import { userAnalytics } from '../schema/warehouse';
import type { Dataset } from '../schema/warehouse/types';
import type { QualityCheck } from '../schema/quality/catalogue';
import type { Adapters, PipelineMetrics } from '../adapters/ports';
import { runtimePipelineMetrics, runtimeStreamMetrics } from './pipeline-metrics';
import { clientWorkflowRuns } from './workflow-runs';
import { writeWorkflowBundle } from './bundle';
import { activityFailureInterceptor } from './activity-failures';
import { TASK_QUEUES, type TaskQueueName } from '../workflows/task-queues';

export interface CreateWorkersOptions {
  connection: NativeConnection;
  /** A client connection, used by activities that talk to Temporal itself (the health probe). */
  clientConnection: Connection;
  namespace: string;
  adapters: Adapters;
  /** Queue names per role. @default TASK_QUEUES */
  taskQueues?: Partial<Record<TaskQueueName, string>>;
  /** A prebuilt bundle (production) or, when absent, the workflows/ source bundled at start (development). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** @default 200 */
  maxCachedWorkflows?: number;
  /** Links in notifications point here. */
  ui: { url: string };
  /** The warehouse dataset (tests pass their own name to stay isolated). @default userAnalytics */
  dataset?: Dataset;
  /** The data-quality catalogue. @default QUALITY_CHECKS */
  qualityChecks?: QualityCheck[];
  /** Payload codec and failure converter (security/data-converter.ts). @default the SDK's: payloads in clear */
  dataConverter?: DataConverter;
  /** Due time `HH:MM` (UTC) per scheduled pipeline (config.sla). @default each pipeline's declared default */
  sla?: Record<string, string>;
  /** Overrides `sla` with any deadline (tests make one fall in the middle of a run). */
  slaDueAt?: SlaDeps['dueAt'];
  /** @default the SDK runtime's meter (the worker's Prometheus endpoint) */
  metrics?: PipelineMetrics;
  /** How concurrent GDPR erasures share lake and warehouse passes (config.gdprBatch). @default see GdprActivityDeps */
  gdprBatch?: BatchOptions;
  /** Which queues get a worker (WORKER_TASK_QUEUES). @default all three */
  serves?: TaskQueueName[];
  /** After shutdown is requested, how long activities may finish before they are cancelled. @default 0 (the SDK's) */
  shutdownGraceMs?: number;
  /** Worker Versioning (WORKER_BUILD_ID): runs are PINNED to the build that started them. @default unversioned */
  deployment?: { name: string; buildId: string };
}

/** Every activity the workers register, built over the adapters. */
export function createActivities(
  adapters: Adapters,
  clientConnection: Connection,
  options: Pick<
    CreateWorkersOptions,
    'namespace' | 'dataset' | 'qualityChecks' | 'sla' | 'slaDueAt' | 'metrics' | 'dataConverter' | 'gdprBatch'
  > & { uiUrl: string },
) {
  const dataset = options.dataset ?? userAnalytics;
  const { source, store, warehouse, spark, notifier, subjects, cache, notifications, lock } = adapters;
  const ui = { url: options.uiUrl, namespace: options.namespace };
  // Parquet files are written locally over DuckDB on every platform.
  const parquet = duckdbParquetWriter;
  const metrics = options.metrics ?? runtimePipelineMetrics();
  // Describing runs needs no payloads decoded, but the converter keeps the client consistent with the worker's.
  const runs = clientWorkflowRuns(
    new Client({ connection: clientConnection, namespace: options.namespace, dataConverter: options.dataConverter }),
  );
  return {
    ...createGdprActivities({
      subjects,
      streams: adapters.streams,
      cache,
      warehouse,
      store,
      rewriter: new DuckDbLakeRewriter(),
      parquet,
      dataset,
      lock,
      residual: { ...DEFAULT_RESIDUAL_POLICY, platform: adapters.platform },
      batch: options.gdprBatch,
      async historyRetentionMs() {
        const ns = await clientConnection.workflowService.describeNamespace({ namespace: options.namespace });
        const ttl = ns.config?.workflowExecutionRetentionTtl;
        return Number(ttl?.seconds ?? 0) * 1000 + Math.floor((ttl?.nanos ?? 0) / 1e6);
      },
    }),
    ...createRetentionActivities({ store, warehouse, bus: adapters.bus, dataset, lock, metrics, parquet }),
    ...createExtractActivities({ source, store, parquet }),
    ...createTransformActivities({ spark, store }),
    ...createLoadActivities({ store, warehouse, dataset }),
    ...createQualityActivities({ store, warehouse, dataset, parquet, checks: options.qualityChecks }),
    ...createPublishActivities({
      store,
      parquet,
      warehouse,
      notifier,
      dataset,
      uiUrl: options.uiUrl,
      namespace: options.namespace,
      metrics,
    }),
    ...createSlaActivities({
      notifier,
      notifications,
      metrics,
      runs,
      ui,
      dueAt: options.slaDueAt ?? configuredDueAt(options.sla),
    }),
    ...createBackfillActivities({ runs, ui }),
    ...createStreamActivities({
      bus: adapters.bus,
      streams: adapters.streams,
      warehouse,
      store,
      parquet,
      notifier,
      notifications,
      lock,
      dataset,
      ui,
      metrics: runtimeStreamMetrics(),
    }),
    ...createHealthActivities({
      ...adapters,
      temporal: {
        async ping() {
          const info = await clientConnection.workflowService.getSystemInfo({});
          return { detail: `Temporal server ${info.serverVersion || '(dev)'}` };
        },
      },
    }),
  };
}

/** One worker per task queue (etl, gdpr, stream), sharing one connection and one workflow bundle. */
export async function createWorkers(options: CreateWorkersOptions): Promise<Worker[]> {
  const queues = { ...TASK_QUEUES, ...options.taskQueues };
  const activities = createActivities(options.adapters, options.clientConnection, {
    ...options,
    uiUrl: options.ui.url,
  });
  const bundle = options.workflowBundle ?? { codePath: await bundlePath() };
  const serves = options.serves ?? (Object.keys(TASK_QUEUES) as TaskQueueName[]);
  const grace = options.shutdownGraceMs ?? 0;
  return Promise.all(
    serves.map((name) =>
      Worker.create({
        taskQueue: queues[name],
        // Past the grace, cancelled activities get a further 15 s to report; then the SDK gives up on them.
        ...(grace > 0 ? { shutdownGraceTime: grace, shutdownForceTime: grace + 15_000 } : {}),
        ...(options.deployment
          ? {
              workerDeploymentOptions: {
                version: { deploymentName: options.deployment.name, buildId: options.deployment.buildId },
                useWorkerVersioning: true,
                // A stream consumer never closes (it continues as new): pinned, it would keep its first build alive
                // forever, so the stream queue's runs AUTO_UPGRADE to the current build at their next workflow task
                // (their code must stay replay-safe across builds: test/replay). Per worker, not per workflow
                // (setWorkflowOptions): an unversioned worker's server refuses a workflow task that names a behaviour.
                defaultVersioningBehavior: name === 'stream' ? 'AUTO_UPGRADE' : 'PINNED',
              },
            }
          : {}),
        connection: options.connection,
        namespace: options.namespace,
        workflowBundle: bundle,
        activities,
        maxCachedWorkflows: options.maxCachedWorkflows ?? 200,
        dataConverter: options.dataConverter,
        interceptors: { activity: [activityFailureInterceptor] },
      }),
    ),
  );
}

let bundled: Promise<string> | undefined;
/** Bundles workflows/ once per process and returns the bundle file (shared by every worker). */
export function bundlePath(): Promise<string> {
  bundled ??= writeWorkflowBundle();
  return bundled;
}
