import type { ObjectInfo, StreamBacklog, Zone } from '../../adapters/ports';
import { dayStart, partitionOfKey, retentionCutoff } from '../../schema/retention/days';
import type { RetentionPolicy } from '../../schema/retention/policy';
import type { LakeItem, PlanItem, StreamItem, WarehouseItem } from './plan';

/**
 * The pure half of planning: listings, finished runs, expired warehouse partitions and stream backlogs in, plan items
 * out, in execution order. No I/O, so it is unit-tested on synthetic listings.
 */

/** Commit markers (local `_SUCCESS`, GCS `_MANIFEST`): they make a partition readable, so they move last. */
const MARKERS = new Set(['_SUCCESS', '_MANIFEST']);
const isMarker = (key: string) => MARKERS.has(key.slice(key.lastIndexOf('/') + 1));

/** Processed-zone scratch areas: whole run prefixes (`_staging/<run>/`) or single objects by age. */
export const STAGING_AREA = '_staging';
export const AGED_AREAS = ['_activity', '_retention'] as const;

export interface LakeListings {
  raw: ObjectInfo[];
  processed: ObjectInfo[];
  archive: ObjectInfo[];
}

export interface PlanInputs {
  listings: LakeListings;
  /** `runHash` of every run recorded finished in pipeline_runs (their `_staging/<hash>/` is no longer needed). */
  finishedRuns: ReadonlySet<string>;
  /** Expired partitions per warehouse table (already filtered by the table's cutoff). */
  warehouse: { table: string; cutoff: string; partitions: { day: string; rows: number; bytes: number | null }[] }[];
  /** Stream backlogs per policy pattern (already filtered by the pattern's bound). */
  streams: { pattern: string; before: Date; backlog: StreamBacklog[] }[];
}

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * Objects in the order an action needs: an archive copies data files first and the commit marker last (the archived
 * partition becomes readable only once complete); a delete removes the marker first (readers stop resolving the
 * partition before its files go).
 */
function ordered(objects: ObjectInfo[], action: 'archive' | 'delete') {
  const data = objects.filter((o) => !isMarker(o.key)).sort(byKey);
  const markers = objects.filter((o) => isMarker(o.key)).sort(byKey);
  const entries = (list: ObjectInfo[]) => list.map((o) => ({ key: o.key, size: o.size }));
  return action === 'archive' ? [...entries(data), ...entries(markers)] : [...entries(markers), ...entries(data)];
}

/** Groups a zone's objects by `dt=` partition; keys outside a partition (and `_` areas) are not retention's. */
function partitions(listing: ObjectInfo[]) {
  const out = new Map<string, { table: string; day: string; objects: ObjectInfo[] }>();
  for (const o of listing) {
    const p = partitionOfKey(o.key);
    if (!p) continue;
    const group = out.get(p.prefix) ?? { table: p.table, day: p.day, objects: [] };
    group.objects.push(o);
    out.set(p.prefix, group);
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function lakeItems(policy: RetentionPolicy, asOf: string, listings: LakeListings): LakeItem[] {
  const rawCutoff = retentionCutoff(asOf, policy.lake.raw.archiveAfterDays);
  const processedCutoff = retentionCutoff(asOf, policy.lake.processed.deleteAfterDays);
  const archiveCutoff = retentionCutoff(asOf, policy.lake.archive.deleteAfterDays);
  const items: LakeItem[] = [];
  const push = (
    stage: LakeItem['stage'],
    zone: Zone,
    action: LakeItem['action'],
    cutoff: string,
    prefix: string,
    table: string,
    objects: ObjectInfo[],
  ) =>
    items.push({
      stage,
      target: `${zone}/${table}`,
      action,
      cutoff: `dt < ${cutoff}`,
      zone,
      prefix,
      partition: true,
      objects: ordered(objects, action),
    });
  for (const [prefix, p] of partitions(listings.raw)) {
    if (p.day >= rawCutoff) continue;
    // Already past the archive's own retention: archiving it would only queue it for deletion.
    if (p.day < archiveCutoff) push('archive-raw', 'raw', 'delete', archiveCutoff, prefix, p.table, p.objects);
    else push('archive-raw', 'raw', 'archive', rawCutoff, prefix, p.table, p.objects);
  }
  for (const [prefix, p] of partitions(listings.processed)) {
    if (p.day < processedCutoff)
      push('delete-processed', 'processed', 'delete', processedCutoff, prefix, p.table, p.objects);
  }
  for (const [prefix, p] of partitions(listings.archive)) {
    if (p.day < archiveCutoff) push('delete-archive', 'archive', 'delete', archiveCutoff, prefix, p.table, p.objects);
  }
  return items;
}

/** The instant before which scratch objects count as idle. */
export function scratchBound(policy: RetentionPolicy, asOf: string): Date {
  return dayStart(retentionCutoff(asOf, policy.lake.scratch.sweepAfterDays));
}

/**
 * Scratch areas of the processed zone. A run's Spark staging `_staging/<run>/` goes whole once the run is recorded
 * finished (succeeded, failed or cancelled in pipeline_runs) or, for a run that never recorded an end (terminated,
 * its record lost or expired), once nothing under it was written since the scratch bound: no live run leaves its
 * staging idle that long (the transform writes it, the loads read it within hours). `_activity/` load files and
 * `_retention/` plans go object by object once older than the bound.
 */
function scratchItems(
  policy: RetentionPolicy,
  asOf: string,
  processed: ObjectInfo[],
  finishedRuns: ReadonlySet<string>,
): LakeItem[] {
  const bound = scratchBound(policy, asOf).getTime();
  const boundText = new Date(bound).toISOString();
  const runs = new Map<string, ObjectInfo[]>();
  const aged = new Map<string, ObjectInfo[]>();
  const add = (map: Map<string, ObjectInfo[]>, group: string, o: ObjectInfo) =>
    map.set(group, [...(map.get(group) ?? []), o]);
  for (const o of processed) {
    const [area, second] = o.key.split('/');
    if (!second || o.key === `${area}/${second}`) continue; // an object directly in the area, not under a group
    if (area === STAGING_AREA) add(runs, second, o);
    else if ((AGED_AREAS as readonly string[]).includes(area ?? '') && Date.parse(o.updated) < bound) {
      add(aged, `${area}/${second}`, o);
    }
  }
  const item = (prefix: string, cutoff: string, objects: ObjectInfo[]): LakeItem => ({
    stage: 'sweep-scratch',
    target: `processed/${prefix.split('/')[0]}`,
    action: 'delete',
    cutoff,
    zone: 'processed',
    prefix,
    partition: false,
    objects: ordered(objects, 'delete'),
  });
  const items: LakeItem[] = [];
  for (const [run, objects] of runs) {
    const prefix = `${STAGING_AREA}/${run}`;
    if (finishedRuns.has(run)) items.push(item(prefix, 'run finished', objects));
    else if (Math.max(...objects.map((o) => Date.parse(o.updated))) < bound) {
      items.push(item(prefix, `no write since ${boundText}`, objects));
    }
  }
  for (const [group, objects] of aged) items.push(item(group, `written before ${boundText}`, objects));
  return items.sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
}

function warehouseItems(inputs: PlanInputs['warehouse']): WarehouseItem[] {
  return inputs.flatMap(({ table, cutoff, partitions: expired }) =>
    [...expired]
      .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0))
      .filter((p) => p.day < cutoff && p.rows > 0)
      .map((p) => ({
        stage: 'warehouse' as const,
        target: table,
        action: 'delete' as const,
        cutoff: `day < ${cutoff}`,
        table,
        day: p.day,
        rows: p.rows,
        bytes: p.bytes,
      })),
  );
}

function streamItems(inputs: PlanInputs['streams']): StreamItem[] {
  const seen = new Set<string>();
  const out: StreamItem[] = [];
  for (const { before, backlog } of inputs) {
    for (const b of [...backlog].sort((x, y) => (x.stream < y.stream ? -1 : x.stream > y.stream ? 1 : 0))) {
      // Two patterns may match one stream: the first (policy order) decides.
      if (seen.has(b.stream) || b.entries === 0) continue;
      seen.add(b.stream);
      out.push({
        stage: 'streams',
        target: b.stream,
        action: 'trim',
        cutoff: `entries before ${before.toISOString()}`,
        stream: b.stream,
        before: before.toISOString(),
        entries: b.entries,
        bytes: b.bytes,
      });
    }
  }
  return out;
}

/** Every item of the plan, grouped by stage in execution order, each stage sorted by prefix / table / stream. */
export function planItems(policy: RetentionPolicy, asOf: string, inputs: PlanInputs): PlanItem[] {
  const lake = lakeItems(policy, asOf, inputs.listings);
  const scratch = scratchItems(policy, asOf, inputs.listings.processed, inputs.finishedRuns);
  const of = (stage: LakeItem['stage']) => lake.filter((i) => i.stage === stage);
  return [
    ...of('archive-raw'),
    ...of('delete-processed'),
    ...scratch,
    ...of('delete-archive'),
    ...warehouseItems(inputs.warehouse),
    ...streamItems(inputs.streams),
  ];
}
