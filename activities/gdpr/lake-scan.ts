import fs from 'node:fs/promises';
import path from 'node:path';
import { ZONES, type LakeRewriter, type ObjectStore, type Zone } from '../../adapters/ports';
import { userAnalytics } from '../../schema/warehouse';
import { identifierMatcher, type IdentifierMatcher } from './identifier-matcher';
import {
  classify,
  isParquetKey,
  looksLikeParquet,
  onlyNotFound,
  parseSubject,
  perFileOnFailure,
  scanSubjectSchema,
  type CommonOptions,
  type Located,
  type ObjectErasureProgress,
} from './lake-common';
import { Workspace } from './workspace';

export type ScanObjectsOptions = CommonOptions;

export interface ObjectScanResult {
  store: `objects.${Zone}`;
  scanned: number;
  occurrences: number;
  /** Keys of objects with occurrences (at most 10), never their content. */
  examples: string[];
}

/** An object listed for the scan disappeared before it was read. */
class Vanished extends Error {
  constructor() {
    super('an object was replaced while the zone was being scanned');
  }
}

/**
 * The independent completeness check: counts occurrences of the person's identifiers in every object of every zone,
 * knowing nothing of tables or erasure rules: every text (and, for ids, integer) column of every Parquet object, in
 * batches, and the bytes of every other object (JSON summaries, manifests). A Parquet object is recognised by its
 * `.parquet` name or its `PAR1` magic. An object that cannot be read is an error, never a silent zero. See
 * `identifierMatcher` for what counts as an occurrence.
 */
export async function scanObjectsForUser(
  ports: { store: ObjectStore; rewriter: LakeRewriter },
  subjectInput: { tenantId: string; userId: string; email?: string },
  options: ScanObjectsOptions = {},
): Promise<ObjectScanResult[]> {
  const [result] = await scanObjectsForUsers(ports, [subjectInput], options);
  return result as ObjectScanResult[];
}

/**
 * `scanObjectsForUser` for many people in one pass: every object is listed and read once, and each person's
 * occurrences are counted on their own (`occurrencesMany`: a column per person), so element i is exactly what scanning
 * for subject i alone finds.
 */
export async function scanObjectsForUsers(
  ports: { store: ObjectStore; rewriter: LakeRewriter },
  subjectInputs: Array<{ tenantId: string; userId: string; email?: string }>,
  options: ScanObjectsOptions = {},
): Promise<ObjectScanResult[][]> {
  const { store, rewriter } = ports;
  const subjects = subjectInputs.map((s) => parseSubject(scanSubjectSchema, s));
  const { signal } = options;
  const zones = options.zones ?? ZONES;
  const batchSize = Math.max(1, options.batchSize ?? 64);
  const matchers = subjects.map((s) => identifierMatcher(s));
  const progress: ObjectErasureProgress = { scanned: 0, total: 0, rewritten: 0 };
  const out: ObjectScanResult[][] = subjects.map(() => []);
  if (subjects.length === 0) return out;
  signal?.throwIfAborted();
  const ws = await Workspace.create(store, options.tmpDir);
  try {
    const listed = new Map<Zone, string[]>();
    for (const zone of zones) listed.set(zone, await store.list(zone, ''));
    for (const keys of listed.values()) progress.total += keys.length;
    for (const zone of zones) {
      // An object replaced while the zone was scanned (a concurrent erasure's rewrite) means the listing is stale:
      // scan the zone again from a fresh listing.
      for (let attempt = 1; ; attempt++) {
        const keys = listed.get(zone) ?? (await store.list(zone, ''));
        const startedAt = progress.scanned;
        try {
          const zoneResults = await scanZone(zone, keys);
          zoneResults.forEach((r, i) => out[i]!.push(r));
          break;
        } catch (err) {
          if (!(err instanceof Vanished) || attempt >= 5) throw err;
          progress.scanned = startedAt;
          listed.delete(zone);
          const fresh = await store.list(zone, '');
          progress.total += fresh.length - keys.length;
          listed.set(zone, fresh);
        }
      }
    }
    return out;
  } finally {
    await ws.dispose();
  }

  async function scanZone(zone: Zone, keys: string[]): Promise<ObjectScanResult[]> {
    const results: ObjectScanResult[] = subjects.map(() => ({
      store: `objects.${zone}`,
      scanned: 0,
      occurrences: 0,
      examples: [],
    }));
    const found = (i: number, key: string, n: number) => {
      const result = results[i]!;
      if (n <= 0) return;
      result.occurrences += n;
      if (result.examples.length < 10 && !result.examples.includes(key)) result.examples.push(key);
    };
    const counted = (n: number) => {
      for (const r of results) r.scanned += n;
      progress.scanned += n;
    };
    const vanishedIfNotFound = <T>(promise: Promise<T>): Promise<T> =>
      promise.catch((err: unknown) => {
        onlyNotFound(err);
        throw new Vanished();
      });
    // Parquet files in batches of one table (or top-level folder), so a batch's union of columns stays narrow.
    const parquet = new Map<string, Located[]>();
    const addParquet = (key: string, file: string) => {
      const first = key.split('/')[0] ?? '';
      const group = first.startsWith('_') ? (classify(key, userAnalytics)?.name ?? first) : first;
      parquet.set(group, [...(parquet.get(group) ?? []), { key, file }]);
    };
    for (const key of keys) {
      signal?.throwIfAborted();
      if (isParquetKey(key)) {
        addParquet(key, await vanishedIfNotFound(ws.localPath(zone, key)));
        continue;
      }
      const bytes = await vanishedIfNotFound(store.get(zone, key));
      if (looksLikeParquet(bytes)) {
        let file = ws.ownFile(zone, key);
        if (!file) {
          file = await ws.tempFile(path.posix.basename(key));
          await fs.writeFile(file, bytes);
        }
        addParquet(key, file);
        continue;
      }
      const text = Buffer.from(bytes).toString('utf8');
      matchers.forEach((m, i) => found(i, key, m.countInText(text)));
      counted(1);
    }
    options.onProgress?.({ ...progress });
    for (const files of parquet.values()) {
      for (let i = 0; i < files.length; i += batchSize) {
        signal?.throwIfAborted();
        const batch = files.slice(i, i + batchSize);
        for (const [s, key, n] of await countOccurrences(rewriter, batch, matchers)) found(s, key, n);
        counted(batch.length);
        options.onProgress?.({ ...progress });
      }
    }
    return results;
  }
}

/** Occurrences per subject and key in a batch of Parquet files (of one table), in one read. */
async function countOccurrences(
  rewriter: LakeRewriter,
  batch: Located[],
  matchers: IdentifierMatcher[],
): Promise<Array<[number, string, number]>> {
  return perFileOnFailure<[number, string, number]>(
    batch,
    async (items) => {
      const bySubject = await rewriter.occurrencesMany(
        items.map((b) => b.file),
        matchers.map((m) => m.search),
      );
      return bySubject.flatMap((byFile, s) =>
        items.flatMap((i): Array<[number, string, number]> => {
          const n = byFile.get(i.file);
          return n ? [[s, i.key, n]] : [];
        }),
      );
    },
    () => {
      throw new Vanished();
    },
  );
}
