import { type Client, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { type Command } from 'commander';
import { type Config } from '../config';
import type { PipelineWatchdogInput, PipelineWatchdogResult } from '../workflows/pipeline-watchdog';
import { pipelineWatchdogInput } from '../workflows/pipeline-watchdog';
import { WATCHDOG_PIPELINE } from '../workflows/pipelines';
import { LogicalDate, Pipeline } from '../workflows/search-attributes';
import { TASK_QUEUES } from '../workflows/task-queues';
import { withClient, workflowUrl } from './temporal-client';

export const WATCHDOG_SCHEDULE_ID = 'pipeline-watchdog';
/** How often the watchdog looks. */
export const WATCHDOG_EVERY = '15 minutes';

export interface ApplyOutcome {
  scheduleId: string;
  action: 'created' | 'updated' | 'unchanged';
  args: PipelineWatchdogInput;
}

/**
 * Creates or updates the watchdog's Temporal Schedule, idempotently: a second apply with the same settings changes
 * nothing. `since` (the first day the watchdog judges) is kept from the existing schedule unless given, so re-applying
 * never makes it report days from before the platform existed.
 */
export async function applySchedules(
  client: Client,
  options: { lookbackDays?: number; since?: string; taskQueue?: string; now?: Date } = {},
): Promise<ApplyOutcome[]> {
  const handle = client.schedule.getHandle(WATCHDOG_SCHEDULE_ID);
  let previous: PipelineWatchdogInput | undefined;
  let exists = true;
  try {
    const d = await handle.describe();
    if (d.action.type === 'startWorkflow') previous = (d.action.args?.[0] ?? {}) as PipelineWatchdogInput;
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    exists = false;
  }
  const args = pipelineWatchdogInput.parse({
    lookbackDays: options.lookbackDays ?? previous?.lookbackDays ?? 3,
    since: options.since ?? previous?.since ?? (options.now ?? new Date()).toISOString().slice(0, 10),
  }) as PipelineWatchdogInput;
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'pipelineWatchdog',
    taskQueue: options.taskQueue ?? TASK_QUEUES.etl,
    args: [args],
    // A watchdog run that finds no worker must not pile up: the next one replaces it.
    workflowExecutionTimeout: '10 minutes',
    staticSummary: 'Pipeline watchdog: runs Composer never started, deadlines missed',
    typedSearchAttributes: [{ key: Pipeline, value: WATCHDOG_PIPELINE }],
  };
  const spec = { intervals: [{ every: WATCHDOG_EVERY }] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' };
  if (!exists) {
    await client.schedule.create({ scheduleId: WATCHDOG_SCHEDULE_ID, spec, action, policies });
    return [{ scheduleId: WATCHDOG_SCHEDULE_ID, action: 'created', args }];
  }
  const d = await handle.describe();
  const same =
    JSON.stringify(previous) === JSON.stringify(args) &&
    d.action.type === 'startWorkflow' &&
    d.action.workflowType === action.workflowType &&
    d.action.taskQueue === action.taskQueue &&
    d.spec.intervals?.length === 1 &&
    Number(d.spec.intervals[0]?.every) === 15 * 60_000 &&
    d.policies.overlap === policies.overlap;
  if (same) return [{ scheduleId: WATCHDOG_SCHEDULE_ID, action: 'unchanged', args }];
  await handle.update((prev) => ({ ...prev, spec, action, policies: { ...prev.policies, ...policies } }));
  return [{ scheduleId: WATCHDOG_SCHEDULE_ID, action: 'updated', args }];
}

export function formatWatchdog(r: PipelineWatchdogResult): string {
  const lines = [`watchdog as of ${r.now}: ${r.checks.length} expected run(s) past their deadline checked`];
  const why: Record<string, (m: PipelineWatchdogResult['misses'][number]) => string> = {
    not_started: () => 'never started',
    running: (m) => `still running ${m.minutes ?? 0} min past it`,
    completed_late: (m) => `completed ${m.minutes ?? 0} min after it`,
    failed: (m) => `ended ${m.status ?? 'FAILED'}, nothing completed`,
    in_stage: (m) => `in ${m.stage ?? '?'} at the deadline`,
  };
  for (const c of r.checks) {
    const miss = r.misses.find((m) => m.pipeline === c.pipeline && m.logicalDate === c.logicalDate);
    const detail = miss ? `${why[miss.kind]?.(miss) ?? miss.kind}${miss.notified ? ' (notified now)' : ''}` : c.status;
    lines.push(
      `  ${c.onTime ? 'ok  ' : 'MISS'} ${c.pipeline} ${c.logicalDate} due ${c.dueAt.slice(0, 16)}Z: ${detail}`,
    );
  }
  const notified = r.misses.filter((m) => m.notified).length;
  const earlier = r.misses.length - notified;
  lines.push(
    `  ${r.misses.length} missed, ${notified} notified now${earlier ? `, ${earlier} notified before (each miss is told once)` : ''}`,
  );
  return lines.join('\n');
}

export function registerScheduleCommands(program: Command, getConfig: () => Config): void {
  const schedules = program.command('schedules').description('Temporal Schedules of the platform (the watchdog)');
  schedules
    .command('apply')
    .description(`create or update the watchdog schedule (every ${WATCHDOG_EVERY}); safe to repeat`)
    .option('--lookback-days <n>', 'days before today the watchdog looks at (0-31; default: kept, else 3)')
    .option('--since <YYYY-MM-DD>', 'ignore days before this one (default: kept, else today)')
    .action(async (opts: { lookbackDays?: string; since?: string }) => {
      const config = getConfig();
      const outcomes = await withClient(config, (client) =>
        applySchedules(client, {
          lookbackDays: opts.lookbackDays === undefined ? undefined : Number(opts.lookbackDays),
          since: opts.since,
          taskQueue: config.temporal.taskQueues.etl,
        }),
      );
      for (const o of outcomes) {
        process.stdout.write(`${o.scheduleId}: ${o.action} (every ${WATCHDOG_EVERY}, ${JSON.stringify(o.args)})\n`);
      }
    });

  program
    .command('watchdog')
    .description('run the pipeline watchdog once now and print what it found (the schedule runs it every 15 min)')
    .option('--lookback-days <n>', 'days before today to look at', '3')
    .option('--since <YYYY-MM-DD>', 'ignore days before this one')
    .option('--now <iso>', 'judge deadlines as of this instant')
    .action(async (opts: { lookbackDays: string; since?: string; now?: string }) => {
      const config = getConfig();
      const input = pipelineWatchdogInput.safeParse({
        lookbackDays: Number(opts.lookbackDays),
        since: opts.since,
        now: opts.now,
      });
      if (!input.success) {
        throw new Error(
          `invalid watchdog input: ${input.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      }
      await withClient(config, async (client) => {
        const workflowId = `${WATCHDOG_PIPELINE}:manual:${new Date().toISOString()}`;
        const handle = await client.workflow.start('pipelineWatchdog', {
          taskQueue: config.temporal.taskQueues.etl,
          workflowId,
          args: [input.data],
          workflowExecutionTimeout: '5 minutes',
          typedSearchAttributes: [
            { key: Pipeline, value: WATCHDOG_PIPELINE },
            { key: LogicalDate, value: new Date().toISOString().slice(0, 10) },
          ],
        });
        process.stderr.write(`${workflowId}: ${workflowUrl(config, workflowId, handle.firstExecutionRunId)}\n`);
        process.stdout.write(`${formatWatchdog((await handle.result()) as PipelineWatchdogResult)}\n`);
      });
    });
}
