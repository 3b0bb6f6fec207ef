import { createHash } from 'node:crypto';
import { z } from 'zod';

// GCP label rules: at most 64 per resource, keys start with a lowercase letter, keys and values ≤ 63 characters of
// lowercase letters, digits, '_' and '-'. The runner adds a few labels of its own, so callers get 60.
const labelKey = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,62}$/, 'label keys: lowercase letter first, then [a-z0-9_-], ≤ 63');
const labelValue = z.string().regex(/^[a-z0-9_-]{0,63}$/, 'label values: [a-z0-9_-], ≤ 63');
export const labels = z
  .record(labelKey, labelValue)
  .refine((l) => Object.keys(l).length <= 60, 'at most 60 labels (the runner adds its own)');

/** Predefined types (`n2-standard-4`, `e2-highmem-8`, `c3-standard-4-lssd`) or custom ones (`custom-4-16384`). */
const machineType = z
  .string()
  .regex(
    /^(?:[a-z][a-z0-9]*-)?custom-[1-9]\d*-[1-9]\d*(?:-ext)?$|^[a-z][a-z0-9]*-[a-z]+(?:-\d+[a-z]*)?(?:-[a-z]+)?$/,
    'a Compute Engine machine type, e.g. n2-standard-4 or custom-4-16384',
  )
  .refine((t) => {
    const custom = /custom-(\d+)-(\d+)/.exec(t);
    return !custom || Number(custom[2]) % 256 === 0;
  }, 'custom machine memory must be a multiple of 256 MB');

export const bucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, 'a GCS bucket name (no gs:// prefix)');
const nodeGroup = (defaultType: string) =>
  z.object({
    machineType: machineType.default(defaultType),
    /** @default 100 */
    bootDiskSizeGb: z.number().int().min(30).max(65_536).default(100),
  });

/** Everything that shapes the ephemeral cluster and how the runner talks to Dataproc; validated once. */
export const dataprocRunnerOptionsSchema = z
  .object({
    projectId: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'a GCP project id'),
    /** A Dataproc region such as europe-west1 (the runner uses its regional endpoint). */
    region: z.string().regex(/^[a-z]+-[a-z]+\d+$/, 'a GCP region, e.g. europe-west1'),
    /** gs:// folder the deploy uploads jobs/ to; `SparkJob.mainPythonFile` is relative to it. */
    jobsUri: z
      .string()
      .regex(/^gs:\/\/[a-z0-9][a-z0-9._-]{1,61}[a-z0-9](?:\/\S*)?$/, 'a gs:// folder')
      .transform((u) => u.replace(/\/+$/, '')),
    /**
     * The `jobs` package zip (built by jobs/build_pyfiles.py) shipped with every job as --py-files.
     * @default `${jobsUri}/jobs.zip`
     */
    libZipUri: z
      .string()
      .regex(/^gs:\/\/\S+\.zip$/)
      .optional(),
    /** Bucket for cluster staging files (driver output). @default Dataproc creates one per region */
    stagingBucket: bucketName.optional(),
    /** @default 2.2-debian12 (Spark 3.5, like the local pyspark) */
    imageVersion: z
      .string()
      .regex(/^\d+\.\d+(?:\.\d+)?(?:-[a-z0-9]+)?$/)
      .default('2.2-debian12'),
    master: nodeGroup('n2-standard-4').prefault({}),
    workers: nodeGroup('n2-standard-4')
      .extend({
        /** Primary workers; Dataproc needs 0 (single node) or at least 2. @default 2 */
        count: z
          .number()
          .int()
          .refine((n) => n === 0 || (n >= 2 && n <= 1000), 'worker count must be 0 or 2-1000')
          .default(2),
      })
      .prefault({}),
    /** Cheap extra capacity; losing one of these is a transient failure, not a job failure. */
    secondaryWorkers: z
      .object({
        count: z.number().int().min(1).max(1000),
        /** @default SPOT */
        preemptibility: z.enum(['PREEMPTIBLE', 'SPOT', 'NON_PREEMPTIBLE']).default('SPOT'),
      })
      .optional(),
    autoscalingPolicyUri: z
      .string()
      .regex(/^projects\/[^/]+\/(?:regions|locations)\/[^/]+\/autoscalingPolicies\/[A-Za-z0-9_-]+$/)
      .optional(),
    /** Cluster-wide Spark defaults; a job's own properties override them. @default AQE on, 200 shuffle partitions */
    sparkProperties: z
      .record(z.string().regex(/^spark\.\S+$/, 'Spark property names start with spark.'), z.string())
      .default({ 'spark.sql.adaptive.enabled': 'true', 'spark.sql.shuffle.partitions': '200' }),
    labels: labels.default({}),
    serviceAccount: z.email().optional(),
    subnetworkUri: z.string().min(1).optional(),
    /** @default hire10x-spark */
    clusterNamePrefix: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,19}$/, 'lowercase, starts with a letter, ≤ 20 characters')
      .default('hire10x-spark'),
    /** Dataproc deletes an idle cluster by itself after this long: the last line of defence against a leak. @default 3600 */
    idleDeleteTtlSeconds: z.number().int().min(600).max(1_209_600).default(3600),
    /** First and longest delay between polls of operations and jobs. @default 2000 / 30000 */
    pollInitialMs: z.number().int().min(1).default(2_000),
    pollMaxMs: z.number().int().min(1).default(30_000),
    /** How long cleanup waits for a cluster to disappear before failing (retryably). @default 1800000 */
    deleteTimeoutMs: z
      .number()
      .int()
      .min(1)
      .default(30 * 60_000),
    /** An emulator or private endpoint. @default the regional endpoint `${region}-dataproc.googleapis.com:443` */
    endpoint: z
      .object({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65_535),
        insecure: z.boolean().default(false),
      })
      .optional(),
    /**
     * Whether the client library retries UNAVAILABLE by itself. Off, the first UNAVAILABLE fails the attempt and
     * Temporal's retry policy takes over (tests use it to prove a retried attempt reuses the cluster). @default true
     */
    transportRetries: z.boolean().default(true),
  })
  .refine((o) => o.pollMaxMs >= o.pollInitialMs, { message: 'pollMaxMs must be ≥ pollInitialMs', path: ['pollMaxMs'] });

export type DataprocRunnerOptions = z.output<typeof dataprocRunnerOptionsSchema>;
export type DataprocRunnerOptionsInput = z.input<typeof dataprocRunnerOptionsSchema>;

function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

/** Short stable fingerprint of a run, used as a label value and inside job ids. */
export function runHash(runId: string): string {
  return digest('run', runId).slice(0, 16);
}

/**
 * Cluster names must be lowercase, start with a letter, end with a letter or digit, ≤ 51 characters. The slug keeps
 * the name readable in the console; the hash keeps two run ids that slug alike apart.
 */
export function clusterNameFor(prefix: string, runId: string): string {
  const hash = digest('cluster', runId).slice(0, 10);
  const room = 51 - prefix.length - hash.length - 2;
  const slug = runId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, Math.max(room, 0))
    .replace(/-+$/, '');
  return slug ? `${prefix}-${slug}-${hash}` : `${prefix}-${hash}`;
}

/** Request ids: ≤ 40 characters of [a-zA-Z0-9_-]; the same inputs always give the same id. */
export function requestIdFor(kind: 'create' | 'submit' | 'delete' | 'cancel' | 'batch', ...parts: string[]): string {
  return `${kind}-${digest(kind, ...parts).slice(0, 40 - kind.length - 1)}`;
}

/** Job ids: [a-zA-Z0-9_-], ≤ 100 characters; `generation` counts earlier attempts whose job ended unsuccessfully. */
export function jobIdFor(name: string, runId: string, generation: number): string {
  return `${name.slice(0, 63)}-${runHash(runId)}-${generation}`;
}
