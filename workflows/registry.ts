import type { z } from 'zod';
import type * as workflows from './index';
import { userAnalyticsBackfillInput } from './backfill-contract';
import { gdprErasureInputSchema } from './gdpr-contract';
import { platformHealthCheckInput } from './health-contract';
import { pipelineWatchdogInput } from './pipeline-watchdog';
import { dataRetentionInput } from './retention-contract';
import { streamConsumerInput } from './stream-contract';
import type { TaskQueueName } from './task-queues';
import { userAnalyticsDailyInput } from './user-analytics-daily';

export interface WorkflowRegistration {
  /** The queue its starters use (the worker serves every workflow of the bundle on each of its queues). */
  taskQueue: TaskQueueName;
  /** The zod schema its first argument must satisfy (what the workflow validates on start). */
  input: z.ZodType;
}

/**
 * Every workflow the worker registers, its task queue and its input schema: what starters in other languages (the
 * Composer DAGs) are checked against (dags/tests/test_workflow_contract.py through dags/tests/ts_contract.ts). The
 * `satisfies` clause makes a workflow exported from index.ts without an entry here a type error.
 */
export const WORKFLOW_REGISTRY = {
  platformHealthCheck: { taskQueue: 'etl', input: platformHealthCheckInput },
  userAnalyticsDaily: { taskQueue: 'etl', input: userAnalyticsDailyInput },
  userAnalyticsBackfill: { taskQueue: 'etl', input: userAnalyticsBackfillInput },
  pipelineWatchdog: { taskQueue: 'etl', input: pipelineWatchdogInput },
  dataRetention: { taskQueue: 'etl', input: dataRetentionInput },
  gdprErasure: { taskQueue: 'gdpr', input: gdprErasureInputSchema },
  streamConsumer: { taskQueue: 'stream', input: streamConsumerInput },
} as const satisfies Record<keyof typeof workflows, WorkflowRegistration>;
