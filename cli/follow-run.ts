import { type Client, WorkflowFailedError } from '@temporalio/client';
import { type Config } from '../config';
import { describeFailure } from '../workflows/failures';
import type { StageSnapshot } from '../workflows/progress';
import { stagesQuery } from '../workflows/queries';
import { Stage } from '../workflows/search-attributes';
import { workflowUrl } from './temporal-client';

export interface DecodedFailure {
  /** The stage the run failed in (from the `Stage` search attribute `failed:<stage>`). */
  stage?: string;
  /** The failure's type (ApplicationFailure type, e.g. DataQualityFailed, SparkJobFailed), else the error's name. */
  type: string;
  message: string;
  url: string;
  /** The command that re-runs the day from the failed stage once the cause is fixed. */
  resetCommand?: string;
}

/** What went wrong, read the way an engineer needs it: stage, type, message, the UI link, the reset command. */
export async function decodeFailure(
  client: Client,
  config: Config,
  ids: { workflowId: string; runId: string; logicalDate: string },
  err: unknown,
): Promise<DecodedFailure> {
  const { type, message } = describeFailure(err);
  let stage: string | undefined;
  try {
    const description = await client.workflow.getHandle(ids.workflowId, ids.runId).describe();
    const value = description.typedSearchAttributes.get(Stage);
    if (value?.startsWith('failed:')) stage = value.slice('failed:'.length);
  } catch {
    // The link and the message still help without the stage.
  }
  return {
    stage,
    type,
    message,
    url: workflowUrl(config, ids.workflowId, ids.runId),
    resetCommand: stage
      ? `analytics run reset --date ${ids.logicalDate} --from-stage ${stage} --reason "<what was fixed>"`
      : undefined,
  };
}

export function formatFailure(workflowId: string, f: DecodedFailure): string {
  return [
    `${workflowId} FAILED${f.stage ? ` in ${f.stage}` : ''}`,
    `  ${f.type}: ${f.message}`,
    `  UI: ${f.url}`,
    ...(f.resetCommand ? ['  After fixing the cause, re-run from the failed stage:', `    ${f.resetCommand}`] : []),
  ].join('\n');
}

const seconds = (ms?: number) => (ms === undefined ? '' : ` in ${(ms / 1000).toFixed(1)} s`);

/**
 * Waits for a pipeline run while printing each stage as it finishes (from its `stages` query, polled). Resolves with
 * the run's result; rejects with the run's failure.
 */
export async function followStages<T>(
  client: Client,
  ids: { workflowId: string; runId: string },
  say: (line: string) => void,
  pollMs = 1_000,
): Promise<T> {
  const handle = client.workflow.getHandle(ids.workflowId, ids.runId);
  const reported = new Map<string, StageSnapshot['state']>();
  const report = (rows: StageSnapshot[]) => {
    for (const row of rows) {
      const before = reported.get(row.stage);
      if (before === row.state) continue;
      if (row.state === 'running') say(`  ▶ ${row.stage}${row.note ? ` (${row.note})` : ''}`);
      if (row.state === 'done') say(`  ✓ ${row.stage}${seconds(row.ms)}${row.note ? `: ${row.note}` : ''}`);
      if (row.state === 'failed') say(`  ✗ ${row.stage}${seconds(row.ms)}`);
      reported.set(row.stage, row.state);
    }
  };
  let done = false;
  const result = handle.result().finally(() => (done = true)) as Promise<T>;
  const poll = async () => {
    while (!done) {
      try {
        report(await handle.query(stagesQuery));
      } catch {
        // No worker yet, or the run is closing: the next poll (or the final read) catches up.
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  };
  const poller = poll();
  try {
    const value = await result;
    await poller;
    report(await handle.query(stagesQuery).catch(() => []));
    return value;
  } catch (err) {
    await poller;
    report(await handle.query(stagesQuery).catch(() => []));
    throw err;
  }
}

export const isWorkflowFailure = (err: unknown): err is WorkflowFailedError => err instanceof WorkflowFailedError;
