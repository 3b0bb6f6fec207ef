import { z } from 'zod';

/**
 * How long each zone, table and stream is kept: the one source of the numbers. The `dataRetention` workflow enforces
 * them; `schema/warehouse` tables take their `retentionDays` (hence the BigQuery partition expirations) from
 * `WAREHOUSE_RETENTION_DAYS`; `npm run generate` renders the lake part into GCS lifecycle rules.
 *
 * A partition of day `d` (its `dt=` segment, or the partition column) is past a retention of `n` days "as of" day `a`
 * when `d < a - n`: the `n` days before `a`, and `a` itself, are kept.
 */

/** Event facts: a little over a year, for year-over-year comparisons. */
const EVENT_DAYS = 400;
/** Dashboards look back two years. */
const DASHBOARD_DAYS = 730;
/** Pipeline records (runs, data-quality results, detections): two years of operational history. */
const OPERATIONS_DAYS = 730;
/** Seven years: audit evidence outlives the data it describes (compliance). */
const AUDIT_DAYS = 2555;

/** Days a warehouse partition is kept, per partitioned table. Tables read their `retentionDays` from here. */
export const WAREHOUSE_RETENTION_DAYS = {
  fact_user_activities: EVENT_DAYS,
  fact_session_metrics: EVENT_DAYS,
  fact_auth_events: EVENT_DAYS,
  fact_team_collaborations: EVENT_DAYS,
  fact_api_requests: EVENT_DAYS,
  fact_permission_checks: EVENT_DAYS,
  fact_stream_events: EVENT_DAYS,
  rpt_engagement_daily: DASHBOARD_DAYS,
  rpt_session_duration_daily: DASHBOARD_DAYS,
  rpt_feature_adoption_daily: DASHBOARD_DAYS,
  rpt_tenant_growth_daily: DASHBOARD_DAYS,
  rpt_user_distribution_daily: DASHBOARD_DAYS,
  rpt_team_composition_daily: DASHBOARD_DAYS,
  rpt_security_daily: DASHBOARD_DAYS,
  rpt_login_failures_daily: DASHBOARD_DAYS,
  rpt_api_performance_daily: DASHBOARD_DAYS,
  rpt_user_journeys_daily: DASHBOARD_DAYS,
  rpt_feature_funnel_daily: DASHBOARD_DAYS,
  rpt_tenant_resources_daily: DASHBOARD_DAYS,
  rpt_team_performance_daily: DASHBOARD_DAYS,
  rpt_permission_access_daily: DASHBOARD_DAYS,
  rpt_incidents_daily: DASHBOARD_DAYS,
  rpt_api_errors_daily: DASHBOARD_DAYS,
  security_incidents: OPERATIONS_DAYS,
  stream_login_attempts_1m: EVENT_DAYS,
  stream_feature_usage_1m: EVENT_DAYS,
  stream_api_performance_1m: EVENT_DAYS,
  stream_sessions_1m: EVENT_DAYS,
  stream_security_incidents: OPERATIONS_DAYS,
  dq_results: OPERATIONS_DAYS,
  pipeline_runs: OPERATIONS_DAYS,
  audit_log: AUDIT_DAYS,
} as const;

const days = (what: string) =>
  z
    .number({ error: `${what}: expected a number of days` })
    .int(`${what}: expected a whole number of days`)
    .min(1, `${what}: must keep at least 1 day`)
    .max(36_500, `${what}: more than 100 years is surely a typo`);

/** A stream name, or a prefix of one ending in `*` (what `EventBus.expiredEntries` accepts). */
const STREAM_PATTERN = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,255}\*?$/;

export const retentionPolicySchema = z
  .object({
    lake: z
      .object({
        /** Raw partitions move to the archive zone once past this many days. */
        raw: z.object({ archiveAfterDays: days('lake.raw.archiveAfterDays') }).strict(),
        /** Processed partitions (warehouse load inputs) are deleted once past this many days. */
        processed: z.object({ deleteAfterDays: days('lake.processed.deleteAfterDays') }).strict(),
        /** Archived partitions are deleted once past this many days (counted from their day, like every zone). */
        archive: z.object({ deleteAfterDays: days('lake.archive.deleteAfterDays') }).strict(),
        /**
         * Scratch areas of the processed zone: a finished run's Spark staging (`_staging/<run>/`, as soon as the run
         * is recorded finished, and any run's once nothing under it was written for this many days), activity load
         * files (`_activity/`) and retention plans (`_retention/`) by the age of each object.
         */
        scratch: z.object({ sweepAfterDays: days('lake.scratch.sweepAfterDays') }).strict(),
      })
      .strict(),
    warehouse: z.record(
      z.string().regex(/^[a-z][a-z0-9_]*$/, 'warehouse: table names are lower_snake_case'),
      days('warehouse table retention'),
    ),
    /** Event streams trimmed past their window (Redis Streams; Pub/Sub subscriptions expire messages themselves). */
    streams: z.array(
      z
        .object({
          pattern: z.string().regex(STREAM_PATTERN, 'streams: a stream name, or a prefix of one followed by *'),
          keepDays: days('streams.keepDays'),
        })
        .strict(),
    ),
    /**
     * GCS lifecycle rules fire this many days after the workflow would have acted: they are the backstop for a
     * workflow that has not run, never the first to delete (the workflow audits what it removes, lifecycle does not).
     */
    lifecycleGraceDays: z.number().int('lifecycleGraceDays: whole days').min(0).max(365),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.lake.archive.deleteAfterDays <= p.lake.raw.archiveAfterDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['lake', 'archive', 'deleteAfterDays'],
        message:
          `lake.archive.deleteAfterDays (${p.lake.archive.deleteAfterDays}) must exceed lake.raw.archiveAfterDays ` +
          `(${p.lake.raw.archiveAfterDays}): partitions reach the archive after the latter and leave it after the former`,
      });
    }
    const patterns = p.streams.map((s) => s.pattern);
    const repeated = patterns.find((x, i) => patterns.indexOf(x) !== i);
    if (repeated) ctx.addIssue({ code: 'custom', path: ['streams'], message: `stream ${repeated} is listed twice` });
  });

export type RetentionPolicy = z.output<typeof retentionPolicySchema>;

/** A policy that breaks the schema: `issues` name each field and what is wrong with it. */
export class RetentionPolicyError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid retention policy: ${issues.join('; ')}`);
    this.name = 'RetentionPolicyError';
  }
}

export function parseRetentionPolicy(raw: unknown): RetentionPolicy {
  const parsed = retentionPolicySchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new RetentionPolicyError(
    parsed.error.issues.map((i) => {
      const where = i.path.join('.') || '(policy)';
      // A bad record key carries the key rule's own message one level down.
      const message = i.code === 'invalid_key' ? (i.issues[0]?.message ?? i.message) : i.message;
      // Field-specific messages already name their field.
      return message.startsWith(where) ? message : `${where}: ${message}`;
    }),
  );
}

/** The platform's policy; a bad edit fails at import with the field that is wrong. */
export const RETENTION_POLICY: RetentionPolicy = parseRetentionPolicy({
  lake: {
    raw: { archiveAfterDays: 30 },
    processed: { deleteAfterDays: 90 },
    archive: { deleteAfterDays: 1095 },
    scratch: { sweepAfterDays: 7 },
  },
  warehouse: WAREHOUSE_RETENTION_DAYS,
  streams: [{ pattern: 'events:*', keepDays: 7 }],
  lifecycleGraceDays: 7,
});
