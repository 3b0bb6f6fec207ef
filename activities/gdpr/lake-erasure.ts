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
  const { store, rewriter } = ports;
  const subject: ErasureSubject = parseSubject(subjectSchema, subjectInput);
  const { lock, signal } = options;
  const dataset = options.dataset ?? userAnalytics;
  const zones = options.zones ?? ZONES;
  const batchSize = Math.max(1, options.batchSize ?? 64);
  const matcher = identifierMatcher(subject);
  const result: ObjectErasureResult = {
    zones: { raw: emptyZoneResult(), processed: emptyZoneResult(), archive: emptyZoneResult() },
  };
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
      const zr = result.zones[inv.zone];
      const counted = (n: number) => {
        zr.objectsScanned += n;
        progress.scanned += n;
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
          if (bytes && matcher.countInText(Buffer.from(bytes).toString('utf8')) > 0) zr.unclassified.push(key);
          skipped++;
          continue;
        }
        const ref = classify(key, dataset);
        if (!ref) {
          zr.unclassified.push(key);
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

      // 2. Fast scan without locks: which files hold rows to change. A file that vanished meanwhile (its partition
      //    was replaced by a concurrent rewrite) counts as a match: the locked step re-resolves and decides.
      const matched = new Set<string>();
      for (const { rule, keys } of groups.values()) {
        for (let i = 0; i < keys.length; i += batchSize) {
          signal?.throwIfAborted();
          const batch = keys.slice(i, i + batchSize);
          const located: Located[] = [];
          await mapLimit(batch, 8, async (key) => {
            const file = await ws.localPath(inv.zone, key).catch(onlyNotFound);
            if (file) located.push({ key, file });
            else matched.add(key);
          });
          const changed = await perFileOnFailure(
            located,
            async (items) => {
              const files = await rewriter.filesToChange(
                items.map((l) => l.file),
                rule,
                subject,
              );
              return items.filter((l) => files.includes(l.file)).map((l) => l.key);
            },
            (item) => [item.key],
          );
          for (const key of changed) matched.add(key);
          await ws.release(located.map((l) => l.file)); // remote stores: keep at most one batch on disk
          counted(batch.length);
          report();
        }
      }

      // 3. Rewrite each partition / plain object holding a match, under the lock.
      const units = new Map<string, RewriteUnit>();
      for (const key of matched) {
        const prefix = inv.partitionOf.get(key) ?? [...inv.unresolved].find((p) => key.startsWith(`${p}/`));
        const unit: RewriteUnit = prefix
          ? { zone: inv.zone, target: prefix, partition: true }
          : { zone: inv.zone, target: key, partition: false };
        units.set(`${unit.partition ? 'p' : 'o'}:${unit.target}`, unit);
      }
      const ctx: UnitContext = { store, rewriter, ws, subject, dataset, signal };
      await mapLimit([...units.values()], Math.max(1, options.concurrency ?? 2), async (unit) => {
        signal?.throwIfAborted();
        const done = await lock(
          unit.partition ? lakePartitionLock(unit.zone, unit.target) : `gdpr-objects:${unit.zone}:${unit.target}`,
          (held) => (unit.partition ? rewritePartition(ctx, unit, held) : rewritePlainObject(ctx, unit, held)),
          { signal },
        );
        zr.objectsRewritten += done.files;
        zr.rowsDeleted += done.deleted;
        zr.rowsTokenised += done.updated;
        progress.rewritten += done.files;
        report();
      });
    }
    return result;
  } finally {
    await ws.dispose();
  }
}

interface UnitContext {
  store: ObjectStore;
  rewriter: LakeRewriter;
  ws: Workspace;
  subject: ErasureSubject;
  dataset: Dataset;
  signal?: AbortSignal;
}

/**
 * Under the partition's lock: resolve the committed generation, rewrite the files holding the person's rows, carry the
 * others over unchanged, and replace the partition; start over if the generation changed meanwhile (a writer that
 * does not take the lock, e.g. a pipeline re-run).
 */
async function rewritePartition(ctx: UnitContext, unit: RewriteUnit, held: AbortSignal): Promise<UnitOutcome> {
  const { store, rewriter, ws, subject, dataset, signal } = ctx;
  const attempts = 5;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    signal?.throwIfAborted();
    const snapshot = await store.readPartition(unit.zone, unit.target);
    if (!snapshot) return NOTHING;
    const files: PartitionFile[] = [];
    const outcome = { ...NOTHING };
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
        const name = path.posix.basename(key);
        const rule = isParquetKey(key) ? classify(key, dataset)?.rule : undefined;
        if (rule) {
          const out = await ws.tempFile(name);
          let r: Awaited<ReturnType<LakeRewriter['rewrite']>>;
          try {
            r = await rewriter.rewrite(local, out, rule, subject);
          } catch (err) {
            // Replaced under us by a writer that does not take the lock: resolve again. Otherwise a real failure.
            const now = await store.readPartition(unit.zone, unit.target);
            if (now?.generation === snapshot.generation && (await fileExists(local))) throw err;
            vanished = true;
            break;
          }
          if (r.changed) {
            files.push({ name, path: out });
            outcome.files++;
            outcome.deleted += r.deleted;
            outcome.updated += r.updated;
            continue;
          }
        }
        files.push({ name, path: local });
      }
      if (vanished) continue;
      if (outcome.files === 0) return NOTHING; // another erasure got here first
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
      await ws.release(files.map((f) => ('path' in f ? f.path : '')));
    }
  }
  throw new PlatformError(
    ErrorType.TransientInfrastructure,
    `partition ${unit.zone}/${unit.target} kept changing while it was being rewritten (${attempts} attempts)`,
  );
}

/** Under the object's lock: rewrite a plain object (no partition generations) and `putFile` the copy. */
async function rewritePlainObject(ctx: UnitContext, unit: RewriteUnit, held: AbortSignal): Promise<UnitOutcome> {
  const { store, rewriter, ws, subject, dataset, signal } = ctx;
  signal?.throwIfAborted();
  const rule = classify(unit.target, dataset)?.rule;
  if (!rule) return NOTHING;
  let local: string;
  try {
    local = await ws.localPath(unit.zone, unit.target, true);
  } catch (err) {
    if (err instanceof PlatformError && err.type === ErrorType.NotFound) return NOTHING; // deleted meanwhile
    throw err;
  }
  const out = await ws.tempFile(path.posix.basename(unit.target));
  try {
    const r = await rewriter.rewrite(local, out, rule, subject);
    if (!r.changed) return NOTHING;
    held.throwIfAborted();
    signal?.throwIfAborted();
    await store.putFile(unit.zone, unit.target, out);
    return { files: 1, deleted: r.deleted, updated: r.updated };
  } finally {
    await ws.release([local, out]);
  }
}
