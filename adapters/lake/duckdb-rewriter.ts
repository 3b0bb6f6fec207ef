import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ErrorType, PlatformError } from '../errors';
import type { IdentifierSearch, LakeRewriter } from '../ports';
import {
  caseExpression,
  paramValues,
  quoteIdent as q,
  rowPlan,
  type ErasureSubject,
  type RowPlan,
  type TableErasure,
} from '../../schema/erasure';

/**
 * LakeRewriter over an in-memory DuckDB: reads local Parquet files (`read_parquet`, union by name, no hive
 * partitioning) and writes filtered copies with `COPY … TO … (FORMAT parquet, COMPRESSION snappy)`. The row rules are
 * schema/erasure's `rowPlan` in the DuckDB dialect, comparing ids as text (raw ids are BIGINT, processed ids STRING).
 */
export interface DuckDbLakeRewriterOptions {
  /** @default 2 */
  threads?: number;
  /** @default '1GB' */
  memoryLimit?: string;
}

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
function paramsFor(sql: string, all: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) if (v !== undefined && new RegExp(`\\$${k}\\b`).test(sql)) out[k] = v;
  return out;
}

/** A result value as text (DuckDB's JSON rows hold strings for big integers and file names). */
const str = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));

async function rows(conn: DuckDBConnection, sql: string, params: Record<string, string | undefined>) {
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

function planFor(rule: TableErasure, columns: Columns, subject: ErasureSubject): RowPlan {
  return rowPlan(rule, {
    dialect: 'duckdb',
    columns: new Set(columns.keys()),
    hasEmail: Boolean(subject.email),
    idsAsText: true,
  });
}

const PARAM = /\$(user|tenant|email|token|erased_at|uid|idpat)\b/g;
/** The statement's parameters renamed for the `i`-th subject of a batch (`$user` → `$user_3`). */
const forSubject = (sql: string, i: number) => sql.replace(PARAM, (_m, name: string) => `$${name}_${i}`);
/** The subjects' parameter values under their renamed names. */
function batchParams(values: Array<Record<string, string | undefined>>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  values.forEach((v, i) => {
    for (const [k, x] of Object.entries(v)) out[`${k}_${i}`] = x;
  });
  return out;
}

const INTEGER_TYPE = /^U?(?:TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$/;
const TEXT_TYPE = /^(?:VARCHAR|JSON|BLOB|UUID)$|[[\]()]|^(?:STRUCT|MAP|UNION|LIST)/;

/** The completeness scan's conditions over a file's columns, one per column that could hold an occurrence. */
function occurrenceConditions(columns: Columns, search: IdentifierSearch): string[] {
  const person = new RegExp(search.personColumnPattern, 'i');
  // Emails are per tenant: in a file whose rows carry their tenant, only the subject's tenant's rows count. Ids are
  // the User Module's global key and count anywhere.
  const emailScope =
    search.tenantId !== undefined && columns.has('tenant_id')
      ? ` AND CAST(${q('tenant_id')} AS VARCHAR) = $tenant`
      : '';
  const conds: string[] = [];
  for (const [name, type] of columns) {
    if (name === FILE_COLUMN) continue;
    const text = TEXT_TYPE.test(type);
    const integer = INTEGER_TYPE.test(type);
    if (!text && !integer) continue;
    const s = type === 'VARCHAR' ? q(name) : `CAST(${q(name)} AS VARCHAR)`;
    const c: string[] = [];
    if (text && search.email) c.push(`contains(lower(${s}), $email)${emailScope}`);
    if (search.distinctive) c.push(`contains(${s}, $uid) AND regexp_matches(${s}, $idpat)`);
    else {
      if (person.test(name) && (text || /id$/i.test(name))) c.push(`trim(${s}) = $uid`);
      if (text) c.push(`contains(${s}, $uid) AND regexp_matches(${s}, $idpat)`);
    }
    if (c.length > 0) conds.push(anyOf(c) as string);
  }
  return conds;
}

/**
 * A condition every subject's change condition implies (a reference column holding one of the ids, an email column
 * holding one of the emails), as hash `IN` lists: the per-subject conditions then run only on the rows that pass.
 */
function changePrefilter(rule: TableErasure, columns: Columns, subjects: ErasureSubject[]): string | undefined {
  const uids = [...new Set(subjects.map((s) => lit(s.userId)))].join(', ');
  const emails = [...new Set(subjects.flatMap((s) => (s.email ? [lit(s.email.toLowerCase())] : [])))].join(', ');
  const conds = [
    ...Object.keys(rule.references)
      .filter((c) => columns.has(c))
      .map((c) => `CAST(${q(c)} AS VARCHAR) IN (${uids})`),
    ...(emails ? rule.emails.filter((c) => columns.has(c)).map((c) => `lower(${q(c)}) IN (${emails})`) : []),
  ];
  return conds.length === 0 ? undefined : conds.map((c) => `coalesce(${c}, false)`).join(' OR ');
}

export class DuckDbLakeRewriter implements LakeRewriter {
  private instance?: Promise<DuckDBInstance>;

  constructor(private readonly options: DuckDbLakeRewriterOptions = {}) {}

  private async connect<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    this.instance ??= DuckDBInstance.create(':memory:', {
      threads: String(this.options.threads ?? 2),
      memory_limit: this.options.memoryLimit ?? '1GB',
    });
    const conn = await (await this.instance).connect();
    try {
      await conn.run("SET TimeZone = 'UTC'");
      return await fn(conn);
    } finally {
      conn.closeSync();
    }
  }

  async filesToChange(files: string[], rule: TableErasure, subject: ErasureSubject): Promise<string[]> {
    return (await this.filesToChangeMany(files, rule, [subject]))[0] ?? [];
  }

  /**
   * One read of the files for many subjects: each subject's own change condition (its parameters renamed, so
   * subjects never mix: no email of one is matched in another's tenant) is evaluated as its own column.
   */
  async filesToChangeMany(files: string[], rule: TableErasure, subjects: ErasureSubject[]): Promise<string[][]> {
    const out = subjects.map((): string[] => []);
    if (files.length === 0 || subjects.length === 0) return out;
    return this.connect(async (conn) => {
      const columns = await describe(conn, files);
      const conds = subjects.map((s, i) => {
        const change = planFor(rule, columns, s).changeWhen;
        return change ? `(${forSubject(change, i)}) IS TRUE` : undefined;
      });
      const live = conds.flatMap((c, i) => (c ? [{ c, i }] : []));
      if (live.length === 0) return out;
      const prefilter = subjects.length > 1 ? changePrefilter(rule, columns, subjects) : undefined;
      const hits = await rows(
        conn,
        `SELECT ${q(FILE_COLUMN)} AS file, ${live.map(({ c, i }) => `bool_or(${c}) AS s${i}`).join(', ')} ` +
          `FROM ${readParquetSql(files, true)} WHERE ${prefilter ? `(${prefilter}) AND ` : ''}` +
          `(${live.map(({ c }) => c).join(' OR ')}) GROUP BY 1`,
        batchParams(subjects.map((s) => paramValues(s))),
      );
      for (const h of hits) for (const { i } of live) if (h[`s${i}`] === true) out[i]!.push(str(h.file));
      return out;
    });
  }

  /**
   * Writes `input` minus the rows that go (and with the kept ones re-keyed/anonymised) to `output`, in the same row
   * order and with the same column names and types, then checks the copy: expected row count, no row left to change.
   */
  async rewrite(input: string, output: string, rule: TableErasure, subject: ErasureSubject) {
    return this.connect(async (conn) => {
      const columns = await describe(conn, [input]);
      const plan = planFor(rule, columns, subject);
      const nothing = { changed: false, deleted: 0, updated: 0 };
      if (!plan.changeWhen) return nothing;
      const params = paramValues(subject);
      const del = plan.deleteWhen ?? 'false';
      const source = readParquetSql([input], false);
      const [before] = await rows(
        conn,
        `SELECT count(*) AS total, count(*) FILTER (WHERE (${del}) IS TRUE) AS deleted, ` +
          `count(*) FILTER (WHERE (${plan.changeWhen}) IS TRUE AND (${del}) IS NOT TRUE) AS updated FROM ${source}`,
        params,
      );
      const total = Number(before?.total ?? 0);
      const deleted = Number(before?.deleted ?? 0);
      const updated = Number(before?.updated ?? 0);
      if (deleted + updated === 0) return nothing;

      const select = [...columns].map(([name, type]) => {
        const a = plan.assignments.find((x) => x.column === name);
        return a ? `CAST(${caseExpression('duckdb', a)} AS ${type}) AS ${q(name)}` : q(name);
      });
      const copy =
        `COPY (SELECT ${select.join(', ')} FROM ${source} WHERE (${del}) IS NOT TRUE) ` +
        `TO ${lit(output)} (FORMAT parquet, COMPRESSION snappy)`;
      await conn.run(copy, paramsFor(copy, params));

      const after = await describe(conn, [output]);
      const sameSchema = after.size === columns.size && [...columns].every(([n, t]) => after.get(n) === t);
      const [check] = await rows(
        conn,
        `SELECT count(*) AS total, count(*) FILTER (WHERE (${plan.changeWhen}) IS TRUE) AS left ` +
          `FROM ${readParquetSql([output], false)}`,
        params,
      );
      if (!sameSchema || Number(check?.total) !== total - deleted || Number(check?.left) !== 0) {
        throw new PlatformError(
          ErrorType.TransientInfrastructure,
          `rewritten copy of ${path.basename(input)} (${rule.table}) failed its check: schema ${sameSchema ? 'kept' : 'changed'}, ` +
            `${str(check?.total)} rows (expected ${total - deleted}), ${str(check?.left)} still to change`,
        );
      }
      return { changed: true, deleted, updated };
    });
  }

  /**
   * `rewrite` for many subjects in one read and one write of the file: rows any subject's rule deletes go, and each
   * column takes the first matching branch over the subjects' assignments (their own conditions and parameters), so
   * the copy equals applying the subjects one after the other. Counts are per subject.
   */
  async rewriteMany(input: string, output: string, rule: TableErasure, subjects: ErasureSubject[]) {
    return this.connect(async (conn) => {
      const columns = await describe(conn, [input]);
      const plans = subjects.map((s) => planFor(rule, columns, s));
      const none = { changed: false, perSubject: subjects.map(() => ({ deleted: 0, updated: 0 })) };
      const live = plans.flatMap((p, i) => (p.changeWhen ? [i] : []));
      if (live.length === 0) return none;
      const params = batchParams(subjects.map((s) => paramValues(s)));
      const del = (i: number) => (plans[i]!.deleteWhen ? forSubject(plans[i]!.deleteWhen, i) : 'false');
      const change = (i: number) => forSubject(plans[i]!.changeWhen!, i);
      const anyDelete = live.map((i) => `(${del(i)}) IS TRUE`).join(' OR ');
      const anyChange = live.map((i) => `(${change(i)}) IS TRUE`).join(' OR ');
      const source = readParquetSql([input], false);
      const [before] = await rows(
        conn,
        `SELECT count(*) AS total, count(*) FILTER (WHERE ${anyDelete}) AS deleted, ` +
          live
            .map(
              (i) =>
                `count(*) FILTER (WHERE (${del(i)}) IS TRUE) AS d${i}, ` +
                `count(*) FILTER (WHERE (${change(i)}) IS TRUE AND NOT (${anyDelete})) AS u${i}`,
            )
            .join(', ') +
          ` FROM ${source}`,
        params,
      );
      const perSubject = subjects.map((_, i) => ({
        deleted: Number(before?.[`d${i}`] ?? 0),
        updated: Number(before?.[`u${i}`] ?? 0),
      }));
      const total = Number(before?.total ?? 0);
      const deleted = Number(before?.deleted ?? 0);
      if (perSubject.every((p) => p.deleted + p.updated === 0)) return none;

      const select = [...columns].map(([name, type]) => {
        const branches = live.flatMap((i) =>
          (plans[i]!.assignments.find((x) => x.column === name)?.branches ?? []).map((b) => ({
            when: forSubject(b.when, i),
            value: forSubject(b.value, i),
          })),
        );
        return branches.length > 0
          ? `CAST(${caseExpression('duckdb', { column: name, branches })} AS ${type}) AS ${q(name)}`
          : q(name);
      });
      const copy =
        `COPY (SELECT ${select.join(', ')} FROM ${source} WHERE NOT (${anyDelete})) ` +
        `TO ${lit(output)} (FORMAT parquet, COMPRESSION snappy)`;
      await conn.run(copy, paramsFor(copy, params));

      const after = await describe(conn, [output]);
      const sameSchema = after.size === columns.size && [...columns].every(([n, t]) => after.get(n) === t);
      const [check] = await rows(
        conn,
        `SELECT count(*) AS total, count(*) FILTER (WHERE ${anyChange}) AS left FROM ${readParquetSql([output], false)}`,
        params,
      );
      if (!sameSchema || Number(check?.total) !== total - deleted || Number(check?.left) !== 0) {
        throw new PlatformError(
          ErrorType.TransientInfrastructure,
          `rewritten copy of ${path.basename(input)} (${rule.table}, ${subjects.length} subjects) failed its check: ` +
            `schema ${sameSchema ? 'kept' : 'changed'}, ${str(check?.total)} rows (expected ${total - deleted}), ` +
            `${str(check?.left)} still to change`,
        );
      }
      return { changed: true, perSubject };
    });
  }

  async occurrences(files: string[], search: IdentifierSearch): Promise<Map<string, number>> {
    return (await this.occurrencesMany(files, [search]))[0] ?? new Map<string, number>();
  }

  /** One read of the files for many subjects; each subject's occurrences are summed in a column of their own. */
  async occurrencesMany(files: string[], searches: IdentifierSearch[]): Promise<Array<Map<string, number>>> {
    const out = searches.map(() => new Map<string, number>());
    if (files.length === 0 || searches.length === 0) return out;
    return this.connect(async (conn) => {
      const columns = await describe(conn, files);
      const perSubject = searches.map((search, i) => {
        const conds = occurrenceConditions(columns, search);
        return conds.length === 0
          ? undefined
          : {
              i,
              any: forSubject(anyOf(conds) as string, i),
              hits: forSubject(conds.map((c) => `CAST(coalesce(${c}, false) AS INTEGER)`).join(' + '), i),
            };
      });
      const live = perSubject.filter((x): x is NonNullable<typeof x> => x !== undefined);
      if (live.length === 0) return out;
      const found = await rows(
        conn,
        `SELECT ${q(FILE_COLUMN)} AS file, ${live.map((l) => `sum(${l.hits}) AS n${l.i}`).join(', ')} ` +
          `FROM ${readParquetSql(files, true)} WHERE ${live.map((l) => `coalesce(${l.any}, false)`).join(' OR ')} GROUP BY 1`,
        batchParams(searches.map((s) => ({ uid: s.userId, email: s.email, idpat: s.idPattern, tenant: s.tenantId }))),
      );
      for (const f of found) {
        for (const l of live) {
          const n = Number(f[`n${l.i}`] ?? 0);
          if (n > 0) out[l.i]!.set(str(f.file), n);
        }
      }
      return out;
    });
  }

  async close(): Promise<void> {
    if (!this.instance) return;
    const instance = await this.instance;
    instance.closeSync();
    this.instance = undefined;
  }
}
