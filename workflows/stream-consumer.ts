import {
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createStreamActivities } from '../activities/stream';
import { parseWorkflowInput } from './input';
import { consumeActivity } from './policies';
import {
  Pipeline,
  StreamDeadLetters,
  StreamLag,
  StreamLastWindow,
  StreamShard,
  StreamState,
} from './search-attributes';
import {
  streamConsumerInput,
  streamDrainSignal,
  streamOfShard,
  streamPauseSignal,
  streamResumeSignal,
  streamStatusQuery,
  STREAM_CONSUMER_GROUP,
  STREAM_PIPELINE,
  type ConsumeSegmentResult,
  type StreamConsumerInput,
  type StreamConsumerState,
  type StreamConsumerStatus,
} from './stream-contract';

const { consumeShard } = proxyActivities<ReturnType<typeof createStreamActivities>>(consumeActivity);

/** The minute before the watermark: the last window it closed. */
function lastClosedWindow(watermark: string | undefined): string | undefined {
  if (!watermark) return undefined;
  const ms = Math.floor(Date.parse(watermark) / 60_000) * 60_000 - 60_000;
  return new Date(ms).toISOString();
}

/**
 * Supervises one consumer shard: runs the `consumeShard` activity in segments (each a long-running activity that
 * pulls, processes, commits, then acks, heartbeating per batch), keeps the shard's status for the `status` query and
 * the search attributes (so the Temporal UI lists every consumer's state, lag and dead letters), and obeys `pause`,
 * `resume` and `drain`. Temporal is the control plane only: no event ever becomes a workflow, a signal or an activity
 * of its own. Continues as new every `continueAsNewEveryBatches` batches (or when the server suggests it).
 */
export async function streamConsumer(raw: StreamConsumerInput): Promise<StreamConsumerStatus> {
  const input = parseWorkflowInput('streamConsumer', streamConsumerInput, raw);
  const carried = input.carried;
  let paused = input.paused;
  let draining = false;
  let segment: CancellationScope | undefined;
  let batchesThisRun = 0;
  const status: StreamConsumerStatus = {
    shard: input.shard,
    stream: streamOfShard(input.shard),
    state: paused ? 'paused' : 'running',
    segments: carried?.segments ?? 0,
    batches: carried?.batches ?? 0,
    received: carried?.received ?? 0,
    processed: carried?.processed ?? 0,
    deadLettered: carried?.deadLettered ?? 0,
    duplicates: carried?.duplicates ?? 0,
    incidents: carried?.incidents ?? 0,
    runsBefore: carried?.runsBefore ?? 0,
  };

  const publish = (state: StreamConsumerState) => {
    status.state = state;
    upsertSearchAttributes([
      { key: Pipeline, value: STREAM_PIPELINE },
      { key: StreamShard, value: input.shard },
      { key: StreamState, value: state },
      { key: StreamLag, value: status.lag ?? 0 },
      { key: StreamDeadLetters, value: status.deadLettered },
      ...(status.lastClosedWindow ? [{ key: StreamLastWindow, value: status.lastClosedWindow.slice(0, 16) }] : []),
    ]);
    setCurrentDetails(
      [
        `**Stream consumer, shard ${input.shard}** (\`${status.stream}\`, group \`${STREAM_CONSUMER_GROUP}\`): ${state}`,
        '',
        '| batches | received | processed | dead-lettered | duplicates | incidents | lag | rate/s | last closed window |',
        '|---|---|---|---|---|---|---|---|---|',
        `| ${status.batches} | ${status.received} | ${status.processed} | ${status.deadLettered} | ${status.duplicates} | ${status.incidents} | ${status.lag ?? '?'} | ${status.ratePerSecond ?? '?'} | ${status.lastClosedWindow ?? '-'} |`,
      ].join('\n'),
    );
  };

  setHandler(streamStatusQuery, () => status);
  setHandler(streamPauseSignal, () => {
    paused = true;
    segment?.cancel();
  });
  setHandler(streamResumeSignal, () => {
    paused = false;
  });
  setHandler(streamDrainSignal, () => {
    draining = true;
    paused = false;
    segment?.cancel();
  });

  const record = (r: ConsumeSegmentResult) => {
    status.segments++;
    status.batches += r.batches;
    status.received += r.received;
    status.processed += r.processed;
    status.deadLettered += r.deadLettered;
    status.duplicates += r.duplicates;
    status.incidents += r.incidents;
    if (r.watermark) {
      status.watermark = r.watermark;
      status.lastClosedWindow = lastClosedWindow(r.watermark);
    }
    if (r.backlog !== undefined) status.lag = r.backlog;
    status.ratePerSecond = r.durationMs > 0 ? Math.round((r.processed * 1000) / r.durationMs) : 0;
    status.lastSegmentAt = new Date(Date.now()).toISOString();
    batchesThisRun += r.batches;
  };

  publish(status.state);
  for (;;) {
    if (paused && !draining) {
      publish('paused');
      await condition(() => !paused || draining);
    }
    const drain = draining;
    publish(drain ? 'draining' : 'running');
    segment = new CancellationScope();
    try {
      const result = await segment.run(() =>
        consumeShard({
          shard: input.shard,
          stream: status.stream,
          group: STREAM_CONSUMER_GROUP,
          maxBatches: input.segmentBatches,
          maxDurationMs: input.segmentSeconds * 1000,
          batchSize: input.batchSize,
          pullWaitMs: input.pullWaitMs,
          projectEveryMs: input.projectEveryMs,
          drain,
          processor: input.processor,
        }),
      );
      record(result);
      if (result.stoppedBy === 'drained') {
        publish('drained');
        return status;
      }
    } catch (err) {
      // A pause or a drain cancelled the segment after its batch in hand was committed; anything else is a failure.
      if (!isCancellation(err)) throw err;
    } finally {
      segment = undefined;
    }
    if (batchesThisRun >= input.continueAsNewEveryBatches || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof streamConsumer>({
        ...input,
        paused,
        carried: {
          segments: status.segments,
          batches: status.batches,
          received: status.received,
          processed: status.processed,
          deadLettered: status.deadLettered,
          duplicates: status.duplicates,
          incidents: status.incidents,
          runsBefore: status.runsBefore + 1,
        },
      });
    }
  }
}
