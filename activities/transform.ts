import { Context, log } from '@temporalio/activity';
import { z } from 'zod';
import { ErrorType, PlatformError } from '../adapters/errors';
import type { ObjectStore, SparkRunDetails, SparkRunner } from '../adapters/ports';
import { withHeartbeat } from './heartbeat';
import { stagingPrefixOf } from './run-keys';

export interface RunDailyTransformInput {
  date: string;
  /** `<workflowId>/<runId>`: stable across retries of this run. */
  runKey: string;
  /** The day's extracted rows (all tables): `DATAPROC_MODE=auto` picks Serverless or a cluster from it. */
  inputRows?: number;
}
export interface RunDailyTransformResult {
  /** Rows per produced warehouse table, from the job's TRANSFORM_SUMMARY line. */
  tables: Record<string, number>;
  /** Processed-zone prefix holding `<table>/part-*.parquet` for each table. */
  stagingPrefix: string;
  durationMs: number;
  jobId?: string;
  /** Which runner ran it and the time of each phase (cluster create / job / delete, or batch pending / running). */
  details?: SparkRunDetails;
  /** Where the job's time went (its TRANSFORM_TIMINGS line); absent when the driver output is not available. */
  timings?: TransformTimings;
  /** `timings` as one short line for the run's stage table (`formatTransformTimings`). */
  timingsNote?: string;
}

const SUMMARY = /^TRANSFORM_SUMMARY (\{.*\})\s*$/m;
const TIMINGS = /^TRANSFORM_TIMINGS (\{.*\})\s*$/m;

const seconds = z.number().nonnegative();
/**
 * The job's `TRANSFORM_TIMINGS` line, in seconds (jobs/daily_transform.py `Timings`): the driver JVM's launch, the
 * Python driver's start, the SparkSession's start, the input manifest, reading raw inputs (schemas), planning, the
 * output tables (each, and all together: they run `concurrency` at a time), the summary write and the session stop.
 */
export const transformTimingsSchema = z
  .object({
    jvm_launch: seconds.optional(),
    python_start: seconds.optional(),
    session_start: seconds.optional(),
    manifest: seconds.optional(),
    read: seconds.optional(),
    plan: z.number().optional(),
    tables_wall: seconds.optional(),
    tables: z.record(z.string(), seconds),
    summary_write: seconds.optional(),
    session_stop: seconds.optional(),
    python_total: seconds.optional(),
    concurrency: z.number().int().positive(),
  })
  .passthrough();
export type TransformTimings = z.infer<typeof transformTimingsSchema>;

/** The timings line of a driver output, validated; undefined when there is none or it is malformed (never fatal). */
export function parseTransformTimings(output: string): TransformTimings | undefined {
  const match = TIMINGS.exec(output);
  if (!match?.[1]) return undefined;
  try {
    const parsed = transformTimingsSchema.safeParse(JSON.parse(match[1]));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** One line for the stage table: the fixed costs, then the slowest output tables. */
export function formatTransformTimings(t: TransformTimings, slowest = 3): string {
  const s = (v: number | undefined) => (v === undefined ? '?' : v.toFixed(1));
  const fixed = [
    t.jvm_launch === undefined ? undefined : `JVM ${s(t.jvm_launch)}`,
    t.python_start === undefined ? undefined : `python ${s(t.python_start)}`,
    `session ${s(t.session_start)}`,
    `read ${s((t.manifest ?? 0) + (t.read ?? 0))}`,
    `plan ${s(t.plan)}`,
    `tables ${s(t.tables_wall)} (${Object.keys(t.tables).length} x${t.concurrency})`,
    `write summary ${s(t.summary_write)}`,
    `stop ${s(t.session_stop)}`,
  ].filter(Boolean);
  const top = Object.entries(t.tables)
    .sort((a, b) => b[1] - a[1])
    .slice(0, slowest)
    .map(([name, v]) => `${name} ${s(v)}`);
  return `Spark s: ${fixed.join(', ')}; slowest: ${top.join(', ')}`;
}

/**
 * Raw tables daily_transform.py reads (`RAW_INPUTS` in jobs/transform/pipeline.py; a pytest keeps the two equal).
 * Each one's committed partition for the day goes into the input manifest.
 */
export const DAILY_TRANSFORM_RAW_TABLES = [
  'tenants',
  'roles',
  'role_permissions',
  'users',
  'user_roles',
  'teams',
  'team_members',
  'sessions',
  'auth_events',
  'activity_events',
  'api_requests',
  'collaboration_events',
  'permission_checks',
] as const;

/** What `daily_transform.py --manifest` reads: per raw table, the URIs of its committed generation's files. */
export interface TransformInputManifest {
  logical_date: string;
  tables: Record<string, string[]>;
  /** Informational: the generation each table's files belong to. */
  generations: Record<string, string>;
}

/**
 * Resolves the day's raw partitions through the reader protocol (`readPartition`: the committed generation's keys,
 * never a listing) into a manifest of store URIs. On GCS the files sit under `_gen=<id>/`, which Spark would skip if
 * it read the directory; locally they are the partition directory's files. A missing partition means the extract did
 * not run for that table: non-retryable, like the job's own check.
 */
export async function resolveTransformInputs(store: ObjectStore, date: string): Promise<TransformInputManifest> {
  const snapshots = await Promise.all(
    DAILY_TRANSFORM_RAW_TABLES.map(async (table) => {
      const prefix = `${table}/dt=${date}`;
      const snapshot = await store.readPartition('raw', prefix);
      if (!snapshot) {
        throw new PlatformError(
          ErrorType.NotFound,
          `raw partition raw/${prefix} does not exist (was the extract of ${table} run?)`,
          { details: { table, date } },
        );
      }
      return { table, snapshot };
    }),
  );
  const manifest: TransformInputManifest = { logical_date: date, tables: {}, generations: {} };
  for (const { table, snapshot } of snapshots) {
    manifest.tables[table] = snapshot.keys.filter((k) => k.endsWith('.parquet')).map((k) => store.uri('raw', k));
    manifest.generations[table] = snapshot.generation;
  }
  return manifest;
}

export function parseTransformSummary(output: string): Record<string, number> {
  const match = SUMMARY.exec(output);
  if (!match?.[1]) throw new Error('the Spark job printed no TRANSFORM_SUMMARY line; see its driver output');
  const parsed = JSON.parse(match[1]) as { tables?: Record<string, number> };
  if (!parsed.tables || typeof parsed.tables !== 'object') throw new Error('TRANSFORM_SUMMARY has no tables');
  return parsed.tables;
}

/**
 * Transform activities: run the PySpark daily transform over the day's raw partitions (handed over as a manifest of
 * their committed files) into a per-run staging area of the processed zone. Driver log lines become heartbeats;
 * cancellation kills the job (and the runner's cleanup releases a Dataproc cluster).
 */
export function createTransformActivities(deps: { spark: SparkRunner; store: ObjectStore }) {
  return {
    async runDailyTransform(input: RunDailyTransformInput): Promise<RunDailyTransformResult> {
      const ctx = Context.current();
      // Per attempt: a Spark driver orphaned by a killed worker may still be writing the previous attempt's area.
      const stagingPrefix = `${stagingPrefixOf(input.runKey)}/attempt-${ctx.info.attempt}`;
      await deps.store.deletePrefix('processed', `${stagingPrefix}/`);
      // The exact input files, beside the output (not under a table's prefix, so no load takes it for data). Not a
      // `_`/`.` name: Hadoop's input formats skip those even when the path is given explicitly.
      const manifestKey = `${stagingPrefix}/input-manifest.json`;
      const manifest = await resolveTransformInputs(deps.store, input.date);
      await deps.store.put('processed', manifestKey, new TextEncoder().encode(JSON.stringify(manifest)));
      const result = await withHeartbeat((report) =>
        deps.spark.run(
          {
            runId: input.runKey,
            name: 'daily_transform',
            mainPythonFile: 'daily_transform.py',
            args: [
              '--manifest',
              deps.store.uri('processed', manifestKey),
              '--out-root',
              deps.store.uri('processed', stagingPrefix),
              '--date',
              input.date,
              '--run-id',
              input.runKey,
            ],
            properties: { 'spark.sql.parquet.outputTimestampType': 'TIMESTAMP_MICROS' },
            ...(input.inputRows === undefined ? {} : { inputRows: input.inputRows }),
          },
          { signal: ctx.cancellationSignal, onProgress: (line) => report({ line: line.slice(0, 300) }) },
        ),
      );
      // The job also writes its summary beside its output, which works where the driver log is not ours to read
      // (Dataproc); the driver line is the fallback.
      const summaryKey = `${stagingPrefix}/_SUMMARY.json`;
      const fromFile = (await deps.store.list('processed', summaryKey)).includes(summaryKey)
        ? `TRANSFORM_SUMMARY ${new TextDecoder().decode(await deps.store.get('processed', summaryKey))}`
        : undefined;
      const tables = parseTransformSummary(fromFile ?? result.output);
      const timings = parseTransformTimings(result.output);
      if (timings)
        log.info(`daily_transform ${input.date} timings: ${formatTransformTimings(timings, 20)}`, { timings });
      return {
        tables,
        stagingPrefix,
        durationMs: result.durationMs,
        jobId: result.jobId,
        ...(result.details ? { details: result.details } : {}),
        ...(timings ? { timings, timingsNote: formatTransformTimings(timings) } : {}),
      };
    },

    /** Idempotent: releases what a run may have left behind (the ephemeral Dataproc cluster; nothing locally). */
    async cleanupSparkRun(input: { runKey: string }): Promise<void> {
      return deps.spark.cleanup(input.runKey);
    },
  };
}

export type TransformActivities = ReturnType<typeof createTransformActivities>;
