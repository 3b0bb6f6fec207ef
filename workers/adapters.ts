import { PostgresStreamStore } from '../adapters/stream-store/postgres';
import type { Config } from '../config';
import { dataprocOptionsFrom, dataprocServerlessOptionsFrom } from '../config/dataproc';
import { DuckDbWarehouse } from '../adapters/warehouse/duckdb';
import { FsObjectStore } from '../adapters/object-store/fs';
import { WebhookNotifier } from '../adapters/notifications/webhook';
import { PostgresSourceDb } from '../adapters/source/postgres';
import { RedisEventBus } from '../adapters/event-bus/redis';
import { PostgresSubjectStore } from '../adapters/subject-store/postgres';
import { PostgresNotificationLog } from '../adapters/notifications/postgres-log';
import { RedisSubjectCache } from '../adapters/subject-cache/redis';
import { SparkSubmitRunner } from '../adapters/spark/spark-submit';
import type { Adapters, EventBus, ObjectStore, SparkRunner, Warehouse } from '../adapters/ports';
import { BigQueryWarehouse } from '../adapters/warehouse/bigquery';
import { DataprocSparkRunner } from '../adapters/spark/dataproc';
import { ModeSelectingSparkRunner } from '../adapters/spark/dataproc-mode';
import { DataprocServerlessRunner } from '../adapters/spark/dataproc-serverless';
import { GcsObjectStore } from '../adapters/object-store/gcs';
import { PubSubEventBus } from '../adapters/event-bus/pubsub';
import { createRedisLock } from '../adapters/lock/redis';
import { closeRedis, createRedis } from '../adapters/redis-client';

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

/**
 * SparkRunner of the platform: spark-submit locally; on gcp an ephemeral Dataproc cluster per run, a Serverless batch,
 * or per day the cheaper of the two (DATAPROC_MODE).
 */
export function buildSparkRunner(config: Config): SparkRunner {
  if (config.platform === 'gcp') {
    const { mode, serverlessMaxRows } = config.dataproc;
    if (mode === 'cluster') return new DataprocSparkRunner(dataprocOptionsFrom(config));
    if (mode === 'serverless') return new DataprocServerlessRunner(dataprocServerlessOptionsFrom(config));
    return new ModeSelectingSparkRunner(mode, serverlessMaxRows, {
      cluster: new DataprocSparkRunner(dataprocOptionsFrom(config)),
      serverless: new DataprocServerlessRunner(dataprocServerlessOptionsFrom(config)),
    });
  }
  return new SparkSubmitRunner({ master: config.spark.master, defaultProperties: localSparkProperties(config) });
}

/**
 * Spark properties of every local run. Small days are dominated by fixed costs (jobs/README.md, "What a local run
 * costs"; `npm run bench:spark` measures them): no UI, few shuffle partitions, a C1-only driver JVM, and output
 * tables computed `SPARK_TABLE_CONCURRENCY` at a time.
 */
export function localSparkProperties(config: Config): Record<string, string> {
  return {
    'spark.ui.enabled': 'false',
    'spark.ui.showConsoleProgress': 'false',
    'spark.sql.adaptive.enabled': 'true',
    'spark.sql.shuffle.partitions': String(config.spark.shufflePartitions),
    'spark.driver.memory': config.spark.driverMemory,
    ...(config.spark.driverJavaOptions.trim()
      ? { 'spark.driver.extraJavaOptions': config.spark.driverJavaOptions }
      : {}),
    'spark.hire10x.transform.tableConcurrency': String(config.spark.tableConcurrency),
  };
}

/** EventBus of the platform: Redis Streams locally, the Pub/Sub topic PUBSUB_TOPIC on gcp. */
export function buildEventBus(config: Config): EventBus {
  if (config.platform === 'gcp') {
    return new PubSubEventBus({
      projectId: config.gcp.projectId,
      topic: config.pubsub.topic,
      apiEndpoint: config.pubsub.apiEndpoint,
    });
  }
  return new RedisEventBus(config.redis);
}

/**
 * The only place adapters are chosen: PLATFORM=local wires the local stand-ins (PostgreSQL, directories, DuckDB,
 * Redis Streams, spark-submit), PLATFORM=gcp the cloud ones (Cloud SQL through the same PostgreSQL adapter, GCS,
 * BigQuery, Pub/Sub, Dataproc). Both take the lake partition lock in Redis (Memorystore on gcp), on a connection of
 * its own so renewals never queue behind a long cache scan. Configuration is checked before anything is opened: a
 * ConfigError names every missing variable and bad option.
 */
export function buildAdapters(config: Config, log: Log): Adapters {
  // The runner reads and validates a file: it may refuse, so before anything opens.
  const spark = buildSparkRunner(config);
  const bus = buildEventBus(config);
  const source = new PostgresSourceDb(config.sourceDb);
  const store = buildObjectStore(config);
  const warehouse = buildWarehouse(config);
  const subjects = new PostgresSubjectStore(config.sourceDb);
  const cache = new RedisSubjectCache(config.redis);
  const lockRedis = createRedis(config.redis);
  const notifier = new WebhookNotifier(config.notifyWebhookUrl, log);
  const notifications = new PostgresNotificationLog(config.sourceDb);
  const streams = new PostgresStreamStore(config.sourceDb);
  return {
    platform: config.platform,
    lock: createRedisLock(lockRedis),
    source,
    store,
    warehouse,
    bus,
    notifier,
    spark,
    subjects,
    cache,
    notifications,
    streams,
    async close() {
      await Promise.allSettled([
        source.close(),
        store.close(),
        warehouse.close(),
        bus.close(),
        spark.close(),
        subjects.close(),
        cache.close(),
        notifications.close(),
        streams.close(),
        closeRedis(lockRedis),
      ]);
    },
  };
}
