import path from 'node:path';
import { z } from 'zod';

/** Repository root: config/ sits directly under it. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

const port = z.coerce.number().int().min(1).max(65535);
const optionalPort = z.coerce.number().int().min(0).max(65535);
const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:7233');
const emptyAsUndefined = (v: unknown) => (v === '' ? undefined : v);

/**
 * Every environment variable the project reads, validated once at start. Nothing else reads `process.env`.
 * Defaults describe the local platform (`PLATFORM=local`); `PLATFORM=gcp` additionally requires the GCP block.
 */
export const envSchema = z
  .object({
    /** Which adapters the workers wire. @default local */
    PLATFORM: z.enum(['local', 'gcp']).default('local'),
    /** Root of all local state (service data, logs, lake zones, warehouse file). @default <repo>/.data */
    ANALYTICS_DATA_DIR: z.preprocess(emptyAsUndefined, z.string().optional()),
    LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),

    TEMPORAL_ADDRESS: hostPort.default('127.0.0.1:7233'),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    /** Web UI port of the local dev server (the UI URL is derived from it). @default 8233 */
    TEMPORAL_UI_PORT: port.default(8233),
    /** Public UI base URL for links, when the UI is not the local dev server's. */
    TEMPORAL_UI_URL: z.preprocess(emptyAsUndefined, z.url().optional()),

    SOURCE_DB_HOST: z.string().min(1).default('127.0.0.1'),
    /** Private cluster port; deliberately not 5432 so a system PostgreSQL is never touched. @default 55432 */
    SOURCE_DB_PORT: port.default(55432),
    SOURCE_DB_NAME: z.string().min(1).default('hire10x'),
    SOURCE_DB_USER: z.string().min(1).default('analytics'),
    SOURCE_DB_PASSWORD: z.preprocess(emptyAsUndefined, z.string().optional()),

    REDIS_HOST: z.string().min(1).default('127.0.0.1'),
    /** Private Redis port (the local event bus). @default 56379 */
    REDIS_PORT: port.default(56379),

    /** Prometheus endpoint of the worker's SDK metrics; 0 disables it. @default 9464 */
    WORKER_METRICS_PORT: optionalPort.default(9464),
    /** Interface the metrics endpoint binds (0.0.0.0 inside a container). @default 127.0.0.1 */
    WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    /** Workflows kept in the worker's sticky cache (bounded: the cache can exhaust memory). @default 200 */
    WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(200),

    /** Spark master for the local SparkRunner. @default local[*] */
    SPARK_MASTER: z.string().min(1).default('local[*]'),
    /** spark.sql.shuffle.partitions for local runs: Spark's 200 default makes small days slow on a laptop. @default 4 */
    SPARK_SHUFFLE_PARTITIONS: z.coerce.number().int().min(1).max(10_000).default(4),
    /** Driver memory for local runs. @default 2g */
    SPARK_DRIVER_MEMORY: z
      .string()
      .regex(/^\d+[mg]$/, 'expected e.g. 2g or 512m')
      .default('2g'),

    /** Slack-compatible webhook for notifications; unset means notifications are logged. */
    NOTIFY_WEBHOOK_URL: z.preprocess(emptyAsUndefined, z.url().optional()),

    GCP_PROJECT_ID: z.preprocess(emptyAsUndefined, z.string().optional()),
    GCP_REGION: z.string().default('us-central1'),
    GCS_BUCKET_RAW: z.string().default('hire10x-raw'),
    GCS_BUCKET_PROCESSED: z.string().default('hire10x-processed'),
    GCS_BUCKET_ARCHIVE: z.string().default('hire10x-archive'),
    BIGQUERY_DATASET: z.string().default('user_analytics'),
    /** Location of the BigQuery datasets and jobs (a job is looked up by id within its location). @default US */
    BIGQUERY_LOCATION: z.string().min(1).default('US'),
    /** Cost guard: a BigQuery query that would bill more bytes fails instead of running. @default 10 GiB */
    BIGQUERY_MAX_BYTES_BILLED: z.coerce.number().int().positive().default(10_737_418_240),
    /** GCS endpoint override (fake-gcs-server in tests); unset means the real service. */
    GCS_API_ENDPOINT: z.preprocess(emptyAsUndefined, z.url().optional()),
    /** BigQuery endpoint override (bigquery-emulator in tests); unset means the real service. */
    BIGQUERY_API_ENDPOINT: z.preprocess(emptyAsUndefined, z.url().optional()),
    /** Use the documented emulator fallbacks (staging table + DELETE/INSERT instead of partition decorators). @default false */
    BIGQUERY_EMULATOR_COMPAT: z.stringbool().default(false),
  })
  .superRefine((env, ctx) => {
    if (env.PLATFORM === 'gcp' && !env.GCP_PROJECT_ID) {
      ctx.addIssue({ code: 'custom', path: ['GCP_PROJECT_ID'], message: 'required when PLATFORM=gcp' });
    }
  });

export type Env = z.infer<typeof envSchema>;
