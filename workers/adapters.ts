import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError, type Config } from '../config';
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
import { dataprocRunnerOptionsSchema, type DataprocRunnerOptionsInput } from '../adapters/spark/dataproc-options';
import { DataprocSparkRunner } from '../adapters/spark/dataproc';
import { GcsObjectStore } from '../adapters/object-store/gcs';
import { PubSubEventBus } from '../adapters/event-bus/pubsub';

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

/** Options of the cluster file that come from environment variables instead (the file must not set them). */
const ENV_OWNED_DATAPROC_OPTIONS: readonly string[] = ['projectId', 'region', 'jobsUri', 'endpoint'];

/**
 * Reads DATAPROC_CLUSTER_CONFIG (YAML, or JSON, which is YAML too) into the cluster part of the Dataproc options.
 * Unknown or env-owned top-level keys are refused, so a typo cannot silently fall back to a default.
 */
export function readDataprocClusterConfig(file: string): Record<string, unknown> {
  const where = `DATAPROC_CLUSTER_CONFIG (${file})`;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`${where}: cannot be read: ${(err as Error).message}`]);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new ConfigError([`${where}: not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}`]);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError([
      `${where}: expected a mapping of cluster options, got ${Array.isArray(parsed) ? 'a list' : typeof parsed}`,
    ]);
  }
  const allowed = Object.keys(dataprocRunnerOptionsSchema.shape).filter((k) => !ENV_OWNED_DATAPROC_OPTIONS.includes(k));
  const issues: string[] = [];
  for (const key of Object.keys(parsed)) {
    if (ENV_OWNED_DATAPROC_OPTIONS.includes(key)) {
      issues.push(
        `${where}: ${key} comes from the environment (GCP_PROJECT_ID, DATAPROC_REGION or GCP_REGION, DATAPROC_JOBS_URI, DATAPROC_API_ENDPOINT), not from the file`,
      );
    } else if (!allowed.includes(key)) {
      issues.push(`${where}: unknown option ${key}; known: ${allowed.join(', ')}`);
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return parsed as Record<string, unknown>;
}

/** `http://host:port` → plaintext gRPC (the fake), `https://host[:port]` → TLS. */
function grpcEndpoint(url: string): NonNullable<DataprocRunnerOptionsInput['endpoint']> {
  const parsed = new URL(url);
  const insecure = parsed.protocol === 'http:';
  return { host: parsed.hostname, port: Number(parsed.port || (insecure ? 80 : 443)), insecure };
}

/**
 * The Dataproc runner's options from configuration: project, region, jobs folder and endpoint from the environment,
 * the cluster's shape from DATAPROC_CLUSTER_CONFIG, all validated by the runner's own schema. Throws ConfigError
 * naming every missing variable or bad option.
 */
export function dataprocOptionsFrom(config: Config): DataprocRunnerOptionsInput {
  const missing: string[] = [];
  if (!config.gcp.projectId) missing.push('GCP_PROJECT_ID: required when PLATFORM=gcp');
  if (!config.dataproc.jobsUri) {
    missing.push(
      'DATAPROC_JOBS_URI: required when PLATFORM=gcp (the gs:// folder holding daily_transform.py and jobs.zip)',
    );
  }
  if (missing.length > 0) throw new ConfigError(missing);
  const file = config.dataproc.clusterConfigFile;
  const options = {
    ...(file ? readDataprocClusterConfig(file) : {}),
    projectId: config.gcp.projectId,
    region: config.dataproc.region,
    jobsUri: config.dataproc.jobsUri,
    ...(config.dataproc.apiEndpoint ? { endpoint: grpcEndpoint(config.dataproc.apiEndpoint) } : {}),
  };
  const parsed = dataprocRunnerOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const fromEnv: Record<string, string> = {
      projectId: 'GCP_PROJECT_ID',
      region: config.env.DATAPROC_REGION ? 'DATAPROC_REGION' : 'GCP_REGION',
      jobsUri: 'DATAPROC_JOBS_URI',
      endpoint: 'DATAPROC_API_ENDPOINT',
    };
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name =
          fromEnv[String(issue.path[0])] ??
          `DATAPROC_CLUSTER_CONFIG (${file ?? 'unset'}): ${issue.path.join('.') || '(root)'}`;
        return `${name}: ${issue.message}`;
      }),
    );
  }
  return options as DataprocRunnerOptionsInput;
}

/** SparkRunner of the platform: spark-submit locally, an ephemeral Dataproc cluster per run on gcp. */
export function buildSparkRunner(config: Config): SparkRunner {
  if (config.platform === 'gcp') return new DataprocSparkRunner(dataprocOptionsFrom(config));
  return new SparkSubmitRunner({
    master: config.spark.master,
    defaultProperties: {
      'spark.ui.enabled': 'false',
      'spark.sql.adaptive.enabled': 'true',
      'spark.sql.shuffle.partitions': String(config.spark.shufflePartitions),
      'spark.driver.memory': config.spark.driverMemory,
    },
  });
}

/** EventBus of the platform: Redis Streams locally, the Pub/Sub topic PUBSUB_TOPIC on gcp. */
export function buildEventBus(config: Config): EventBus {
  if (config.platform === 'gcp') {
    if (!config.gcp.projectId) throw new ConfigError(['GCP_PROJECT_ID: required when PLATFORM=gcp']);
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
 * BigQuery, Pub/Sub, Dataproc). Configuration is checked before anything is opened: a ConfigError names every
 * missing variable and bad option.
 */
export function buildAdapters(config: Config, log: Log): Adapters {
  // The runner reads and validates a file and the bus needs the project: both may refuse, so before anything opens.
  const spark = buildSparkRunner(config);
  const bus = buildEventBus(config);
  const source = new PostgresSourceDb(config.sourceDb);
  const store = buildObjectStore(config);
  const warehouse = buildWarehouse(config);
  const subjects = new PostgresSubjectStore(config.sourceDb);
  const cache = new RedisSubjectCache(config.redis);
  const notifier = new WebhookNotifier(config.notifyWebhookUrl, log);
  const notifications = new PostgresNotificationLog(config.sourceDb);
  return {
    source,
    store,
    warehouse,
    bus,
    notifier,
    spark,
    subjects,
    cache,
    notifications,
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
      ]);
    },
  };
}
