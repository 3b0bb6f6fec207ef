import type { SparkJob, SparkRunner, SparkRunOptions, SparkRunResult } from '../ports';

/** `DATAPROC_MODE`: which Dataproc runner runs a job. */
export type DataprocMode = 'cluster' | 'serverless' | 'auto';

export interface ModeChoice {
  runner: 'cluster' | 'serverless';
  reason: string;
}

/**
 * The choice `auto` makes: Serverless for a day of at most `serverlessMaxRows` input rows (no cluster create/delete
 * to pay for, usage billed per DCU-second), a cluster above it or when the rows are unknown (a big day keeps
 * executors busy, where VM minutes are cheaper than DCU-hours). `cluster` and `serverless` always pick themselves.
 */
export function chooseDataprocRunner(
  mode: DataprocMode,
  inputRows: number | undefined,
  serverlessMaxRows: number,
): ModeChoice {
  if (mode !== 'auto') return { runner: mode, reason: `DATAPROC_MODE=${mode}` };
  if (inputRows === undefined) return { runner: 'cluster', reason: 'auto: input rows unknown' };
  return inputRows <= serverlessMaxRows
    ? { runner: 'serverless', reason: `auto: ${inputRows} rows ≤ ${serverlessMaxRows}` }
    : { runner: 'cluster', reason: `auto: ${inputRows} rows > ${serverlessMaxRows}` };
}

/**
 * The Dataproc SparkRunner the gcp worker uses: the cluster runner, the Serverless runner, or per job the one
 * `chooseDataprocRunner` picks from `SparkJob.inputRows`. The choice is a pure function of the job, so every attempt
 * of a run picks the same runner (and finds the cluster or batch of the attempt before). `cleanup` asks both: a run
 * leaves at most one of the two behind, and looking for the other costs one Get.
 */
export class ModeSelectingSparkRunner implements SparkRunner {
  constructor(
    private readonly mode: DataprocMode,
    private readonly serverlessMaxRows: number,
    private readonly runners: { cluster: SparkRunner; serverless: SparkRunner },
  ) {}

  choose(job: Pick<SparkJob, 'inputRows'>): ModeChoice {
    return chooseDataprocRunner(this.mode, job.inputRows, this.serverlessMaxRows);
  }

  async run(job: SparkJob, options?: SparkRunOptions): Promise<SparkRunResult> {
    const choice = this.choose(job);
    options?.onProgress?.(`Dataproc ${choice.runner} (${choice.reason})`);
    const result = await this.runners[choice.runner].run(job, options);
    return result.details ? { ...result, details: { ...result.details, reason: choice.reason } } : result;
  }

  async cleanup(runId: string): Promise<void> {
    if (this.mode === 'auto') {
      await Promise.all([this.runners.cluster.cleanup(runId), this.runners.serverless.cleanup(runId)]);
    } else {
      await this.runners[this.mode].cleanup(runId);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.runners.cluster.close(), this.runners.serverless.close()]);
  }
}
