import { Context } from '@temporalio/activity';
import { ErrorType, isPlatformError, PlatformError } from '../../adapters/errors';
import type { EventBus, ObjectStore, PartitionLock, PipelineMetrics, Warehouse } from '../../adapters/ports';
import { dayStart, retentionCutoff } from '../../schema/retention/days';
import { RETENTION_POLICY, type RetentionPolicy } from '../../schema/retention/policy';
import type { Dataset } from '../../schema/warehouse/types';
import {
  RETENTION_PIPELINE,
  type ExecutionStage,
  type RetentionTarget,
  type StageExecution,
} from '../../workflows/retention-contract';
import { writeRunRecord, type OperationsRowsDeps } from '../operations-rows';
import { executeStage, isCheckpoint, type Checkpoint } from './execute';
import { decodePlan, encodePlan, PLAN_VERSION, planKeyOf, summarisePlan, type RetentionPlan } from './plan';
import { planItems, type LakeListings } from './planner';
import { expiredPartitions, finishedRunHashes } from './warehouse';

export interface PlanRetentionInput {
  asOf: string;
  workflowId: string;
  runId: string;
  dryRun: boolean;
}
export interface PlanRetentionResult {
  planKey: string;
  targets: RetentionTarget[];
  createdAt: string;
}
export interface ExecuteRetentionStageInput {
  planKey: string;
  stage: ExecutionStage;
  batchSize: number;
}
export interface RecordRetentionRunInput {
  workflowId: string;
  runId: string;
  asOf: string;
  startedAt: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  planKey?: string;
  planned: RetentionTarget[];
  executed: RetentionTarget[];
  recognised: number;
  vanished: number;
  error?: { type: string; message: string };
}

/**
 * Heartbeats every `everyMs` with the latest details, starting from `initial` (a resumed attempt's checkpoint): an
 * attempt that dies before its first checkpoint must not overwrite its predecessor's progress with nothing.
 */
async function withProgress<T>(
  initial: unknown,
  work: (report: (details: unknown) => void) => Promise<T>,
  everyMs = 5_000,
) {
  const ctx = Context.current();
  let latest = initial;
  const timer = setInterval(() => ctx.heartbeat(latest), everyMs);
  try {
    ctx.heartbeat(latest);
    return await work((details) => {
      latest = details;
      ctx.heartbeat(latest);
    });
  } finally {
    clearInterval(timer);
  }
}

const sum = (targets: RetentionTarget[], field: 'objects' | 'rows' | 'entries') =>
  targets.reduce((s, t) => s + t[field], 0);

/**
 * Data retention activities (`workflows/data-retention.ts`): plan what is past the policy in every lake zone, the
 * warehouse and the event streams, write the plan as one document, execute it stage by stage with checkpoints, and
 * record the run. Only ports: the same code archives to a directory or a GCS bucket, deletes from DuckDB or BigQuery.
 */
export function createRetentionActivities(
  deps: OperationsRowsDeps & {
    store: ObjectStore;
    warehouse: Warehouse;
    bus: EventBus;
    dataset: Dataset;
    lock: PartitionLock;
    /** @default RETENTION_POLICY */
    policy?: RetentionPolicy;
    scratchDir?: string;
    /** Records the last success (the watchdog's gauge). */
    metrics?: PipelineMetrics;
  },
) {
  const policy = deps.policy ?? RETENTION_POLICY;

  const readPlan = async (key: string): Promise<RetentionPlan | undefined> => {
    try {
      return decodePlan(await deps.store.get('processed', key), key);
    } catch (err) {
      if (isPlatformError(err) && err.type === ErrorType.NotFound) return undefined;
      throw err;
    }
  };

  return {
    /**
     * Lists every zone, the expired warehouse partitions and the stream backlogs, and writes the plan document. A
     * retried attempt returns the plan its predecessor wrote (create-only write), so a run executes one plan.
     */
    async planRetention(input: PlanRetentionInput): Promise<PlanRetentionResult> {
      return withProgress({ phase: 'start' }, async (report) => {
        const planKey = planKeyOf(input.asOf, input.workflowId, input.runId);
        const existing = await readPlan(planKey);
        if (existing) return { planKey, targets: summarisePlan(existing.items), createdAt: existing.createdAt };

        await deps.warehouse.ensureDataset(deps.dataset);
        const listings: LakeListings = { raw: [], processed: [], archive: [] };
        for (const zone of ['raw', 'processed', 'archive'] as const) {
          report({ phase: 'list', zone });
          listings[zone] = await deps.store.listObjects(zone, '');
        }
        report({ phase: 'warehouse' });
        const finishedRuns = await finishedRunHashes(deps.warehouse, deps.dataset);
        const warehouse = [];
        for (const [table, days] of Object.entries(policy.warehouse)) {
          const cutoff = retentionCutoff(input.asOf, days);
          warehouse.push({
            table,
            cutoff,
            partitions: await expiredPartitions(deps.warehouse, deps.dataset, table, cutoff),
          });
        }
        report({ phase: 'streams' });
        const streams = [];
        for (const { pattern, keepDays } of policy.streams) {
          const before = dayStart(retentionCutoff(input.asOf, keepDays));
          streams.push({ pattern, before, backlog: await deps.bus.expiredEntries(pattern, before) });
        }
        const plan: RetentionPlan = {
          version: PLAN_VERSION,
          asOf: input.asOf,
          workflowId: input.workflowId,
          runId: input.runId,
          dryRun: input.dryRun,
          createdAt: new Date().toISOString(),
          policy,
          items: planItems(policy, input.asOf, { listings, finishedRuns, warehouse, streams }),
        };
        const written = await deps.store.putIfAbsent('processed', planKey, encodePlan(plan));
        // Lost a race with a concurrent attempt of this very activity: its plan is the run's plan.
        const final = written ? plan : ((await readPlan(planKey)) ?? plan);
        return { planKey, targets: summarisePlan(final.items), createdAt: final.createdAt };
      });
    },

    /**
     * Executes the plan's items of one stage. Progress is a checkpoint in the heartbeat details; a retried attempt
     * (the worker was killed, the activity timed out) continues from it and recognises the work of the lost batch.
     */
    async executeRetentionStage(input: ExecuteRetentionStageInput): Promise<StageExecution> {
      const ctx = Context.current();
      const details: unknown = ctx.info.heartbeatDetails;
      const from: Checkpoint | undefined = isCheckpoint(details, input.stage) ? details : undefined;
      return withProgress(from, async (report) => {
        const plan = await readPlan(input.planKey);
        if (!plan) {
          // No retry brings it back: the run must plan again.
          throw new PlatformError(
            ErrorType.NotFound,
            `retention plan processed/${input.planKey} is missing; start the day's run again`,
          );
        }
        return executeStage(deps, plan, input.stage, {
          from,
          batchSize: input.batchSize,
          signal: ctx.cancellationSignal,
          onCheckpoint: report,
        });
      });
    },

    /** The run's pipeline_runs row (per-target counts in row_counts) and its audit_log row; keyed, so retries overwrite. */
    async recordRetentionRun(run: RecordRetentionRunInput): Promise<void> {
      await deps.warehouse.ensureDataset(deps.dataset);
      const now = new Date().toISOString();
      const rowCounts = Object.fromEntries(
        run.planned.map((p) => {
          const done = run.executed.find((e) => e.stage === p.stage && e.target === p.target && e.action === p.action);
          const counts = (t?: RetentionTarget) =>
            t ? { items: t.items, objects: t.objects, rows: t.rows, entries: t.entries, bytes: t.bytes } : null;
          return [`${p.stage} ${p.target} ${p.action}`, { planned: counts(p), executed: counts(done) }];
        }),
      );
      const totals = {
        objects: sum(run.executed, 'objects'),
        rows: sum(run.executed, 'rows'),
        entries: sum(run.executed, 'entries'),
        bytes: run.executed.reduce((s, t) => s + (t.bytes ?? 0), 0),
      };
      await writeRunRecord(deps, {
        workflowId: run.workflowId,
        runId: run.runId,
        pipeline: RETENTION_PIPELINE,
        logicalDate: run.asOf,
        status: run.status,
        startedAt: run.startedAt,
        rowCounts,
        error: run.error,
        auditAction: 'retention.run',
        auditDetails: {
          planKey: run.planKey ?? null,
          ...totals,
          recognised: run.recognised,
          vanished: run.vanished,
        },
      });
      if (run.status === 'succeeded') deps.metrics?.lastSuccess(RETENTION_PIPELINE, new Date(now));
    },
  };
}

export type RetentionActivities = ReturnType<typeof createRetentionActivities>;
