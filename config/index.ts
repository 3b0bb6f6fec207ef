import fs from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { type z } from 'zod';
import { envSchema, PROJECT_ROOT, type Env } from './schema';
import { SCHEDULED_PIPELINES } from '../workflows/pipelines';
import { prefixedTaskQueues, type TaskQueueName } from '../workflows/task-queues';

export { envSchema, PROJECT_ROOT, type Env } from './schema';

/** What every process receives on either platform: validated env plus derived paths and URLs. */
interface CommonConfig {
  dataDir: string;
  logDir: string;
  temporal: {
    address: string;
    host: string;
    port: number;
    namespace: string;
    uiPort: number;
    uiUrl: string;
    /** Whether `dev up` starts the dev server with infra/temporal/dynamic-config.yaml (TEMPORAL_DYNAMIC_CONFIG). */
    devDynamicConfig: 'project' | 'server-defaults';
    /** Task queue names with TASK_QUEUE_PREFIX applied. */
    taskQueues: Record<TaskQueueName, string>;
    /** mTLS/TLS files (TEMPORAL_TLS_*); undefined = plaintext. Read by `temporalTls` (config/temporal-tls.ts). */
    tls?: { certFile?: string; keyFile?: string; caFile?: string; serverName?: string };
  };
  sourceDb: {
    host: string;
    port: number;
    database: string;
    user: string;
    password?: string;
    /** SOURCE_DB_EXTRACT_PARTS */
    extractParts: number;
  };
  redis: { host: string; port: number };
  lake: { root: string; zones: { raw: string; processed: string; archive: string } };
  warehouse: { duckdbPath: string; dataset: string; maximumBytesBilled: number };
  worker: {
    metricsHost: string;
    metricsPort: number;
    maxCachedWorkflows: number;
    logLevel: Env['LOG_LEVEL'];
    /** Batching of concurrent GDPR erasures' lake and warehouse passes. */
    gdprBatch: { windowMs: number; maxSubjects: number };
    /** The queues this process serves (WORKER_TASK_QUEUES). */
    serves: TaskQueueName[];
    /** 0 = no health endpoint. */
    healthPort: number;
    shutdownGraceSeconds: number;
    /** Worker Versioning: set when WORKER_BUILD_ID is. */
    deployment?: { name: string; buildId: string };
  };
  notifyWebhookUrl?: string;
  /** Due time (`HH:MM` UTC) per scheduled pipeline, from `SCHEDULED_PIPELINES`' due variables. */
  sla: Record<string, string>;
  spark: {
    master: string;
    shufflePartitions: number;
    driverMemory: string;
    driverJavaOptions: string;
    tableConcurrency: number;
  };
  secrets: { dir: string; payloadCodecKeys?: string; gdprSubjectKey?: string; uiCodecToken?: string };
  api: { host: string; port: number; publicUrl: string; rateLimitPerMinute: number; bodyLimitBytes: number };
  stream: { shards: number };
}

/** `PLATFORM=local`: the embedded stand-ins; no GCP block. */
export interface LocalConfig extends CommonConfig {
  platform: 'local';
  env: Extract<Env, { PLATFORM: 'local' }>;
}

/** `PLATFORM=gcp`: the production adapters, with the project every one of them needs. */
export interface GcpConfig extends CommonConfig {
  platform: 'gcp';
  env: Extract<Env, { PLATFORM: 'gcp' }>;
  gcp: {
    projectId: string;
    region: string;
    buckets: { raw: string; processed: string; archive: string };
    gcsApiEndpoint?: string;
    bigqueryApiEndpoint?: string;
    bigqueryLocation: string;
    bigqueryEmulatorCompat: boolean;
  };
  /** The Dataproc SparkRunner; its options (and the cluster file) are built by `dataprocOptionsFrom` (dataproc.ts). */
  dataproc: {
    region: string;
    jobsUri?: string;
    clusterConfigFile?: string;
    apiEndpoint?: string;
    /** DATAPROC_MODE: cluster, serverless, or auto (by the day's rows). */
    mode: 'cluster' | 'serverless' | 'auto';
    serverlessMaxRows: number;
    /** DATAPROC_BATCH_CONFIG, resolved against the project root. */
    batchConfigFile?: string;
  };
  /** The Pub/Sub EventBus. */
  pubsub: { topic: string; apiEndpoint?: string };
  /** The Cloud Functions (functions/): alerts topic, quarantine bucket, the alert handler's dedupe and rate limit. */
  functions: {
    alertsTopic: string;
    quarantineBucket: string;
    alertStateStore: 'redis' | 'memory';
    alertDedupeWindowMs: number;
    alertRateLimit: number;
    alertRateWindowMs: number;
  };
}

/** The typed configuration every process receives, per platform: narrow on `platform` to reach the GCP block. */
export type Config = LocalConfig | GcpConfig;

export { workflowUiUrl } from '../workflows/ui-links';

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function describeIssue(issue: z.core.$ZodIssue, env: Record<string, string | undefined>): string {
  const name = String(issue.path[0] ?? '(environment)');
  const got = env[name] === undefined ? '' : ` (got ${JSON.stringify(env[name])})`;
  if (issue.code === 'invalid_value' && 'values' in issue) {
    return `${name}: must be one of ${issue.values.map(String).join(', ')}${got}`;
  }
  return `${name}: ${issue.message}${got}`;
}

/** Reads KEY=VALUE pairs from a `.env` file; real environment variables win over it. */
export function readEnvFile(file: string): Record<string, string> {
  if (!fs.existsSync(file)) return {};
  return parseEnv(fs.readFileSync(file, 'utf8')) as Record<string, string>;
}

export function parseConfig(raw: Record<string, string | undefined>): Config {
  const result = envSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(result.error.issues.map((i) => describeIssue(i, raw)));
  const env = result.data;
  const dataDir = path.resolve(PROJECT_ROOT, env.ANALYTICS_DATA_DIR ?? '.data');
  const [host = '127.0.0.1', portText = '7233'] = env.TEMPORAL_ADDRESS.split(':');
  const lakeRoot = path.join(dataDir, 'lake');
  const common: CommonConfig = {
    dataDir,
    logDir: path.join(dataDir, 'logs'),
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      host,
      port: Number(portText),
      namespace: env.TEMPORAL_NAMESPACE,
      uiPort: env.TEMPORAL_UI_PORT,
      uiUrl: env.TEMPORAL_UI_URL ?? `http://${host}:${env.TEMPORAL_UI_PORT}`,
      devDynamicConfig: env.TEMPORAL_DYNAMIC_CONFIG,
      taskQueues: prefixedTaskQueues(env.TASK_QUEUE_PREFIX),
      tls:
        env.TEMPORAL_TLS_CERT || env.TEMPORAL_TLS_CA
          ? {
              certFile: env.TEMPORAL_TLS_CERT && path.resolve(PROJECT_ROOT, env.TEMPORAL_TLS_CERT),
              keyFile: env.TEMPORAL_TLS_KEY && path.resolve(PROJECT_ROOT, env.TEMPORAL_TLS_KEY),
              caFile: env.TEMPORAL_TLS_CA && path.resolve(PROJECT_ROOT, env.TEMPORAL_TLS_CA),
              serverName: env.TEMPORAL_TLS_SERVER_NAME,
            }
          : undefined,
    },
    sourceDb: {
      host: env.SOURCE_DB_HOST,
      port: env.SOURCE_DB_PORT,
      database: env.SOURCE_DB_NAME,
      user: env.SOURCE_DB_USER,
      password: env.SOURCE_DB_PASSWORD,
      extractParts: env.SOURCE_DB_EXTRACT_PARTS,
    },
    redis: { host: env.REDIS_HOST, port: env.REDIS_PORT },
    lake: {
      root: lakeRoot,
      zones: {
        raw: path.join(lakeRoot, 'raw'),
        processed: path.join(lakeRoot, 'processed'),
        archive: path.join(lakeRoot, 'archive'),
      },
    },
    warehouse: {
      duckdbPath: path.join(dataDir, 'warehouse', 'analytics.duckdb'),
      dataset: env.BIGQUERY_DATASET,
      maximumBytesBilled: env.BIGQUERY_MAX_BYTES_BILLED,
    },
    worker: {
      metricsHost: env.WORKER_METRICS_HOST,
      metricsPort: env.WORKER_METRICS_PORT,
      maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS,
      logLevel: env.LOG_LEVEL,
      gdprBatch: { windowMs: env.GDPR_BATCH_WINDOW_MS, maxSubjects: env.GDPR_BATCH_MAX_SUBJECTS },
      serves: env.WORKER_TASK_QUEUES,
      healthPort: env.WORKER_HEALTH_PORT,
      shutdownGraceSeconds: env.WORKER_SHUTDOWN_GRACE_SECONDS,
      deployment:
        env.WORKER_BUILD_ID === undefined
          ? undefined
          : { name: env.WORKER_DEPLOYMENT_NAME, buildId: env.WORKER_BUILD_ID },
    },
    notifyWebhookUrl: env.NOTIFY_WEBHOOK_URL,
    sla: Object.fromEntries(
      SCHEDULED_PIPELINES.map((p) => [p.pipeline, String(env[p.dueVariable as keyof Env] ?? p.defaultDue)]),
    ),
    spark: {
      master: env.SPARK_MASTER,
      shufflePartitions: env.SPARK_SHUFFLE_PARTITIONS,
      driverMemory: env.SPARK_DRIVER_MEMORY,
      driverJavaOptions: env.SPARK_DRIVER_JAVA_OPTIONS,
      tableConcurrency: env.SPARK_TABLE_CONCURRENCY,
    },
    secrets: {
      dir: path.resolve(PROJECT_ROOT, env.SECRETS_DIR ?? path.join(dataDir, 'secrets')),
      payloadCodecKeys: env.PAYLOAD_CODEC_KEYS,
      gdprSubjectKey: env.GDPR_SUBJECT_KEY,
      uiCodecToken: env.UI_CODEC_TOKEN,
    },
    api: {
      host: env.API_HOST,
      port: env.API_PORT,
      publicUrl: (env.API_PUBLIC_URL ?? `http://${env.API_HOST}:${env.API_PORT}`).replace(/\/+$/, ''),
      rateLimitPerMinute: env.API_RATE_LIMIT_PER_MINUTE,
      bodyLimitBytes: env.API_BODY_LIMIT_BYTES,
    },
    stream: { shards: env.STREAM_SHARDS },
  };
  if (env.PLATFORM === 'local') return { ...common, platform: 'local', env };
  return {
    ...common,
    platform: 'gcp',
    env,
    gcp: {
      projectId: env.GCP_PROJECT_ID,
      region: env.GCP_REGION,
      buckets: { raw: env.GCS_BUCKET_RAW, processed: env.GCS_BUCKET_PROCESSED, archive: env.GCS_BUCKET_ARCHIVE },
      gcsApiEndpoint: env.GCS_API_ENDPOINT,
      bigqueryApiEndpoint: env.BIGQUERY_API_ENDPOINT,
      bigqueryLocation: env.BIGQUERY_LOCATION,
      bigqueryEmulatorCompat: env.BIGQUERY_EMULATOR_COMPAT,
    },
    dataproc: {
      region: env.DATAPROC_REGION ?? env.GCP_REGION,
      jobsUri: env.DATAPROC_JOBS_URI,
      clusterConfigFile:
        env.DATAPROC_CLUSTER_CONFIG === undefined ? undefined : path.resolve(PROJECT_ROOT, env.DATAPROC_CLUSTER_CONFIG),
      apiEndpoint: env.DATAPROC_API_ENDPOINT,
      mode: env.DATAPROC_MODE,
      serverlessMaxRows: env.DATAPROC_SERVERLESS_MAX_ROWS,
      batchConfigFile:
        env.DATAPROC_BATCH_CONFIG === undefined ? undefined : path.resolve(PROJECT_ROOT, env.DATAPROC_BATCH_CONFIG),
    },
    pubsub: { topic: env.PUBSUB_TOPIC, apiEndpoint: env.PUBSUB_API_ENDPOINT },
    functions: {
      alertsTopic: env.ALERTS_TOPIC,
      quarantineBucket: env.QUARANTINE_BUCKET,
      alertStateStore: env.ALERT_STATE_STORE,
      alertDedupeWindowMs: env.ALERT_DEDUPE_WINDOW_SECONDS * 1000,
      alertRateLimit: env.ALERT_RATE_LIMIT,
      alertRateWindowMs: env.ALERT_RATE_WINDOW_SECONDS * 1000,
    },
  };
}

/**
 * Loads the configuration once at process start: `.env` in the project root (optional) overlaid by the real
 * environment. Throws ConfigError naming every bad variable.
 */
export function loadConfig(
  environment: Record<string, string | undefined> = process.env,
  envFile = path.join(PROJECT_ROOT, '.env'),
): Config {
  return parseConfig({ ...readEnvFile(envFile), ...environment });
}
