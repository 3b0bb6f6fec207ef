import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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

/** Commit marker inside a partition directory; `_`-prefixed so Spark and DuckDB globs skip it. */
const MARKER = '_SUCCESS';

const isErrno = (err: unknown, ...codes: string[]): boolean =>
  codes.includes((err as NodeJS.ErrnoException | undefined)?.code ?? '');

const exists = (file: string): Promise<boolean> =>
  fs.stat(file).then(
    () => true,
    () => false,
  );

/** Writes into a directory another process may prune meanwhile (see `pruneEmptyDirs`): this many tries. */
const DIR_RACE_ATTEMPTS = 5;

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Same size and same bytes; false when either file is missing. */
async function sameContent(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([fs.stat(a).catch(() => undefined), fs.stat(b).catch(() => undefined)]);
  if (!sa?.isFile() || !sb?.isFile() || sa.size !== sb.size) return false;
  const [ha, hb] = await Promise.all([sha256(a), sha256(b)]).catch(() => ['a', 'b']);
  return ha === hb;
}

/**
 * ObjectStore over local directories, one per zone. Objects are written to a hidden temp file then renamed (atomic
 * on POSIX). A partition is a directory: `replacePartition` fills a hidden temp directory, renames the live one
 * aside, renames the temp one into place and removes the old one, so a reader sees the old set, the new set, or for
 * an instant no directory (`readPartition` waits that instant out) — never half of one. Deleting or archiving an
 * object removes the directories it leaves empty, as GCS has no empty prefixes; writers recreate a directory pruned
 * under them.
 */
export class FsObjectStore implements ObjectStore {
  private readonly zones: Record<Zone, string>;

  constructor(zones: Record<Zone, string>) {
    this.zones = {
      raw: path.resolve(zones.raw),
      processed: path.resolve(zones.processed),
      archive: path.resolve(zones.archive),
    };
  }

  private resolve(zone: Zone, key: string): string {
    checkKey(key);
    const root = this.zones[zone];
    const full = path.resolve(root, ...key.split('/'));
    if (!full.startsWith(root + path.sep)) {
      throw new PlatformError(ErrorType.InvalidInput, `object key ${JSON.stringify(key)} escapes the ${zone} zone`);
    }
    return full;
  }

  private notFound(zone: Zone, key: string, cause: unknown): PlatformError {
    return new PlatformError(ErrorType.NotFound, `no object ${JSON.stringify(key)} in zone ${zone}`, { cause });
  }

  private tempBeside(target: string): string {
    return path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID()}.tmp`);
  }

  /** Writes `write(tmp)` beside the target, then renames it into place. */
  private async atomicWrite(target: string, write: (tmp: string) => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await fs.mkdir(path.dirname(target), { recursive: true });
      const tmp = this.tempBeside(target);
      try {
        await write(tmp);
        await fs.rename(tmp, target);
        return;
      } catch (err) {
        await fs.rm(tmp, { force: true });
        // A delete elsewhere pruned the directory between our mkdir and the write: make it again.
        if (attempt < DIR_RACE_ATTEMPTS && isErrno(err, 'ENOENT') && !(await exists(path.dirname(target)))) continue;
        throw err;
      }
    }
  }

  async put(zone: Zone, key: string, body: Uint8Array): Promise<void> {
    await this.atomicWrite(this.resolve(zone, key), (tmp) => fs.writeFile(tmp, body));
  }

  async putIfAbsent(zone: Zone, key: string, body: Uint8Array): Promise<boolean> {
    const target = this.resolve(zone, key);
    for (let attempt = 1; ; attempt++) {
      await fs.mkdir(path.dirname(target), { recursive: true });
      const tmp = this.tempBeside(target);
      try {
        await fs.writeFile(tmp, body);
        // link() fails with EEXIST instead of replacing: an atomic create-if-absent.
        await fs.link(tmp, target);
        return true;
      } catch (err) {
        if (isErrno(err, 'EEXIST')) return false;
        if (attempt < DIR_RACE_ATTEMPTS && isErrno(err, 'ENOENT') && !(await exists(path.dirname(target)))) continue;
        throw err;
      } finally {
        await fs.rm(tmp, { force: true });
      }
    }
  }

  async putFile(zone: Zone, key: string, file: string): Promise<void> {
    const target = this.resolve(zone, key);
    await this.atomicWrite(target, async (tmp) => {
      try {
        await fs.copyFile(file, tmp);
      } catch (err) {
        if (isErrno(err, 'ENOENT'))
          throw new PlatformError(ErrorType.NotFound, `no local file ${file}`, { cause: err });
        throw err;
      }
    });
  }

  async get(zone: Zone, key: string): Promise<Uint8Array> {
    try {
      return await fs.readFile(this.resolve(zone, key));
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'EISDIR')) throw this.notFound(zone, key, err);
      throw err;
    }
  }

  async download(zone: Zone, key: string, file: string): Promise<void> {
    const source = this.resolve(zone, key);
    await this.atomicWrite(path.resolve(file), async (tmp) => {
      try {
        await fs.copyFile(source, tmp);
      } catch (err) {
        if (isErrno(err, 'ENOENT')) throw this.notFound(zone, key, err);
        throw err;
      }
    });
  }

  async list(zone: Zone, prefix: string): Promise<string[]> {
    const root = this.zones[zone];
    const out: string[] = [];
    // Only descend into directories that can hold keys with this prefix.
    const walk = async (dir: string, relDir: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (isErrno(err, 'ENOENT', 'ENOTDIR')) return;
        throw err;
      }
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue; // temp files and directories of in-flight writes
        const key = relDir ? `${relDir}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(path.join(dir, entry.name), key);
        } else if (key.startsWith(prefix)) out.push(key);
      }
    };
    await walk(root, '');
    return out.sort();
  }

  async listObjects(zone: Zone, prefix: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    for (const key of await this.list(zone, prefix)) {
      // bigint: nanosecond mtimes, so a rewrite within the same millisecond still changes the version.
      const st = await fs.stat(this.resolve(zone, key), { bigint: true }).catch((err: unknown) => {
        if (isErrno(err, 'ENOENT')) return undefined; // deleted since the walk
        throw err;
      });
      if (!st) continue;
      out.push({
        key,
        size: Number(st.size),
        updated: new Date(Number(st.mtimeMs)).toISOString(),
        version: `${st.ino}-${st.mtimeNs}`,
      });
    }
    return out;
  }

  async delete(zone: Zone, key: string): Promise<void> {
    await fs.rm(this.resolve(zone, key), { force: true });
    await this.pruneEmptyDirs(zone, [key]);
  }

  async deletePrefix(zone: Zone, prefix: string): Promise<number> {
    if (prefix.length === 0) throw new PlatformError(ErrorType.InvalidInput, 'deletePrefix needs a non-empty prefix');
    const keys = await this.list(zone, prefix);
    for (const key of keys) await fs.rm(this.resolve(zone, key), { force: true });
    await this.pruneEmptyDirs(zone, keys);
    return keys.length;
  }

  /** Removes directories left empty by deletes, bottom-up, never the zone root. */
  private async pruneEmptyDirs(zone: Zone, keys: string[]): Promise<void> {
    const dirs = new Set<string>();
    for (const key of keys) {
      const parts = key.split('/');
      for (let i = parts.length - 1; i > 0; i--) dirs.add(parts.slice(0, i).join('/'));
    }
    for (const dir of [...dirs].sort((a, b) => b.length - a.length)) {
      await fs.rmdir(this.resolve(zone, dir)).catch(() => undefined); // not empty or already gone: fine
    }
  }

  async replacePartition(zone: Zone, prefix: string, files: PartitionFile[]): Promise<PartitionSnapshot> {
    const clean = checkPrefix(prefix);
    const names = files.map((f) => checkFileName(f.name));
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate) throw new PlatformError(ErrorType.InvalidInput, `partition file ${duplicate} given twice`);
    const live = this.resolve(zone, clean);
    const parent = path.dirname(live);
    const generation = newGeneration();
    const staged = path.join(parent, `.${path.basename(live)}.${generation}.tmp`);
    const retired = path.join(parent, `.${path.basename(live)}.${generation}.old`);
    await fs.mkdir(staged, { recursive: true });
    try {
      for (const file of files) {
        const target = path.join(staged, file.name);
        if ('path' in file) await fs.copyFile(file.path, target);
        else await fs.writeFile(target, file.body);
      }
      const manifest: PartitionManifest = {
        generation,
        files: [...names].sort(),
        committedAt: new Date().toISOString(),
      };
      await fs.writeFile(path.join(staged, MARKER), JSON.stringify(manifest));
      let hadLive = true;
      try {
        await fs.rename(live, retired);
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
        hadLive = false;
      }
      try {
        await fs.rename(staged, live);
      } catch (err) {
        if (hadLive) await fs.rename(retired, live).catch(() => undefined);
        throw err;
      }
      if (hadLive) await fs.rm(retired, { recursive: true, force: true });
    } catch (err) {
      await fs.rm(staged, { recursive: true, force: true });
      if (isErrno(err, 'ENOENT') && files.some((f) => 'path' in f)) {
        throw new PlatformError(ErrorType.NotFound, `a partition source file is missing: ${String(err)}`, {
          cause: err,
        });
      }
      throw err;
    }
    return { prefix: clean, generation, keys: names.map((n) => `${clean}/${n}`).sort() };
  }

  async readPartition(zone: Zone, prefix: string): Promise<PartitionSnapshot | undefined> {
    const clean = checkPrefix(prefix);
    const dir = this.resolve(zone, clean);
    for (let attempt = 0; ; attempt++) {
      try {
        const manifest = parseManifest(await fs.readFile(path.join(dir, MARKER)), `${zone}/${clean}/${MARKER}`);
        return { prefix: clean, generation: manifest.generation, keys: manifest.files.map((f) => `${clean}/${f}`) };
      } catch (err) {
        if (!isErrno(err, 'ENOENT', 'ENOTDIR')) throw err;
      }
      // No marker: either a swap is between its two renames, or the directory was written by something else.
      const swapping = (await fs.readdir(path.dirname(dir)).catch(() => [] as string[])).some(
        (n) => n.startsWith(`.${path.basename(dir)}.`) && n.endsWith('.old'),
      );
      if (swapping && attempt < 100) {
        await sleep(10);
        continue;
      }
      const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
      const keys = entries
        .filter((e) => e.isFile() && !e.name.startsWith('.') && !e.name.startsWith('_'))
        .map((e) => `${clean}/${e.name}`)
        .sort();
      return keys.length > 0 ? { prefix: clean, generation: 'unmanaged', keys } : undefined;
    }
  }

  async moveToArchive(zone: Exclude<Zone, 'archive'>, key: string): Promise<ArchiveOutcome> {
    if ((zone as Zone) === 'archive') throw new PlatformError(ErrorType.InvalidInput, 'object is already archived');
    const source = this.resolve(zone, key);
    const target = this.resolve('archive', key);
    // An identical archived copy means an earlier attempt copied and stopped before the delete: do not copy again.
    let outcome: ArchiveOutcome = 'completed';
    if (!(await sameContent(source, target))) {
      outcome = 'moved';
      try {
        await this.atomicWrite(target, (tmp) => fs.copyFile(source, tmp));
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
        // Source gone: a previous attempt finished the copy and the delete.
        if (await exists(target)) return 'already';
        throw this.notFound(zone, key, err);
      }
    }
    await fs.rm(source, { force: true });
    await this.pruneEmptyDirs(zone, [key]);
    return outcome;
  }

  localPath(zone: Zone, key: string): string | undefined {
    return this.resolve(zone, key);
  }

  inventory(zone: Zone): Promise<ZoneInventory> {
    return inventoryOf(this, zone);
  }

  uri(zone: Zone, key: string): string {
    return this.resolve(zone, key);
  }

  async ping(): Promise<Probe> {
    await probeZones(this);
    return { detail: `zones ${ZONES.join(', ')} under ${path.dirname(this.zones.raw)}` };
  }

  async close(): Promise<void> {}
}
