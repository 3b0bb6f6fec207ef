import { defineQuery, defineSignal } from '@temporalio/workflow';
import { z } from 'zod';
import { dayCount, isoDay } from './days';

/** Longest range one backfill takes (ten years); longer ones are split by the caller. */
export const BACKFILL_MAX_DAYS = 3660;
export const BACKFILL_MAX_CONCURRENCY = 16;
/** Days looked at (and, for a real run, run to the end) per workflow run before it continues as new. */
export const BACKFILL_DAYS_PER_RUN = 100;

export const BACKFILL_MODES = ['missing', 'failed', 'all'] as const;
export type BackfillMode = (typeof BACKFILL_MODES)[number];

export interface FailedDay {
  day: string;
  workflowId: string;
  runId?: string;
  /** The failed run's page in the Web UI. */
  url: string;
  error: string;
}

const failedDay = z.object({
  day: isoDay,
  workflowId: z.string(),
  runId: z.string().optional(),
  url: z.string(),
  error: z.string(),
});

/** What a backfill carries across continue-as-new; written by the workflow itself, never by callers. */
const carrySchema = z
  .object({
    /** Index (into the range) of the first day not yet looked at. */
    cursor: z.number().int().min(0),
    succeeded: z.number().int().min(0),
    skipped: z.number().int().min(0),
    /** Dry run: days a real run would start. */
    wouldRun: z.number().int().min(0),
    /** Days that were running already (a scheduled or manual run) and were waited for instead of started. */
    attached: z.number().int().min(0),
    failures: z.array(failedDay),
    /** Dry run: the days a real run would start, as inclusive ranges. */
    planned: z.array(z.tuple([isoDay, isoDay])),
    /** Sum and count of finished day durations, for the ETA. */
    dayMs: z.number().min(0),
    daysTimed: z.number().int().min(0),
    paused: z.boolean(),
    /** Workflow runs so far (1 + continue-as-new count) and when the first one started (epoch ms). */
    runs: z.number().int().min(1),
    startedAt: z.number(),
  })
  .strict();
export type BackfillCarry = z.infer<typeof carrySchema>;

/** Range rules only speak about two valid days (a bad day is reported once, as itself). */
const rangeIsValid = (payload: { issues: ReadonlyArray<{ path?: PropertyKey[] }> }) =>
  !payload.issues.some((i) => i.path?.[0] === 'from' || i.path?.[0] === 'to');

export const userAnalyticsBackfillInput = z
  .object({
    /** First day, inclusive. */
    from: isoDay,
    /** Last day, inclusive. */
    to: isoDay,
    /**
     * `missing`: days without any run; `failed`: days whose latest run failed, timed out, was terminated or
     * cancelled; `all`: every day, re-running completed days as a new run of the same id. @default missing
     */
    mode: z.enum(BACKFILL_MODES).default('missing'),
    /** Days run at once. @default 2 */
    concurrency: z.number().int().min(1).max(BACKFILL_MAX_CONCURRENCY).default(2),
    /** Only report what would run. @default false */
    dryRun: z.boolean().default(false),
    carry: carrySchema.optional(),
  })
  .strict()
  .refine((i) => i.from <= i.to, { message: "'from' must not be after 'to'", path: ['to'], when: rangeIsValid })
  .refine((i) => dayCount(i.from, i.to) <= BACKFILL_MAX_DAYS, {
    message: `at most ${BACKFILL_MAX_DAYS} days per backfill`,
    path: ['to'],
    when: rangeIsValid,
  });
export type UserAnalyticsBackfillInput = z.input<typeof userAnalyticsBackfillInput>;

export interface BackfillStatus {
  from: string;
  to: string;
  mode: BackfillMode;
  dryRun: boolean;
  concurrency: number;
  paused: boolean;
  /** Days in the range. */
  total: number;
  succeeded: number;
  failed: number;
  skipped: number;
  /** Dry run: days a real run would start. */
  wouldRun: number;
  attached: number;
  /** Days running now. */
  running: string[];
  /** Days neither finished nor running. */
  remaining: number;
  /** Seconds until the range is done at the pace so far; null before a day finished. */
  etaSeconds: number | null;
  /** Workflow runs so far (continue-as-new keeps each history short). */
  runs: number;
  failures: FailedDay[];
}

export interface BackfillResult extends Omit<BackfillStatus, 'running' | 'remaining' | 'etaSeconds' | 'paused'> {
  /** Dry run: the days a real run would start, as inclusive ranges. */
  planned: Array<[string, string]>;
}

export const backfillStatusQuery = defineQuery<BackfillStatus>('status');
/** Stop starting new days (running ones finish). */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
