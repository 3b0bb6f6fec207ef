import { Runtime } from '@temporalio/worker';
import type { PipelineMetrics } from '../adapters/ports';

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
