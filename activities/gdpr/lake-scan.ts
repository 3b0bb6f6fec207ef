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
  const { store, rewriter } = ports;
  const subject = parseSubject(scanSubjectSchema, subjectInput);
  const { signal } = options;
  const zones = options.zones ?? ZONES;
  const batchSize = Math.max(1, options.batchSize ?? 64);
  const matcher = identifierMatcher(subject);
  const progress: ObjectErasureProgress = { scanned: 0, total: 0, rewritten: 0 };
  signal?.throwIfAborted();
  const ws = await Workspace.create(store, options.tmpDir);
  try {
    const listed = new Map<Zone, string[]>();
    for (const zone of zones) listed.set(zone, await store.list(zone, ''));
    for (const keys of listed.values()) progress.total += keys.length;
    const out: ObjectScanResult[] = [];
    for (const zone of zones) {
      // An object replaced while the zone was scanned (a concurrent erasure's rewrite) means the listing is stale:
      // scan the zone again from a fresh listing.
      for (let attempt = 1; ; attempt++) {
        const keys = listed.get(zone) ?? (await store.list(zone, ''));
        const startedAt = progress.scanned;
        try {
          out.push(await scanZone(zone, keys));
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

  async function scanZone(zone: Zone, keys: string[]): Promise<ObjectScanResult> {
    const result: ObjectScanResult = { store: `objects.${zone}`, scanned: 0, occurrences: 0, examples: [] };
    const found = (key: string, n: number) => {
      if (n <= 0) return;
      result.occurrences += n;
      if (result.examples.length < 10 && !result.examples.includes(key)) result.examples.push(key);
    };
    const counted = (n: number) => {
      result.scanned += n;
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
      found(key, matcher.countInText(Buffer.from(bytes).toString('utf8')));
      counted(1);
    }
    options.onProgress?.({ ...progress });
    for (const files of parquet.values()) {
      for (let i = 0; i < files.length; i += batchSize) {
        signal?.throwIfAborted();
        const batch = files.slice(i, i + batchSize);
        for (const [key, n] of await countOccurrences(rewriter, batch, matcher)) found(key, n);
        counted(batch.length);
        options.onProgress?.({ ...progress });
      }
    }
    return result;
  }
}

/** Occurrences per key in a batch of Parquet files (of one table). */
async function countOccurrences(
  rewriter: LakeRewriter,
  batch: Located[],
  matcher: IdentifierMatcher,
): Promise<Array<[string, number]>> {
  return perFileOnFailure<[string, number]>(
    batch,
    async (items) => {
      const byFile = await rewriter.occurrences(
        items.map((b) => b.file),
        matcher.search,
      );
      return items.flatMap((i): Array<[string, number]> => {
        const n = byFile.get(i.file);
        return n ? [[i.key, n]] : [];
      });
    },
    () => {
      throw new Vanished();
    },
  );
}
