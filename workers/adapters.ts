import { type Config } from '../config';
import { DuckDbWarehouse } from '../adapters/local/duckdb-warehouse';
import { FsObjectStore } from '../adapters/local/fs-object-store';
import { WebhookNotifier } from '../adapters/local/notifier';
import { PostgresSourceDb } from '../adapters/local/postgres-source';
import { RedisEventBus } from '../adapters/local/redis-event-bus';
import { SparkSubmitRunner } from '../adapters/local/spark-submit-runner';
import type { Adapters, ObjectStore, Warehouse } from '../adapters/ports';
import { BigQueryWarehouse } from '../adapters/gcp/bigquery-warehouse';
import { GcsObjectStore } from '../adapters/gcp/gcs-object-store';

export type Log = (message: string, meta: Record<string, unknown>) => void;

/** ObjectStore of the platform: zone directories locally, one GCS bucket per zone on gcp. */
export function buildObjectStore(config: Config): ObjectStore {
  if (config.platform === 'gcp') {
    return new GcsObjectStore({
      buckets: config.gcp.buckets,
      projectId: config.gcp.projectId,
      apiEndpoint: config.gcp.gcsApiEndpoint,
    });
  }
  return new FsObjectStore(config.lake.zones);
}

/** Warehouse of the platform: the DuckDB file locally, BigQuery on gcp (also used by `analytics warehouse`). */
export function buildWarehouse(config: Config): Warehouse {
  if (config.platform === 'gcp') {
    if (!config.gcp.projectId) throw new Error('PLATFORM=gcp needs GCP_PROJECT_ID');
    return new BigQueryWarehouse({
      projectId: config.gcp.projectId,
      location: config.gcp.bigqueryLocation,
      apiEndpoint: config.gcp.bigqueryApiEndpoint,
      gcsApiEndpoint: config.gcp.gcsApiEndpoint,
      maximumBytesBilled: config.warehouse.maximumBytesBilled,
      emulatorCompat: config.gcp.bigqueryEmulatorCompat,
    });
  }
  return new DuckDbWarehouse(config.warehouse.duckdbPath);
}

/** The only place adapters are chosen: PLATFORM=local wires local stores, PLATFORM=gcp the cloud ones. */
export function buildAdapters(config: Config, log: Log): Adapters {
  if (config.platform === 'gcp') {
    const missing = ['EventBus (Pub/Sub)', 'SparkRunner (Dataproc)'];
    throw new Error(
      `PLATFORM=gcp: ${missing.join(', ')} not wired yet (ObjectStore → GCS and Warehouse → BigQuery are); run with PLATFORM=local`,
    );
  }
  const source = new PostgresSourceDb(config.sourceDb);
  const store = buildObjectStore(config);
  const warehouse = buildWarehouse(config);
  const bus = new RedisEventBus(config.redis);
  const notifier = new WebhookNotifier(config.notifyWebhookUrl, log);
  const spark = new SparkSubmitRunner({
    master: config.spark.master,
    defaultProperties: {
      'spark.ui.enabled': 'false',
      'spark.sql.adaptive.enabled': 'true',
      'spark.sql.shuffle.partitions': String(config.spark.shufflePartitions),
      'spark.driver.memory': config.spark.driverMemory,
    },
  });
  return {
    source,
    store,
    warehouse,
    bus,
    notifier,
    spark,
    async close() {
      await Promise.allSettled([source.close(), store.close(), warehouse.close(), bus.close(), spark.close()]);
    },
  };
}
