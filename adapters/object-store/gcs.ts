import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Storage, type File } from '@google-cloud/storage';
import { ErrorType, PlatformError } from '../errors';
import { checkFileName, checkKey, checkPrefix, newGeneration, parseManifest, type PartitionManifest } from './keys';
import {
  ZONES,
  type ArchiveOutcome,
  type ObjectInfo,
  type ObjectStore,
  type PartitionFile,
  type PartitionSnapshot,
  type Probe,
  type Zone,
  type ZoneInventory,
} from '../ports';
import { inventoryOf } from './inventory';
import { probeZones } from './zone-probe';

export interface GcsObjectStoreOptions {
  /** Bucket per zone (config.gcp.buckets). */
  buckets: Record<Zone, string>;
  projectId?: string;
  /** Endpoint override, e.g. fake-gcs-server's `http://127.0.0.1:4443`; unset means the real service. */
  apiEndpoint?: string;
  /** Objects up to this size go in one request; larger files use resumable uploads. @default 8 MiB */
  resumableThresholdBytes?: number;
  /** Parallel object operations within one call (partition uploads, prefix deletes). @default 8 */
  concurrency?: number;
}

/** Commit pointer of a partition: readers resolve it to one generation's immutable keys. */
const MANIFEST = '_MANIFEST';
const GEN_DIR = '_gen=';

const statusOf = (err: unknown): number | undefined => {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
};

/** Maps a GCS client failure to the platform's typed failure. */
export function mapGcsError(err: unknown, what: string): PlatformError {
  if (err instanceof PlatformError) return err;
  const status = statusOf(err);
  const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
  if (status === 404) return new PlatformError(ErrorType.NotFound, message, { cause: err });
  if (status === 400) return new PlatformError(ErrorType.InvalidInput, message, { cause: err });
  if (status === 401 || status === 403) return new PlatformError(ErrorType.PermissionDenied, message, { cause: err });
  return new PlatformError(ErrorType.TransientInfrastructure, message, { cause: err });
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * ObjectStore over one GCS bucket per zone. Single objects are atomic by nature of GCS (an object becomes visible
 * only once its upload completes). Partitions use generations:
 *
 * - files live under `<prefix>/_gen=<generation>/<name>` and are never rewritten;
 * - `<prefix>/_MANIFEST` (JSON `{ generation, files, committedAt }`) names the committed generation; it is flipped
 *   with `ifGenerationMatch` on the manifest read before the upload, so two concurrent replaces cannot both win;
 * - after the flip, generations older than the new one are deleted.
 *
 * Reader protocol: read `_MANIFEST`, read exactly `<prefix>/_gen=<generation>/<file>` for its files; on NotFound
 * (a newer replace deleted that generation meanwhile) read the manifest again. `_`-prefixed paths are hidden from
 * Spark/Hadoop listings, so Spark jobs must be handed the resolved keys, not the partition directory. A prefix with
 * no manifest (written by another tool) resolves to its plain files, generation `unmanaged`.
 */
export class GcsObjectStore implements ObjectStore {
  readonly storage: Storage;
  private readonly resumableThreshold: number;
  private readonly concurrency: number;

  constructor(private readonly options: GcsObjectStoreOptions) {
    this.storage = new Storage({ projectId: options.projectId, apiEndpoint: options.apiEndpoint });
    this.resumableThreshold = options.resumableThresholdBytes ?? 8 * 1024 * 1024;
    this.concurrency = options.concurrency ?? 8;
  }

  private file(zone: Zone, key: string): File {
    return this.storage.bucket(this.options.buckets[zone]).file(checkKey(key));
  }

  /** Creates the zone buckets when missing (emulators and first-run development; Terraform owns production). */
  async ensureBuckets(): Promise<void> {
    for (const zone of ZONES) {
      const bucket = this.storage.bucket(this.options.buckets[zone]);
      const [exists] = await bucket.exists();
      if (!exists)
        await bucket.create().catch((err: unknown) => {
          if (statusOf(err) !== 409) throw err;
        });
    }
  }

  async put(zone: Zone, key: string, body: Uint8Array): Promise<void> {
    const file = this.file(zone, key);
    try {
      await file.save(Buffer.from(body), { resumable: body.byteLength > this.resumableThreshold });
    } catch (err) {
      throw mapGcsError(err, `put ${zone}/${key}`);
    }
  }

  async putIfAbsent(zone: Zone, key: string, body: Uint8Array): Promise<boolean> {
    const file = this.file(zone, key);
    try {
      await file.save(Buffer.from(body), { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
      return true;
    } catch (err) {
      if (statusOf(err) === 412) return false;
      throw mapGcsError(err, `putIfAbsent ${zone}/${key}`);
    }
  }

  async putFile(zone: Zone, key: string, localFile: string): Promise<void> {
    const file = this.file(zone, key);
    let size: number;
    try {
      size = (await fs.stat(localFile)).size;
    } catch (err) {
      throw new PlatformError(ErrorType.NotFound, `no local file ${localFile}`, { cause: err });
    }
    try {
      await file.bucket.upload(localFile, { destination: file, resumable: size > this.resumableThreshold });
    } catch (err) {
      throw mapGcsError(err, `putFile ${zone}/${key}`);
    }
  }

  async get(zone: Zone, key: string): Promise<Uint8Array> {
    try {
      const [bytes] = await this.file(zone, key).download();
      return bytes;
    } catch (err) {
      throw mapGcsError(err, `get ${zone}/${key}`);
    }
  }

  async download(zone: Zone, key: string, localFile: string): Promise<void> {
    const target = path.resolve(localFile);
    const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID()}.tmp`);
    await fs.mkdir(path.dirname(target), { recursive: true });
    try {
      await this.file(zone, key).download({ destination: tmp });
      await fs.rename(tmp, target);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw mapGcsError(err, `download ${zone}/${key}`);
    }
  }

  async list(zone: Zone, prefix: string): Promise<string[]> {
    try {
      const [files] = await this.storage.bucket(this.options.buckets[zone]).getFiles({ prefix, autoPaginate: true });
      return files.map((f) => f.name).sort();
    } catch (err) {
      throw mapGcsError(err, `list ${zone}/${prefix}`);
    }
  }

  async listObjects(zone: Zone, prefix: string): Promise<ObjectInfo[]> {
    try {
      const [files] = await this.storage.bucket(this.options.buckets[zone]).getFiles({ prefix, autoPaginate: true });
      return files
        .map((f) => ({
          key: f.name,
          size: Number(f.metadata.size ?? 0),
          updated: new Date(String(f.metadata.updated ?? f.metadata.timeCreated ?? 0)).toISOString(),
          version: String(f.metadata.generation ?? ''),
        }))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    } catch (err) {
      throw mapGcsError(err, `list ${zone}/${prefix}`);
    }
  }

  async delete(zone: Zone, key: string): Promise<void> {
    try {
      await this.file(zone, key).delete({ ignoreNotFound: true });
    } catch (err) {
      throw mapGcsError(err, `delete ${zone}/${key}`);
    }
  }

  async deletePrefix(zone: Zone, prefix: string): Promise<number> {
    if (prefix.length === 0) throw new PlatformError(ErrorType.InvalidInput, 'deletePrefix needs a non-empty prefix');
    const keys = await this.list(zone, prefix);
    await mapLimit(keys, this.concurrency, (key) => this.delete(zone, key));
    return keys.length;
  }

  /** The manifest and its object generation (0 when absent, which is also `ifGenerationMatch` for "must not exist"). */
  private async readManifest(
    zone: Zone,
    prefix: string,
  ): Promise<{ manifest?: PartitionManifest; generation: number }> {
    const file = this.file(zone, `${prefix}/${MANIFEST}`);
    const where = `${zone}/${prefix}/${MANIFEST}`;
    for (let attempt = 1; ; attempt++) {
      let generation: string | number | undefined;
      try {
        [{ generation }] = await file.getMetadata();
      } catch (err) {
        if (statusOf(err) === 404) return { generation: 0 };
        throw mapGcsError(err, `read ${where}`);
      }
      try {
        // Read the very generation we stat'ed, so content and precondition number belong together.
        const [bytes] = await file.bucket.file(file.name, { generation }).download();
        return { manifest: parseManifest(bytes, where), generation: Number(generation ?? 0) };
      } catch (err) {
        // 404 here means a replace flipped the manifest between the stat and the read (a bucket without
        // versioning keeps no old generations): resolve again.
        if (statusOf(err) !== 404 || attempt >= 20) throw mapGcsError(err, `read ${where}`);
      }
    }
  }

  async replacePartition(zone: Zone, prefix: string, files: PartitionFile[]): Promise<PartitionSnapshot> {
    const clean = checkPrefix(prefix);
    const names = files.map((f) => checkFileName(f.name));
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate) throw new PlatformError(ErrorType.InvalidInput, `partition file ${duplicate} given twice`);
    const before = await this.readManifest(zone, clean);
    const generation = newGeneration();
    const genPrefix = `${clean}/${GEN_DIR}${generation}/`;
    try {
      await mapLimit(files, this.concurrency, (f) =>
        'path' in f ? this.putFile(zone, genPrefix + f.name, f.path) : this.put(zone, genPrefix + f.name, f.body),
      );
    } catch (err) {
      await this.deletePrefix(zone, genPrefix).catch(() => undefined);
      throw err;
    }
    const manifest: PartitionManifest = { generation, files: [...names].sort(), committedAt: new Date().toISOString() };
    try {
      await this.file(zone, `${clean}/${MANIFEST}`).save(JSON.stringify(manifest), {
        resumable: false,
        contentType: 'application/json',
        preconditionOpts: { ifGenerationMatch: before.generation },
      });
    } catch (err) {
      await this.deletePrefix(zone, genPrefix).catch(() => undefined);
      if (statusOf(err) === 412) {
        throw new PlatformError(
          ErrorType.TransientInfrastructure,
          `partition ${zone}/${clean} was replaced concurrently; retry to replace it again`,
          { cause: err },
        );
      }
      throw mapGcsError(err, `commit ${zone}/${clean}/${MANIFEST}`);
    }
    await this.deleteOlderGenerations(zone, clean, generation);
    return { prefix: clean, generation, keys: manifest.files.map((n) => genPrefix + n) };
  }

  /**
   * Deletes generations that sort before `current`: the one just replaced and any left by crashed attempts.
   * Younger ones may belong to a replace still uploading, whose commit will then fail its precondition and clean up.
   */
  private async deleteOlderGenerations(zone: Zone, prefix: string, current: string): Promise<void> {
    const keys = await this.list(zone, `${prefix}/${GEN_DIR}`);
    const stale = keys.filter((key) => {
      const gen = key.slice(`${prefix}/${GEN_DIR}`.length).split('/')[0] ?? '';
      return gen < current;
    });
    await mapLimit(stale, this.concurrency, (key) => this.delete(zone, key));
  }

  async readPartition(zone: Zone, prefix: string): Promise<PartitionSnapshot | undefined> {
    const clean = checkPrefix(prefix);
    const { manifest } = await this.readManifest(zone, clean);
    if (manifest) {
      const genPrefix = `${clean}/${GEN_DIR}${manifest.generation}/`;
      return { prefix: clean, generation: manifest.generation, keys: manifest.files.map((f) => genPrefix + f) };
    }
    try {
      const [files] = await this.storage
        .bucket(this.options.buckets[zone])
        .getFiles({ prefix: `${clean}/`, delimiter: '/', autoPaginate: true });
      const keys = files
        .map((f) => f.name)
        .filter((k) => !/^[._]/.test(k.slice(clean.length + 1)))
        .sort();
      return keys.length > 0 ? { prefix: clean, generation: 'unmanaged', keys } : undefined;
    } catch (err) {
      throw mapGcsError(err, `list ${zone}/${clean}/`);
    }
  }

  async moveToArchive(zone: Exclude<Zone, 'archive'>, key: string): Promise<ArchiveOutcome> {
    if ((zone as Zone) === 'archive') throw new PlatformError(ErrorType.InvalidInput, 'object is already archived');
    const source = this.file(zone, key);
    const target = this.file('archive', key);
    let meta: { generation?: string | number; size?: string | number; crc32c?: string };
    try {
      [meta] = await source.getMetadata();
    } catch (err) {
      if (statusOf(err) !== 404) throw mapGcsError(err, `stat ${zone}/${key}`);
      // Source gone: a previous attempt copied and deleted it already.
      const [archived] = await target.exists().catch((e: unknown) => Promise.reject(mapGcsError(e, 'stat archive')));
      if (archived) return 'already';
      throw mapGcsError(err, `moveToArchive ${zone}/${key}`);
    }
    const generation = meta.generation;
    try {
      // An archived copy with the same size and CRC32C is an earlier attempt's copy whose delete did not happen.
      let archived: typeof meta | undefined;
      try {
        [archived] = await target.getMetadata();
      } catch (err) {
        if (statusOf(err) !== 404) throw err;
      }
      const identical =
        archived !== undefined &&
        meta.crc32c !== undefined &&
        archived.crc32c === meta.crc32c &&
        String(archived.size) === String(meta.size);
      // Copy exactly the generation we looked at, then delete only that generation: a newer write to the key
      // (a racing producer) is neither lost nor half-archived; the retry archives it.
      if (!identical) await this.storage.bucket(this.options.buckets[zone]).file(key, { generation }).copy(target);
      await source.delete({ ifGenerationMatch: generation });
      return identical ? 'completed' : 'moved';
    } catch (err) {
      if (statusOf(err) === 412) {
        throw new PlatformError(ErrorType.TransientInfrastructure, `${zone}/${key} changed while archiving; retry`, {
          cause: err,
        });
      }
      throw mapGcsError(err, `moveToArchive ${zone}/${key}`);
    }
  }

  localPath(): string | undefined {
    return undefined;
  }

  inventory(zone: Zone): Promise<ZoneInventory> {
    return inventoryOf(this, zone);
  }

  uri(zone: Zone, key: string): string {
    return `gs://${this.options.buckets[zone]}/${checkKey(key)}`;
  }

  async ping(): Promise<Probe> {
    await probeZones(this);
    const where = this.options.apiEndpoint ?? 'GCS';
    return { detail: `buckets ${ZONES.map((z) => this.options.buckets[z]).join(', ')} at ${where}` };
  }

  async close(): Promise<void> {}
}
