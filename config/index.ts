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
  worker: { metricsHost: string; metricsPort: number; maxCachedWorkflows: number; logLevel: Env['LOG_LEVEL'] };
  notifyWebhookUrl?: string;
  /** Due time (`HH:MM` UTC) per scheduled pipeline, from `SCHEDULED_PIPELINES`' due variables. */
  sla: Record<string, string>;
  spark: { master: string; shufflePartitions: number; driverMemory: string };
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
  dataproc: { region: string; jobsUri?: string; clusterConfigFile?: string; apiEndpoint?: string };
  /** The Pub/Sub EventBus. */
  pubsub: { topic: string; apiEndpoint?: string };
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
    },
    notifyWebhookUrl: env.NOTIFY_WEBHOOK_URL,
    sla: Object.fromEntries(
      SCHEDULED_PIPELINES.map((p) => [p.pipeline, String(env[p.dueVariable as keyof Env] ?? p.defaultDue)]),
    ),
    spark: {
      master: env.SPARK_MASTER,
      shufflePartitions: env.SPARK_SHUFFLE_PARTITIONS,
      driverMemory: env.SPARK_DRIVER_MEMORY,
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
    },
    pubsub: { topic: env.PUBSUB_TOPIC, apiEndpoint: env.PUBSUB_API_ENDPOINT },
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
