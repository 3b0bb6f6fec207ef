import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ZONES, type ObjectStore, type Probe, type Zone } from '../ports';

/** ObjectStore over local directories, one per zone. Writes go to a temp file then rename (atomic on POSIX). */
export class FsObjectStore implements ObjectStore {
  constructor(private readonly zones: Record<Zone, string>) {}

  private resolve(zone: Zone, key: string): string {
    const root = this.zones[zone];
    const full = path.resolve(root, key);
    if (key.length === 0 || !full.startsWith(root + path.sep)) {
      throw new Error(`object key ${JSON.stringify(key)} escapes the ${zone} zone`);
    }
    return full;
  }

  async put(zone: Zone, key: string, body: Uint8Array): Promise<void> {
    const target = this.resolve(zone, key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID()}.tmp`);
    await fs.writeFile(tmp, body);
    await fs.rename(tmp, target);
  }

  async get(zone: Zone, key: string): Promise<Uint8Array> {
    return fs.readFile(this.resolve(zone, key));
  }

  async list(zone: Zone, prefix: string): Promise<string[]> {
    const root = this.zones[zone];
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue; // temp files of in-flight writes
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else {
          const key = path.relative(root, full).split(path.sep).join('/');
          if (key.startsWith(prefix)) out.push(key);
        }
      }
    };
    await walk(root);
    return out.sort();
  }

  async delete(zone: Zone, key: string): Promise<void> {
    await fs.rm(this.resolve(zone, key), { force: true });
  }

  async ping(): Promise<Probe> {
    const key = `_health/probe-${randomUUID()}`;
    const payload = new TextEncoder().encode('ok');
    for (const zone of ZONES) {
      await this.put(zone, key, payload);
      const back = await this.get(zone, key);
      await this.delete(zone, key);
      if (Buffer.compare(Buffer.from(back), Buffer.from(payload)) !== 0) {
        throw new Error(`zone ${zone}: probe object read back differently`);
      }
    }
    return { detail: `zones ${ZONES.join(', ')} under ${path.dirname(this.zones.raw)}` };
  }

  async close(): Promise<void> {}
}
