import { type Connection } from '@temporalio/client';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createHealthActivities } from '../activities/health';
import type { Adapters } from '../adapters/ports';
import { writeWorkflowBundle } from './bundle';
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
}

/** Every activity the workers register, built over the adapters. */
export function createActivities(adapters: Adapters, clientConnection: Connection) {
  return {
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
  const activities = createActivities(options.adapters, options.clientConnection);
  const bundle = options.workflowBundle ?? { codePath: await bundlePath() };
  return Promise.all(
    Object.values(queues).map((taskQueue) =>
      Worker.create({
        connection: options.connection,
        namespace: options.namespace,
        taskQueue,
        workflowBundle: bundle,
        activities,
        maxCachedWorkflows: options.maxCachedWorkflows ?? 200,
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
