import { Client, Connection } from '@temporalio/client';
import { type Config, workflowUiUrl } from '../config';
import { temporalTls } from '../config/temporal-tls';
import { dataConverterFromConfig } from '../security/data-converter';

/**
 * Opens a client for one command and always closes its connection. The client encrypts and decrypts payloads with
 * the project's codec (security/data-converter.ts).
 */
export async function withClient<T>(config: Config, fn: (client: Client) => Promise<T>): Promise<T> {
  const dataConverter = dataConverterFromConfig(config);
  let connection: Connection;
  try {
    connection = await Connection.connect({
      address: config.temporal.address,
      tls: temporalTls(config),
      connectTimeout: 5_000,
    });
  } catch (err) {
    throw new Error(
      `cannot reach Temporal at ${config.temporal.address} (${(err as Error).message}). Start the platform: analytics dev up`,
      { cause: err },
    );
  }
  try {
    return await fn(new Client({ connection, namespace: config.temporal.namespace, dataConverter }));
  } finally {
    await connection.close();
  }
}

/** Deep link to one workflow execution in the Web UI. */
export function workflowUrl(config: Config, workflowId: string, runId?: string): string {
  return workflowUiUrl({ url: config.temporal.uiUrl, namespace: config.temporal.namespace }, workflowId, runId);
}
