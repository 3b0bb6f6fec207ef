import { proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { z } from 'zod';
import type { ExpectedRunCheck, SlaActivities, SlaMiss } from '../activities/sla';
import { isoDay, isoDayOf } from './days';
import { parseWorkflowInput } from './input';
import { notifySlaMiss } from './sla-notify';
import { notifyActivity, watchdogCheckActivity } from './policies';
import { SCHEDULED_PIPELINES, WATCHDOG_PIPELINE } from './pipelines';
import { LogicalDate, Pipeline, Stage } from './search-attributes';

const PIPELINE_NAMES = SCHEDULED_PIPELINES.map((p) => p.pipeline) as [string, ...string[]];

export const pipelineWatchdogInput = z
  .object({
    /** Days before today to look at (today included). @default 3 */
    lookbackDays: z.number().int().min(0).max(31).default(3),
    /** Ignore days before this one (the platform's first day: nothing was expected earlier). */
    since: isoDay.optional(),
    /** Only these pipelines. @default every scheduled pipeline */
    pipelines: z.array(z.enum(PIPELINE_NAMES)).min(1).optional(),
    /** Judge deadlines as of this instant instead of now (checking the past by hand, tests). */
    now: z
      .string()
      .refine((t) => !Number.isNaN(Date.parse(t)), 'expected an ISO-8601 timestamp')
      .optional(),
  })
  .strict();
export type PipelineWatchdogInput = z.input<typeof pipelineWatchdogInput>;

export interface PipelineWatchdogResult {
  now: string;
  checks: ExpectedRunCheck[];
  misses: Array<SlaMiss & { notified: boolean }>;
}

const { checkExpectedRuns } = proxyActivities<SlaActivities>(watchdogCheckActivity);

/**
 * Runs every 15 minutes on a Temporal Schedule (`analytics schedules apply`). Looks at the runs Composer should have
 * started for the last days and whose deadline has passed: one that never started, is still running, ended without
 * success or completed late is announced once (deduplicated with the runs' own SLA timers).
 */
export async function pipelineWatchdog(raw: PipelineWatchdogInput = {}): Promise<PipelineWatchdogResult> {
  const input = parseWorkflowInput('pipelineWatchdog', pipelineWatchdogInput, raw ?? {});
  const now = input.now ?? new Date(Date.now()).toISOString();
  upsertSearchAttributes([
    { key: Pipeline, value: WATCHDOG_PIPELINE },
    { key: LogicalDate, value: isoDayOf(Date.parse(now)) },
    { key: Stage, value: 'checking' },
  ]);
  const { checks, misses } = await checkExpectedRuns({
    now,
    lookbackDays: input.lookbackDays,
    since: input.since,
    pipelines: input.pipelines,
  });
  const notified: PipelineWatchdogResult['misses'] = [];
  for (const miss of misses) {
    const { sent } = await notifySlaMiss.executeWithOptions(
      { ...notifyActivity, summary: `SLA missed: ${miss.pipeline} ${miss.logicalDate} (${miss.kind})` },
      [miss],
    );
    notified.push({ ...miss, notified: sent });
  }
  const icon = (c: ExpectedRunCheck) => (c.onTime ? '✅' : '❌');
  setCurrentDetails(
    [
      `**${WATCHDOG_PIPELINE}** as of ${now.slice(0, 16).replace('T', ' ')} UTC`,
      '',
      '| pipeline | day | due (UTC) | status | |',
      '|---|---|---|---|---|',
      ...checks.map(
        (c) =>
          `| ${c.pipeline} | ${c.logicalDate} | ${c.dueAt.slice(0, 16).replace('T', ' ')} | ${c.status} | ${icon(c)} |`,
      ),
      '',
      `${misses.length} missed, ${notified.filter((m) => m.notified).length} newly notified`,
    ].join('\n'),
  );
  upsertSearchAttributes([{ key: Stage, value: misses.length ? 'missed' : 'ok' }]);
  return { now, checks, misses: notified };
}
