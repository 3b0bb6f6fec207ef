import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { PublishActivities } from '../activities/publish';
import type { RetentionActivities } from '../activities/retention';
import { FailureType } from '../schema/failure-types';
import { describeFailure } from './failures';
import { parseWorkflowInput } from './input';
import { StageProgress } from './progress';
import {
  dataRetentionInput,
  describeCounts,
  EXECUTION_STAGES,
  futureAsOfProblem,
  RETENTION_PIPELINE,
  RETENTION_STAGES,
  retentionStatusQuery,
  totalCounts,
  type DataRetentionInput,
  type DataRetentionResult,
  type RetentionStage,
  type RetentionStatus,
  type RetentionTarget,
} from './retention-contract';
import { retentionExecuteActivity, retentionPlanActivity, retentionRecordActivity } from './policies';
import { LogicalDate, Pipeline } from './search-attributes';

const { planRetention } = proxyActivities<RetentionActivities>(retentionPlanActivity);
const { executeRetentionStage } = proxyActivities<RetentionActivities>(retentionExecuteActivity);
const { recordRetentionRun } = proxyActivities<RetentionActivities>(retentionRecordActivity);
const { notify } = proxyActivities<PublishActivities>(retentionRecordActivity);

/**
 * Enforces the retention policies (schema/retention/policy.ts) as of one day: plan (every zone, the warehouse, the
 * event streams; written as a document whose key is all the history holds), then, unless a dry run, execute that
 * plan stage by stage — archive raw partitions, delete processed ones, sweep scratch areas, delete archived ones,
 * delete expired warehouse partitions, trim streams — and record the run (pipeline_runs, audit_log). Idempotent: a
 * retried stage resumes from its checkpoint, and a second run on the same day finds nothing to do.
 */
export async function dataRetention(raw: DataRetentionInput): Promise<DataRetentionResult> {
  const input = parseWorkflowInput('dataRetention', dataRetentionInput, raw);
  const future = futureAsOfProblem(input.asOf, new Date(Date.now()));
  if (future) {
    throw ApplicationFailure.create({
      type: FailureType.InvalidInput,
      nonRetryable: true,
      message: `dataRetention input: ${future}`,
    });
  }
  const info = workflowInfo();
  const startedAt = new Date(Date.now()).toISOString();
  upsertSearchAttributes([
    { key: Pipeline, value: RETENTION_PIPELINE },
    { key: LogicalDate, value: input.asOf },
  ]);
  const stages: readonly RetentionStage[] = input.dryRun ? ['plan'] : RETENTION_STAGES;
  const progress = new StageProgress<RetentionStage>(
    stages,
    `${RETENTION_PIPELINE} as of ${input.asOf}${input.dryRun ? ' (dry run)' : ''}`,
  );
  const status: RetentionStatus = {
    asOf: input.asOf,
    dryRun: input.dryRun,
    stages: stages.map((stage) => ({ stage, state: 'pending' })),
  };
  setHandler(retentionStatusQuery, () => status);
  const row = (stage: RetentionStage) => status.stages.find((s) => s.stage === stage)!;
  const begin = (stage: RetentionStage, note?: string) => {
    row(stage).state = 'running';
    progress.start(stage, note);
  };
  const end = (stage: RetentionStage, note: string) => {
    row(stage).state = 'done';
    progress.finish(stage, note);
  };

  const executed: RetentionTarget[] = [];
  let planned: RetentionTarget[] = [];
  let planKey: string | undefined;
  let recognised = 0;
  let vanished = 0;
  const resumed: DataRetentionResult['resumed'] = [];
  try {
    begin('plan');
    const plan = await planRetention.executeWithOptions(
      { ...retentionPlanActivity, summary: `plan retention as of ${input.asOf}` },
      [{ asOf: input.asOf, workflowId: info.workflowId, runId: info.runId, dryRun: input.dryRun }],
    );
    planKey = plan.planKey;
    planned = plan.targets;
    status.planKey = planKey;
    for (const s of status.stages) {
      const mine = planned.filter((t) => t.stage === s.stage);
      if (mine.length) s.planned = totalCounts(mine);
    }
    end('plan', `${input.dryRun ? 'would act on ' : ''}${describeCounts(totalCounts(planned))}`);
    const result = (): DataRetentionResult => ({
      workflowId: info.workflowId,
      runId: info.runId,
      asOf: input.asOf,
      dryRun: input.dryRun,
      planKey: plan.planKey,
      planned,
      executed,
      recognised,
      vanished,
      resumed,
      stageMs: progress.durations(),
    });
    if (input.dryRun) return result();

    for (const stage of EXECUTION_STAGES) {
      const mine = planned.filter((t) => t.stage === stage);
      if (mine.length === 0) {
        begin(stage);
        end(stage, 'nothing past retention');
        continue;
      }
      begin(stage, describeCounts(totalCounts(mine)));
      const done = await executeRetentionStage.executeWithOptions(
        { ...retentionExecuteActivity, summary: `${stage}: ${describeCounts(totalCounts(mine))}` },
        [{ planKey: plan.planKey, stage, batchSize: input.options.batchSize }],
      );
      executed.push(...done.targets);
      recognised += done.recognised;
      vanished += done.vanished;
      if (done.resumedFrom) resumed.push({ stage, ...done.resumedFrom });
      row(stage).executed = totalCounts(done.targets);
      const extra = [
        done.recognised ? `${done.recognised} already moved` : '',
        done.vanished ? `${done.vanished} vanished` : '',
      ].filter(Boolean);
      end(stage, [describeCounts(totalCounts(done.targets)), ...extra].join('; '));
    }

    begin('report');
    await recordRetentionRun({
      workflowId: info.workflowId,
      runId: info.runId,
      asOf: input.asOf,
      startedAt,
      status: 'succeeded',
      planKey: plan.planKey,
      planned,
      executed,
      recognised,
      vanished,
    });
    end('report', 'pipeline_runs and audit_log');
    return result();
  } catch (err) {
    const stage = progress.current();
    const { type, message } = describeFailure(err);
    if (stage) {
      row(stage).state = 'failed';
      progress.fail(stage, `${type}: ${message}`.slice(0, 300));
    }
    if (!input.dryRun) {
      // Recording the failure must not be skipped by a cancellation, nor mask the original error.
      await CancellationScope.nonCancellable(async () => {
        const state = isCancellation(err) ? 'cancelled' : 'failed';
        await recordRetentionRun({
          workflowId: info.workflowId,
          runId: info.runId,
          asOf: input.asOf,
          startedAt,
          status: state,
          planKey,
          planned,
          executed,
          recognised,
          vanished,
          error: { type, message: message.slice(0, 2000) },
        });
        if (state === 'failed') {
          await notify({
            severity: 'error',
            title: `${RETENTION_PIPELINE} as of ${input.asOf} failed${stage ? ` in ${stage}` : ''}`,
            text: `${type}: ${message}`,
            workflowId: info.workflowId,
            runId: info.runId,
          });
        }
      }).catch((recordErr: unknown) => {
        // The run's own failure is what the caller must see; a lost pipeline_runs row or notification is only logged.
        const lost = describeFailure(recordErr);
        log.error('could not record or notify the failed run', {
          pipeline: RETENTION_PIPELINE,
          asOf: input.asOf,
          status: isCancellation(err) ? 'cancelled' : 'failed',
          error: `${lost.type}: ${lost.message}`.slice(0, 500),
        });
      });
    }
    throw err;
  }
}
