import type { Notifier, NotificationLog, PipelineMetrics, RunInfo, WorkflowRuns } from '../adapters/ports';
import { addDays, isoDayOf } from '../workflows/days';
import { dueAt, SCHEDULED_PIPELINES, scheduledPipeline, type ScheduledPipeline } from '../workflows/pipelines';
import { workflowUiUrl } from '../workflows/ui-links';

/** Why a run missed its deadline. */
export type SlaMissKind = 'in_stage' | 'not_started' | 'running' | 'completed_late' | 'failed';

export interface SlaMiss {
  pipeline: string;
  logicalDate: string;
  kind: SlaMissKind;
  dueAt: string;
  workflowId: string;
  runId?: string;
  /** The stage the run was in at the deadline (in-run timer). */
  stage?: string;
  /** Minutes the stage had been running at the deadline (in_stage), or minutes past the deadline (others). */
  minutes?: number;
  /** The run's status when the watchdog looked (failed, terminated, …). */
  status?: string;
}

export interface ExpectedRunCheck {
  pipeline: string;
  logicalDate: string;
  workflowId: string;
  dueAt: string;
  status: RunInfo['status'] | 'NOT_STARTED';
  onTime: boolean;
}

export interface SlaDeps {
  notifier: Notifier;
  notifications: NotificationLog;
  metrics: PipelineMetrics;
  runs: WorkflowRuns;
  ui: { url: string; namespace: string };
  /** When the run of `day` is due (from the configured `HH:MM` per pipeline, see {@link configuredDueAt}). */
  dueAt: (pipeline: ScheduledPipeline, day: string) => Date;
}

/** Deadlines from the configuration (`HH:MM` UTC per pipeline); pipelines not listed use their declared default. */
export const configuredDueAt =
  (due: Record<string, string> = {}) =>
  (spec: ScheduledPipeline, day: string): Date =>
    dueAt(spec, day, due[spec.pipeline]);

const minutesBetween = (a: number, b: number) => Math.max(0, Math.round((b - a) / 60_000));
const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

function describeMiss(m: SlaMiss): string {
  switch (m.kind) {
    case 'in_stage':
      return `SLA missed: in \`${m.stage ?? '?'}\` for ${m.minutes ?? 0} min at the deadline (${utc(m.dueAt)}); the run goes on.`;
    case 'not_started':
      return `SLA missed: the run never started (due ${utc(m.dueAt)}). Did Composer trigger it? Start it with \`analytics run daily --date ${m.logicalDate}\` (daily) or from its DAG.`;
    case 'running':
      return `SLA missed: still running ${m.minutes ?? 0} min past the deadline (${utc(m.dueAt)}).`;
    case 'completed_late':
      return `SLA missed: completed ${m.minutes ?? 0} min after the deadline (${utc(m.dueAt)}).`;
    case 'failed':
      return `SLA missed: the run ended ${m.status ?? 'FAILED'} and nothing completed by the deadline (${utc(m.dueAt)}).`;
  }
}

/**
 * Deadlines: the SLA of a run (for the workflow's own timer), the watchdog's check of the runs Composer should have
 * started, and the one notification per missed deadline (deduplicated in the NotificationLog, counted in metrics).
 */
export function createSlaActivities(deps: SlaDeps) {
  const dueOf = deps.dueAt;
  return {
    /** When the run of `logicalDate` is due, or null for a pipeline without an SLA. */
    pipelineSla(input: { pipeline: string; logicalDate: string }): Promise<{ dueAt: string | null }> {
      const spec = scheduledPipeline(input.pipeline);
      return Promise.resolve({ dueAt: spec ? dueOf(spec, input.logicalDate).toISOString() : null });
    },

    /**
     * The expected runs of the last `lookbackDays` days (not before `since`) whose deadline has passed by `now`: how
     * each stands, and the misses among them. Also refreshes the last-success gauge from what it saw.
     */
    async checkExpectedRuns(input: {
      now: string;
      lookbackDays: number;
      since?: string;
      pipelines?: string[];
    }): Promise<{ checks: ExpectedRunCheck[]; misses: SlaMiss[] }> {
      const now = Date.parse(input.now);
      const today = isoDayOf(now);
      const checks: ExpectedRunCheck[] = [];
      const misses: SlaMiss[] = [];
      for (const spec of SCHEDULED_PIPELINES) {
        if (input.pipelines && !input.pipelines.includes(spec.pipeline)) continue;
        for (let back = input.lookbackDays; back >= 0; back--) {
          const day = addDays(today, -back);
          if (input.since && day < input.since) continue;
          const due = dueOf(spec, day);
          if (due.getTime() > now) continue;
          const workflowId = spec.workflowId(day);
          const run = await deps.runs.describe(workflowId);
          // The deadline is met by the first completion: a later rerun that failed does not undo it.
          const completedAt = run ? (await deps.runs.firstCompletedAt(workflowId))?.getTime() : undefined;
          if (run?.status === 'COMPLETED' && run.closeTime) {
            deps.metrics.lastSuccess(spec.pipeline, new Date(run.closeTime));
          }
          const onTime = completedAt !== undefined && completedAt <= due.getTime();
          const check: ExpectedRunCheck = {
            pipeline: spec.pipeline,
            logicalDate: day,
            workflowId,
            dueAt: due.toISOString(),
            status: run?.status ?? 'NOT_STARTED',
            onTime,
          };
          checks.push(check);
          if (onTime) continue;
          const miss: SlaMiss = { ...check, runId: run?.runId, kind: 'not_started' };
          if (!run) misses.push(miss);
          else if (completedAt !== undefined) {
            misses.push({ ...miss, kind: 'completed_late', minutes: minutesBetween(due.getTime(), completedAt) });
          } else if (run.status === 'RUNNING') {
            misses.push({ ...miss, kind: 'running', minutes: minutesBetween(due.getTime(), now) });
          } else misses.push({ ...miss, kind: 'failed', status: run.status });
        }
      }
      return { checks, misses };
    },

    /**
     * Announces a missed deadline once per pipeline and day, whoever notices it first (the run's timer or the
     * watchdog); returns whether this call sent it.
     */
    async notifySlaMiss(miss: SlaMiss): Promise<{ sent: boolean }> {
      const key = `sla:${miss.pipeline}:${miss.logicalDate}`;
      if (!(await deps.notifications.claim(key, { ...miss }))) return { sent: false };
      await deps.notifier.notify({
        severity: 'error',
        title: `SLA missed: ${miss.pipeline} ${miss.logicalDate}`,
        text: describeMiss(miss),
        link: workflowUiUrl(deps.ui, miss.workflowId, miss.runId),
      });
      await deps.notifications.markSent(key);
      deps.metrics.slaMiss(miss.pipeline, miss.kind);
      return { sent: true };
    },
  };
}

export type SlaActivities = ReturnType<typeof createSlaActivities>;
