import { z } from 'zod';
import { ErrorType, PlatformError } from '../../adapters/errors';
import { ZONES } from '../../adapters/ports';
import { retentionPolicySchema } from '../../schema/retention/policy';
import type { RetentionTarget } from '../../workflows/retention-contract';
import { runHash } from '../run-keys';

/**
 * The plan document: every object, partition and stream one `dataRetention` run acts on, written once to the
 * processed zone (`_retention/<asOf>/<run>/plan.json`) and read by each execution stage, so the history carries only
 * its key and the run executes exactly the list it planned.
 */
export const PLAN_VERSION = 1;

const objectEntry = z.object({ key: z.string(), size: z.number().int().min(0) }).strict();
const base = { target: z.string(), cutoff: z.string() };

const lakeItem = z
  .object({
    ...base,
    stage: z.enum(['archive-raw', 'delete-processed', 'sweep-scratch', 'delete-archive']),
    action: z.enum(['archive', 'delete']),
    zone: z.enum(ZONES),
    /** The partition (`users/dt=2026-10-01`) or scratch group (`_staging/<run>`) the objects belong to. */
    prefix: z.string(),
    /** A `dt=` partition: acted on under the lake partition lock the GDPR rewrite also takes. */
    partition: z.boolean(),
    objects: z.array(objectEntry),
  })
  .strict();
const warehouseItem = z
  .object({
    ...base,
    stage: z.literal('warehouse'),
    action: z.literal('delete'),
    table: z.string(),
    day: z.string(),
    rows: z.number().int().min(0),
    bytes: z.number().int().min(0).nullable(),
  })
  .strict();
const streamItem = z
  .object({
    ...base,
    stage: z.literal('streams'),
    action: z.literal('trim'),
    stream: z.string(),
    /** Entries with ids below this instant go (ISO-8601). */
    before: z.string(),
    entries: z.number().int().min(0),
    bytes: z.number().int().min(0),
  })
  .strict();

export const planItemSchema = z.discriminatedUnion('stage', [lakeItem, warehouseItem, streamItem]);
export type PlanItem = z.infer<typeof planItemSchema>;
export type LakeItem = z.infer<typeof lakeItem>;
export type WarehouseItem = z.infer<typeof warehouseItem>;
export type StreamItem = z.infer<typeof streamItem>;

export const retentionPlanSchema = z
  .object({
    version: z.literal(PLAN_VERSION),
    asOf: z.string(),
    workflowId: z.string(),
    runId: z.string(),
    dryRun: z.boolean(),
    createdAt: z.string(),
    /** The policy the plan applied, for the record. */
    policy: retentionPolicySchema,
    items: z.array(planItemSchema),
  })
  .strict();
export type RetentionPlan = z.infer<typeof retentionPlanSchema>;

export const planKeyOf = (asOf: string, workflowId: string, runId: string) =>
  `_retention/${asOf}/${runHash(`${workflowId}/${runId}`)}/plan.json`;

export function encodePlan(plan: RetentionPlan): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(plan));
}

/** A plan document that does not parse is a non-retryable InvalidInput naming the key: no retry repairs it. */
export function decodePlan(bytes: Uint8Array, key: string): RetentionPlan {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new PlatformError(ErrorType.InvalidInput, `retention plan processed/${key} is not JSON`, { cause: err });
  }
  const parsed = retentionPlanSchema.safeParse(json);
  if (!parsed.success) {
    throw new PlatformError(
      ErrorType.InvalidInput,
      `retention plan processed/${key} is not a version ${PLAN_VERSION} plan: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return parsed.data;
}

/** The counts an item contributes (planned). */
export function itemTarget(item: PlanItem): RetentionTarget {
  const common = { stage: item.stage, target: item.target, action: item.action, cutoff: item.cutoff, items: 1 };
  switch (item.stage) {
    case 'warehouse':
      return { ...common, objects: 0, rows: item.rows, entries: 0, bytes: item.bytes };
    case 'streams':
      return { ...common, objects: 0, rows: 0, entries: item.entries, bytes: item.bytes };
    default:
      return {
        ...common,
        objects: item.objects.length,
        rows: 0,
        entries: 0,
        bytes: item.objects.reduce((s, o) => s + o.size, 0),
      };
  }
}

const targetKey = (t: Pick<RetentionTarget, 'stage' | 'target' | 'action'>) =>
  `${t.stage}\u0000${t.target}\u0000${t.action}`;

/** Sums targets by stage, target and action, keeping the order first seen. */
export function sumTargets(parts: readonly RetentionTarget[]): RetentionTarget[] {
  const out = new Map<string, RetentionTarget>();
  for (const p of parts) {
    const key = targetKey(p);
    const seen = out.get(key);
    if (!seen) {
      out.set(key, { ...p });
      continue;
    }
    seen.items += p.items;
    seen.objects += p.objects;
    seen.rows += p.rows;
    seen.entries += p.entries;
    seen.bytes = seen.bytes === null && p.bytes === null ? null : (seen.bytes ?? 0) + (p.bytes ?? 0);
  }
  return [...out.values()];
}

/** What the plan will do, per stage, target and action. */
export function summarisePlan(items: readonly PlanItem[]): RetentionTarget[] {
  return sumTargets(items.map(itemTarget));
}
