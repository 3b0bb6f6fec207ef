import path from 'node:path';
import { ErrorType, PlatformError } from '../../adapters/errors';
import {
  ZONES,
  type LakeRewriter,
  type ObjectStore,
  type PartitionFile,
  type Zone,
  type ZoneInventory,
} from '../../adapters/ports';
import type { ErasureSubject, TableErasure } from '../../schema/erasure';
import { userAnalytics } from '../../schema/warehouse';
import type { Dataset } from '../../schema/warehouse/types';
import { identifierMatcher } from './identifier-matcher';
import {
  classify,
  fileExists,
  isParquetKey,
  mapLimit,
  onlyNotFound,
  parseSubject,
  perFileOnFailure,
  subjectSchema,
  type CommonOptions,
  type Located,
  type ObjectErasureProgress,
} from './lake-common';
import { lakePartitionLock, type PartitionLock } from '../../adapters/ports';
import { Workspace } from './workspace';

/**
 * GDPR erasure in the lake (raw, processed and archive zones): the executor, over ports only (ObjectStore for the
 * objects, LakeRewriter for the Parquet files). Every Parquet object holding rows the person's erasure changes is
 * rewritten with the same rules as the source (raw: source tables) and the warehouse (processed: warehouse tables),
 * all from schema/erasure, so a reload or re-extract never brings the person back and yields what the stores hold.
 *
 * A fast scan without locks finds the objects with rows to change; each partition holding one is then rewritten under
 * `lock`: re-resolve the committed generation, rewrite its matching files, `replacePartition` (other files carried
 * over byte for byte). Plain objects (staging areas, archived files without a partition manifest) are replaced with
 * `putFile`. Only objects with rows to change are touched; a second run rewrites nothing.
 */

export interface ZoneErasureResult {
  /** Objects looked at (Parquet files read by the scan, other objects byte-searched, partition markers). */
  objectsScanned: number;
  /** Objects replaced with a rewritten copy. */
  objectsRewritten: number;
  rowsDeleted: number;
  /** Rows kept with their references re-keyed/cleared and/or personal columns set to NULL. */
  rowsTokenised: number;
  /**
   * Keys the rewrite could not apply rules to: Parquet objects whose table is unknown, and non-Parquet objects that
   * contain the user's identifiers. `scanObjectsForUser` still scans them; an operator must look at them.
   */
  unclassified: string[];
}
export interface ObjectErasureResult {
  zones: Record<Zone, ZoneErasureResult>;
}

export interface EraseObjectsOptions extends CommonOptions {
  /** Held per partition (or plain object) around read → rewrite → replace. */
  lock: PartitionLock;
  /** Classifies warehouse tables. @default userAnalytics */
  dataset?: Dataset;
  /** Partitions rewritten at the same time. @default 2 */
  concurrency?: number;
}

export interface LakePorts {
  store: ObjectStore;
  rewriter: LakeRewriter;
}

interface RewriteUnit {
  zone: Zone;
  /** Partition prefix, or the key of a plain object. */
  target: string;
  partition: boolean;
}
interface UnitOutcome {
  files: number;
  deleted: number;
  updated: number;
}
const NOTHING: UnitOutcome = { files: 0, deleted: 0, updated: 0 };

function emptyZoneResult(): ZoneErasureResult {
  return { objectsScanned: 0, objectsRewritten: 0, rowsDeleted: 0, rowsTokenised: 0, unclassified: [] };
}

/**
 * Erases one person from every lake object of `zones`. Idempotent; safe to run concurrently for different people
 * (partitions are rewritten under `options.lock`).
 */
export async function eraseUserFromObjects(
  ports: LakePorts,
  subjectInput: ErasureSubject,
  options: EraseObjectsOptions,
): Promise<ObjectErasureResult> {
  const [result] = await eraseUsersFromObjects(ports, [subjectInput], options);
  return result as ObjectErasureResult;
}

/**
 * Erases many people in one pass over the lake: every object is listed, classified and read by the scan once for all
 * of them, and each partition holding a match is rewritten once under its lock, applying each matching person's own
 * rule in turn. Element i of the result is subject i's, counted as if it had run alone (objects it changed, its rows).
 * Subjects never mix: each is matched with its own id, email and tenant (`filesToChangeMany`), so the pass changes
 * exactly the rows the subjects' separate erasures would. A malformed subject fails the whole call before anything
 * is touched (the batcher then runs the others alone).
 */
export async function eraseUsersFromObjects(
  ports: LakePorts,
  subjectInputs: ErasureSubject[],
  options: EraseObjectsOptions,
): Promise<ObjectErasureResult[]> {
  const { store, rewriter } = ports;
  const subjects: ErasureSubject[] = subjectInputs.map((s) => parseSubject(subjectSchema, s));
  const { lock, signal } = options;
  const dataset = options.dataset ?? userAnalytics;
  const zones = options.zones ?? ZONES;
  const batchSize = Math.max(1, options.batchSize ?? 64);
  const matchers = subjects.map((s) => identifierMatcher(s));
  const results: ObjectErasureResult[] = subjects.map(() => ({
    zones: { raw: emptyZoneResult(), processed: emptyZoneResult(), archive: emptyZoneResult() },
  }));
  const all = subjects.map((_, i) => i);
  if (subjects.length === 0) return results;
  signal?.throwIfAborted();
  const ws = await Workspace.create(store, options.tmpDir);
  try {
    const inventories: ZoneInventory[] = [];
    for (const zone of zones) {
      signal?.throwIfAborted();
      inventories.push(await store.inventory(zone));
    }
    const progress: ObjectErasureProgress = {
      scanned: 0,
      total: inventories.reduce((n, inv) => n + inv.keys.length, 0),
      rewritten: 0,
    };
    const report = () => options.onProgress?.({ ...progress });
    report();

    for (const inv of inventories) {
      const zoneResults = results.map((r) => r.zones[inv.zone]);
      const counted = (n: number) => {
        for (const zr of zoneResults) zr.objectsScanned += n;
        progress.scanned += n;
      };
      const unclassified = (key: string, who: number[]) => {
        for (const i of who) zoneResults[i]!.unclassified.push(key);
      };
      // 1. Classify: Parquet by table; other objects are byte-searched (markers hold file names only).
      const groups = new Map<string, { rule: TableErasure; keys: string[] }>();
      let skipped = 0;
      for (const key of inv.keys) {
        signal?.throwIfAborted();
        if (inv.markers.has(key)) {
          skipped++;
          continue;
        }
        if (!isParquetKey(key)) {
          const bytes = await store.get(inv.zone, key).catch(onlyNotFound); // gone meanwhile: nothing to report
          if (bytes) {
            const text = Buffer.from(bytes).toString('utf8');
            unclassified(
              key,
              all.filter((i) => matchers[i]!.countInText(text) > 0),
            );
          }
          skipped++;
          continue;
        }
        const ref = classify(key, dataset);
        if (!ref) {
          unclassified(key, all);
          skipped++;
          continue;
        }
        if (!ref.rule) {
          skipped++; // a table that never names a person
          continue;
        }
        const groupKey = `${ref.kind}:${ref.name}`;
        const group = groups.get(groupKey) ?? { rule: ref.rule, keys: [] };
        group.keys.push(key);
        groups.set(groupKey, group);
      }
      counted(skipped);
      report();

      // 2. Fast scan without locks, one read for every subject: which files hold rows to change, and for whom. A file
      //    that vanished meanwhile (its partition was replaced by a concurrent rewrite) counts as a match for every
      //    subject: the locked step re-resolves and decides.
      const matched = new Map<string, Set<number>>();
      const match = (key: string, who: number[]) => {
        const set = matched.get(key) ?? new Set<number>();
        for (const i of who) set.add(i);
        matched.set(key, set);
      };
      for (const { rule, keys } of groups.values()) {
        for (let i = 0; i < keys.length; i += batchSize) {
          signal?.throwIfAborted();
          const batch = keys.slice(i, i + batchSize);
          const located: Located[] = [];
          await mapLimit(batch, 8, async (key) => {
            const file = await ws.localPath(inv.zone, key).catch(onlyNotFound);
            if (file) located.push({ key, file });
            else match(key, all);
          });
          const changed = await perFileOnFailure<[string, number[]]>(
            located,
            async (items) => {
              const perSubject = await rewriter.filesToChangeMany(
                items.map((l) => l.file),
                rule,
                subjects,
              );
              return items.flatMap((l): Array<[string, number[]]> => {
                const who = all.filter((s) => perSubject[s]?.includes(l.file));
                return who.length > 0 ? [[l.key, who]] : [];
              });
            },
            (item) => [[item.key, all]],
          );
          for (const [key, who] of changed) match(key, who);
          await ws.release(located.map((l) => l.file)); // remote stores: keep at most one batch on disk
          counted(batch.length);
          report();
        }
      }

      // 3. Rewrite each partition / plain object holding a match once, under the lock, for the subjects it matched.
      const units = new Map<string, RewriteUnit & { who: Set<number> }>();
      for (const [key, who] of matched) {
        const prefix = inv.partitionOf.get(key) ?? [...inv.unresolved].find((p) => key.startsWith(`${p}/`));
        const unit: RewriteUnit = prefix
          ? { zone: inv.zone, target: prefix, partition: true }
          : { zone: inv.zone, target: key, partition: false };
        const id = `${unit.partition ? 'p' : 'o'}:${unit.target}`;
        const existing = units.get(id) ?? { ...unit, who: new Set<number>() };
        for (const i of who) existing.who.add(i);
        units.set(id, existing);
      }
      await mapLimit([...units.values()], Math.max(1, options.concurrency ?? 2), async (unit) => {
        signal?.throwIfAborted();
        const order = [...unit.who].sort((x, y) => x - y);
        const ctx: UnitContext = {
          store,
          rewriter,
          ws,
          subjects: order.map((i) => subjects[i] as ErasureSubject),
          dataset,
          signal,
        };
        const done = await lock(
          unit.partition ? lakePartitionLock(unit.zone, unit.target) : `gdpr-objects:${unit.zone}:${unit.target}`,
          (held) => (unit.partition ? rewritePartition(ctx, unit, held) : rewritePlainObject(ctx, unit, held)),
          { signal },
        );
        order.forEach((subjectIndex, k) => {
          const zr = zoneResults[subjectIndex]!;
          const o = done.perSubject[k] ?? NOTHING;
          zr.objectsRewritten += o.files;
          zr.rowsDeleted += o.deleted;
          zr.rowsTokenised += o.updated;
        });
        progress.rewritten += done.files;
        report();
      });
    }
    return results;
  } finally {
    await ws.dispose();
  }
}

interface UnitContext {
  store: ObjectStore;
  rewriter: LakeRewriter;
  ws: Workspace;
  /** The subjects whose rows the unit holds, applied in this order. */
  subjects: ErasureSubject[];
  dataset: Dataset;
  signal?: AbortSignal;
}

/** Files replaced in a unit, and what each of the unit's subjects changed (in `UnitContext.subjects` order). */
interface UnitOutcomes {
  files: number;
  perSubject: UnitOutcome[];
}
const nothingFor = (ctx: UnitContext): UnitOutcomes => ({ files: 0, perSubject: ctx.subjects.map(() => NOTHING) });

/**
 * Applies every subject's rule to `input` in one read and one write (`rewriteMany`, equal to applying them in turn).
 * Returns the file written (undefined when no subject changed anything), the temp files, and per-subject counts.
 */
async function rewriteForSubjects(
  ctx: UnitContext,
  input: string,
  name: string,
  rule: TableErasure,
): Promise<{ output?: string; temps: string[]; perSubject: UnitOutcome[] }> {
  const out = await ctx.ws.tempFile(name);
  const r =
    ctx.subjects.length === 1
      ? await ctx.rewriter.rewrite(input, out, rule, ctx.subjects[0]!).then((one) => ({
          changed: one.changed,
          perSubject: [{ deleted: one.deleted, updated: one.updated }],
        }))
      : await ctx.rewriter.rewriteMany(input, out, rule, ctx.subjects);
  const perSubject = r.perSubject.map((p) =>
    p.deleted + p.updated > 0 ? { files: 1, deleted: p.deleted, updated: p.updated } : NOTHING,
  );
  return r.changed ? { output: out, temps: [out], perSubject } : { temps: [out], perSubject };
}

const addOutcomes = (a: UnitOutcome[], b: UnitOutcome[]) =>
  a.map((x, i) => ({
    files: x.files + (b[i]?.files ?? 0),
    deleted: x.deleted + (b[i]?.deleted ?? 0),
    updated: x.updated + (b[i]?.updated ?? 0),
  }));

/**
 * Under the partition's lock: resolve the committed generation, rewrite the files holding the subjects' rows, carry
 * the others over unchanged, and replace the partition; start over if the generation changed meanwhile (a writer that
 * does not take the lock, e.g. a pipeline re-run).
 */
async function rewritePartition(ctx: UnitContext, unit: RewriteUnit, held: AbortSignal): Promise<UnitOutcomes> {
  const { store, ws, dataset, signal } = ctx;
  const attempts = 5;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    signal?.throwIfAborted();
    const snapshot = await store.readPartition(unit.zone, unit.target);
    if (!snapshot) return nothingFor(ctx);
    const files: PartitionFile[] = [];
    const temps: string[] = [];
    const outcome = nothingFor(ctx);
    let vanished = false;
    try {
      for (const key of snapshot.keys) {
        signal?.throwIfAborted();
        let local: string;
        try {
          local = await ws.localPath(unit.zone, key);
        } catch (err) {
          if (err instanceof PlatformError && err.type === ErrorType.NotFound) {
            vanished = true; // replaced meanwhile: resolve again
            break;
          }
          throw err;
        }
        temps.push(local);
        const name = path.posix.basename(key);
        const rule = isParquetKey(key) ? classify(key, dataset)?.rule : undefined;
        if (rule) {
          let r: Awaited<ReturnType<typeof rewriteForSubjects>>;
          try {
            r = await rewriteForSubjects(ctx, local, name, rule);
          } catch (err) {
            // Replaced under us by a writer that does not take the lock: resolve again. Otherwise a real failure.
            const now = await store.readPartition(unit.zone, unit.target);
            if (now?.generation === snapshot.generation && (await fileExists(local))) throw err;
            vanished = true;
            break;
          }
          temps.push(...r.temps);
          if (r.output) {
            files.push({ name, path: r.output });
            outcome.files++;
            outcome.perSubject = addOutcomes(outcome.perSubject, r.perSubject);
            continue;
          }
        }
        files.push({ name, path: local });
      }
      if (vanished) continue;
      if (outcome.files === 0) return nothingFor(ctx); // another erasure got here first
      held.throwIfAborted();
      signal?.throwIfAborted();
      const current = await store.readPartition(unit.zone, unit.target);
      if (current?.generation !== snapshot.generation) continue;
      try {
        await store.replacePartition(unit.zone, unit.target, files);
      } catch (err) {
        onlyNotFound(err); // a carried-over file was replaced meanwhile: start over
        continue;
      }
      return outcome;
    } finally {
      await ws.release(temps);
    }
  }
  throw new PlatformError(
    ErrorType.TransientInfrastructure,
    `partition ${unit.zone}/${unit.target} kept changing while it was being rewritten (${attempts} attempts)`,
  );
}

/** Under the object's lock: rewrite a plain object (no partition generations) and `putFile` the copy. */
async function rewritePlainObject(ctx: UnitContext, unit: RewriteUnit, held: AbortSignal): Promise<UnitOutcomes> {
  const { store, ws, dataset, signal } = ctx;
  signal?.throwIfAborted();
  const rule = classify(unit.target, dataset)?.rule;
  if (!rule) return nothingFor(ctx);
  let local: string;
  try {
    local = await ws.localPath(unit.zone, unit.target, true);
  } catch (err) {
    if (err instanceof PlatformError && err.type === ErrorType.NotFound) return nothingFor(ctx); // deleted meanwhile
    throw err;
  }
  const r = await rewriteForSubjects(ctx, local, path.posix.basename(unit.target), rule).catch(async (err: unknown) => {
    await ws.release([local]);
    throw err;
  });
  try {
    if (!r.output) return nothingFor(ctx);
    held.throwIfAborted();
    signal?.throwIfAborted();
    await store.putFile(unit.zone, unit.target, r.output);
    return { files: 1, perSubject: r.perSubject };
  } finally {
    await ws.release([local, ...r.temps]);
  }
}
