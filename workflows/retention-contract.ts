import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import { isCalendarDay } from '../schema/retention/days';

/**
 * What the `dataRetention` workflow, its activities and the CLI share: ids, input schema, stages, the shapes of its
 * counts and result, and the `status` query.
 */
export const RETENTION_PIPELINE = 'data-retention';
/** The day's real run: one per day (a second start attaches to it). */
export const retentionWorkflowId = (asOf: string) => `${RETENTION_PIPELINE}:${asOf}`;
/** A dry run has an id of its own, so it never blocks (nor is mistaken for) the day's real run. */
export const dryRunWorkflowId = (asOf: string, at: Date) =>
  `${RETENTION_PIPELINE}:${asOf}:dry-run:${at.toISOString().replace(/[-:.]/g, '')}`;

export const dataRetentionInput = z
  .object({
    /** Policies are applied as of this day (UTC): a partition of day `d` is past `n` days when `d < asOf - n`. */
    asOf: z.string().refine(isCalendarDay, 'expected a calendar date as YYYY-MM-DD'),
    /** Plan only: report what would move or be deleted, change no data. @default false */
    dryRun: z.boolean().default(false),
    options: z
      .object({
        /**
         * Objects moved or deleted at once, and per progress checkpoint (a heartbeat's worth of work a killed worker
         * may have done without recording it; the next attempt recognises it). @default 16
         */
        batchSize: z.number().int().min(1).max(1000).default(16),
      })
      .strict()
      .default({ batchSize: 16 }),
  })
  .strict();
export type DataRetentionInput = z.input<typeof dataRetentionInput>;

/**
 * Retention as of a future day would delete data early: refused. The workflow checks against its own (deterministic)
 * clock, the CLI before it starts anything.
 */
export function futureAsOfProblem(asOf: string, now: Date): string | undefined {
  const today = now.toISOString().slice(0, 10);
  return asOf > today
    ? `asOf ${asOf} is after today (${today}, UTC): retention as of a future day would delete data early`
    : undefined;
}

/** The stages that change data, in the order they run. */
export const EXECUTION_STAGES = [
  'archive-raw',
  'delete-processed',
  'sweep-scratch',
  'delete-archive',
  'warehouse',
  'streams',
] as const;
export const RETENTION_STAGES = ['plan', ...EXECUTION_STAGES, 'report'] as const;
export type RetentionStage = (typeof RETENTION_STAGES)[number];
export type ExecutionStage = (typeof EXECUTION_STAGES)[number];
/** Stages over lake objects. */
export type LakeStage = Extract<
  ExecutionStage,
  'archive-raw' | 'delete-processed' | 'sweep-scratch' | 'delete-archive'
>;

export interface RetentionCounts {
  /** Partitions, run prefixes or streams. */
  items: number;
  /** Lake objects. */
  objects: number;
  /** Warehouse rows. */
  rows: number;
  /** Stream entries. */
  entries: number;
  /** Bytes of the objects / entries / partitions; null where the engine does not report them (DuckDB rows). */
  bytes: number | null;
}

/** Counts per stage, target (`raw/users`, `fact_auth_events`, `events:tenant-1`) and action. */
export interface RetentionTarget extends RetentionCounts {
  stage: ExecutionStage;
  target: string;
  action: 'archive' | 'delete' | 'trim';
  /** What "past retention" meant for it (`dt < 2026-10-02`, `run finished or idle since …`). */
  cutoff: string;
}

export interface StageExecution {
  stage: ExecutionStage;
  targets: RetentionTarget[];
  /** Objects an earlier, interrupted attempt had already moved (found in the archive, not copied again). */
  recognised: number;
  /** Planned objects gone before their turn (another writer replaced or removed them): not counted as executed. */
  vanished: number;
  /** Where this attempt picked up, when an earlier one was interrupted (item index within the stage, object). */
  resumedFrom?: { item: number; object: number };
}

export interface DataRetentionResult {
  workflowId: string;
  runId: string;
  asOf: string;
  dryRun: boolean;
  /** Processed-zone key of the full plan (every object, partition and stream), a JSON document. */
  planKey: string;
  planned: RetentionTarget[];
  /** Empty for a dry run. */
  executed: RetentionTarget[];
  recognised: number;
  vanished: number;
  resumed: { stage: ExecutionStage; item: number; object: number }[];
  /** Workflow wall time per stage, ms. */
  stageMs: Partial<Record<RetentionStage, number>>;
}

export type StageState = 'pending' | 'running' | 'done' | 'failed';
export interface RetentionStatus {
  asOf: string;
  dryRun: boolean;
  planKey?: string;
  stages: { stage: RetentionStage; state: StageState; planned?: RetentionCounts; executed?: RetentionCounts }[];
}
/** Live progress per stage (the CLI's `--wait` polls it). */
export const retentionStatusQuery = defineQuery<RetentionStatus>('status');

export const ZERO_COUNTS: RetentionCounts = { items: 0, objects: 0, rows: 0, entries: 0, bytes: 0 };

/** Sums counts; bytes stay null only when every part is null. */
export function addCounts(a: RetentionCounts, b: RetentionCounts): RetentionCounts {
  return {
    items: a.items + b.items,
    objects: a.objects + b.objects,
    rows: a.rows + b.rows,
    entries: a.entries + b.entries,
    bytes: a.bytes === null && b.bytes === null ? null : (a.bytes ?? 0) + (b.bytes ?? 0),
  };
}

export function totalCounts(targets: readonly RetentionCounts[]): RetentionCounts {
  return targets.reduce<RetentionCounts>(addCounts, { ...ZERO_COUNTS, bytes: targets.length ? null : 0 });
}

/** Short human-readable counts, e.g. `3 partitions, 18 objects, 1.2 MiB`. */
export function describeCounts(c: RetentionCounts): string {
  const parts = [`${c.items} item${c.items === 1 ? '' : 's'}`];
  if (c.objects) parts.push(`${c.objects} objects`);
  if (c.rows) parts.push(`${c.rows} rows`);
  if (c.entries) parts.push(`${c.entries} entries`);
  if (c.bytes) parts.push(formatBytes(c.bytes));
  return parts.join(', ');
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return 'n/a';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}
