import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorType, PlatformError } from '../../adapters/errors';
import type { ObjectStore, Zone } from '../../adapters/ports';

/** Local paths for objects: the store's own file when it has one (`ObjectStore.localPath`), else a download. */
export class Workspace {
  private counter = 0;
  private readonly downloaded = new Map<string, string>();

  private constructor(
    private readonly store: ObjectStore,
    readonly root: string,
  ) {}

  static async create(store: ObjectStore, tmpDir?: string): Promise<Workspace> {
    const base = tmpDir ?? os.tmpdir();
    await fs.mkdir(base, { recursive: true });
    return new Workspace(store, await fs.mkdtemp(path.join(base, 'gdpr-objects-')));
  }

  /** The store's own file of an object, if the store is local. */
  ownFile(zone: Zone, key: string): string | undefined {
    return this.store.localPath(zone, key);
  }

  /**
   * A local file with the object's bytes. `fresh` re-downloads a remote object (plain objects can be overwritten
   * in place; keys of a partition generation never change, so their download is reused). NotFound when missing.
   */
  async localPath(zone: Zone, key: string, fresh = false): Promise<string> {
    const own = this.store.localPath(zone, key);
    if (own) {
      try {
        await fs.access(own);
      } catch (err) {
        throw new PlatformError(ErrorType.NotFound, `no object ${JSON.stringify(key)} in zone ${zone}`, { cause: err });
      }
      return own;
    }
    const cacheKey = `${zone}/${key}`;
    const cached = this.downloaded.get(cacheKey);
    if (cached && !fresh) return cached;
    const file = path.join(this.root, 'objects', `${++this.counter}-${path.basename(key)}`);
    await this.store.download(zone, key, file);
    this.downloaded.set(cacheKey, file);
    return file;
  }

  /** Deletes local copies that are no longer needed (downloads, filtered outputs); the store's own files stay. */
  async release(files: string[]): Promise<void> {
    const mine = files.filter((f) => f.startsWith(this.root + path.sep));
    for (const [cacheKey, file] of this.downloaded) if (mine.includes(file)) this.downloaded.delete(cacheKey);
    await Promise.all(mine.map((f) => fs.rm(f, { force: true })));
  }

  async tempFile(name: string): Promise<string> {
    const dir = path.join(this.root, 'out');
    await fs.mkdir(dir, { recursive: true });
    return path.join(dir, `${++this.counter}-${name}`);
  }

  async dispose(): Promise<void> {
    await fs.rm(this.root, { recursive: true, force: true });
  }
}
