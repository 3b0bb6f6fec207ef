import { Context } from '@temporalio/activity';
import type { RunInfo, WorkflowRuns } from '../adapters/ports';
import { dailyWorkflowId } from '../workflows/pipelines';

/** How a day stands before a backfill decides whether to run it. */
export interface DayStatus {
  day: string;
  workflowId: string;
  /** `MISSING` when no run of the day exists (never run, or past the namespace's retention). */
  status: RunInfo['status'] | 'MISSING';
  runId?: string;
}

/** Describes at most this many runs at once: a 100-day page must not flood the frontend. */
const DESCRIBE_CONCURRENCY = 8;

/**
 * Backfill activities: how each day of a range stands (so `missing`/`failed` know what to run), and waiting for a day
 * run the backfill did not start itself (a scheduled run already in flight: the backfill attaches instead of racing).
 */
export function createBackfillActivities(deps: { runs: WorkflowRuns; ui: { url: string; namespace: string } }) {
  return {
    async dailyRunStatuses(input: {
      days: string[];
    }): Promise<{ statuses: DayStatus[]; ui: { url: string; namespace: string } }> {
      const statuses: DayStatus[] = [];
      for (let i = 0; i < input.days.length; i += DESCRIBE_CONCURRENCY) {
        const page = input.days.slice(i, i + DESCRIBE_CONCURRENCY);
        statuses.push(
          ...(await Promise.all(
            page.map(async (day): Promise<DayStatus> => {
              const workflowId = dailyWorkflowId(day);
              const run = await deps.runs.describe(workflowId);
              return run
                ? { day, workflowId, status: run.status, runId: run.runId }
                : { day, workflowId, status: 'MISSING' };
            }),
          )),
        );
        Context.current().heartbeat(i);
      }
      return { statuses, ui: deps.ui };
    },

    /** Waits for the latest run of `workflowId` to close; cancelling this stops the wait, never that run. */
    async awaitRun(input: { workflowId: string }): Promise<RunInfo> {
      const ctx = Context.current();
      return deps.runs.awaitClose(input.workflowId, {
        signal: ctx.cancellationSignal,
        onPoll: () => ctx.heartbeat(),
      });
    },
  };
}

export type BackfillActivities = ReturnType<typeof createBackfillActivities>;
