import { Context } from '@temporalio/activity';
import type { ObjectStore, SparkRunner, Zone } from '../adapters/ports';
import { asActivityFailure } from './failures';
import { withHeartbeat } from './heartbeat';
import { stagingPrefixOf } from './run-keys';

export interface RunDailyTransformInput {
  date: string;
  /** `<workflowId>/<runId>`: stable across retries of this run. */
  runKey: string;
}
export interface RunDailyTransformResult {
  /** Rows per produced warehouse table, from the job's TRANSFORM_SUMMARY line. */
  tables: Record<string, number>;
  /** Processed-zone prefix holding `<table>/part-*.parquet` for each table. */
  stagingPrefix: string;
  durationMs: number;
  jobId?: string;
}

const SUMMARY = /^TRANSFORM_SUMMARY (\{.*\})\s*$/m;

/** Root URI of a zone (`/…/lake/raw` locally, `gs://bucket` on GCS), from the store's own key → URI mapping. */
export function zoneRoot(store: ObjectStore, zone: Zone): string {
  return store.uri(zone, '_').slice(0, -2);
}

export function parseTransformSummary(output: string): Record<string, number> {
  const match = SUMMARY.exec(output);
  if (!match?.[1]) throw new Error('the Spark job printed no TRANSFORM_SUMMARY line; see its driver output');
  const parsed = JSON.parse(match[1]) as { tables?: Record<string, number> };
  if (!parsed.tables || typeof parsed.tables !== 'object') throw new Error('TRANSFORM_SUMMARY has no tables');
  return parsed.tables;
}

/**
 * Transform activities: run the PySpark daily transform over the raw zone into a per-run staging area of the
 * processed zone. Driver log lines become heartbeats; cancellation kills the job (and the runner's cleanup
 * releases a Dataproc cluster).
 */
export function createTransformActivities(deps: { spark: SparkRunner; store: ObjectStore }) {
  return {
    async runDailyTransform(input: RunDailyTransformInput): Promise<RunDailyTransformResult> {
      return asActivityFailure(async () => {
        const ctx = Context.current();
        // Per attempt: a Spark driver orphaned by a killed worker may still be writing the previous attempt's area.
        const stagingPrefix = `${stagingPrefixOf(input.runKey)}/attempt-${ctx.info.attempt}`;
        await deps.store.deletePrefix('processed', `${stagingPrefix}/`);
        const result = await withHeartbeat((report) =>
          deps.spark.run(
            {
              runId: input.runKey,
              name: 'daily_transform',
              mainPythonFile: 'daily_transform.py',
              args: [
                '--raw-root',
                zoneRoot(deps.store, 'raw'),
                '--out-root',
                deps.store.uri('processed', stagingPrefix),
                '--date',
                input.date,
                '--run-id',
                input.runKey,
              ],
              properties: { 'spark.sql.parquet.outputTimestampType': 'TIMESTAMP_MICROS' },
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
        return { tables, stagingPrefix, durationMs: result.durationMs, jobId: result.jobId };
      });
    },

    /** Idempotent: releases what a run may have left behind (the ephemeral Dataproc cluster; nothing locally). */
    async cleanupSparkRun(input: { runKey: string }): Promise<void> {
      return asActivityFailure(() => deps.spark.cleanup(input.runKey));
    },
  };
}

export type TransformActivities = ReturnType<typeof createTransformActivities>;
