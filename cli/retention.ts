import { setTimeout as sleep } from 'node:timers/promises';
import { type Client } from '@temporalio/client';
import { type Command } from 'commander';
import { type Config } from '../config';
import {
  dataRetentionInput,
  describeCounts,
  dryRunWorkflowId,
  formatBytes,
  futureAsOfProblem,
  RETENTION_PIPELINE,
  retentionStatusQuery,
  retentionWorkflowId,
  totalCounts,
  type DataRetentionInput,
  type DataRetentionResult,
  type RetentionStatus,
  type RetentionTarget,
} from '../workflows/retention-contract';
import { startPipelineRun } from './start-run';
import { withClient } from './temporal-client';

export interface RetentionRunHandle {
  workflowId: string;
  runId: string;
  url: string;
  /** Right after start/attach: RUNNING for a new or running run, COMPLETED when the day's run already finished. */
  status: string;
  result(): Promise<DataRetentionResult>;
  progress(): Promise<RetentionStatus>;
}

/** Bad CLI or workflow input, said plainly (the command exits 1 with the message). */
export class RetentionInputError extends Error {
  override name = 'RetentionInputError';
}

/**
 * Starts retention as of a day, or attaches to the day's run: a real run's id is the day (`data-retention:<D>`; a
 * running or completed run is reused, a failed one started again), a dry run gets an id of its own
 * (`data-retention:<D>:dry-run:<time>`) so it never blocks the real one.
 */
export async function startRetention(
  client: Client,
  config: Config,
  raw: DataRetentionInput,
  options: { taskQueue?: string; workflowId?: string; now?: Date } = {},
): Promise<RetentionRunHandle> {
  const parsed = dataRetentionInput.safeParse(raw);
  if (!parsed.success) {
    throw new RetentionInputError(
      `invalid retention input: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')}`,
    );
  }
  const input = parsed.data;
  const now = options.now ?? new Date();
  const future = futureAsOfProblem(input.asOf, now);
  if (future) throw new RetentionInputError(future);
  const workflowId =
    options.workflowId ?? (input.dryRun ? dryRunWorkflowId(input.asOf, now) : retentionWorkflowId(input.asOf));
  const started = await startPipelineRun(client, config, {
    workflowType: 'dataRetention',
    workflowId,
    input,
    taskQueue: options.taskQueue ?? config.temporal.taskQueues.etl,
    pipeline: RETENTION_PIPELINE,
    logicalDate: input.asOf,
    summary: `Data retention as of ${input.asOf}${input.dryRun ? ' (dry run)' : ''}`,
    details:
      'Archive raw partitions, delete processed and archived ones, sweep scratch areas, expire warehouse ' +
      'partitions, trim event streams, per schema/retention/policy.ts. The full plan is a JSON document in the ' +
      'processed zone (its key is in the result).',
  });
  const run = client.workflow.getHandle(started.workflowId, started.runId);
  return {
    ...started,
    result: () => run.result() as Promise<DataRetentionResult>,
    progress: () => run.query(retentionStatusQuery),
  };
}

/** Prints a line whenever a stage changes state, until the run ends; returns its result. */
export async function waitWithProgress(
  handle: RetentionRunHandle,
  say: (line: string) => void,
  everyMs = 2_000,
): Promise<DataRetentionResult> {
  let settled = false;
  const result = handle.result().finally(() => (settled = true));
  const seen = new Map<string, string>();
  const poll = async () => {
    const status = await handle.progress().catch(() => undefined); // before the first workflow task: no handler yet
    for (const s of status?.stages ?? []) {
      const counts = s.executed ?? s.planned;
      const line = `${s.state.padEnd(7)} ${s.stage}${counts ? `: ${describeCounts(counts)}` : ''}`;
      if (seen.get(s.stage) !== line && s.state !== 'pending') say(`  ${line}`);
      seen.set(s.stage, line);
    }
  };
  while (!settled) {
    await poll();
    await Promise.race([result.catch(() => undefined), sleep(everyMs)]);
  }
  await poll(); // the final states
  return result;
}

const num = (n: number) => (n === 0 ? '-' : String(n));

/** The plan (dry run) or what was done, per stage, target and action, with counts and bytes. */
export function formatRetentionResult(r: DataRetentionResult): string {
  const rows: RetentionTarget[] = r.dryRun ? r.planned : r.executed;
  const header = ['stage', 'target', 'action', 'past retention', 'items', 'objects', 'rows', 'entries', 'bytes'];
  const cells = rows.map((t) => [
    t.stage,
    t.target,
    t.action,
    t.cutoff,
    String(t.items),
    num(t.objects),
    num(t.rows),
    num(t.entries),
    formatBytes(t.bytes),
  ]);
  const total = totalCounts(rows);
  cells.push([
    'total',
    '',
    '',
    '',
    String(total.items),
    num(total.objects),
    num(total.rows),
    num(total.entries),
    formatBytes(total.bytes),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const numeric = new Set([4, 5, 6, 7, 8]);
  const line = (c: string[]) =>
    c
      .map((v, i) => (numeric.has(i) ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [
    `${r.workflowId} as of ${r.asOf}: ${r.dryRun ? 'dry run, nothing changed — the plan' : 'done'}`,
    '',
    rows.length === 0 ? '  nothing past retention' : [line(header), ...cells.map(line)].map((l) => `  ${l}`).join('\n'),
    '',
    `full plan: processed/${r.planKey}`,
  ];
  if (!r.dryRun) {
    const differs = r.planned.filter((p) => {
      const e = r.executed.find((x) => x.stage === p.stage && x.target === p.target && x.action === p.action);
      return !e || e.items !== p.items || e.objects !== p.objects || e.rows !== p.rows || e.entries !== p.entries;
    });
    out.push(
      differs.length === 0
        ? 'executed exactly the plan'
        : `differs from the plan for ${differs.map((d) => `${d.stage} ${d.target}`).join(', ')}`,
    );
    if (r.recognised)
      out.push(`${r.recognised} objects were already moved by an interrupted attempt (not copied again)`);
    if (r.vanished)
      out.push(`${r.vanished} planned objects were gone before their turn (replaced or removed meanwhile)`);
    for (const x of r.resumed) out.push(`${x.stage} resumed at item ${x.item}, object ${x.object}`);
  }
  return out.join('\n');
}

function parseBatchSize(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 1000) {
    throw new RetentionInputError(`--batch-size ${value}: expected a whole number from 1 to 1000`);
  }
  return n;
}

export function registerRetentionCommands(program: Command, getConfig: () => Config): void {
  const retention = program.command('retention').description('enforce the data retention policies');
  retention
    .command('run')
    .description(
      `start (or attach to) ${RETENTION_PIPELINE}:<D>, the dataRetention run as of a day; --dry-run only plans`,
    )
    .requiredOption('--as-of <YYYY-MM-DD>', 'apply the policies as of this day (UTC), at most today')
    .option('--dry-run', 'plan only: list what would move or be deleted, change nothing')
    .option('--wait', 'wait for the result, print progress and the table')
    .option('--json', 'with --wait: print the result as JSON')
    .option('--batch-size <n>', 'objects moved or deleted at once, per checkpoint (1-1000)', '16')
    .action(async (opts: { asOf: string; dryRun?: boolean; wait?: boolean; json?: boolean; batchSize: string }) => {
      const input: DataRetentionInput = {
        asOf: opts.asOf,
        dryRun: Boolean(opts.dryRun),
        options: { batchSize: parseBatchSize(opts.batchSize) },
      };
      // Checked before connecting, so bad input gets its own message even with Temporal down.
      const parsed = dataRetentionInput.safeParse(input);
      if (!parsed.success) {
        throw new RetentionInputError(`--as-of ${JSON.stringify(opts.asOf)}: expected a calendar date as YYYY-MM-DD`);
      }
      const future = futureAsOfProblem(parsed.data.asOf, new Date());
      if (future) throw new RetentionInputError(`--as-of: ${future}`);
      const config = getConfig();
      await withClient(config, async (client) => {
        const handle = await startRetention(client, config, input);
        const say = (line: string) => process.stderr.write(`${line}\n`);
        say(`${handle.workflowId} (${handle.status.toLowerCase()}): ${handle.url}`);
        if (!opts.wait) return;
        const result = await waitWithProgress(handle, say);
        process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatRetentionResult(result)}\n`);
      });
    });
}
