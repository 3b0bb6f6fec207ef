import { ActivityCancellationType, type ActivityOptions, type RetryPolicy } from '@temporalio/workflow';
import { NON_RETRYABLE_ERROR_TYPES } from '../schema/failure-types';

/**
 * Every workflow's activity timeouts and retry policies, named once. Changing a value here changes every running
 * workflow's next scheduled activity (retry policies are not part of replay), so change them on purpose.
 */

/** Failure types no retry fixes (schema/failure-types.ts); every policy that retries lists them. */
const nonRetryableErrorTypes = [...NON_RETRYABLE_ERROR_TYPES];

/** Warehouse and lake work: 5 s doubling to 2 min, 8 attempts (about 10 min of trying). */
const warehouseRetry = {
  initialInterval: '5 seconds',
  backoffCoefficient: 2,
  maximumInterval: '2 minutes',
  maximumAttempts: 8,
  nonRetryableErrorTypes,
} satisfies RetryPolicy;

// ── userAnalyticsDaily ───────────────────────────────────────────────────────────────────────────────────────────

/** PostgreSQL may be briefly unavailable (restart, failover): back off for several minutes before giving up. */
export const extractActivity = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes,
  },
} as const satisfies ActivityOptions;

/**
 * Spark jobs are long: heartbeats every few seconds (with the latest driver line) detect a lost worker within a
 * minute; few, slow retries.
 */
export const sparkActivity = {
  startToCloseTimeout: '4 hours',
  heartbeatTimeout: '1 minute',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '30 seconds', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes },
} as const satisfies ActivityOptions;

/** Loads, quality checks and publishing in the warehouse. */
export const warehouseActivity = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: warehouseRetry,
} as const satisfies ActivityOptions;

/** Cleanup must finish even while the workflow is being cancelled; it is idempotent, so retry it generously. */
export const cleanupActivity = {
  startToCloseTimeout: '20 minutes',
  retry: { initialInterval: '10 seconds', maximumAttempts: 10 },
} as const satisfies ActivityOptions;

/** Reading the worker's SLA configuration: quick, a few tries. */
export const slaLookupActivity = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
} as const satisfies ActivityOptions;

// ── Deadlines (the daily run's SLA timer and pipelineWatchdog) ───────────────────────────────────────────────────

/** A notification is worth a few tries, never the run that sends it. */
export const notifyActivity = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
} as const satisfies ActivityOptions;

/** The watchdog's look at the expected runs: a few describes and a visibility query. */
export const watchdogCheckActivity = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumAttempts: 5 },
} as const satisfies ActivityOptions;

// ── userAnalyticsBackfill ────────────────────────────────────────────────────────────────────────────────────────

/** Describing a page of days is quick. */
export const backfillStatusActivity = {
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 10 },
} as const satisfies ActivityOptions;

/** A run being waited for heartbeats on every poll; the wait may last as long as that run. */
export const backfillAwaitActivity = {
  startToCloseTimeout: '7 days',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute' },
} as const satisfies ActivityOptions;

// ── dataRetention ────────────────────────────────────────────────────────────────────────────────────────────────

/** Listing every zone and counting expired partitions: minutes on a large lake; heartbeats between phases. */
export const retentionPlanActivity = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: warehouseRetry,
} as const satisfies ActivityOptions;

/**
 * Moves and deletes checkpoint after every batch and heartbeat every few seconds: a lost worker is noticed within
 * the heartbeat timeout and the next attempt resumes from the last checkpoint. Many attempts, since each one only
 * continues the previous one's work.
 */
export const retentionExecuteActivity = {
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '30 seconds',
  retry: { ...warehouseRetry, maximumAttempts: 20 },
} as const satisfies ActivityOptions;

/** The run's records and its notification. */
export const retentionRecordActivity = {
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 8, nonRetryableErrorTypes },
} as const satisfies ActivityOptions;

// ── gdprErasure ──────────────────────────────────────────────────────────────────────────────────────────────────

/** Before the point of no return a failure compensates, so retries are short: the requester hears back soon. */
export const erasureCompensableActivity = {
  startToCloseTimeout: '5 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes,
  },
} as const satisfies ActivityOptions;

/** Compensations must finish: idempotent, retried for a long time. */
export const erasureCompensationActivity = {
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 50 },
} as const satisfies ActivityOptions;

/**
 * After the point of no return the saga only goes forward: retries with backoff, then an operator. The attempts come
 * from the request (`maxStepAttempts`, default 8).
 */
export function erasureForwardActivity(maximumAttempts: number) {
  return {
    startToCloseTimeout: '1 hour',
    heartbeatTimeout: '2 minutes',
    retry: {
      initialInterval: '2 seconds',
      backoffCoefficient: 2,
      maximumInterval: '2 minutes',
      maximumAttempts,
      nonRetryableErrorTypes,
    },
  } as const satisfies ActivityOptions;
}

// ── platformHealthCheck ──────────────────────────────────────────────────────────────────────────────────────────

/** Probes are quick; a probe that hangs is bounded inside the activity, so no retries beyond a second try. */
export const healthProbeActivity = {
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 2, initialInterval: '1 second' },
} as const satisfies ActivityOptions;

// ── streamConsumer ───────────────────────────────────────────────────────────────────────────────────────────────

/**
 * One consume segment: a long-running activity that heartbeats every batch (a pull waits at most a few seconds), so
 * a lost worker is noticed within 10 s and another worker of the `stream` queue takes the shard over. Retries never
 * stop for transient failures (a consumer should outlive a Redis or PostgreSQL restart); bad configuration is
 * non-retryable and fails the supervisor visibly. Cancellation (pause, drain) waits for the batch in hand to be
 * committed and acknowledged.
 */
export const consumeActivity = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '10 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes },
} as const satisfies ActivityOptions;
