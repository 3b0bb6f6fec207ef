import { dayStartMs } from './days';
import type { TaskQueueName } from './task-queues';

/**
 * The pipelines Composer is expected to start once per day, and their deadlines (SLAs). Shared by the workflows (the
 * in-run SLA timer), the watchdog (runs that never started) and the worker configuration (overrides).
 */
export const DAILY_PIPELINE = 'user-analytics-daily';
/** The daily run's id is the day: a scheduled run, a backfilled day and a manual run of one day never run at once. */
export const dailyWorkflowId = (day: string): string => `${DAILY_PIPELINE}:${day}`;
export const BACKFILL_PIPELINE = 'user-analytics-backfill';
export const WATCHDOG_PIPELINE = 'pipeline-watchdog';

export interface ScheduledPipeline {
  pipeline: string;
  workflowType: string;
  taskQueue: TaskQueueName;
  /** The run's workflow id for a logical day (what Composer starts). */
  workflowId(day: string): string;
  /** The run for day D is due on D + `dueDayOffset` days at `defaultDue` (UTC) unless configured otherwise. */
  dueDayOffset: number;
  /** `HH:MM` UTC. */
  defaultDue: string;
  /** The configuration variable that overrides `defaultDue` (`HH:MM`). */
  dueVariable: string;
}

export const SCHEDULED_PIPELINES: readonly ScheduledPipeline[] = [
  {
    pipeline: DAILY_PIPELINE,
    workflowType: 'userAnalyticsDaily',
    taskQueue: 'etl',
    workflowId: dailyWorkflowId,
    // Composer starts day D at 02:00 on D+1; dashboards must show D when people start work on D+1.
    dueDayOffset: 1,
    defaultDue: '06:00',
    dueVariable: 'SLA_DAILY_DUE_UTC',
  },
  {
    pipeline: 'data-retention',
    workflowType: 'dataRetention',
    taskQueue: 'etl',
    workflowId: (day) => `data-retention:${day}`,
    // Composer starts it at 04:00 on D (after the analytics run); it must be done before the working day.
    dueDayOffset: 0,
    defaultDue: '06:00',
    dueVariable: 'SLA_RETENTION_DUE_UTC',
  },
];

export const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function scheduledPipeline(pipeline: string): ScheduledPipeline | undefined {
  return SCHEDULED_PIPELINES.find((p) => p.pipeline === pipeline);
}

/** When the run of `day` is due: D + offset days at `due` (`HH:MM` UTC). */
export function dueAt(spec: ScheduledPipeline, day: string, due: string = spec.defaultDue): Date {
  const m = HH_MM.exec(due);
  if (!m) throw new Error(`SLA due time must be HH:MM (UTC), got ${due}`);
  return new Date(dayStartMs(day) + spec.dueDayOffset * 86_400_000 + (Number(m[1]) * 60 + Number(m[2])) * 60_000);
}
