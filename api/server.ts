import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import type { Warehouse } from '../adapters/ports';
import type { Config } from '../config';
import { temporalTls } from '../config/temporal-tls';
import { migratePlatform } from '../schema/platform/migrate';
import { payloadCodecFromConfig } from '../security/codec';
import { dataConverterFromConfig } from '../security/data-converter';
import { gdprSubjectKey, uiCodecToken } from '../security/secrets';
import { buildApp } from './app';

/** A pool over the platform store (same server and database as the source DB, schema `platform`). */
export function platformPool(config: Config, max = 10): pg.Pool {
  const { host, port, database, user, password } = config.sourceDb;
  const pool = new pg.Pool({ host, port, database, user, password, max, application_name: 'hire10x-api' });
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

export interface RunningApi {
  url: string;
  /** Stops accepting, drains in-flight requests, flushes the audit log, closes Temporal and the pool. */
  close(): Promise<void>;
}

/**
 * Starts the API: migrates the platform store, connects to Temporal with the project's data converter (payloads
 * encrypted by the codec), and listens on `host:port` (default config.api).
 */
export async function startApi(
  config: Config,
  options: {
    host?: string;
    port?: number;
    log?: (line: string) => void;
    taskQueue?: string;
    /** The warehouse behind `/dashboards/` (closed with the API); none: no dashboards. */
    warehouse?: Warehouse;
  } = {},
): Promise<RunningApi> {
  const pool = platformPool(config);
  let connection: Connection | undefined;
  try {
    await migratePlatform(pool, { log: options.log });
    connection = await Connection.connect({
      address: config.temporal.address,
      tls: temporalTls(config),
      connectTimeout: 10_000,
    });
    const temporal = new Client({
      connection,
      namespace: config.temporal.namespace,
      dataConverter: dataConverterFromConfig(config),
    });
    const app = buildApp({
      temporal,
      pool,
      api: config.api,
      temporalUi: { url: config.temporal.uiUrl, namespace: config.temporal.namespace },
      subjectKey: gdprSubjectKey(config),
      codec: payloadCodecFromConfig(config),
      uiCodecToken: uiCodecToken(config),
      taskQueue: options.taskQueue ?? config.temporal.taskQueues.gdpr,
      logger: { level: config.worker.logLevel.toLowerCase() },
      warehouse: options.warehouse,
    });
    const url = await app.listen({ host: options.host ?? config.api.host, port: options.port ?? config.api.port });
    const conn = connection;
    return {
      url,
      async close() {
        await app.close();
        await conn.close();
        await pool.end();
        await options.warehouse?.close();
      },
    };
  } catch (err) {
    await connection?.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await options.warehouse?.close().catch(() => undefined);
    throw err;
  }
}

/** `analytics api`: runs until SIGINT/SIGTERM, then shuts down gracefully. */
export async function runApiServer(
  config: Config,
  options: { host?: string; port?: number; warehouse?: Warehouse } = {},
  say: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<void> {
  const api = await startApi(config, { ...options, log: say });
  say(`API listening on ${api.url} (public URL ${config.api.publicUrl}, OpenAPI at /openapi.json)`);
  if (options.warehouse) say(`Dashboards at ${config.api.publicUrl}/dashboards/`);
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      say(`${signal}: draining…`);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      api.close().then(resolve, (err: unknown) => {
        say(`shutdown error: ${(err as Error).message}`);
        process.exitCode = 1;
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  say('API stopped');
}
