import { ErrorType, PlatformError } from '../errors';
import type { ObjectStore, Zone } from '../ports';

export interface PartitionContent {
  generation: string;
  files: Map<string, Uint8Array>;
}

/**
 * The partition reader protocol as code: resolve the committed generation, read exactly its keys, then confirm the
 * generation is still the committed one (a local directory swap reuses file names, so a reader racing a swap could
 * otherwise mix two generations); on NotFound or a changed generation, start over. Undefined when no partition.
 */
export async function readPartitionFiles(
  store: ObjectStore,
  zone: Zone,
  prefix: string,
  { attempts = 20 }: { attempts?: number } = {},
): Promise<PartitionContent | undefined> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const snapshot = await store.readPartition(zone, prefix);
    if (!snapshot) return undefined;
    const files = new Map<string, Uint8Array>();
    try {
      for (const key of snapshot.keys) files.set(key, await store.get(zone, key));
    } catch (err) {
      if (err instanceof PlatformError && err.type === ErrorType.NotFound) continue;
      throw err;
    }
    const after = await store.readPartition(zone, prefix);
    if (after?.generation === snapshot.generation) return { generation: snapshot.generation, files };
  }
  throw new PlatformError(
    ErrorType.TransientInfrastructure,
    `partition ${zone}/${prefix} kept changing while being read (${attempts} attempts)`,
  );
}
