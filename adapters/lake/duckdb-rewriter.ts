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

const INTEGER_TYPE = /^U?(?:TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$/;
const TEXT_TYPE = /^(?:VARCHAR|JSON|BLOB|UUID)$|[[\]()]|^(?:STRUCT|MAP|UNION|LIST)/;

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
    if (files.length === 0) return [];
    return this.connect(async (conn) => {
      const change = planFor(rule, await describe(conn, files), subject).changeWhen;
      if (!change) return [];
      const hits = await rows(
        conn,
        `SELECT ${q(FILE_COLUMN)} AS file FROM ${readParquetSql(files, true)} WHERE (${change}) IS TRUE GROUP BY 1`,
        paramValues(subject),
      );
      return hits.map((h) => str(h.file));
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

  async occurrences(files: string[], search: IdentifierSearch): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (files.length === 0) return out;
    const person = new RegExp(search.personColumnPattern, 'i');
    return this.connect(async (conn) => {
      const conds: string[] = [];
      for (const [name, type] of await describe(conn, files)) {
        if (name === FILE_COLUMN) continue;
        const text = TEXT_TYPE.test(type);
        const integer = INTEGER_TYPE.test(type);
        if (!text && !integer) continue;
        const s = type === 'VARCHAR' ? q(name) : `CAST(${q(name)} AS VARCHAR)`;
        const c: string[] = [];
        if (text && search.email) c.push(`contains(lower(${s}), $email)`);
        if (search.distinctive) c.push(`contains(${s}, $uid) AND regexp_matches(${s}, $idpat)`);
        else {
          if (person.test(name) && (text || /id$/i.test(name))) c.push(`trim(${s}) = $uid`);
          if (text) c.push(`contains(${s}, $uid) AND regexp_matches(${s}, $idpat)`);
        }
        if (c.length > 0) conds.push(anyOf(c) as string);
      }
      if (conds.length === 0) return out;
      const hits = conds.map((c) => `CAST(coalesce(${c}, false) AS INTEGER)`).join(' + ');
      const found = await rows(
        conn,
        `SELECT ${q(FILE_COLUMN)} AS file, sum(${hits}) AS n FROM ${readParquetSql(files, true)} ` +
          `WHERE ${anyOf(conds)} GROUP BY 1`,
        { uid: search.userId, email: search.email, idpat: search.idPattern },
      );
      for (const f of found) out.set(str(f.file), Number(f.n));
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
