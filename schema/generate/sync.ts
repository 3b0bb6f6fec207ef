import fs from 'node:fs';
import path from 'node:path';
import { GENERATED_JSON_DIRS, type GeneratedFile } from './files';

export interface StaleFile {
  path: string;
  /** missing: not written yet; different: edited or outdated; orphan: generated once, no longer defined. */
  reason: 'missing' | 'different' | 'orphan';
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function orphans(root: string, files: GeneratedFile[]): string[] {
  const expected = new Set(files.map((f) => f.path));
  return GENERATED_JSON_DIRS.flatMap((dir) => {
    const abs = path.join(root, dir);
    if (!fs.existsSync(abs)) return [];
    return fs
      .readdirSync(abs)
      .filter((name) => name.endsWith('.json'))
      .map((name) => `${dir}/${name}`)
      .filter((p) => !expected.has(p));
  }).sort();
}

/** Compares the committed files under `root` with `files`, byte for byte. Empty when everything is fresh. */
export function findStaleFiles(root: string, files: GeneratedFile[]): StaleFile[] {
  const stale: StaleFile[] = [];
  for (const file of files) {
    const current = readIfExists(path.join(root, file.path));
    if (current === undefined) stale.push({ path: file.path, reason: 'missing' });
    else if (current !== file.content) stale.push({ path: file.path, reason: 'different' });
  }
  for (const p of orphans(root, files)) stale.push({ path: p, reason: 'orphan' });
  return stale;
}

/** Writes what changed and deletes orphans; returns the paths touched. */
export function writeGeneratedFiles(root: string, files: GeneratedFile[]): StaleFile[] {
  const stale = findStaleFiles(root, files);
  const byPath = new Map(files.map((f) => [f.path, f.content]));
  for (const s of stale) {
    const abs = path.join(root, s.path);
    const content = byPath.get(s.path);
    if (content === undefined) {
      fs.rmSync(abs);
    } else {
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.writeFileSync(abs, content);
    }
  }
  return stale;
}
