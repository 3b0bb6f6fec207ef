import { type Client } from '@temporalio/client';
import { type Config } from '../config';
import {
  DAILY_PIPELINE,
  dailyWorkflowId,
  userAnalyticsDailyInput,
  type DailyRunSummary,
  type UserAnalyticsDailyInput,
} from '../workflows/user-analytics-daily';
import { startPipelineRun } from './start-run';

export interface DailyRunHandle {
  workflowId: string;
  runId: string;
  url: string;
  /** Status right after start/attach: RUNNING for a new or running run, COMPLETED when the day was already done. */
  status: string;
  result(): Promise<DailyRunSummary>;
}

/**
 * Starts the day's run, or attaches to it: the workflow id is the day, a running or completed run is reused, and
 * only a failed or cancelled one is started again (fix the cause, then run again). `rerun` recomputes a completed day
 * as a new run of the same id (a running one is still attached to, never doubled).
 */
export async function startDaily(
  client: Client,
  config: Config,
  raw: UserAnalyticsDailyInput,
  options: { taskQueue?: string; workflowId?: string; rerun?: boolean } = {},
): Promise<DailyRunHandle> {
  const input = userAnalyticsDailyInput.parse(raw);
  const started = await startPipelineRun(client, config, {
    workflowType: 'userAnalyticsDaily',
    workflowId: options.workflowId ?? dailyWorkflowId(input.logicalDate),
    input: raw,
    taskQueue: options.taskQueue ?? config.temporal.taskQueues.etl,
    pipeline: DAILY_PIPELINE,
    logicalDate: input.logicalDate,
    rerun: options.rerun,
    summary: `Daily user analytics for ${input.logicalDate}`,
    details:
      'Extract PostgreSQL → raw Parquet, Spark transform → processed star schema, load into the warehouse, ' +
      'data-quality checks, publish reporting tables. After fixing a failure, reset from the failed stage: its ' +
      'reset point is in the stage table, or run `analytics run reset --from-stage`.',
  });
  return {
    ...started,
    result: () => client.workflow.getHandle(started.workflowId, started.runId).result() as Promise<DailyRunSummary>,
  };
}

export function formatDailySummary(s: DailyRunSummary): string {
  const total = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
  const stages = Object.entries(s.stageMs)
    .map(([k, v]) => `${k} ${((v ?? 0) / 1000).toFixed(1)}s`)
    .join(', ');
  return [
    `${s.workflowId}: ${total(s.extracted)} rows extracted from ${Object.keys(s.extracted).length} tables, ` +
      `${Object.keys(s.loaded).length} warehouse tables loaded`,
    `  quality: ${s.quality.passed} passed, ${s.quality.warned.length} warned${s.quality.warned.length ? ` (${s.quality.warned.join(', ')})` : ''}`,
    `  stages: ${stages}`,
  ].join('\n');
}
