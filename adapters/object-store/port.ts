/**
 * The ObjectStore port (zones raw, processed, archive) and the LakeRewriter that rewrites its Parquet files; both
 * re-exported by adapters/ports.ts.
 */
import type { ErasureSubject, TableErasure } from '../../schema/erasure';
import type { Closeable, Probe } from '../port-base';

export const ZONES = ['raw', 'processed', 'archive'] as const;
export type Zone = (typeof ZONES)[number];

/** One file of a partition written by `ObjectStore.replacePartition`: a plain file name and its content. */
export type PartitionFile = { name: string } & ({ path: string } | { body: Uint8Array });

/** The partition a reader resolved: the keys of exactly one committed generation (see `ObjectStore.readPartition`). */
export interface PartitionSnapshot {
  prefix: string;
  /** Id of the committed generation (directory swap locally, `_gen=<id>/` on GCS). */
  generation: string;
  /** Object keys of the partition's files, sorted; load them with `get`/`download` or hand `uri(...)` to a loader. */
  keys: string[];
}

/** One listed object: what retention plans with (sizes for its report, the write time for scratch areas). */
export interface ObjectInfo {
  key: string;
  /** Bytes. */
  size: number;
  /** Last write, ISO-8601 UTC (file mtime locally, the object's `updated` on GCS). */
  updated: string;
  /**
   * Opaque version that changes whenever the object is written again (inode + mtime locally, the GCS generation), so a
   * caller can tell an object was left alone.
   */
  version: string;
}

/**
 * What `moveToArchive` did: `moved` (copied, then deleted), `completed` (an identical copy was already in the archive,
 * only the delete was left: an earlier attempt stopped between the two), `already` (the source is gone and the archive
 * holds the object: an earlier attempt finished).
 */
export type ArchiveOutcome = 'moved' | 'completed' | 'already';

/**
 * Object storage split into lake zones (directories locally, GCS buckets in production).
 *
 * Keys are `/`-separated relative paths (`raw/<table>/dt=YYYY-MM-DD/part-0.parquet` lives at key
 * `<table>/dt=YYYY-MM-DD/part-0.parquet` in zone `raw`); empty, absolute, `..` or `.`-segment keys are refused with a
 * non-retryable InvalidInput PlatformError. A missing object is a non-retryable NotFound.
 *
 * Partitions (a prefix such as `fact_x/dt=2026-11-27`) are replaced whole by `replacePartition` and read through
 * `readPartition`, never by listing the prefix: the reader protocol is "resolve the committed generation, then read
 * exactly its keys; on NotFound while reading (a newer generation replaced it meanwhile) resolve again".
 */
export interface ObjectStore extends Closeable {
  /** Writes, reads back and deletes a probe object in every zone. */
  ping(): Promise<Probe>;
  /** Atomic: a reader sees the old object or the whole new one, never part of it. */
  put(zone: Zone, key: string, body: Uint8Array): Promise<void>;
  /** Writes only when no object exists at `key` (GCS `ifGenerationMatch=0`); false when one already did. */
  putIfAbsent(zone: Zone, key: string, body: Uint8Array): Promise<boolean>;
  /** Streams a local file (large Parquet) into an object; atomic like `put`. */
  putFile(zone: Zone, key: string, file: string): Promise<void>;
  get(zone: Zone, key: string): Promise<Uint8Array>;
  /** Streams an object into a local file (written beside it, then renamed). */
  download(zone: Zone, key: string, file: string): Promise<void>;
  /** Keys starting with `prefix` (a plain string prefix, not a glob), sorted; in-flight temp files are not listed. */
  list(zone: Zone, prefix: string): Promise<string[]>;
  /** Like `list`, with each object's size, last write time and version. */
  listObjects(zone: Zone, prefix: string): Promise<ObjectInfo[]>;
  /** Idempotent: deleting a missing object succeeds. */
  delete(zone: Zone, key: string): Promise<void>;
  /** Deletes every key under `prefix` (must be non-empty); returns how many went. */
  deletePrefix(zone: Zone, prefix: string): Promise<number>;
  /**
   * Swaps the whole partition under `prefix` for `files` atomically: a reader (through `readPartition`) sees the old
   * set or the new set, never a mix. The previous generation is removed once the new one is committed.
   */
  replacePartition(zone: Zone, prefix: string, files: PartitionFile[]): Promise<PartitionSnapshot>;
  /** Resolves the committed generation of a partition; undefined when none was ever written. */
  readPartition(zone: Zone, prefix: string): Promise<PartitionSnapshot | undefined>;
  /**
   * Copies `key` into the archive zone under the same key, then deletes the original. Idempotent, and never copies
   * twice: an archived copy identical to the source (same size and content checksum) is recognised and only the delete
   * runs. A missing source whose archived copy exists is `already` done; with neither, a NotFound.
   */
  moveToArchive(zone: Exclude<Zone, 'archive'>, key: string): Promise<ArchiveOutcome>;
  /**
   * Where a Warehouse or Spark job on the same platform reads the object: an absolute file path locally,
   * `gs://bucket/key` on GCS.
   */
  uri(zone: Zone, key: string): string;
  /** The object's own file when the zone is a directory on this machine; undefined for remote stores (GCS). */
  localPath(zone: Zone, key: string): string | undefined;
  /**
   * Every key of a zone, with its committed partitions resolved: which keys belong to which partition's current
   * generation, which are the store's own commit markers (never data), and which partitions were being swapped while
   * listed. Store-private names (`_SUCCESS`, `_MANIFEST`, `_gen=`) stay behind this call.
   */
  inventory(zone: Zone): Promise<ZoneInventory>;
}

/** A zone as `ObjectStore.inventory` found it. */
export interface ZoneInventory {
  zone: Zone;
  keys: string[];
  /** Committed (managed) partitions by prefix. */
  partitions: Map<string, PartitionSnapshot>;
  /** Key of a committed generation → its partition prefix. */
  partitionOf: Map<string, string>;
  /**
   * Partition prefixes whose commit marker was listed but that did not resolve (a concurrent rewrite was swapping
   * them): their keys belong to the partition all the same and are rewritten under its lock, never as plain objects.
   */
  unresolved: Set<string>;
  /** The store's commit markers of managed partitions (file names and generation ids only, never data). */
  markers: Set<string>;
}

/**
 * Rewrites local Parquet files for GDPR erasure (DuckDB locally and on GCP: the files are local copies). Rows follow
 * a table's erasure rule (schema/erasure) for one person; nothing is ever read into JS memory.
 */
export interface LakeRewriter extends Closeable {
  /** Of `files` (one table's), those holding rows `rule` would change. A file that fails alone is an InvalidInput. */
  filesToChange(files: string[], rule: TableErasure, subject: ErasureSubject): Promise<string[]>;
  /**
   * `filesToChange` for many subjects in one read of the files: element i holds the files subject i's own rule would
   * change (subjects never mix: each is matched with its own id, email and tenant).
   */
  filesToChangeMany(files: string[], rule: TableErasure, subjects: ErasureSubject[]): Promise<string[][]>;
  /**
   * Writes `input` with the rule applied to `output` (same columns, types and row order; checked after writing).
   * `changed: false` (and nothing written) when no row needed a change.
   */
  rewrite(
    input: string,
    output: string,
    rule: TableErasure,
    subject: ErasureSubject,
  ): Promise<{ changed: boolean; deleted: number; updated: number }>;
  /**
   * `rewrite` for many subjects in one read and one write (the batched pass): the copy equals applying each subject's
   * rule in turn; counts per subject, in `subjects` order.
   */
  rewriteMany(
    input: string,
    output: string,
    rule: TableErasure,
    subjects: ErasureSubject[],
  ): Promise<{ changed: boolean; perSubject: Array<{ deleted: number; updated: number }> }>;
  /** Occurrences of the identifiers per file, in every text or integer column (the completeness scan). */
  occurrences(files: string[], search: IdentifierSearch): Promise<Map<string, number>>;
  /** `occurrences` for many subjects in one read of the files: element i holds subject i's counts per file. */
  occurrencesMany(files: string[], searches: IdentifierSearch[]): Promise<Array<Map<string, number>>>;
}

/** What the completeness scan looks for in Parquet columns (see activities/gdpr/identifier-matcher.ts). */
export interface IdentifierSearch {
  userId: string;
  /**
   * The subject's tenant: emails are per tenant, so in files with a `tenant_id` column an email counts only in that
   * tenant's rows (the id, a global key, counts anywhere). Files without one are searched whole.
   */
  tenantId?: string;
  /** Lower-cased. */
  email?: string;
  /** The id is long or not numeric: match it as a whole token anywhere. */
  distinctive: boolean;
  /** RE2 pattern of an occurrence of the id in text. */
  idPattern: string;
  /** RE2 pattern (case-insensitive) of column names that name a person; a short id must equal their whole value. */
  personColumnPattern: string;
}
