import { defineQuery, defineSignal } from '@temporalio/workflow';
import { z } from 'zod';

/**
 * The stream consumer supervisor's contract: input, status, signals' names. Imported by the workflow, the CLI and
 * the activity (types only there).
 */

/** The `Pipeline` search attribute of every stream consumer. */
export const STREAM_PIPELINE = 'stream-consumer';

export { shardOf, streamOfShard } from './stream-routing';
/** The consumer group every shard's consumer reads as. */
export const STREAM_CONSUMER_GROUP = 'analytics-stream';
/** Workflow id of a shard's supervisor. */
export const streamConsumerWorkflowId = (shard: number) => `stream-consumer:${shard}`;

export const streamConsumerInput = z.strictObject({
  shard: z.number().int().min(0).max(63),
  /** Batches per activity segment before the workflow looks at its signals again (pause/drain cancel sooner). */
  segmentBatches: z.number().int().min(1).max(100_000).default(2_000),
  /** Longest a segment runs. */
  segmentSeconds: z.number().int().min(1).max(3_600).default(60),
  /** Continue-as-new after this many batches (history stays short whatever the uptime). */
  continueAsNewEveryBatches: z.number().int().min(1).default(20_000),
  batchSize: z.number().int().min(1).max(50_000).default(10_000),
  pullWaitMs: z.number().int().min(10).max(10_000).default(1_000),
  projectEveryMs: z.number().int().min(100).max(600_000).default(5_000),
  /** Processor options (streaming/processor.ts); omitted ones take their defaults. */
  processor: z.record(z.string(), z.unknown()).default({}),
  /** Start paused (a consumer created for maintenance). */
  paused: z.boolean().default(false),
  /** Carried over by continue-as-new; never set by a starter. */
  carried: z
    .strictObject({
      segments: z.number().int(),
      batches: z.number().int(),
      received: z.number().int(),
      processed: z.number().int(),
      deadLettered: z.number().int(),
      duplicates: z.number().int(),
      incidents: z.number().int(),
      runsBefore: z.number().int(),
    })
    .optional(),
});
export type StreamConsumerInput = z.input<typeof streamConsumerInput>;

/** One activity segment's outcome (the consume activity's result). */
export interface ConsumeSegmentResult {
  batches: number;
  received: number;
  processed: number;
  deadLettered: number;
  duplicates: number;
  redeliveries: number;
  incidents: number;
  watermark?: string;
  /** Messages not yet acknowledged by the group at the end of the segment (undefined on Pub/Sub). */
  backlog?: number;
  durationMs: number;
  stoppedBy: 'segment' | 'drained' | 'cancelled';
}

export type StreamConsumerState = 'running' | 'paused' | 'draining' | 'drained';

/** What the `status` query answers. */
export interface StreamConsumerStatus {
  shard: number;
  stream: string;
  state: StreamConsumerState;
  segments: number;
  batches: number;
  received: number;
  processed: number;
  deadLettered: number;
  duplicates: number;
  incidents: number;
  /** Event-time watermark after the last segment. */
  watermark?: string;
  /** Start of the last window the watermark closed (the minute before it). */
  lastClosedWindow?: string;
  /** Backlog after the last segment: the consumer's lag in messages. */
  lag?: number;
  /** Messages per second processed in the last segment. */
  ratePerSecond?: number;
  lastSegmentAt?: string;
  /** How many runs (continue-as-new) came before this one. */
  runsBefore: number;
}

/** Stops consuming after the current batch is committed and acknowledged; the backlog waits on the bus. */
export const streamPauseSignal = defineSignal('pause');
export const streamResumeSignal = defineSignal('resume');
/** Consumes until the stream is empty, projects every window, then completes (a planned shutdown or a resharding). */
export const streamDrainSignal = defineSignal('drain');
export const streamStatusQuery = defineQuery<StreamConsumerStatus>('status');
