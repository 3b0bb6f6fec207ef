import { Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig } from '../../config';
import { TEST_ENV } from '../../test/test-env';
import { dataConverterFromConfig } from '../../security/data-converter';
import { buildAdapters } from '../../workers/adapters';
import { createWorkers } from '../../workers/create-workers';

/**
 * The project's workers for the Python DAG tests (dags/tests), against the test platform of test/test-env.ts.
 *
 * Usage: `tsx dags/tests/ts_worker.ts <taskQueue>` serves <taskQueue> (the etl role) plus <taskQueue>-gdpr and
 * <taskQueue>-stream, prints READY once polling, and stops on SIGINT/SIGTERM or when stdin closes (so a crashed
 * pytest never leaves a worker behind).
 */
async function main(): Promise<void> {
  const arg = process.argv[2];
  if (!arg) throw new Error('usage: tsx dags/tests/ts_worker.ts <taskQueue>');

  Runtime.install({ logger: new DefaultLogger('WARN') });
  const config = loadConfig({ ...process.env, ...TEST_ENV });
  const adapters = buildAdapters(config, () => undefined);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const clientConnection = await Connection.connect({ address: config.temporal.address });
  try {
    const workers = await createWorkers({
      connection,
      clientConnection,
      namespace: config.temporal.namespace,
      adapters,
      dataConverter: dataConverterFromConfig(config),
      taskQueues: { etl: arg, gdpr: `${arg}-gdpr`, stream: `${arg}-stream` },
      maxCachedWorkflows: 50,
      ui: { url: config.temporal.uiUrl },
    });
    const running = Promise.all(workers.map((w) => w.run()));
    process.stdin.on('end', () => workers.forEach((w) => w.shutdown()));
    process.stdin.resume();
    process.stdout.write('READY\n');
    await running;
  } finally {
    process.stdin.pause();
    await adapters.close();
    await clientConnection.close();
    await connection.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`ts_worker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
