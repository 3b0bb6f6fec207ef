import { type Client } from '@temporalio/client';
import { type Command } from 'commander';
import { type Config } from '../config';
import { DAILY_STAGES, dailyWorkflowId, type DailyRunSummary } from '../workflows/user-analytics-daily';
import { decodeFailure, followStages, formatFailure, isWorkflowFailure } from './follow-run';
import { resetToStage } from './reset-run';
import { formatDailySummary, startDaily } from './run-daily';
import { withClient, workflowUrl } from './temporal-client';

const say = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Follows a daily run to its end: each stage as it finishes, then the summary; on failure the decoded failure (stage,
 * type, message), the UI link and the reset command, and exit code 1.
 */
async function waitForDaily(
  client: Client,
  config: Config,
  ids: { workflowId: string; runId: string; logicalDate: string },
): Promise<void> {
  try {
    const summary = await followStages<DailyRunSummary>(client, ids, say);
    process.stdout.write(`${formatDailySummary(summary)}\n`);
  } catch (err) {
    if (!isWorkflowFailure(err)) throw err;
    process.stdout.write(`${formatFailure(ids.workflowId, await decodeFailure(client, config, ids, err))}\n`);
    process.exitCode = 1;
  }
}

export function registerRunCommands(program: Command, getConfig: () => Config): void {
  const run = program.command('run').description('start, follow and reset pipeline runs');
  run
    .command('daily')
    .description('start (or attach to) the daily pipeline for one logical date')
    .requiredOption('--date <YYYY-MM-DD>', 'logical date (UTC data day)')
    .option('--wait', 'print each stage as it finishes, then the summary (or the failure and how to reset)')
    .option('--rerun', 'recompute a completed day as a new run of the same id (a running one is attached to)')
    .action(async (opts: { date: string; wait?: boolean; rerun?: boolean }) => {
      const config = getConfig();
      await withClient(config, async (client) => {
        const h = await startDaily(client, config, { logicalDate: opts.date }, { rerun: opts.rerun });
        say(`${h.workflowId} (${h.status.toLowerCase()}): ${h.url}`);
        if (opts.wait) await waitForDaily(client, config, { ...h, logicalDate: opts.date });
      });
    });
  run
    .command('reset')
    .description("reset a day's run to just before a stage: that stage and the ones after it run again")
    .requiredOption('--date <YYYY-MM-DD>', 'logical date of the daily run')
    .requiredOption('--from-stage <stage>', `the stage to re-run from: ${DAILY_STAGES.join(', ')}`)
    .requiredOption('--reason <text>', 'why (kept in the history), e.g. what was fixed')
    .option('--run-id <id>', 'a specific run (default: the latest run of the day)')
    .option('--wait', 'follow the new run like `run daily --wait`')
    .action(async (opts: { date: string; fromStage: string; reason: string; runId?: string; wait?: boolean }) => {
      if (!(DAILY_STAGES as readonly string[]).includes(opts.fromStage)) {
        throw new Error(`unknown stage '${opts.fromStage}'; the daily stages are ${DAILY_STAGES.join(', ')}`);
      }
      if (!opts.reason.trim()) throw new Error('--reason must say why (it is kept in the history)');
      const config = getConfig();
      await withClient(config, async (client) => {
        const r = await resetToStage(client, config, {
          workflowId: dailyWorkflowId(opts.date),
          runId: opts.runId,
          stage: opts.fromStage,
          reason: opts.reason,
        });
        say(
          `${r.workflowId}: run ${r.previousRunId} reset to event ${r.eventId} (before ${r.stage}); new run ${r.runId}\n` +
            `  ${workflowUrl(config, r.workflowId, r.runId)}`,
        );
        if (opts.wait) await waitForDaily(client, config, { ...r, logicalDate: opts.date });
      });
    });
}
