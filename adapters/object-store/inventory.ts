import type { ObjectStore, PartitionSnapshot, Zone, ZoneInventory } from '../ports';

/** Files a partition commit writes beside its data (`_SUCCESS` locally, `_MANIFEST` on GCS). */
const MARKER_NAMES = ['_SUCCESS', '_MANIFEST'];
/** A GCS partition generation's directory segment. */
const GEN_SEGMENT = '_gen=';

/** Runs `fn` over `items`, at most `limit` at a time; rejects with the first failure after all settle. */
async function eachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
}

/**
 * `ObjectStore.inventory` for both adapters: lists a zone and finds its managed partitions: directories with a commit
 * marker (or GCS `_gen=` generations) whose `readPartition` resolves to a committed generation. Anything else,
 * including a Spark output directory with an empty Hadoop `_SUCCESS` and files of stale generations, is a plain
 * object.
 */
export async function inventoryOf(
  store: Pick<ObjectStore, 'list' | 'readPartition'>,
  zone: Zone,
): Promise<ZoneInventory> {
  const keys = await store.list(zone, '');
  const candidates = new Set<string>();
  for (const key of keys) {
    const segments = key.split('/');
    const base = segments[segments.length - 1] ?? '';
    if (MARKER_NAMES.includes(base) && segments.length > 1) candidates.add(segments.slice(0, -1).join('/'));
    const gen = segments.findIndex((s) => s.startsWith(GEN_SEGMENT));
    if (gen > 0) candidates.add(segments.slice(0, gen).join('/'));
  }
  const partitions = new Map<string, PartitionSnapshot>();
  const unresolved = new Set<string>();
  await eachLimit([...candidates], 8, async (prefix) => {
    // A marker that is not ours (Spark's empty Hadoop _SUCCESS) throws: plain objects. Nothing at all where a marker
    // was just listed means the directory is being swapped: unresolved.
    const snapshot = await store.readPartition(zone, prefix).then(
      (s) => s ?? ('vanished' as const),
      () => undefined,
    );
    if (snapshot === 'vanished') unresolved.add(prefix);
    else if (snapshot && snapshot.generation !== 'unmanaged') partitions.set(prefix, snapshot);
  });
  const partitionOf = new Map<string, string>();
  const markerKeys = new Set<string>();
  for (const [prefix, snapshot] of partitions) {
    for (const key of snapshot.keys) partitionOf.set(key, prefix);
    for (const name of MARKER_NAMES) markerKeys.add(`${prefix}/${name}`);
  }
  return { zone, keys, partitions, partitionOf, unresolved, markers: new Set(keys.filter((k) => markerKeys.has(k))) };
}
