import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsumeShardInput } from '../../activities/stream';
import { FailureType } from '../../schema/failure-types';
import { StreamDeadLetters, StreamShard, StreamState } from '../../workflows/search-attributes';
import type { streamConsumer } from '../../workflows/stream-consumer';
import {
  streamDrainSignal,
  streamPauseSignal,
  streamResumeSignal,
  streamStatusQuery,
  type ConsumeSegmentResult,
  type StreamConsumerInput,
  type StreamConsumerStatus,
} from '../../workflows/stream-contract';
import { until } from '../helpers/until';

/** Waits until `cond` holds (polling), failing with `what` after `timeoutMs`. */
const waitFor = (what: string, cond: () => Promise<boolean>, timeoutMs: number) =>
  until(what, async () => ((await cond()) ? true : undefined), { timeoutMs });
import { createWorkflowTestEnv, recording, type WorkflowTestEnv } from './workflow-env';

/**
 * The stream supervisor with a stubbed consume activity: segments and their counters in the `status` query and the
 * search attributes, pause (which cancels the segment in hand) and resume, drain, continue-as-new with the counters
 * carried over, and bad input. The real consumer runs in test/e2e/stream.test.ts.
 */
let t: WorkflowTestEnv;
beforeAll(async () => {
  t = await createWorkflowTestEnv();
}, 120_000);
afterAll(async () => {
  await t?.env.teardown();
});

const segment = (over: Partial<ConsumeSegmentResult> = {}): ConsumeSegmentResult => ({
  batches: 2,
  received: 10,
  processed: 8,
  deadLettered: 1,
  duplicates: 1,
  redeliveries: 0,
  incidents: 0,
  watermark: '2026-12-05T10:15:30.000Z',
  backlog: 4,
  durationMs: 1000,
  stoppedBy: 'segment',
  ...over,
});

/**
 * A consume stub: each segment waits `ms` (or until cancelled, when it resolves the cancellation as the real activity
 * does: after "committing" its batch), and a drain segment reports the stream empty.
 */
function consumer(ms = 200) {
  return recording({
    async consumeShard(input: ConsumeShardInput): Promise<ConsumeSegmentResult> {
      const ctx = Context.current();
      const until = Date.now() + ms;
      while (Date.now() < until) {
        ctx.heartbeat();
        if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
        await new Promise((r) => setTimeout(r, 20));
      }
      return segment(
        input.drain
          ? { stoppedBy: 'drained', batches: 1, received: 3, processed: 3, deadLettered: 0, duplicates: 0 }
          : {},
      );
    },
  });
}

const start = (taskQueue: string, input: StreamConsumerInput) =>
  t.env.client.workflow.start<typeof streamConsumer>('streamConsumer', {
    taskQueue,
    workflowId: `stream-test-${randomUUID()}`,
    args: [input],
  });

describe('streamConsumer', () => {
  it('keeps status and search attributes per segment, pauses, resumes and drains', async () => {
    const c = consumer();
    await t.withWorker(c.activities, async (taskQueue) => {
      const handle = await start(taskQueue, { shard: 3, segmentSeconds: 1, pullWaitMs: 100 });
      await waitFor('two segments', async () => (await handle.query(streamStatusQuery)).segments >= 2, 20_000);
      const running = await handle.query(streamStatusQuery);
      expect(running.state).toBe('running');
      expect(running.stream).toBe('events:user-module:3');
      expect(running.processed).toBe(running.segments * 8);
      expect(running.lag).toBe(4);
      expect(running.lastClosedWindow).toBe('2026-12-05T10:14:00.000Z');
      const input = c.argsOf<ConsumeShardInput>('consumeShard')[0]!;
      expect(input).toMatchObject({ shard: 3, group: 'analytics-stream', drain: false, maxDurationMs: 1000 });

      await handle.signal(streamPauseSignal);
      await waitFor('the paused state', async () => (await handle.query(streamStatusQuery)).state === 'paused', 10_000);
      const callsWhenPaused = c.names().length;
      await new Promise((r) => setTimeout(r, 800));
      expect(c.names().length).toBe(callsWhenPaused); // nothing consumed while paused
      const described = await handle.describe();
      expect(described.typedSearchAttributes.get(StreamState)).toBe('paused');
      expect(described.typedSearchAttributes.get(StreamShard)).toBe(3);
      expect(described.typedSearchAttributes.get(StreamDeadLetters)).toBe(
        (await handle.query(streamStatusQuery)).deadLettered,
      );

      await handle.signal(streamResumeSignal);
      await waitFor('a segment after resume', () => Promise.resolve(c.names().length > callsWhenPaused), 10_000);
      await handle.signal(streamDrainSignal);
      const final: StreamConsumerStatus = await handle.result();
      expect(final.state).toBe('drained');
      expect(c.argsOf<ConsumeShardInput>('consumeShard').at(-1)!.drain).toBe(true);
      expect((await handle.describe()).typedSearchAttributes.get(StreamState)).toBe('drained');
    });
  }, 60_000);

  it('continues as new every N batches, carrying the counters', async () => {
    const c = consumer(50);
    await t.withWorker(c.activities, async (taskQueue) => {
      const handle = await start(taskQueue, { shard: 0, continueAsNewEveryBatches: 3 });
      // 2 batches per segment: the run continues as new after its second segment.
      await waitFor('two continue-as-new', async () => (await handle.query(streamStatusQuery)).runsBefore >= 2, 20_000);
      const s = await handle.query(streamStatusQuery);
      expect(s.batches).toBe(s.segments * 2);
      expect(s.segments).toBeGreaterThanOrEqual(4);
      // Record the history of one run for the replay test (test/histories): set RECORD_HISTORIES=1 to refresh.
      if (process.env.RECORD_HISTORIES === '1') {
        const history = await t.env.client.workflow
          .getHandle(handle.workflowId, handle.firstExecutionRunId)
          .fetchHistory();
        fs.writeFileSync(path.join(__dirname, '..', 'histories', 'stream-consumer.json'), historyToJSON(history));
      }
      await handle.signal(streamDrainSignal);
      expect((await handle.result()).state).toBe('drained');
    });
  }, 60_000);

  it('refuses bad input as InvalidInput, naming the field', async () => {
    const c = consumer();
    await t.withWorker(c.activities, async (taskQueue) => {
      const handle = await start(taskQueue, { shard: -1 });
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause as { type?: string; message: string };
      expect(cause.type).toBe(FailureType.InvalidInput);
      expect(cause.message).toMatch(/streamConsumer input: shard/);
      expect(c.names()).toEqual([]);
    });
  }, 30_000);
});
