import { type Client, WorkflowFailedError } from '@temporalio/client';
import { type Command, Option } from 'commander';
import { type Config } from '../config';
import {
  BACKFILL_MODES,
  backfillStatusQuery,
  pauseSignal,
  resumeSignal,
  userAnalyticsBackfillInput,
  type BackfillResult,
  type BackfillStatus,
  type UserAnalyticsBackfillInput,
} from '../workflows/backfill-contract';
import { BACKFILL_PIPELINE } from '../workflows/pipelines';
import { LogicalDate, Pipeline } from '../workflows/search-attributes';
import { TASK_QUEUES } from '../workflows/task-queues';
import { withClient, workflowUrl } from './temporal-client';

const say = (line: string) => process.stderr.write(`${line}\n`);

/** Validates a backfill request as the workflow will, and names every bad field. */
export function parseBackfillRequest(raw: UserAnalyticsBackfillInput): UserAnalyticsBackfillInput {
  const parsed = userAnalyticsBackfillInput.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `invalid backfill: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')}`,
    );
  }
  const { carry: _carry, ...input } = parsed.data;
  return input;
}

export async function startBackfill(
  client: Client,
  raw: UserAnalyticsBackfillInput,
  options: { taskQueue?: string; workflowId?: string; now?: Date } = {},
): Promise<{ workflowId: string; runId: string }> {
  const input = parseBackfillRequest(raw);
  const stamp = (options.now ?? new Date())
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const workflowId =
    options.workflowId ??
    `${BACKFILL_PIPELINE}:${input.from}..${input.to}:${input.mode ?? 'missing'}${input.dryRun ? ':dry-run' : ''}:${stamp}`;
  const handle = await client.workflow.start('userAnalyticsBackfill', {
    taskQueue: options.taskQueue ?? TASK_QUEUES.etl,
    workflowId,
    args: [input],
    staticSummary: `Backfill ${input.from} … ${input.to} (${input.mode ?? 'missing'}${input.dryRun ? ', dry run' : ''})`,
    staticDetails:
      'Runs userAnalyticsDaily for each day as a child with the day’s own id. Signals: pause, resume. Query: status. ' +
      'Cancel cancels the days it started.',
    typedSearchAttributes: [
      { key: Pipeline, value: BACKFILL_PIPELINE },
      { key: LogicalDate, value: input.from },
    ],
  });
  return { workflowId, runId: handle.firstExecutionRunId };
}

function eta(seconds: number | null): string {
  if (seconds === null) return 'ETA –';
  if (seconds < 90) return `ETA ${seconds} s`;
  if (seconds < 5400) return `ETA ${Math.round(seconds / 60)} min`;
  return `ETA ${(seconds / 3600).toFixed(1)} h`;
}

export function progressLine(s: BackfillStatus): string {
  if (s.dryRun) {
    const seen = s.wouldRun + s.skipped;
    return `${s.from}…${s.to} dry run: ${seen}/${s.total} looked at, would run ${s.wouldRun}, skip ${s.skipped}`;
  }
  const done = s.succeeded + s.failed + s.skipped;
  return (
    `${s.from}…${s.to} ${s.paused ? '[paused] ' : ''}${done}/${s.total} done ` +
    `(${s.succeeded} ok, ${s.failed} failed, ${s.skipped} skipped), ${s.running.length} running` +
    `${s.running.length ? ` [${s.running.join(' ')}]` : ''}, ${s.remaining} remaining, ${eta(s.etaSeconds)}`
  );
}

/** Polls the `status` query and keeps one live progress line (rewritten on a terminal, printed on change elsewhere). */
async function followBackfill(client: Client, workflowId: string, runId: string): Promise<BackfillResult> {
  const handle = client.workflow.getHandle(workflowId, undefined, { firstExecutionRunId: runId });
  let done = false;
  const result = (handle.result() as Promise<BackfillResult>).finally(() => (done = true));
  const tty = process.stderr.isTTY;
  let last = '';
  const poller = (async () => {
    while (!done) {
      const status = await client.workflow
        .getHandle(workflowId)
        .query(backfillStatusQuery)
        .catch(() => undefined);
      if (status && !done) {
        const line = progressLine(status);
        if (tty) process.stderr.write(`\r\x1b[2K${line}`);
        else if (line !== last) say(line);
        last = line;
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
    if (tty && last) process.stderr.write('\n');
  })();
  try {
    return await result;
  } finally {
    await poller;
  }
}

export function formatBackfillResult(r: BackfillResult): string {
  const lines = [
    `backfill ${r.from} … ${r.to} (${r.mode}${r.dryRun ? ', dry run' : ''}): ${r.total} days in ${r.runs} workflow run(s)`,
  ];
  if (r.dryRun) {
    lines.push(`  would run ${r.wouldRun} day(s), skip ${r.skipped}`);
    for (const [a, b] of r.planned.slice(0, 50)) lines.push(`    ${a === b ? a : `${a} … ${b}`}`);
    if (r.planned.length > 50) lines.push(`    … ${r.planned.length - 50} more ranges`);
  } else {
    lines.push(
      `  ${r.succeeded} succeeded (${r.attached} attached to runs already in flight), ${r.failed} failed, ${r.skipped} skipped`,
    );
  }
  for (const f of r.failures) lines.push(`  ✗ ${f.day}: ${f.error}`, `      ${f.url}`);
  return lines.join('\n');
}

export function registerBackfillCommands(program: Command, getConfig: () => Config): void {
  const backfill = program
    .command('backfill')
    .description('recompute the daily pipeline over a date range (userAnalyticsBackfill), or manage a running backfill')
    .option('--from <YYYY-MM-DD>', 'first day (inclusive)')
    .option('--to <YYYY-MM-DD>', 'last day (inclusive)')
    .addOption(
      new Option(
        '--mode <mode>',
        'missing: days never run; failed: days whose run failed; all: every day (re-runs completed days)',
      )
        .choices([...BACKFILL_MODES])
        .default('missing'),
    )
    .option('--concurrency <n>', 'days at once (1-16)', '2')
    .option('--dry-run', 'only list the days a real run would start')
    .option('--wait', 'keep a live progress line and print the result')
    .action(
      async (opts: {
        from?: string;
        to?: string;
        mode: string;
        concurrency: string;
        dryRun?: boolean;
        wait?: boolean;
      }) => {
        if (!opts.from || !opts.to) throw new Error('backfill needs --from and --to (YYYY-MM-DD)');
        if (!/^\d+$/.test(opts.concurrency))
          throw new Error(`--concurrency must be a whole number, got ${opts.concurrency}`);
        const request = parseBackfillRequest({
          from: opts.from,
          to: opts.to,
          mode: opts.mode as (typeof BACKFILL_MODES)[number],
          concurrency: Number(opts.concurrency),
          dryRun: Boolean(opts.dryRun),
        });
        const config = getConfig();
        await withClient(config, async (client) => {
          const { workflowId, runId } = await startBackfill(client, request, {
            taskQueue: config.temporal.taskQueues.etl,
          });
          say(`${workflowId}: ${workflowUrl(config, workflowId, runId)}`);
          say(`  pause/resume/status/cancel: analytics backfill pause|resume|status|cancel '${workflowId}'`);
          if (!opts.wait) return;
          try {
            const result = await followBackfill(client, workflowId, runId);
            process.stdout.write(`${formatBackfillResult(result)}\n`);
            if (result.failed > 0) process.exitCode = 1;
          } catch (err) {
            if (err instanceof WorkflowFailedError) {
              throw new Error(`backfill ${workflowId} ended: ${err.cause?.message ?? err.message}`, { cause: err });
            }
            throw err;
          }
        });
      },
    );

  const manage = (name: string, description: string, fn: (client: Client, id: string) => Promise<string>) =>
    backfill
      .command(`${name} <workflow-id>`)
      .description(description)
      .action(async (id: string) => {
        const config = getConfig();
        process.stdout.write(`${await withClient(config, (client) => fn(client, id))}\n`);
      });
  manage('status', 'days done, running, failed and remaining, with an ETA', async (client, id) => {
    const s = await client.workflow.getHandle(id).query(backfillStatusQuery);
    return [progressLine(s), ...s.failures.map((f) => `  ✗ ${f.day}: ${f.error}\n      ${f.url}`)].join('\n');
  });
  manage('pause', 'start no new days (running ones finish)', async (client, id) => {
    await client.workflow.getHandle(id).signal(pauseSignal);
    return `${id}: pause sent`;
  });
  manage('resume', 'start days again', async (client, id) => {
    await client.workflow.getHandle(id).signal(resumeSignal);
    return `${id}: resume sent`;
  });
  manage('cancel', 'cancel the backfill and the days it is running', async (client, id) => {
    await client.workflow.getHandle(id).cancel();
    return `${id}: cancellation requested (running days are cancelled too)`;
  });
}
