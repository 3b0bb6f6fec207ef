import { Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { type Config } from '../config';
import { dataConverterFromConfig } from '../security/data-converter';
import { buildAdapters } from './adapters';
import { createWorkers } from './create-workers';
import { createJsonLogger } from './logger';
import { prefixedTaskQueues } from '../workflows/task-queues';

/**
 * The worker process: serves the etl, gdpr and stream task queues until SIGINT/SIGTERM, then lets in-flight
 * tasks finish (the SDK's graceful shutdown) and closes every adapter. Logs JSON lines; Prometheus metrics on
 * WORKER_METRICS_PORT.
 */
export async function runWorker(
  config: Config,
  options: { bundlePath?: string; taskQueuePrefix?: string } = {},
): Promise<void> {
  const logger = createJsonLogger(config.worker.logLevel);
  Runtime.install({
    logger,
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    telemetryOptions: {
      logging: { forward: {}, filter: { core: 'WARN', other: 'WARN' } },
      ...(config.worker.metricsPort > 0
        ? { metrics: { prometheus: { bindAddress: `${config.worker.metricsHost}:${config.worker.metricsPort}` } } }
        : {}),
    },
  });
  const log = (message: string, meta: Record<string, unknown>) => logger.info(message, meta);
  const dataConverter = dataConverterFromConfig(config); // before connecting: a bad key stops the start
  const adapters = buildAdapters(config, log);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const clientConnection = await Connection.connect({ address: config.temporal.address });
  try {
    const workers = await createWorkers({
      connection,
      clientConnection,
      namespace: config.temporal.namespace,
      adapters,
      dataConverter,
      maxCachedWorkflows: config.worker.maxCachedWorkflows,
      gdprBatch: {
        ...config.worker.gdprBatch,
        onBatch: (pass, subjects) => logger.info('gdpr batch', { pass, subjects }),
      },
      ui: { url: config.temporal.uiUrl },
      sla: config.sla,
      taskQueues:
        options.taskQueuePrefix === undefined
          ? config.temporal.taskQueues
          : prefixedTaskQueues(options.taskQueuePrefix),
      workflowBundle: options.bundlePath ? { codePath: options.bundlePath } : undefined,
    });
    logger.info('worker started', {
      taskQueues: workers.map((w) => w.options.taskQueue),
      namespace: config.temporal.namespace,
      temporal: config.temporal.address,
      platform: config.platform,
      metrics:
        config.worker.metricsPort > 0
          ? `http://${config.worker.metricsHost}:${config.worker.metricsPort}/metrics`
          : 'disabled',
    });
    await Promise.all(workers.map((w) => w.run()));
    logger.info('worker stopped', {});
  } finally {
    await adapters.close();
    await clientConnection.close();
    await connection.close();
  }
}
