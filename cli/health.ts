import { type Client } from '@temporalio/client';
import { type Config } from '../config';
import { type PlatformHealthReport, PLATFORM_HEALTH_PIPELINE } from '../workflows/health-contract';
import { LogicalDate, Pipeline } from '../workflows/search-attributes';
import { workflowUrl } from './temporal-client';

export interface HealthRun {
  workflowId: string;
  runId: string;
  url: string;
  report: PlatformHealthReport;
}

/** Starts `platformHealthCheck` and waits for its report. */
export async function runHealthCheck(
  client: Client,
  config: Config,
  options: { taskQueue?: string; now?: Date } = {},
): Promise<HealthRun> {
  const now = options.now ?? new Date();
  const workflowId = `${PLATFORM_HEALTH_PIPELINE}:${now.toISOString()}`;
  const handle = await client.workflow.start('platformHealthCheck', {
    taskQueue: options.taskQueue ?? config.temporal.taskQueues.etl,
    workflowId,
    args: [{}],
    workflowExecutionTimeout: '2 minutes',
    staticSummary: `Platform health check at ${now.toISOString()}`,
    staticDetails: 'Probes Temporal, PostgreSQL, Redis, the object store zones and the warehouse; one activity each.',
    typedSearchAttributes: [
      { key: Pipeline, value: PLATFORM_HEALTH_PIPELINE },
      { key: LogicalDate, value: now.toISOString().slice(0, 10) },
    ],
  });
  const report = (await handle.result()) as PlatformHealthReport;
  return {
    workflowId,
    runId: handle.firstExecutionRunId,
    url: workflowUrl(config, workflowId, handle.firstExecutionRunId),
    report,
  };
}

export function formatHealth(run: HealthRun): string {
  const width = Math.max(...run.report.checks.map((c) => c.dependency.length));
  const lines = run.report.checks.map(
    (c) =>
      `  ${c.ok ? 'ok  ' : 'DOWN'}  ${c.dependency.padEnd(width)}  ${String(c.latencyMs).padStart(5)} ms  ${c.detail}`,
  );
  return [
    `Platform health: ${run.report.ok ? 'HEALTHY' : 'UNHEALTHY'}`,
    ...lines,
    `Workflow ${run.workflowId}`,
    `  ${run.url}`,
  ].join('\n');
}
