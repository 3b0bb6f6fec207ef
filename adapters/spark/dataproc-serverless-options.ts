import { z } from 'zod';
import { bucketName, dataprocRunnerOptionsSchema, labels, runHash } from './dataproc-options';

const base = dataprocRunnerOptionsSchema.shape;

/** The Serverless runner's options (`DATAPROC_BATCH_CONFIG` gives the batch part); validated once. */
export const dataprocServerlessOptionsSchema = z
  .object({
    projectId: base.projectId,
    region: base.region,
    jobsUri: base.jobsUri,
    libZipUri: base.libZipUri,
    /** Serverless runtime version. @default 2.2 (Spark 3.5, like the cluster image 2.2 and the local pyspark) */
    runtimeVersion: z
      .string()
      .regex(/^\d+\.\d+(?:\.\d+)?$/, 'a Dataproc Serverless runtime version, e.g. 2.2')
      .default('2.2'),
    /**
     * Batch Spark properties (executor count and size, `spark.dataproc.*` tiers…); a job's own properties override
     * them. @default AQE on
     */
    properties: z
      .record(z.string().regex(/^spark\.\S+$/, 'Spark property names start with spark.'), z.string())
      .default({ 'spark.sql.adaptive.enabled': 'true' }),
    labels: labels.default({}),
    serviceAccount: z.email().optional(),
    subnetworkUri: z.string().min(1).optional(),
    /** Bucket for the batch's staging files. @default Dataproc's per-region staging bucket */
    stagingBucket: bucketName.optional(),
    /** Dataproc ends a batch that runs longer than this (its `ttl`): the backstop against a stuck run. @default 14400 */
    ttlSeconds: z.number().int().min(600).max(1_209_600).default(14_400),
    /** @default hire10x */
    batchIdPrefix: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,19}$/, 'lowercase, starts with a letter, ≤ 20 characters')
      .default('hire10x'),
    pollInitialMs: base.pollInitialMs,
    pollMaxMs: base.pollMaxMs,
    /** How long cleanup waits for a cancelled batch to end before failing (retryably). @default 600000 */
    cancelTimeoutMs: z
      .number()
      .int()
      .min(1)
      .default(10 * 60_000),
    endpoint: base.endpoint,
    transportRetries: base.transportRetries,
  })
  .refine((o) => o.pollMaxMs >= o.pollInitialMs, { message: 'pollMaxMs must be ≥ pollInitialMs', path: ['pollMaxMs'] });

export type DataprocServerlessOptions = z.output<typeof dataprocServerlessOptionsSchema>;
export type DataprocServerlessOptionsInput = z.input<typeof dataprocServerlessOptionsSchema>;

/** Batch ids: 4-63 characters of [a-z0-9-]; fixed per run and generation, so every attempt agrees on them. */
export function batchIdFor(prefix: string, runId: string, generation: number): string {
  return `${prefix}-${runHash(runId)}-${generation}`;
}
