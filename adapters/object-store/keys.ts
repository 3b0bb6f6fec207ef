import { randomBytes } from 'node:crypto';
import { ErrorType, PlatformError } from '../errors';

/**
 * Key rules shared by every ObjectStore: relative `/`-separated paths without empty, `.` or `..` segments, so a key
 * means the same object locally and on GCS and can never escape its zone.
 */
export function checkKey(key: string, what = 'object key'): string {
  const segments = key.split('/');
  const bad =
    key.length === 0 ||
    key.length > 1024 ||
    key.includes('\0') ||
    key.includes('\\') ||
    segments.some((s) => s === '' || s === '.' || s === '..');
  if (bad) throw new PlatformError(ErrorType.InvalidInput, `invalid ${what} ${JSON.stringify(key)}`);
  return key;
}

/** A partition prefix: a valid key, used as a directory (no trailing slash). */
export function checkPrefix(prefix: string): string {
  return checkKey(prefix.replace(/\/$/, ''), 'partition prefix');
}

/** A plain file name inside a partition (no separators, not hidden). */
export function checkFileName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._=-]{0,254}$/.test(name)) {
    throw new PlatformError(ErrorType.InvalidInput, `invalid partition file name ${JSON.stringify(name)}`);
  }
  return name;
}

let lastStamp = '';
let sequence = 0;

/**
 * A sortable, unique generation id: UTC timestamp, a per-process sequence (so two ids minted in the same millisecond
 * still sort in order), then randomness (`20261127T101500123Z-0001-1a2b3c4d`).
 */
export function newGeneration(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('.', '');
  sequence = stamp === lastStamp ? sequence + 1 : 0;
  lastStamp = stamp;
  return `${stamp}-${String(sequence).padStart(4, '0')}-${randomBytes(4).toString('hex')}`;
}

/** Content of the commit marker a partition's readers resolve (`_SUCCESS` locally, `_MANIFEST` on GCS). */
export interface PartitionManifest {
  generation: string;
  files: string[];
  committedAt: string;
}

export function parseManifest(bytes: Uint8Array, where: string): PartitionManifest {
  try {
    const m = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<PartitionManifest>;
    if (typeof m.generation === 'string' && Array.isArray(m.files) && m.files.every((f) => typeof f === 'string')) {
      return { generation: m.generation, files: m.files, committedAt: String(m.committedAt ?? '') };
    }
  } catch {
    // fall through to the typed error
  }
  throw new PlatformError(
    ErrorType.InvalidInput,
    `partition manifest ${where} is not valid JSON of the expected shape`,
  );
}
