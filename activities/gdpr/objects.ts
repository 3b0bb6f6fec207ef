import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { z } from 'zod';
import { ErrorType, PlatformError } from '../../adapters/errors';
import { ZONES, type ObjectStore, type PartitionFile, type PartitionSnapshot, type Zone } from '../../adapters/ports';
import { erasurePlan, subjectColumnsOf } from '../../adapters/warehouse/schema';
import { SOURCE_TABLES } from '../../schema/source/tables';
import { userAnalytics } from '../../schema/warehouse';
import type { Dataset, Table } from '../../schema/warehouse/types';
import { lakePartitionLock, type PartitionLock } from '../../adapters/ports';

/**
 * GDPR erasure in the lake (raw, processed and archive zones), over the ObjectStore port only:
 *
 * - `eraseUserFromObjects` rewrites every Parquet object holding the user's rows with the same rules as the warehouse
 *   erasure, so re-loading from the lake never brings the user back: rows of SOURCE tables (raw zone, archived raw
 *   keys) that reference the user go; rows of WAREHOUSE tables follow `erasurePlan` per subject column (delete the
 *   row, or tokenise the subject column and NULL the anonymised ones). A fast scan without locks (DuckDB over batches
 *   of files per table) finds the objects with matching rows; each partition holding one is then rewritten under
 *   `lock`: re-resolve the committed generation, filter its files, `replacePartition` (other files carried over byte
 *   for byte). Plain objects (staging areas, archived files without a partition manifest) are replaced with
 *   `putFile`. Only objects with matching rows change; a second run rewrites nothing.
 * - `scanObjectsForUser` is the independent completeness check: it knows nothing of tables and looks for the user's
 *   identifiers in every column of every Parquet object and in the bytes of every other object.
 *
 * No row ever enters JS memory: DuckDB reads the files (local paths, or copies downloaded into a temp directory when
 * the store is remote, e.g. GCS) and writes the filtered copy.
 */

export interface ErasureSubject {
  tenantId: string;
  userId: string;
  /** Also erases rows matching the email (source `attempted_email`, `dim_users.email`); omit when unknown. */
  email?: string;
  /** Unlinkable replacement written into tokenised columns. */
  token: string;
}

export interface ZoneErasureResult {
  /** Objects looked at (Parquet files read by the scan, other objects byte-searched, partition markers). */
  objectsScanned: number;
  /** Objects replaced with a filtered copy. */
  objectsRewritten: number;
  rowsDeleted: number;
  /** Rows kept with their subject column tokenised and/or personal columns set to NULL. */
  rowsTokenised: number;
  /**
   * Keys the rewrite could not apply rules to: Parquet objects whose table is unknown, and non-Parquet objects that
   * contain the user's identifiers. `scanObjectsForUser` still scans them; an operator must look at them.
   */
  unclassified: string[];
}
export interface ObjectErasureResult {
  zones: Record<Zone, ZoneErasureResult>;
}
export interface ObjectErasureProgress {
  scanned: number;
  total: number;
  rewritten: number;
}

interface CommonOptions {
  /** @default every zone */
  zones?: readonly Zone[];
  /** Aborting stops between files and partitions; the call rejects with the signal's reason. */
  signal?: AbortSignal;
  onProgress?: (p: ObjectErasureProgress) => void;
  /** Where remote objects are downloaded and filtered copies written. @default os.tmpdir() */
  tmpDir?: string;
  /** Parquet files per DuckDB scan query. @default 64 */
  batchSize?: number;
}
export interface EraseObjectsOptions extends CommonOptions {
  /** Held per partition (or plain object) around read → filter → replace. */
  lock: PartitionLock;
  /** Classifies warehouse tables and gives their erasure rules. @default userAnalytics */
  dataset?: Dataset;
  /** Partitions rewritten at the same time. @default 2 */
  concurrency?: number;
}
export type ScanObjectsOptions = CommonOptions;

export interface ObjectScanResult {
  store: `objects.${Zone}`;
  scanned: number;
  occurrences: number;
  /** Keys of objects with occurrences (at most 10), never their content. */
  examples: string[];
}

/** An email to match, or '' / absent when the person has none on record. */
const emailSchema = z
  .union([z.literal(''), z.string().min(3).max(320).includes('@')])
  .optional()
  .transform((e) => e || undefined);
const scanSubjectSchema = z.object({
  tenantId: z.string().min(1).max(256),
  userId: z.string().min(1).max(256),
  email: emailSchema,
});
const subjectSchema = scanSubjectSchema
  .extend({ token: z.string().min(1).max(256) })
  .refine((s) => s.token !== s.userId, 'token must differ from the user id');

/** Validates a subject; the failure names fields, never their values (they are personal data). */
function parseSubject<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'subject'}: ${i.message}`).join('; ');
  throw new PlatformError(ErrorType.InvalidInput, `invalid erasure subject (${problems})`);
}

// ---------------------------------------------------------------------------------------------------------------
// SQL helpers

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const anyOf = (conds: string[]) => (conds.length === 0 ? undefined : conds.map((c) => `(${c})`).join(' OR '));
const FILE_COLUMN = '__gdpr_file';

/** Column name → DuckDB type, in file order. */
type Columns = Map<string, string>;

function readParquetSql(files: string[], withFilename: boolean): string {
  const list = `[${files.map(lit).join(', ')}]`;
  return `read_parquet(${list}, union_by_name = true, hive_partitioning = false${withFilename ? `, filename = ${lit(FILE_COLUMN)}` : ''})`;
}

/** Only the parameters a statement references (DuckDB refuses unused ones). */
function paramsFor(sql: string, all: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(all).filter(([k]) => new RegExp(`\\$${k}\\b`).test(sql)));
}

/** A result value as text (DuckDB's JSON rows hold strings for big integers and file names). */
const str = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));

async function rows(conn: DuckDBConnection, sql: string, params: Record<string, string>) {
  const reader = await conn.runAndReadAll(sql, paramsFor(sql, params));
  return reader.getRowObjectsJson();
}

async function describe(conn: DuckDBConnection, files: string[]): Promise<Columns> {
  const out: Columns = new Map();
  for (const r of await rows(conn, `DESCRIBE SELECT * FROM ${readParquetSql(files, false)}`, {})) {
    out.set(str(r.column_name), str(r.column_type));
  }
  return out;
}

async function openDuckDb(): Promise<DuckDBInstance> {
  return DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '1GB' });
}

/**
 * Runs `fn` over `items`, at most `limit` at a time. After the first failure no new item starts; the call waits for
 * the running ones to settle (so nothing outlives it, e.g. a DuckDB connection) and rejects with that failure.
 */
async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
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

// ---------------------------------------------------------------------------------------------------------------
// Where objects are: inventory of a zone, local copies of remote objects

/** Files a partition commit writes beside its data (`_SUCCESS` locally, `_MANIFEST` on GCS). */
const MARKER_NAMES = new Set(['_SUCCESS', '_MANIFEST']);
const GEN_SEGMENT = '_gen=';

interface ZoneInventory {
  zone: Zone;
  keys: string[];
  /** Committed (managed) partitions by prefix. */
  partitions: Map<string, PartitionSnapshot>;
  /** Key of a committed generation → its partition prefix. */
  partitionOf: Map<string, string>;
  /**
   * Directories that carry a commit marker but did not resolve when listed (a concurrent rewrite was swapping them).
   * Their keys belong to a partition all the same: they are rewritten under the partition's lock, never as plain
   * objects, or a put of a stale copy could undo a concurrent erasure.
   */
  unresolved: Set<string>;
  /** Commit markers of managed partitions (store internals: file names and generation ids only). */
  markers: Set<string>;
}

/**
 * Lists a zone and finds its managed partitions: directories with a commit marker (or GCS `_gen=` generations) whose
 * `readPartition` resolves to a committed generation. Anything else, including a Spark output directory with an empty
 * Hadoop `_SUCCESS` and files of stale generations, is a plain object.
 */
async function inventory(store: ObjectStore, zone: Zone): Promise<ZoneInventory> {
  const keys = await store.list(zone, '');
  const candidates = new Set<string>();
  for (const key of keys) {
    const segments = key.split('/');
    const base = segments[segments.length - 1] ?? '';
    if (MARKER_NAMES.has(base) && segments.length > 1) candidates.add(segments.slice(0, -1).join('/'));
    const gen = segments.findIndex((s) => s.startsWith(GEN_SEGMENT));
    if (gen > 0) candidates.add(segments.slice(0, gen).join('/'));
  }
  const partitions = new Map<string, PartitionSnapshot>();
  const unresolved = new Set<string>();
  await mapLimit([...candidates], 8, async (prefix) => {
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
  const markers = new Set<string>();
  for (const [prefix, snapshot] of partitions) {
    for (const key of snapshot.keys) partitionOf.set(key, prefix);
    for (const name of MARKER_NAMES) markers.add(`${prefix}/${name}`);
  }
  return { zone, keys, partitions, partitionOf, unresolved, markers: new Set(keys.filter((k) => markers.has(k))) };
}

/** Local paths for objects: the store's own path when it is a local store, else a download into `root`. */
class Workspace {
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

  isLocal(zone: Zone): boolean {
    const uri = this.store.uri(zone, '_probe');
    return path.isAbsolute(uri) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(uri);
  }

  /**
   * A local file with the object's bytes. `fresh` re-downloads a remote object (plain objects can be overwritten
   * in place; keys of a partition generation never change, so their download is reused). NotFound when missing.
   */
  async localPath(zone: Zone, key: string, fresh = false): Promise<string> {
    if (this.isLocal(zone)) {
      const file = this.store.uri(zone, key);
      try {
        await fs.access(file);
      } catch (err) {
        throw new PlatformError(ErrorType.NotFound, `no object ${JSON.stringify(key)} in zone ${zone}`, { cause: err });
      }
      return file;
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

// ---------------------------------------------------------------------------------------------------------------
// Classification and row rules

type TableRef = { kind: 'source'; name: string } | { kind: 'warehouse'; name: string; table: Table };

const SOURCE_NAMES = new Set<string>(SOURCE_TABLES.map((t) => t.name));
/** Source columns naming a user: a row with the user in any of them concerns the user and is deleted. */
const USER_REFERENCE_COLUMNS = ['user_id', 'actor_user_id', 'target_user_id'];
/** Columns holding an email address matched case-insensitively against the user's email. */
const EMAIL_COLUMNS = ['email', 'attempted_email'];

/**
 * The table an object belongs to: its first key segment, or, for `_`-prefixed areas (the processed zone's
 * `_staging/<run>/attempt-<n>/<table>/…`), the first later directory segment naming a table. Source and warehouse
 * table names do not overlap, so an archived key is classified the same way as in its origin zone.
 */
function classify(key: string, dataset: Dataset): TableRef | undefined {
  const segments = key.split('/');
  const dirs = segments.slice(0, -1);
  const candidates = dirs[0]?.startsWith('_') ? dirs.slice(1) : dirs.slice(0, 1);
  for (const name of candidates) {
    if (SOURCE_NAMES.has(name)) return { kind: 'source', name };
    const table = dataset.tables.find((t) => t.name === name);
    if (table) return { kind: 'warehouse', name, table };
  }
  return undefined;
}

const isParquetKey = (key: string) => /\.parquet$/i.test(key);

/** Whether a table's schema has any column the rules look at (tables without one are never read). */
function mayConcernUser(ref: TableRef, dataset: Dataset): boolean {
  if (ref.kind === 'source') {
    const spec = SOURCE_TABLES.find((t) => t.name === ref.name);
    return Boolean(spec?.columns.some((c) => USER_REFERENCE_COLUMNS.includes(c) || EMAIL_COLUMNS.includes(c)));
  }
  return (
    subjectColumnsOf(dataset).some((s) => erasurePlan(ref.table, s).action !== 'skip') ||
    ref.table.columns.some((c) => EMAIL_COLUMNS.includes(c.name))
  );
}

interface ColumnRewrite {
  /** Rows where the column becomes the token. */
  tokenWhen: string[];
  /** Rows where the column becomes NULL. */
  nullWhen: string[];
}
/** What erasure does to the rows of one file, as SQL over its columns (`$uid`, `$email`, `$token` parameters). */
interface RowRules {
  deleteWhen?: string;
  rewrites: Map<string, ColumnRewrite>;
}

function rulesFor(ref: TableRef, columns: Columns, subject: ParsedSubject, dataset: Dataset): RowRules {
  const idMatch = (c: string) => `CAST(${q(c)} AS VARCHAR) = $uid`;
  const presentEmail = subject.email ? EMAIL_COLUMNS.filter((c) => columns.has(c)) : [];
  const emailMatch = anyOf(presentEmail.map((c) => `lower(CAST(${q(c)} AS VARCHAR)) = $email`));
  if (ref.kind === 'source') {
    const conds = USER_REFERENCE_COLUMNS.filter((c) => columns.has(c)).map(idMatch);
    if (emailMatch) conds.push(emailMatch);
    return { deleteWhen: anyOf(conds), rewrites: new Map() };
  }
  const deletes: string[] = [];
  const rewrites = new Map<string, ColumnRewrite>();
  const rewrite = (column: string) => {
    let r = rewrites.get(column);
    if (!r) rewrites.set(column, (r = { tokenWhen: [], nullWhen: [] }));
    return r;
  };
  for (const subjectColumn of subjectColumnsOf(dataset)) {
    const plan = erasurePlan(ref.table, subjectColumn);
    if (plan.action === 'skip' || !columns.has(subjectColumn)) continue;
    const match = idMatch(subjectColumn);
    if (plan.action === 'delete_row') deletes.push(match);
    for (const c of plan.tokenise) if (columns.has(c.name)) rewrite(c.name).tokenWhen.push(match);
    for (const c of plan.nullify) if (columns.has(c.name)) rewrite(c.name).nullWhen.push(match);
  }
  if (emailMatch) {
    // A row found by the person's email concerns them as much as one found by id: it goes where the person's rows
    // go (dim_users), else its personal columns (and the email itself) are anonymised. Its id columns name whoever
    // the row resolved to, so they are not tokenised.
    const userPlan = erasurePlan(ref.table, 'user_id');
    if (userPlan.action === 'delete_row') deletes.push(emailMatch);
    else {
      const anonymise = new Set(userPlan.nullify.map((c) => c.name));
      for (const c of presentEmail) {
        if (ref.table.columns.find((col) => col.name === c)?.mode !== 'REQUIRED') anonymise.add(c);
      }
      for (const c of anonymise) if (columns.has(c)) rewrite(c).nullWhen.push(emailMatch);
    }
  }
  return { deleteWhen: anyOf(deletes), rewrites };
}

/** Rows the rules would change (a tokenised or NULLed value already in place is no change: reruns are no-ops). */
function changeWhen(rules: RowRules): string | undefined {
  const conds = rules.deleteWhen ? [rules.deleteWhen] : [];
  for (const [column, r] of rules.rewrites) {
    const token = anyOf(r.tokenWhen);
    const nul = anyOf(r.nullWhen);
    if (token) conds.push(`(${token}) AND ${q(column)} IS DISTINCT FROM $token`);
    if (nul) conds.push(`(${nul}) AND ${q(column)} IS NOT NULL`);
  }
  return anyOf(conds);
}

interface ParsedSubject {
  userId: string;
  email?: string;
  token?: string;
}
const sqlParams = (s: ParsedSubject): Record<string, string> => ({
  uid: s.userId,
  ...(s.email ? { email: s.email.toLowerCase() } : {}),
  ...(s.token ? { token: s.token } : {}),
});

// ---------------------------------------------------------------------------------------------------------------
// Rewrite of one file

interface FileRewrite {
  /** False when no row needed a change (nothing was written). */
  changed: boolean;
  deleted: number;
  updated: number;
}

/**
 * Writes `input` minus the user's rows (and with the kept ones tokenised/anonymised) to `output`, in the same row
 * order and with the same column names and types, then checks the copy: expected row count, no row left to change.
 */
async function rewriteFile(
  conn: DuckDBConnection,
  ref: TableRef,
  input: string,
  output: string,
  subject: ParsedSubject,
  dataset: Dataset,
): Promise<FileRewrite> {
  const columns = await describe(conn, [input]);
  const rules = rulesFor(ref, columns, subject, dataset);
  const change = changeWhen(rules);
  if (!change) return { changed: false, deleted: 0, updated: 0 };
  const params = sqlParams(subject);
  const del = rules.deleteWhen ?? 'false';
  const source = readParquetSql([input], false);
  const [before] = await rows(
    conn,
    `SELECT count(*) AS total, count(*) FILTER (WHERE (${del}) IS TRUE) AS deleted, ` +
      `count(*) FILTER (WHERE (${change}) IS TRUE AND (${del}) IS NOT TRUE) AS updated FROM ${source}`,
    params,
  );
  const total = Number(before?.total ?? 0);
  const deleted = Number(before?.deleted ?? 0);
  const updated = Number(before?.updated ?? 0);
  if (deleted + updated === 0) return { changed: false, deleted: 0, updated: 0 };

  const select = [...columns].map(([name, type]) => {
    const r = rules.rewrites.get(name);
    const token = r && anyOf(r.tokenWhen);
    const nul = r && anyOf(r.nullWhen);
    if (!token && !nul) return q(name);
    if (token && type !== 'VARCHAR') {
      throw new PlatformError(
        ErrorType.InvalidInput,
        `${ref.name}.${name} is ${type} in ${path.basename(input)}; only VARCHAR columns can be tokenised`,
      );
    }
    const whens = [token && `WHEN (${token}) IS TRUE THEN $token`, nul && `WHEN (${nul}) IS TRUE THEN NULL`];
    return `CAST(CASE ${whens.filter(Boolean).join(' ')} ELSE ${q(name)} END AS ${type}) AS ${q(name)}`;
  });
  const copy =
    `COPY (SELECT ${select.join(', ')} FROM ${source} WHERE (${del}) IS NOT TRUE) ` +
    `TO ${lit(output)} (FORMAT parquet, COMPRESSION snappy)`;
  await conn.run(copy, paramsFor(copy, params));

  const after = await describe(conn, [output]);
  const sameSchema = after.size === columns.size && [...columns].every(([n, t]) => after.get(n) === t);
  const [check] = await rows(
    conn,
    `SELECT count(*) AS total, count(*) FILTER (WHERE (${change}) IS TRUE) AS left FROM ${readParquetSql([output], false)}`,
    params,
  );
  if (!sameSchema || Number(check?.total) !== total - deleted || Number(check?.left) !== 0) {
    throw new PlatformError(
      ErrorType.TransientInfrastructure,
      `rewritten copy of ${path.basename(input)} (${ref.name}) failed its check: schema ${sameSchema ? 'kept' : 'changed'}, ` +
        `${str(check?.total)} rows (expected ${total - deleted}), ${str(check?.left)} still to change`,
    );
  }
  return { changed: true, deleted, updated };
}

// ---------------------------------------------------------------------------------------------------------------
// Identifier search (byte search of non-Parquet objects, and the completeness scan)

/** Words that make a column or JSON key a reference to a person (`owner_id`, `reviewer`, `target_user_id`). */
const PERSON_WORDS =
  'user|actor|owner|subject|member|person|principal|author|assignee|recipient|sender|requester|reviewer|creator';
const PERSON_NAME = new RegExp(`^[a-z0-9_]*(?:${PERSON_WORDS})(?:_?ids?|_?refs?)?$|_by$`, 'i');
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\:-]/g, '\\$&');

/**
 * How the user's identifiers are recognised anywhere:
 * - the email: case-insensitive substring of any text;
 * - a distinctive id (≥ 12 characters, or ≥ 8 with a non-digit, e.g. a UUID): as a whole token (not inside a longer
 *   run of letters and digits) in any text or number;
 * - a short or numeric id (the User Module's ids are small integers, which occur inside dates, IPs and other ids): the
 *   whole value of a column named like a person reference (`*user*`, `owner_ref`, `created_by`, …), or the value of
 *   such a key in JSON or `key=value` text (`"reviewer_id": 22`).
 */
interface IdentifierMatcher {
  distinctive: boolean;
  /** RE2 / JS pattern (no flags) of an occurrence of the id in text. */
  idPattern: string;
  /** Occurrences in a text. */
  countInText(text: string): number;
}

function identifierMatcher(subject: { userId: string; email?: string }): IdentifierMatcher {
  const id = subject.userId;
  const distinctive = id.length >= 12 || (id.length >= 8 && /[^0-9]/.test(id));
  const lead = distinctive
    ? '(?:^|[^A-Za-z0-9])'
    : `["']?[a-z0-9_]*(?:(?:${PERSON_WORDS})(?:_?ids?|_?refs?)?|_by)["']?\\s*[:=]\\s*\\[?\\s*["']?`;
  const body = lead + escapeRegExp(id);
  const end = distinctive ? '[^A-Za-z0-9]|$' : '[^a-z0-9]|$';
  const idPattern = `${distinctive ? '' : '(?i)'}${body}(?:${end})`;
  // In JS the end boundary is a lookahead, so adjacent occurrences (`22, 22`) are each counted.
  const jsPattern = new RegExp(`${body}(?=${end})`, distinctive ? 'g' : 'gi');
  const email = subject.email?.toLowerCase();
  return {
    distinctive,
    idPattern,
    countInText(text: string): number {
      let n = (text.match(jsPattern) ?? []).length;
      if (email) n += text.toLowerCase().split(email).length - 1;
      return n;
    },
  };
}

const INTEGER_TYPE = /^U?(?:TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$/;
const TEXT_TYPE = /^(?:VARCHAR|JSON|BLOB|UUID)$|[[\]()]|^(?:STRUCT|MAP|UNION|LIST)/;

/** One boolean SQL expression per column that can hold the identifiers (`$uid`, `$email`, `$idpat`). */
function occurrenceConditions(columns: Columns, m: IdentifierMatcher, hasEmail: boolean): string[] {
  const out: string[] = [];
  for (const [name, type] of columns) {
    if (name === FILE_COLUMN) continue;
    const text = TEXT_TYPE.test(type);
    const integer = INTEGER_TYPE.test(type);
    if (!text && !integer) continue;
    const s = type === 'VARCHAR' ? q(name) : `CAST(${q(name)} AS VARCHAR)`;
    const conds: string[] = [];
    if (text && hasEmail) conds.push(`contains(lower(${s}), $email)`);
    if (m.distinctive) conds.push(`contains(${s}, $uid) AND regexp_matches(${s}, $idpat)`);
    else {
      if (PERSON_NAME.test(name) && (text || /id$/i.test(name))) conds.push(`trim(${s}) = $uid`);
      if (text) conds.push(`contains(${s}, $uid) AND regexp_matches(${s}, $idpat)`);
    }
    if (conds.length > 0) out.push(anyOf(conds) as string);
  }
  return out;
}

const PARQUET_MAGIC = 'PAR1';
function looksLikeParquet(bytes: Uint8Array): boolean {
  if (bytes.length < 12) return false;
  const head = Buffer.from(bytes.subarray(0, 4)).toString('latin1');
  const tail = Buffer.from(bytes.subarray(bytes.length - 4)).toString('latin1');
  return head === PARQUET_MAGIC && tail === PARQUET_MAGIC;
}

// ---------------------------------------------------------------------------------------------------------------
// Scanning files that concurrent rewrites may replace

interface Located {
  key: string;
  /** Local path of the object (the store's own file, or a download). */
  file: string;
}

/** `undefined` for a NotFound PlatformError (the object went away), the error otherwise. */
function onlyNotFound(err: unknown): undefined {
  if (err instanceof PlatformError && err.type === ErrorType.NotFound) return undefined;
  throw err;
}

const fileExists = (file: string) =>
  fs.access(file).then(
    () => true,
    () => false,
  );

/**
 * Runs `query` over a batch; when DuckDB fails (a file replaced under it, an unreadable file), runs it file by file.
 * A file that fails alone and no longer exists is handed to `vanished`; one that exists and fails is an error.
 */
async function perFileOnFailure<R>(
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

/** Keys of the files (of one table) holding rows the erasure would change; vanished files count as changed. */
async function changedFiles(
  conn: DuckDBConnection,
  ref: TableRef,
  located: Located[],
  subject: ParsedSubject,
  dataset: Dataset,
): Promise<string[]> {
  if (located.length === 0) return [];
  const params = sqlParams(subject);
  return perFileOnFailure(
    located,
    async (items) => {
      const files = items.map((i) => i.file);
      const change = changeWhen(rulesFor(ref, await describe(conn, files), subject, dataset));
      if (!change) return [];
      const hits = await rows(
        conn,
        `SELECT ${q(FILE_COLUMN)} AS file FROM ${readParquetSql(files, true)} WHERE (${change}) IS TRUE GROUP BY 1`,
        params,
      );
      const keyOf = new Map(items.map((i) => [i.file, i.key]));
      return hits.map((h) => keyOf.get(str(h.file))).filter((k): k is string => k !== undefined);
    },
    (item) => [item.key],
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Erasure

function emptyZoneResult(): ZoneErasureResult {
  return { objectsScanned: 0, objectsRewritten: 0, rowsDeleted: 0, rowsTokenised: 0, unclassified: [] };
}

interface RewriteUnit {
  zone: Zone;
  /** Partition prefix, or the key of a plain object. */
  target: string;
  partition: boolean;
}

/**
 * Erases one user from every lake object of `zones` (see the module comment for the rules). Idempotent; safe to run
 * concurrently for different users (partitions are rewritten under `options.lock`).
 */
export async function eraseUserFromObjects(
  store: ObjectStore,
  subjectInput: ErasureSubject,
  options: EraseObjectsOptions,
): Promise<ObjectErasureResult> {
  const subject = parseSubject(subjectSchema, subjectInput);
  const { lock, signal } = options;
  const dataset = options.dataset ?? userAnalytics;
  const zones = options.zones ?? ZONES;
  const batchSize = Math.max(1, options.batchSize ?? 64);
  const matcher = identifierMatcher(subject);
  const result: ObjectErasureResult = {
    zones: { raw: emptyZoneResult(), processed: emptyZoneResult(), archive: emptyZoneResult() },
  };
  signal?.throwIfAborted();
  const ws = await Workspace.create(store, options.tmpDir);
  const db = await openDuckDb();
  const conn = await db.connect();
  try {
    const inventories: ZoneInventory[] = [];
    for (const zone of zones) {
      signal?.throwIfAborted();
      inventories.push(await inventory(store, zone));
    }
    const progress: ObjectErasureProgress = {
      scanned: 0,
      total: inventories.reduce((n, inv) => n + inv.keys.length, 0),
      rewritten: 0,
    };
    const report = () => options.onProgress?.({ ...progress });
    report();

    for (const inv of inventories) {
      const zr = result.zones[inv.zone];
      const counted = (n: number) => {
        zr.objectsScanned += n;
        progress.scanned += n;
      };
      // 1. Classify: Parquet by table; other objects are byte-searched (markers hold file names only).
      const groups = new Map<string, { ref: TableRef; keys: string[] }>();
      let skipped = 0;
      for (const key of inv.keys) {
        signal?.throwIfAborted();
        if (inv.markers.has(key)) {
          skipped++;
          continue;
        }
        if (!isParquetKey(key)) {
          const bytes = await store.get(inv.zone, key).catch(onlyNotFound); // gone meanwhile: nothing to report
          if (bytes && matcher.countInText(Buffer.from(bytes).toString('utf8')) > 0) zr.unclassified.push(key);
          skipped++;
          continue;
        }
        const ref = classify(key, dataset);
        if (!ref) {
          zr.unclassified.push(key);
          skipped++;
          continue;
        }
        if (!mayConcernUser(ref, dataset)) {
          skipped++;
          continue;
        }
        const group = groups.get(ref.name) ?? { ref, keys: [] };
        group.keys.push(key);
        groups.set(ref.name, group);
      }
      counted(skipped);
      report();

      // 2. Fast scan without locks: which files hold rows to change. A file that vanished meanwhile (its partition
      //    was replaced by a concurrent rewrite) counts as a match: the locked step re-resolves and decides.
      const matched = new Set<string>();
      for (const { ref, keys } of groups.values()) {
        for (let i = 0; i < keys.length; i += batchSize) {
          signal?.throwIfAborted();
          const batch = keys.slice(i, i + batchSize);
          const located: Located[] = [];
          await mapLimit(batch, 8, async (key) => {
            const file = await ws.localPath(inv.zone, key).catch(onlyNotFound);
            if (file) located.push({ key, file });
            else matched.add(key);
          });
          for (const key of await changedFiles(conn, ref, located, subject, dataset)) matched.add(key);
          await ws.release(located.map((l) => l.file)); // remote stores: keep at most one batch on disk
          counted(batch.length);
          report();
        }
      }

      // 3. Rewrite each partition / plain object holding a match, under the lock.
      const units = new Map<string, RewriteUnit>();
      for (const key of matched) {
        const prefix = inv.partitionOf.get(key) ?? [...inv.unresolved].find((p) => key.startsWith(`${p}/`));
        const unit: RewriteUnit = prefix
          ? { zone: inv.zone, target: prefix, partition: true }
          : { zone: inv.zone, target: key, partition: false };
        units.set(`${unit.partition ? 'p' : 'o'}:${unit.target}`, unit);
      }
      await mapLimit([...units.values()], Math.max(1, options.concurrency ?? 2), async (unit) => {
        signal?.throwIfAborted();
        const c = await db.connect();
        try {
          const done = await lock(
            unit.partition ? lakePartitionLock(unit.zone, unit.target) : `gdpr-objects:${unit.zone}:${unit.target}`,
            (held) =>
              unit.partition
                ? rewritePartition(store, ws, c, unit, subject, dataset, held, signal)
                : rewritePlainObject(store, ws, c, unit, subject, dataset, held, signal),
            { signal },
          );
          zr.objectsRewritten += done.files;
          zr.rowsDeleted += done.deleted;
          zr.rowsTokenised += done.updated;
          progress.rewritten += done.files;
          report();
        } finally {
          c.closeSync();
        }
      });
    }
    return result;
  } finally {
    conn.closeSync();
    db.closeSync();
    await ws.dispose();
  }
}

interface UnitOutcome {
  files: number;
  deleted: number;
  updated: number;
}
const NOTHING: UnitOutcome = { files: 0, deleted: 0, updated: 0 };

/**
 * Under the partition's lock: resolve the committed generation, filter the files holding the user's rows, carry the
 * others over unchanged, and replace the partition; start over if the generation changed meanwhile (a writer that
 * does not take the lock, e.g. a pipeline re-run).
 */
async function rewritePartition(
  store: ObjectStore,
  ws: Workspace,
  conn: DuckDBConnection,
  unit: RewriteUnit,
  subject: ParsedSubject,
  dataset: Dataset,
  held: AbortSignal,
  signal?: AbortSignal,
): Promise<UnitOutcome> {
  const attempts = 5;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    signal?.throwIfAborted();
    const snapshot = await store.readPartition(unit.zone, unit.target);
    if (!snapshot) return NOTHING;
    const files: PartitionFile[] = [];
    const outcome = { ...NOTHING };
    let vanished = false;
    try {
      for (const key of snapshot.keys) {
        signal?.throwIfAborted();
        let local: string;
        try {
          local = await ws.localPath(unit.zone, key);
        } catch (err) {
          if (err instanceof PlatformError && err.type === ErrorType.NotFound) {
            vanished = true; // replaced meanwhile: resolve again
            break;
          }
          throw err;
        }
        const name = path.posix.basename(key);
        const ref = isParquetKey(key) ? classify(key, dataset) : undefined;
        if (ref) {
          const out = await ws.tempFile(name);
          let r: FileRewrite;
          try {
            r = await rewriteFile(conn, ref, local, out, subject, dataset);
          } catch (err) {
            // Replaced under us by a writer that does not take the lock: resolve again. Otherwise a real failure.
            const now = await store.readPartition(unit.zone, unit.target);
            if (now?.generation === snapshot.generation && (await fileExists(local))) throw err;
            vanished = true;
            break;
          }
          if (r.changed) {
            files.push({ name, path: out });
            outcome.files++;
            outcome.deleted += r.deleted;
            outcome.updated += r.updated;
            continue;
          }
        }
        files.push({ name, path: local });
      }
      if (vanished) continue;
      if (outcome.files === 0) return NOTHING; // another erasure got here first
      held.throwIfAborted();
      signal?.throwIfAborted();
      const current = await store.readPartition(unit.zone, unit.target);
      if (current?.generation !== snapshot.generation) continue;
      try {
        await store.replacePartition(unit.zone, unit.target, files);
      } catch (err) {
        onlyNotFound(err); // a carried-over file was replaced meanwhile: start over
        continue;
      }
      return outcome;
    } finally {
      await ws.release(files.map((f) => ('path' in f ? f.path : '')));
    }
  }
  throw new PlatformError(
    ErrorType.TransientInfrastructure,
    `partition ${unit.zone}/${unit.target} kept changing while it was being rewritten (${attempts} attempts)`,
  );
}

/** Under the object's lock: filter a plain object (no partition generations) and `putFile` the copy. */
async function rewritePlainObject(
  store: ObjectStore,
  ws: Workspace,
  conn: DuckDBConnection,
  unit: RewriteUnit,
  subject: ParsedSubject,
  dataset: Dataset,
  held: AbortSignal,
  signal?: AbortSignal,
): Promise<UnitOutcome> {
  signal?.throwIfAborted();
  const ref = classify(unit.target, dataset);
  if (!ref) return NOTHING;
  let local: string;
  try {
    local = await ws.localPath(unit.zone, unit.target, true);
  } catch (err) {
    if (err instanceof PlatformError && err.type === ErrorType.NotFound) return NOTHING; // deleted meanwhile
    throw err;
  }
  const out = await ws.tempFile(path.posix.basename(unit.target));
  try {
    const r = await rewriteFile(conn, ref, local, out, subject, dataset);
    if (!r.changed) return NOTHING;
    held.throwIfAborted();
    signal?.throwIfAborted();
    await store.putFile(unit.zone, unit.target, out);
    return { files: 1, deleted: r.deleted, updated: r.updated };
  } finally {
    await ws.release([local, out]);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Completeness scan

/**
 * Counts occurrences of the user's identifiers in every object of every zone, independently of the rewrite's rules:
 * every text (and, for ids, integer) column of every Parquet object, read by DuckDB in batches, and the bytes of
 * every other object (JSON summaries, manifests). A Parquet object is recognised by its `.parquet` name or its
 * `PAR1` magic. An object that cannot be read is an error, never a silent zero. See `identifierMatcher` for what
 * counts as an occurrence.
 */
export async function scanObjectsForUser(
  store: ObjectStore,
  subjectInput: Omit<ErasureSubject, 'token'>,
  options: ScanObjectsOptions = {},
): Promise<ObjectScanResult[]> {
  const subject = parseSubject(scanSubjectSchema, subjectInput);
  const { signal } = options;
  const zones = options.zones ?? ZONES;
  const batchSize = Math.max(1, options.batchSize ?? 64);
  const matcher = identifierMatcher(subject);
  const params = { ...sqlParams(subject), idpat: matcher.idPattern };
  const progress: ObjectErasureProgress = { scanned: 0, total: 0, rewritten: 0 };
  signal?.throwIfAborted();
  const ws = await Workspace.create(store, options.tmpDir);
  const db = await openDuckDb();
  const conn = await db.connect();
  try {
    const listed = new Map<Zone, string[]>();
    for (const zone of zones) listed.set(zone, await store.list(zone, ''));
    for (const keys of listed.values()) progress.total += keys.length;
    const out: ObjectScanResult[] = [];
    for (const zone of zones) {
      // An object replaced while the zone was scanned (a concurrent erasure's rewrite) means the listing is stale:
      // scan the zone again from a fresh listing.
      for (let attempt = 1; ; attempt++) {
        const keys = listed.get(zone) ?? (await store.list(zone, ''));
        const startedAt = progress.scanned;
        try {
          out.push(await scanZone(zone, keys));
          break;
        } catch (err) {
          if (!(err instanceof Vanished) || attempt >= 5) throw err;
          progress.scanned = startedAt;
          listed.delete(zone);
          const fresh = await store.list(zone, '');
          progress.total += fresh.length - keys.length;
          listed.set(zone, fresh);
        }
      }
    }
    return out;
  } finally {
    conn.closeSync();
    db.closeSync();
    await ws.dispose();
  }

  async function scanZone(zone: Zone, keys: string[]): Promise<ObjectScanResult> {
    const result: ObjectScanResult = { store: `objects.${zone}`, scanned: 0, occurrences: 0, examples: [] };
    const found = (key: string, n: number) => {
      if (n <= 0) return;
      result.occurrences += n;
      if (result.examples.length < 10 && !result.examples.includes(key)) result.examples.push(key);
    };
    const counted = (n: number) => {
      result.scanned += n;
      progress.scanned += n;
    };
    const vanishedIfNotFound = <T>(promise: Promise<T>): Promise<T> =>
      promise.catch((err: unknown) => {
        onlyNotFound(err);
        throw new Vanished();
      });
    // Parquet files in batches of one table (or top-level folder), so a batch's union of columns stays narrow.
    const parquet = new Map<string, Located[]>();
    const addParquet = (key: string, file: string) => {
      const first = key.split('/')[0] ?? '';
      const group = first.startsWith('_') ? (classify(key, userAnalytics)?.name ?? first) : first;
      parquet.set(group, [...(parquet.get(group) ?? []), { key, file }]);
    };
    for (const key of keys) {
      signal?.throwIfAborted();
      if (isParquetKey(key)) {
        addParquet(key, await vanishedIfNotFound(ws.localPath(zone, key)));
        continue;
      }
      const bytes = await vanishedIfNotFound(store.get(zone, key));
      if (looksLikeParquet(bytes)) {
        const file = ws.isLocal(zone) ? store.uri(zone, key) : await ws.tempFile(path.posix.basename(key));
        if (!ws.isLocal(zone)) await fs.writeFile(file, bytes);
        addParquet(key, file);
        continue;
      }
      found(key, matcher.countInText(Buffer.from(bytes).toString('utf8')));
      counted(1);
    }
    options.onProgress?.({ ...progress });
    for (const files of parquet.values()) {
      for (let i = 0; i < files.length; i += batchSize) {
        signal?.throwIfAborted();
        const batch = files.slice(i, i + batchSize);
        for (const [key, n] of await countOccurrences(conn, batch, matcher, params)) found(key, n);
        counted(batch.length);
        options.onProgress?.({ ...progress });
      }
    }
    return result;
  }
}

/** An object listed for the scan disappeared before it was read. */
class Vanished extends Error {
  constructor() {
    super('an object was replaced while the zone was being scanned');
  }
}

/** Occurrences per key in a batch of Parquet files (of one table). */
async function countOccurrences(
  conn: DuckDBConnection,
  batch: Located[],
  matcher: IdentifierMatcher,
  params: Record<string, string>,
): Promise<Array<[string, number]>> {
  return perFileOnFailure<[string, number]>(
    batch,
    async (items) => {
      const files = items.map((b) => b.file);
      const conds = occurrenceConditions(await describe(conn, files), matcher, 'email' in params);
      if (conds.length === 0) return [];
      const hits = conds.map((c) => `CAST(coalesce(${c}, false) AS INTEGER)`).join(' + ');
      const found = await rows(
        conn,
        `SELECT ${q(FILE_COLUMN)} AS file, sum(${hits}) AS n FROM ${readParquetSql(files, true)} ` +
          `WHERE ${anyOf(conds)} GROUP BY 1`,
        params,
      );
      const keyOf = new Map(items.map((i) => [i.file, i.key]));
      return found.flatMap((f): Array<[string, number]> => {
        const key = keyOf.get(str(f.file));
        return key ? [[key, Number(f.n)]] : [];
      });
    },
    () => {
      throw new Vanished();
    },
  );
}
