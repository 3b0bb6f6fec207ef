import { Context } from '@temporalio/activity';
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
}

const SUMMARY = /^TRANSFORM_SUMMARY (\{.*\})\s*$/m;

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
      return {
        tables,
        stagingPrefix,
        durationMs: result.durationMs,
        jobId: result.jobId,
        ...(result.details ? { details: result.details } : {}),
      };
    },

    /** Idempotent: releases what a run may have left behind (the ephemeral Dataproc cluster; nothing locally). */
    async cleanupSparkRun(input: { runKey: string }): Promise<void> {
      return deps.spark.cleanup(input.runKey);
    },
  };
}

export type TransformActivities = ReturnType<typeof createTransformActivities>;
