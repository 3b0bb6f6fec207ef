import fs from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { ErrorType, PlatformError } from '../../adapters/errors';
import type { Zone } from '../../adapters/ports';
import { erasureRule, PSEUDONYM, type TableErasure } from '../../schema/erasure';
import { SOURCE_TABLES } from '../../schema/source/tables';
import type { Dataset } from '../../schema/warehouse/types';

/** Shared by the lake erasure (`lake-erasure.ts`) and the completeness scan (`lake-scan.ts`). */

export interface ObjectErasureProgress {
  scanned: number;
  total: number;
  rewritten: number;
}

export interface CommonOptions {
  /** @default every zone */
  zones?: readonly Zone[];
  /** Aborting stops between files and partitions; the call rejects with the signal's reason. */
  signal?: AbortSignal;
  onProgress?: (p: ObjectErasureProgress) => void;
  /** Where remote objects are downloaded and filtered copies written. @default os.tmpdir() */
  tmpDir?: string;
  /** Parquet files per scan query. @default 64 */
  batchSize?: number;
}

/** An email to match, or '' / absent when the person has none on record. */
const emailSchema = z
  .union([z.literal(''), z.string().min(3).max(320).includes('@')])
  .optional()
  .transform((e) => e || undefined);
export const scanSubjectSchema = z.object({
  tenantId: z.string().min(1).max(256),
  userId: z.string().min(1).max(256),
  email: emailSchema,
});
export const subjectSchema = scanSubjectSchema
  .extend({
    token: z.string().regex(PSEUDONYM, 'token must be the pseudonym (a negative integer)'),
    erasedAt: z.string().datetime({ offset: true }),
  })
  .refine((s) => s.token !== s.userId, 'token must differ from the user id');

/** Validates a subject; the failure names fields, never their values (they are personal data). */
export function parseSubject<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'subject'}: ${i.message}`).join('; ');
  throw new PlatformError(ErrorType.InvalidInput, `invalid erasure subject (${problems})`);
}

/** The table an object holds rows of, and its erasure rule (none: a table that never names a person). */
export interface TableRef {
  kind: 'source' | 'warehouse';
  name: string;
  rule?: TableErasure;
}

const SOURCE_NAMES = new Set<string>(SOURCE_TABLES.map((t) => t.name));

/**
 * The table an object belongs to: its first key segment, or, for `_`-prefixed areas (the processed zone's
 * `_staging/<run>/attempt-<n>/<table>/…`), the first later directory segment naming a table. Source and warehouse
 * table names do not overlap, so an archived key is classified the same way as in its origin zone.
 */
export function classify(key: string, dataset: Dataset): TableRef | undefined {
  const dirs = key.split('/').slice(0, -1);
  const candidates = dirs[0]?.startsWith('_') ? dirs.slice(1) : dirs.slice(0, 1);
  for (const name of candidates) {
    if (SOURCE_NAMES.has(name)) return { kind: 'source', name, rule: erasureRule('source', name) };
    if (dataset.tables.some((t) => t.name === name)) {
      return { kind: 'warehouse', name, rule: erasureRule('warehouse', name) };
    }
  }
  return undefined;
}

export const isParquetKey = (key: string) => /\.parquet$/i.test(key);

const PARQUET_MAGIC = 'PAR1';
export function looksLikeParquet(bytes: Uint8Array): boolean {
  if (bytes.length < 12) return false;
  const head = Buffer.from(bytes.subarray(0, 4)).toString('latin1');
  const tail = Buffer.from(bytes.subarray(bytes.length - 4)).toString('latin1');
  return head === PARQUET_MAGIC && tail === PARQUET_MAGIC;
}

/**
 * Runs `fn` over `items`, at most `limit` at a time. After the first failure no new item starts; the call waits for
 * the running ones to settle (so nothing outlives it) and rejects with that failure.
 */
export async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      try {
        await fn(items[next++] as T);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
}

export interface Located {
  key: string;
  /** Local path of the object (the store's own file, or a download). */
  file: string;
}

/** `undefined` for a NotFound PlatformError (the object went away), the error otherwise. */
export function onlyNotFound(err: unknown): undefined {
  if (err instanceof PlatformError && err.type === ErrorType.NotFound) return undefined;
  throw err;
}

export const fileExists = (file: string) =>
  fs.access(file).then(
    () => true,
    () => false,
  );

/**
 * Runs `query` over a batch; when it fails (a file replaced under it, an unreadable file), runs it file by file.
 * A file that fails alone and no longer exists is handed to `vanished`; one that exists and fails is an error.
 */
export async function perFileOnFailure<R>(
  items: Located[],
  query: (items: Located[]) => Promise<R[]>,
  vanished: (item: Located) => R[],
): Promise<R[]> {
  try {
    return await query(items);
  } catch (err) {
    if (items.length === 1) {
      const item = items[0] as Located;
      // A local partition swap leaves its directory missing for an instant: look again before judging the file.
      for (const delayMs of [10, 50, 200]) {
        if (!(await fileExists(item.file))) return vanished(item);
        await sleep(delayMs);
        try {
          return await query(items);
        } catch {
          // judged below
        }
      }
      if (!(await fileExists(item.file))) return vanished(item);
      throw new PlatformError(
        ErrorType.InvalidInput,
        `cannot read ${item.key} as Parquet: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    const out: R[] = [];
    for (const item of items) out.push(...(await perFileOnFailure([item], query, vanished)));
    return out;
  }
}
