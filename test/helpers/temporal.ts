import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../config';
import type { Adapters } from '../../adapters/ports';
import { dataConverterFromConfig } from '../../security/data-converter';
import { buildAdapters } from '../../workers/adapters';
import { createWorkers } from '../../workers/create-workers';

let runtimeInstalled = false;

export interface TestWorkerEnv {
  config: Config;
  client: Client;
  adapters: Adapters;
  /** A task queue unique to this test file; pass it to workflow starts. */
  taskQueue: string;
  /** Unique workflow id with a readable prefix. */
  workflowId(prefix: string): string;
  /** Runs `fn` while a worker serves `taskQueue`, then shuts the worker down. */
  withWorker<T>(fn: () => Promise<T>, adapters?: Adapters): Promise<T>;
  close(): Promise<void>;
}

/**
 * A client plus on-demand workers on a unique task queue, against the test platform from global-setup. Both use the
 * project's data converter (encrypted payloads), as production does.
 */
export async function createTestWorkerEnv(): Promise<TestWorkerEnv> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const config = loadConfig();
  const dataConverter = dataConverterFromConfig(config);
  const clientConnection = await Connection.connect({ address: config.temporal.address });
  const nativeConnection = await NativeConnection.connect({ address: config.temporal.address });
  const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace, dataConverter });
  const adapters = buildAdapters(config, () => undefined);
  const taskQueue = `test-${randomUUID()}`;
  return {
    config,
    client,
    adapters,
    taskQueue,
    workflowId: (prefix) => `${prefix}:test-${randomUUID()}`,
    async withWorker(fn, override) {
      const workers = await createWorkers({
        connection: nativeConnection,
        clientConnection,
        namespace: config.temporal.namespace,
        adapters: override ?? adapters,
        dataConverter,
        taskQueues: { etl: taskQueue, gdpr: `${taskQueue}-gdpr`, stream: `${taskQueue}-stream` },
        workflowBundle: { codePath: inject('workflowBundlePath') },
        ui: { url: config.temporal.uiUrl },
      });
      const work = fn();
      const [result] = await Promise.all([work, ...workers.map((w) => w.runUntil(work))]);
      return result;
    },
    async close() {
      await adapters.close();
      await clientConnection.close();
      await nativeConnection.close();
    },
  };
}
