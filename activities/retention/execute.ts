import { isPlatformError, ErrorType } from '../../adapters/errors';
import {
  lakePartitionLock,
  type EventBus,
  type ObjectStore,
  type PartitionLock,
  type Warehouse,
} from '../../adapters/ports';
import type { Dataset } from '../../schema/warehouse/types';
import type { ExecutionStage, RetentionTarget, StageExecution } from '../../workflows/retention-contract';
import { itemTarget, sumTargets, type LakeItem, type PlanItem, type RetentionPlan } from './plan';
import { deletePartition } from './warehouse';

/**
 * Executes one stage of a plan, item by item, recording a checkpoint after every batch: the next attempt of a killed
 * or failed activity resumes at the last checkpoint, and recognises what the lost batch already did (an object found in
 * the archive is not copied again; deletes and trims are idempotent). Executed counts are those of the items done:
 * an item whose target state already held counts with its planned size, an object gone before its turn does not count
 * (it is reported as vanished).
 */

export interface ExecuteDeps {
  store: ObjectStore;
  warehouse: Warehouse;
  bus: EventBus;
  dataset: Dataset;
  /** The lake partition lock the GDPR rewrite takes, so neither undoes the other's work on one partition. */
  lock: PartitionLock;
}

/** Progress through a stage, as heartbeat details: the next item, and objects done within it. */
export interface Checkpoint {
  stage: ExecutionStage;
  item: number;
  object: number;
  /** Counts of the work done before this checkpoint. */
  done: RetentionTarget[];
  recognised: number;
  vanished: number;
}

export interface ExecuteOptions {
  /** Where an earlier attempt stopped (its last heartbeat details); ignored when it belongs to another stage. */
  from?: Checkpoint;
  batchSize: number;
  signal?: AbortSignal;
  onCheckpoint(checkpoint: Checkpoint): void;
}

export function isCheckpoint(value: unknown, stage: ExecutionStage): value is Checkpoint {
  const c = value as Partial<Checkpoint> | undefined;
  return (
    !!c &&
    c.stage === stage &&
    Number.isInteger(c.item) &&
    Number.isInteger(c.object) &&
    Array.isArray(c.done) &&
    Number.isInteger(c.recognised) &&
    Number.isInteger(c.vanished)
  );
}

type ObjectOutcome = 'done' | 'recognised' | 'vanished';

async function applyObject(store: ObjectStore, item: LakeItem, key: string): Promise<ObjectOutcome> {
  if (item.action === 'delete') {
    await store.delete(item.zone, key);
    return 'done';
  }
  if (item.zone === 'archive') throw new Error(`plan asks to archive from the archive zone (${key})`);
  try {
    const outcome = await store.moveToArchive(item.zone, key);
    return outcome === 'moved' ? 'done' : 'recognised';
  } catch (err) {
    // Neither the source nor an archived copy: replaced or removed by another writer since the plan was made.
    if (isPlatformError(err) && err.type === ErrorType.NotFound) return 'vanished';
    throw err;
  }
}

export async function executeStage(
  deps: ExecuteDeps,
  plan: RetentionPlan,
  stage: ExecutionStage,
  options: ExecuteOptions,
): Promise<StageExecution> {
  const items: PlanItem[] = plan.items.filter((i) => i.stage === stage);
  const from = options.from?.stage === stage ? options.from : undefined;
  const state: Checkpoint = {
    stage,
    item: from?.item ?? 0,
    object: from?.object ?? 0,
    done: from?.done.map((t) => ({ ...t })) ?? [],
    recognised: from?.recognised ?? 0,
    vanished: from?.vanished ?? 0,
  };
  const checkpoint = (item: number, object: number) => {
    state.item = item;
    state.object = object;
    state.done = sumTargets(state.done);
    options.onCheckpoint({ ...state, done: state.done.map((t) => ({ ...t })) });
  };
  const count = (t: RetentionTarget) => state.done.push(t);
  const zero = (item: PlanItem, items = 0): RetentionTarget => ({
    ...itemTarget(item),
    items,
    objects: 0,
    rows: 0,
    entries: 0,
    bytes: itemTarget(item).bytes === null ? null : 0,
  });

  for (let i = state.item; i < items.length; i++) {
    options.signal?.throwIfAborted();
    const item = items[i]!;
    const startAt = i === state.item ? state.object : 0;
    if (item.stage === 'warehouse') {
      const deleted = await deletePartition(deps.warehouse, deps.dataset, item.table, item.day);
      count({ ...itemTarget(item), rows: deleted > 0 ? deleted : item.rows });
    } else if (item.stage === 'streams') {
      const trimmed = await deps.bus.trimBefore(item.stream, new Date(item.before));
      count({ ...itemTarget(item), entries: trimmed > 0 ? trimmed : item.entries });
    } else {
      const work = async (held?: AbortSignal) => {
        for (let j = startAt; j < item.objects.length; j += options.batchSize) {
          options.signal?.throwIfAborted();
          held?.throwIfAborted();
          const batch = item.objects.slice(j, j + options.batchSize);
          const outcomes = await Promise.all(batch.map((o) => applyObject(deps.store, item, o.key)));
          const moved = batch.filter((_, k) => outcomes[k] !== 'vanished');
          state.recognised += outcomes.filter((o) => o === 'recognised').length;
          state.vanished += outcomes.filter((o) => o === 'vanished').length;
          count({ ...zero(item), objects: moved.length, bytes: moved.reduce((s, o) => s + o.size, 0) });
          checkpoint(i, j + batch.length);
        }
      };
      if (item.partition) {
        await deps.lock(lakePartitionLock(item.zone, item.prefix), work, { signal: options.signal });
      } else {
        await work();
      }
      count(zero(item, 1));
    }
    checkpoint(i + 1, 0);
  }
  return {
    stage,
    targets: sumTargets(state.done),
    recognised: state.recognised,
    vanished: state.vanished,
    ...(from && (from.item > 0 || from.object > 0) ? { resumedFrom: { item: from.item, object: from.object } } : {}),
  };
}
