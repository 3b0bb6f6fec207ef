import { Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { type Config } from '../config';
import { dataConverterFromConfig } from '../security/data-converter';
import { buildAdapters } from './adapters';
import { createWorkers } from './create-workers';
import { createJsonLogger } from './logger';
import { prefixedTaskQueues } from '../workflows/task-queues';
import { temporalTls } from '../config/temporal-tls';
import { startHealthServer, type HealthServer } from './health';

/**
 * The worker process: serves the etl, gdpr and stream task queues (WORKER_TASK_QUEUES: a subset) until
 * SIGINT/SIGTERM, then lets in-flight activities finish within WORKER_SHUTDOWN_GRACE_SECONDS (the SDK's graceful
 * shutdown: polling stops at once, activities still running at the end of the grace are cancelled, and heartbeating
 * ones fail their attempt so another worker retries) and closes every adapter. Probes on WORKER_HEALTH_PORT. Logs JSON lines; Prometheus metrics on
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
  const tls = temporalTls(config);
  const connection = await NativeConnection.connect({ address: config.temporal.address, tls });
  const clientConnection = await Connection.connect({ address: config.temporal.address, tls });
  let health: HealthServer | undefined;
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
      serves: config.worker.serves,
      shutdownGraceMs: config.worker.shutdownGraceSeconds * 1000,
      deployment: config.worker.deployment,
    });
    if (config.worker.healthPort > 0) {
      health = await startHealthServer(
        {
          states: () => workers.map((w) => w.getState()),
          pingTemporal: async () => {
            await clientConnection.workflowService.getSystemInfo({});
          },
        },
        { host: config.worker.metricsHost, port: config.worker.healthPort },
      );
    }
    logger.info('worker started', {
      taskQueues: workers.map((w) => w.options.taskQueue),
      namespace: config.temporal.namespace,
      temporal: config.temporal.address,
      platform: config.platform,
      metrics:
        config.worker.metricsPort > 0
          ? `http://${config.worker.metricsHost}:${config.worker.metricsPort}/metrics`
          : 'disabled',
      health: health ? `http://${config.worker.metricsHost}:${health.port}/readyz` : 'disabled',
      buildId: config.worker.deployment?.buildId ?? 'unversioned',
      shutdownGraceSeconds: config.worker.shutdownGraceSeconds,
    });
    await Promise.all(workers.map((w) => w.run()));
    logger.info('worker stopped', {});
  } finally {
    await health?.close();
    await adapters.close();
    await clientConnection.close();
    await connection.close();
  }
}
