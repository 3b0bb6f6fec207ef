import { type Client, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/client';
import { type Config } from '../config';
import { LogicalDate, Pipeline } from '../workflows/search-attributes';
import { workflowUrl } from './temporal-client';

export interface PipelineRunStart {
  /** The registered workflow type, e.g. `userAnalyticsDaily`. */
  workflowType: string;
  workflowId: string;
  /** The workflow's one argument (already validated by the caller's contract). */
  input: unknown;
  taskQueue: string;
  pipeline: string;
  logicalDate: string;
  summary: string;
  details: string;
  /** Start a new run of the id even when the last one completed (still attaches to a running one). */
  rerun?: boolean;
}

export interface StartedRun {
  workflowId: string;
  runId: string;
  url: string;
  /** Status right after start/attach: RUNNING for a new or running run, COMPLETED when it was already done. */
  status: string;
}

/**
 * Starts a pipeline run, or attaches to the one its id names: a running run is attached to (conflict policy
 * USE_EXISTING), a completed one too unless `rerun`, and only a failed or cancelled one is started again. Every run
 * carries the `Pipeline` and `LogicalDate` search attributes and a static summary, so the UI list explains it.
 */
export async function startPipelineRun(client: Client, config: Config, run: PipelineRunStart): Promise<StartedRun> {
  const { workflowId } = run;
  const handle = await client.workflow
    .start(run.workflowType, {
      taskQueue: run.taskQueue,
      workflowId,
      args: [run.input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: run.rerun
        ? WorkflowIdReusePolicy.ALLOW_DUPLICATE
        : WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      staticSummary: run.summary,
      staticDetails: run.details,
      typedSearchAttributes: [
        { key: Pipeline, value: run.pipeline },
        { key: LogicalDate, value: run.logicalDate },
      ],
    })
    .catch((err: unknown) => {
      // A completed run with ALLOW_DUPLICATE_FAILED_ONLY is "already started": attach to it.
      if ((err as Error).name === 'WorkflowExecutionAlreadyStartedError') return client.workflow.getHandle(workflowId);
      throw err;
    });
  const description = await handle.describe();
  return {
    workflowId,
    runId: description.runId,
    url: workflowUrl(config, workflowId, description.runId),
    status: description.status.name,
  };
}
