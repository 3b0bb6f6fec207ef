import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { RunInfo, WorkflowRuns } from '../adapters/ports';

const POLL_MS = 5_000;

/** WorkflowRuns over a Temporal client: describe by workflow id (the latest run), and wait for a run to close. */
export function clientWorkflowRuns(client: Client): WorkflowRuns {
  const describe = async (workflowId: string): Promise<RunInfo | undefined> => {
    try {
      const d = await client.workflow.getHandle(workflowId).describe();
      return {
        workflowId,
        runId: d.runId,
        workflowType: d.type,
        // A paused run (or one the SDK cannot name) is still open: treat it as running.
        status: ['UNSPECIFIED', 'UNKNOWN', 'PAUSED'].includes(d.status.name)
          ? 'RUNNING'
          : (d.status.name as RunInfo['status']),
        startTime: d.startTime.toISOString(),
        closeTime: d.closeTime?.toISOString(),
      };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  };
  return {
    describe,
    async firstCompletedAt(workflowId) {
      let first: Date | undefined;
      const query = `WorkflowId = "${workflowId.replace(/["\\]/g, '')}" AND ExecutionStatus = "Completed"`;
      for await (const run of client.workflow.list({ query })) {
        if (run.closeTime && (!first || run.closeTime < first)) first = run.closeTime;
      }
      return first;
    },
    async awaitClose(workflowId, { signal, onPoll }) {
      for (;;) {
        signal.throwIfAborted();
        const run = await describe(workflowId);
        if (!run) throw new Error(`workflow ${workflowId} does not exist`);
        if (run.status !== 'RUNNING' && run.status !== 'CONTINUED_AS_NEW') return run;
        onPoll?.();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, POLL_MS);
          signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
      }
    },
  };
}
