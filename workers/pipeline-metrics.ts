import { Runtime } from '@temporalio/worker';
import type { PipelineMetrics } from '../adapters/ports';
import type { StreamMetrics } from '../activities/stream';

/**
 * Pipeline metrics through the SDK runtime's meter, so they appear on the worker's one Prometheus endpoint
 * (WORKER_METRICS_PORT) beside the SDK's own. The runtime meter adds no per-activity labels: each pipeline is one
 * series whichever activity reported it.
 */
export function runtimePipelineMetrics(): PipelineMetrics {
  const meter = Runtime.instance().metricMeter;
  const misses = meter.createCounter(
    'hire10x_sla_misses',
    '1',
    'Missed pipeline deadlines, counted once per pipeline and day when announced (kind: in_stage, not_started, running, completed_late, failed)',
  );
  const lastSuccess = meter.createGauge(
    'hire10x_pipeline_last_success_timestamp_seconds',
    'float',
    's',
    'When a run of the pipeline last completed, Unix seconds (set by its run and by the watchdog)',
  );
  return {
    slaMiss: (pipeline, kind) => misses.add(1, { pipeline, kind }),
    lastSuccess: (pipeline, at) => lastSuccess.set(at.getTime() / 1000, { pipeline }),
  };
}

/**
 * Stream consumer metrics on the same endpoint: events by outcome, lag, watermark and projected windows per shard.
 * `hire10x_stream_events{shard,outcome}` (processed, dead_lettered, duplicate, redelivered) gives the rate;
 * `hire10x_stream_lag{shard}` the messages not yet acknowledged; `hire10x_stream_watermark_timestamp_seconds{shard}`
 * how far event time has closed windows (now minus it is the window-close delay).
 */
export function runtimeStreamMetrics(): StreamMetrics {
  const meter = Runtime.instance().metricMeter;
  const events = meter.createCounter('hire10x_stream_events', '1', 'Stream messages consumed, by outcome');
  const lag = meter.createGauge('hire10x_stream_lag', 'int', '1', 'Messages of the shard not yet acknowledged');
  const watermark = meter.createGauge(
    'hire10x_stream_watermark_timestamp_seconds',
    'float',
    's',
    'Event-time watermark of the shard, Unix seconds: windows ending before it are closed',
  );
  const projected = meter.createCounter(
    'hire10x_stream_window_rows_projected',
    '1',
    'Window and incident rows written to the warehouse (a window corrected by a late event counts again)',
  );
  return {
    batch(shard, counts, backlog) {
      const s = String(shard);
      if (counts.processed) events.add(counts.processed, { shard: s, outcome: 'processed' });
      if (counts.deadLettered) events.add(counts.deadLettered, { shard: s, outcome: 'dead_lettered' });
      if (counts.duplicates) events.add(counts.duplicates, { shard: s, outcome: 'duplicate' });
      if (counts.redeliveries) events.add(counts.redeliveries, { shard: s, outcome: 'redelivered' });
      if (backlog !== undefined) lag.set(backlog, { shard: s });
    },
    windowsProjected(shard, rows, at) {
      if (rows) projected.add(rows, { shard: String(shard) });
      if (at) watermark.set(Date.parse(at) / 1000, { shard: String(shard) });
    },
  };
}
