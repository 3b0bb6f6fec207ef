import path from 'node:path';
import { z } from 'zod';
import { HH_MM } from '../workflows/pipelines';

/** Repository root: config/ sits directly under it. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

const port = z.coerce.number().int().min(1).max(65535);
const optionalPort = z.coerce.number().int().min(0).max(65535);
const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:7233');
const emptyAsUndefined = (v: unknown) => (v === '' ? undefined : v);

/**
 * Every environment variable the project reads, validated once at start. Nothing else reads `process.env`.
 * Defaults describe the local platform (`PLATFORM=local`); `PLATFORM=gcp` additionally requires `GCP_PROJECT_ID`,
 * checked here and nowhere else (the refinement runs beside the field checks, so every bad variable is reported at
 * once). The rest of the GCP block is required only by the adapter that needs it (`DATAPROC_JOBS_URI` when the worker
 * builds the Dataproc runner), so the CLI can run on gcp without it.
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
    /**
     * Prefix of every task queue the worker serves and the CLI/API start work on (`<prefix>etl`, `<prefix>gdpr`,
     * `<prefix>stream`): isolates a staging or test worker on a shared Temporal namespace. @default none
     */
    TASK_QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9._:-]*$/, 'letters, digits and . _ : - only')
      .default(''),
    /**
     * mTLS to Temporal (Temporal Cloud or a cluster with TLS): files with the client certificate and key (PEM), both or
     * neither. Set, every connection (worker, API, CLI) uses TLS. @default unset: plaintext (the dev server)
     */
    TEMPORAL_TLS_CERT: z.preprocess(emptyAsUndefined, z.string().optional()),
    TEMPORAL_TLS_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
    /** CA file (PEM) of the server's certificate, when the system store does not know it; set alone, TLS without a client certificate. */
    TEMPORAL_TLS_CA: z.preprocess(emptyAsUndefined, z.string().optional()),
    /** TLS server name (SNI) override, e.g. when connecting through an internal load balancer. */
    TEMPORAL_TLS_SERVER_NAME: z.preprocess(emptyAsUndefined, z.string().optional()),
    /** Web UI port of the local dev server (the UI URL is derived from it). @default 8233 */
    TEMPORAL_UI_PORT: port.default(8233),
    /**
     * The local dev server's tuning: `project` = infra/temporal/dynamic-config.yaml (what a cluster runs with);
     * `server-defaults` = the server's own defaults (to measure what the file saves; takes effect when dev up next
     * starts the server).
     * @default project
     */
    TEMPORAL_DYNAMIC_CONFIG: z.enum(['project', 'server-defaults']).default('project'),
    /** Public UI base URL for links, when the UI is not the local dev server's. */
    TEMPORAL_UI_URL: z.preprocess(emptyAsUndefined, z.url().optional()),

    SOURCE_DB_HOST: z.string().min(1).default('127.0.0.1'),
    /** Private cluster port; deliberately not 5432 so a system PostgreSQL is never touched. @default 55432 */
    SOURCE_DB_PORT: port.default(55432),
    SOURCE_DB_NAME: z.string().min(1).default('hire10x'),
    SOURCE_DB_USER: z.string().min(1).default('analytics'),
    SOURCE_DB_PASSWORD: z.preprocess(emptyAsUndefined, z.string().optional()),
    /**
     * Parts an event table's day is extracted in: equal time ranges COPYed side by side over a connection each (one
     * snapshot), streamed into one Parquet file. @default 1
     */
    SOURCE_DB_EXTRACT_PARTS: z.coerce.number().int().min(1).max(16).default(1),

    REDIS_HOST: z.string().min(1).default('127.0.0.1'),
    /** Private Redis port (the local event bus). @default 56379 */
    REDIS_PORT: port.default(56379),

    /** Prometheus endpoint of the worker's SDK metrics; 0 disables it. @default 9464 */
    WORKER_METRICS_PORT: optionalPort.default(9464),
    /** Interface the metrics endpoint binds (0.0.0.0 inside a container). @default 127.0.0.1 */
    WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    /** Workflows kept in the worker's sticky cache (bounded: the cache can exhaust memory). @default 200 */
    WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(200),
    /**
     * How long the first GDPR erasure of a batch waits for others before the batched lake/warehouse pass starts (ms);
     * later batches form while one runs (activities/gdpr/batcher.ts). @default 1000
     */
    GDPR_BATCH_WINDOW_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
    /** Most erasure subjects in one batched pass. @default 100 */
    GDPR_BATCH_MAX_SUBJECTS: z.coerce.number().int().min(1).max(1000).default(100),
    /**
     * Task queues this worker process serves, comma-separated subset of `etl,gdpr,stream` (one Kubernetes Deployment
     * per queue sets one). @default etl,gdpr,stream
     */
    WORKER_TASK_QUEUES: z
      .string()
      .default('etl,gdpr,stream')
      .transform((s) => [...new Set(s.split(',').map((q) => q.trim()))].filter((q) => q !== ''))
      .pipe(z.array(z.enum(['etl', 'gdpr', 'stream'])).min(1, 'name at least one of etl, gdpr, stream')),
    /**
     * Health endpoint for probes (`/readyz`: every worker polling and Temporal reachable; `/livez`: the event loop
     * answers), on WORKER_METRICS_HOST; 0 disables it. @default 0
     */
    WORKER_HEALTH_PORT: optionalPort.default(0),
    /**
     * After SIGTERM, how long in-flight activities may run to completion before they are cancelled (heartbeating
     * activities then see the cancellation and fail their attempt, so another worker retries at once). Keep it below
     * the pod's terminationGracePeriodSeconds. @default 15
     */
    WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(15),
    /**
     * Worker Deployment build id (the image tag): set, the worker opts into Worker Versioning with the PINNED default
     * behaviour, so a run stays on the build that started it. Unset: unversioned (local, tests).
     */
    WORKER_BUILD_ID: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,255}$/, 'letters, digits and . _ - only')
        .optional(),
    ),
    /** Worker Deployment name the build ids belong to. @default hire10x-analytics */
    WORKER_DEPLOYMENT_NAME: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,255}$/, 'letters, digits and . _ - only')
      .default('hire10x-analytics'),

    /** Spark master for the local SparkRunner. @default local[*] */
    SPARK_MASTER: z.string().min(1).default('local[*]'),
    /** spark.sql.shuffle.partitions for local runs: Spark's 200 default makes small days slow on a laptop. @default 4 */
    SPARK_SHUFFLE_PARTITIONS: z.coerce.number().int().min(1).max(10_000).default(4),
    /** Driver memory for local runs. @default 2g */
    SPARK_DRIVER_MEMORY: z
      .string()
      .regex(/^\d+[mg]$/, 'expected e.g. 2g or 512m')
      .default('2g'),
    /**
     * JVM options of the local Spark driver (spark.driver.extraJavaOptions). C1 only: a daily run is seconds of
     * short-lived code, and C2's optimising compiles cost more CPU than they save (see jobs/README.md).
     * @default -XX:TieredStopAtLevel=1
     */
    SPARK_DRIVER_JAVA_OPTIONS: z.string().default('-XX:TieredStopAtLevel=1'),
    /** Output tables the daily transform computes at once in one local session (1 = one after the other). @default 2 */
    SPARK_TABLE_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),

    /** When the daily run of day D must be done: `HH:MM` UTC on D+1 (SLA). @default 06:00 */
    SLA_DAILY_DUE_UTC: z.string().regex(HH_MM, 'expected HH:MM (UTC), e.g. 06:00').default('06:00'),
    /** When the retention run of day D must be done: `HH:MM` UTC on D (SLA). @default 06:00 */
    SLA_RETENTION_DUE_UTC: z.string().regex(HH_MM, 'expected HH:MM (UTC), e.g. 06:00').default('06:00'),

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

    /**
     * Where generated local secrets live (payload-codec keys, the GDPR subject key), mode 0700/0600.
     * @default <ANALYTICS_DATA_DIR>/secrets
     */
    SECRETS_DIR: z.preprocess(emptyAsUndefined, z.string().optional()),
    /**
     * PayloadCodec keys as `keyId:base64(32 bytes)` separated by commas; the first encrypts, all decrypt (rotation).
     * Unset on PLATFORM=local: generated once into SECRETS_DIR/payload-codec.keys. Required on PLATFORM=gcp.
     */
    PAYLOAD_CODEC_KEYS: z.preprocess(emptyAsUndefined, z.string().optional()),
    /**
     * Secret (base64, ≥ 32 bytes) of the keyed hash that turns (tenant, user) into erasure workflow ids, so no user id
     * appears in clear in Temporal. Unset on PLATFORM=local: generated once into SECRETS_DIR/gdpr-subject.key.
     */
    GDPR_SUBJECT_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
    /**
     * Capability token in the Web UI's codec endpoint path (`/codec/ui/<token>`), for a UI without SSO. Unset on
     * PLATFORM=local: generated once into SECRETS_DIR/ui-codec.token; unset on gcp: the path is disabled.
     */
    UI_CODEC_TOKEN: z.preprocess(emptyAsUndefined, z.string().optional()),

    /** Interface the HTTP API listens on. @default 127.0.0.1 */
    API_HOST: z.string().min(1).default('127.0.0.1'),
    /** @default 8080 */
    API_PORT: optionalPort.default(8080),
    /** Requests per minute per API key (token bucket). @default 600 */
    API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
    /** Largest accepted request body. @default 16384 */
    API_BODY_LIMIT_BYTES: z.coerce.number().int().min(256).max(10_485_760).default(16_384),
    /**
     * Consumer shards of the real-time user events: producers route a tenant to one of them, and one supervised
     * consumer (workflow `stream-consumer:<n>`) reads each. Changing it re-routes tenants: drain first.
     */
    STREAM_SHARDS: z.coerce.number().int().min(1).max(64).default(2),
    /** Public base URL of the API (links in responses, the UI codec endpoint). @default http://API_HOST:API_PORT */
    API_PUBLIC_URL: z.preprocess(emptyAsUndefined, z.url().optional()),

    /**
     * gs:// folder the deploy uploads `jobs/` to (`daily_transform.py`, `jobs.zip`); Dataproc jobs are submitted from
     * it. Required when PLATFORM=gcp.
     */
    DATAPROC_JOBS_URI: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(
          /^gs:\/\/[a-z0-9][a-z0-9._-]{1,61}[a-z0-9](?:\/\S*)?$/,
          'expected a gs:// folder, e.g. gs://hire10x-jobs/jobs',
        )
        .optional(),
    ),
    /**
     * YAML or JSON file shaping the ephemeral Dataproc cluster (imageVersion, master, workers, secondaryWorkers,
     * autoscalingPolicyUri, sparkProperties, labels, serviceAccount, …: the fields of adapters/spark/dataproc-options.ts
     * other than project, region, jobs folder and endpoint), validated when the worker starts; relative to the project
     * root. @default unset: the adapter's defaults (2.2-debian12, n2-standard-4, 2 workers)
     */
    DATAPROC_CLUSTER_CONFIG: z.preprocess(emptyAsUndefined, z.string().optional()),
    /**
     * Which Dataproc runner runs the daily transform: `cluster` (an ephemeral cluster per run), `serverless` (a
     * Dataproc Serverless batch per run) or `auto` (Serverless when the day's extracted rows are at most
     * DATAPROC_SERVERLESS_MAX_ROWS, a cluster above). @default cluster
     */
    DATAPROC_MODE: z.enum(['cluster', 'serverless', 'auto']).default('cluster'),
    /** `DATAPROC_MODE=auto`: the largest day (extracted rows, all tables) sent to Serverless. @default 2000000 */
    DATAPROC_SERVERLESS_MAX_ROWS: z.coerce.number().int().min(0).default(2_000_000),
    /**
     * YAML or JSON file shaping the Serverless batches (runtimeVersion, properties, labels, serviceAccount,
     * subnetworkUri, stagingBucket, ttlSeconds, batchIdPrefix…: the fields of adapters/spark/dataproc-serverless.ts
     * other than project, region, jobs folder and endpoint), validated when the worker starts; relative to the project
     * root. @default unset: runtime 2.2, AQE on, Dataproc's default executors
     */
    DATAPROC_BATCH_CONFIG: z.preprocess(emptyAsUndefined, z.string().optional()),
    /** Region of the Dataproc clusters and jobs. @default GCP_REGION */
    DATAPROC_REGION: z.preprocess(emptyAsUndefined, z.string().optional()),
    /**
     * Dataproc endpoint override: `http://host:port` is plaintext gRPC (the in-repo fake in tests), `https://host:port`
     * TLS (a private endpoint); unset means the regional endpoint `<region>-dataproc.googleapis.com`.
     */
    DATAPROC_API_ENDPOINT: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).optional()),
    /**
     * Pub/Sub topic id (in GCP_PROJECT_ID) behind the EventBus on PLATFORM=gcp; Terraform creates it, the worker only
     * checks it exists. @default hire10x-user-events
     */
    PUBSUB_TOPIC: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/, 'a Pub/Sub topic id: 3-255 characters, starting with a letter')
      .refine((t) => !t.startsWith('goog'), 'topic ids must not start with "goog"')
      .default('hire10x-user-events'),
    /**
     * Pub/Sub endpoint override: `http://host:port` is the emulator (plaintext, no credentials), `https://host:port` a
     * private endpoint; unset means the real service.
     */
    PUBSUB_API_ENDPOINT: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).optional()),
    /**
     * Pub/Sub topic id (in GCP_PROJECT_ID) of operational alerts (pipeline failures, SLA misses, security incidents,
     * quarantined files): the data-validation function publishes to it, the alert-handler function reads it.
     * @default hire10x-alerts
     */
    ALERTS_TOPIC: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/, 'a Pub/Sub topic id: 3-255 characters, starting with a letter')
      .refine((t) => !t.startsWith('goog'), 'topic ids must not start with "goog"')
      .default('hire10x-alerts'),
    /**
     * Bucket the data-validation function moves refused raw-zone objects to, under `raw/<original key>` (kept apart
     * from the lake so no reader, retention or inventory ever sees them). @default hire10x-quarantine
     */
    QUARANTINE_BUCKET: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, 'a GCS bucket name')
      .default('hire10x-quarantine'),
    /**
     * Where the alert handler keeps its dedupe keys and rate-limit counters. `redis` (REDIS_HOST/REDIS_PORT:
     * Memorystore on gcp, shared by every instance); `memory` only for one instance (local runs, max-instances=1).
     * @default redis
     */
    ALERT_STATE_STORE: z.enum(['redis', 'memory']).default('redis'),
    /** An alert key seen within this many seconds is not posted again. @default 3600 */
    ALERT_DEDUPE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(604_800).default(3_600),
    /** Alerts posted per channel within ALERT_RATE_WINDOW_SECONDS; the excess is dropped (logged). @default 10 */
    ALERT_RATE_LIMIT: z.coerce.number().int().min(1).max(10_000).default(10),
    /** The rate limit's fixed window. @default 60 */
    ALERT_RATE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
    /** API key the CLI's `gdpr` commands send (`h10x_…`, from `analytics api-keys create`); or pass --api-key. */
    ANALYTICS_API_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
  })
  .superRefine((env, ctx) => {
    if ((env.TEMPORAL_TLS_CERT === undefined) !== (env.TEMPORAL_TLS_KEY === undefined)) {
      const missing = env.TEMPORAL_TLS_CERT === undefined ? 'TEMPORAL_TLS_CERT' : 'TEMPORAL_TLS_KEY';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together' });
    }
    if (env.PLATFORM === 'gcp' && !env.GCP_PROJECT_ID) {
      ctx.addIssue({ code: 'custom', path: ['GCP_PROJECT_ID'], message: 'required when PLATFORM=gcp' });
    }
  })
  .transform(perPlatform);

/** Types what the refinement above checked: on `gcp` the project is a string, so nothing downstream checks again. */
function perPlatform<E extends { PLATFORM: 'local' | 'gcp'; GCP_PROJECT_ID?: string }>(env: E) {
  return env as E & ({ PLATFORM: 'local' } | { PLATFORM: 'gcp'; GCP_PROJECT_ID: string });
}

/** The validated environment, a union on `PLATFORM`. */
export type Env = z.infer<typeof envSchema>;
