import {
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  condition,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { BackfillActivities, DayStatus } from '../activities/backfill';
import {
  BACKFILL_DAYS_PER_RUN,
  backfillStatusQuery,
  pauseSignal,
  resumeSignal,
  userAnalyticsBackfillInput,
  type BackfillCarry,
  type BackfillResult,
  type BackfillStatus,
  type UserAnalyticsBackfillInput,
} from './backfill-contract';
import { daysBetween } from './days';
import { describeFailure } from './failures';
import { parseWorkflowInput } from './input';
import { backfillAwaitActivity, backfillStatusActivity } from './policies';
import { BACKFILL_PIPELINE, DAILY_PIPELINE, dailyWorkflowId } from './pipelines';
import { LogicalDate, Pipeline, Stage } from './search-attributes';
import { workflowUiUrl } from './ui-links';
import type { userAnalyticsDaily } from './user-analytics-daily';

const { dailyRunStatuses } = proxyActivities<BackfillActivities>(backfillStatusActivity);
const { awaitRun } = proxyActivities<BackfillActivities>(backfillAwaitActivity);

type Action = 'run' | 'attach' | 'skip';
const FAILED_STATES = new Set<DayStatus['status']>(['FAILED', 'TIMED_OUT', 'TERMINATED', 'CANCELLED']);

/** What a day's current state means for the backfill's mode. A running day is always waited for, never doubled. */
function actionFor(mode: 'missing' | 'failed' | 'all', status: DayStatus['status']): Action {
  if (status === 'RUNNING') return 'attach';
  if (mode === 'all') return 'run';
  if (mode === 'missing') return status === 'MISSING' ? 'run' : 'skip';
  return FAILED_STATES.has(status) ? 'run' : 'skip';
}

function fmtDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/**
 * Recomputes the daily pipeline over a date range. Each day runs as a child `userAnalyticsDaily` with the day's own
 * id (`user-analytics-daily:YYYY-MM-DD`), so a backfilled day and a scheduled or manual run of it never run at once:
 * whichever starts second attaches to the first. `all` re-runs completed days as a new run of the same id (id reuse
 * ALLOW_DUPLICATE), which keeps "one id per day" true for the UI, the DAG and the watchdog, while the earlier run stays
 * in history. Days run with bounded concurrency; a failed day is listed (with its UI link) and does not stop the
 * others. `pause`/`resume` signals hold back new days; cancelling the backfill cancels the days it started. Every
 * {@link BACKFILL_DAYS_PER_RUN} days it continues as new, so its history stays bounded on any range.
 */
export async function userAnalyticsBackfill(raw: UserAnalyticsBackfillInput): Promise<BackfillResult> {
  const input = parseWorkflowInput('userAnalyticsBackfill', userAnalyticsBackfillInput, raw);
  const info = workflowInfo();
  const days = daysBetween(input.from, input.to);
  const state: BackfillCarry = input.carry ?? {
    cursor: 0,
    succeeded: 0,
    skipped: 0,
    wouldRun: 0,
    attached: 0,
    failures: [],
    planned: [],
    dayMs: 0,
    daysTimed: 0,
    paused: false,
    runs: 1,
    startedAt: Date.now(),
  };
  const running = new Set<string>();

  upsertSearchAttributes([
    { key: Pipeline, value: BACKFILL_PIPELINE },
    { key: LogicalDate, value: input.from },
  ]);

  const status = (): BackfillStatus => {
    const finished = state.succeeded + state.failures.length + state.skipped + state.wouldRun;
    const remaining = days.length - finished - running.size;
    const perDay = state.daysTimed > 0 ? state.dayMs / state.daysTimed : undefined;
    return {
      from: input.from,
      to: input.to,
      mode: input.mode,
      dryRun: input.dryRun,
      concurrency: input.concurrency,
      paused: state.paused,
      total: days.length,
      succeeded: state.succeeded,
      failed: state.failures.length,
      skipped: state.skipped,
      wouldRun: state.wouldRun,
      attached: state.attached,
      running: [...running].sort(),
      remaining,
      etaSeconds:
        perDay === undefined || input.dryRun
          ? null
          : Math.round(((remaining + running.size) * perDay) / input.concurrency / 1000),
      runs: state.runs,
      failures: state.failures,
    };
  };
  const render = () => {
    const s = status();
    const stage = s.paused ? 'paused' : s.remaining + s.running.length === 0 ? 'done' : 'running';
    upsertSearchAttributes([{ key: Stage, value: stage }]);
    setCurrentDetails(
      [
        `**${BACKFILL_PIPELINE} ${input.from} … ${input.to}**${input.dryRun ? ' (dry run)' : ''}`,
        `mode \`${input.mode}\`, concurrency ${input.concurrency}, workflow run ${s.runs}${s.paused ? ' — **paused** (signal `resume`)' : ''}`,
        '',
        '| done | running | failed | skipped | remaining | ETA |',
        '|---|---|---|---|---|---|',
        `| ${s.succeeded} | ${s.running.length} | ${s.failed} | ${s.skipped} | ${s.remaining} | ${s.etaSeconds === null ? '–' : fmtDuration(s.etaSeconds)} |`,
        '',
        s.running.length ? `Running: ${s.running.join(', ')}` : '',
        ...s.failures.slice(-10).map((f) => `- ❌ [${f.day}](${f.url}): ${f.error.replace(/\n/g, ' ').slice(0, 160)}`),
        s.failures.length > 10 ? `- … ${s.failures.length - 10} more in the \`status\` query` : '',
        '',
      ].join('\n'),
    );
  };
  setHandler(backfillStatusQuery, status);
  setHandler(pauseSignal, () => {
    state.paused = true;
    render();
  });
  setHandler(resumeSignal, () => {
    state.paused = false;
    render();
  });
  render();

  let ui: { url: string; namespace: string } = { url: '', namespace: info.namespace };
  const fail = (day: string, workflowId: string, runId: string | undefined, error: string) => {
    state.failures.push({
      day,
      workflowId,
      runId,
      url: workflowUiUrl(ui, workflowId, runId),
      // Short, so that even a range where every day fails carries its list across continue-as-new (under 2 MB).
      error: error.slice(0, 200),
    });
  };

  /** Runs (or attaches to) one day; never throws but for cancellation. */
  const runDay = async (day: string, action: Exclude<Action, 'skip'>): Promise<void> => {
    const workflowId = dailyWorkflowId(day);
    const started = Date.now();
    let runId: string | undefined;
    try {
      let attach = action === 'attach';
      if (!attach) {
        try {
          const child = await startChild<typeof userAnalyticsDaily>('userAnalyticsDaily', {
            workflowId,
            args: [{ logicalDate: day }],
            taskQueue: info.taskQueue,
            workflowIdReusePolicy:
              input.mode === 'all'
                ? WorkflowIdReusePolicy.ALLOW_DUPLICATE
                : WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
            parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
            cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
            staticSummary: `Daily user analytics for ${day} (backfill ${info.workflowId})`,
            typedSearchAttributes: [
              { key: Pipeline, value: DAILY_PIPELINE },
              { key: LogicalDate, value: day },
            ],
          });
          runId = child.firstExecutionRunId;
          await child.result();
          state.succeeded++;
        } catch (err) {
          // Started meanwhile by the schedule or by hand (or completed, for missing/failed): wait for that run.
          if (err instanceof WorkflowExecutionAlreadyStartedError) attach = true;
          else throw err;
        }
      }
      if (attach) {
        const run = await awaitRun.executeWithOptions({ ...backfillAwaitActivity, summary: `wait for ${workflowId}` }, [
          { workflowId },
        ]);
        runId = run.runId;
        state.attached++;
        if (run.status === 'COMPLETED') state.succeeded++;
        else fail(day, workflowId, runId, `the run it waited for ended ${run.status}`);
      }
    } catch (err) {
      if (isCancellation(err)) throw err;
      fail(day, workflowId, runId, describeFailure(err).message);
    }
    state.dayMs += Date.now() - started;
    state.daysTimed++;
  };

  for (;;) {
    const page = days.slice(state.cursor, state.cursor + BACKFILL_DAYS_PER_RUN);
    if (page.length === 0) break;
    const statuses = await dailyRunStatuses({ days: page });
    ui = statuses.ui;
    const todo: Array<{ day: string; action: Exclude<Action, 'skip'> }> = [];
    for (const s of statuses.statuses) {
      const action = actionFor(input.mode, s.status);
      if (action === 'skip') state.skipped++;
      else if (input.dryRun) {
        state.wouldRun++;
        const last = state.planned[state.planned.length - 1];
        if (last && daysBetween(last[1], s.day).length === 2) last[1] = s.day;
        else state.planned.push([s.day, s.day]);
      } else todo.push({ day: s.day, action });
    }
    render();
    const lane = async (): Promise<void> => {
      for (;;) {
        await condition(() => !state.paused);
        const next = todo.shift();
        if (!next) return;
        running.add(next.day);
        render();
        try {
          await runDay(next.day, next.action);
        } finally {
          running.delete(next.day);
          render();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(input.concurrency, Math.max(1, todo.length)) }, lane));
    state.cursor += page.length;
    if (state.cursor < days.length) {
      // Every page drains before the next run starts: children are never left behind by continue-as-new.
      await continueAsNew<typeof userAnalyticsBackfill>({
        ...input,
        carry: { ...state, runs: state.runs + 1 },
      });
    }
  }
  const s = status();
  return {
    from: s.from,
    to: s.to,
    mode: s.mode,
    dryRun: s.dryRun,
    concurrency: s.concurrency,
    total: s.total,
    succeeded: s.succeeded,
    failed: s.failed,
    skipped: s.skipped,
    attached: s.attached,
    runs: s.runs,
    failures: s.failures,
    planned: state.planned,
    wouldRun: s.wouldRun,
  };
}
