import { ErrorType, PlatformError } from '../errors';
import type { QueryParam } from '../ports';
import type { Column, ColumnType } from '../../schema/warehouse/types';

/**
 * SQL shared by the warehouses, keyed on the engine's dialect.
 *
 * Text handling finds `@name` parameters and statement boundaries outside strings, quoted identifiers and comments,
 * so values never need to be spliced into SQL and read-only queries can be told apart from writes. It is a guard for
 * engineers' mistakes, not a sandbox: the engine still parses the SQL.
 *
 * Statement builders (below `quoteIdentifier`) write the statements both adapters run on a load (partition replace,
 * source-key checks, MERGE), so the SQL exists once; an adapter only says where the rows come from (DuckDB:
 * `read_parquet($files)`, BigQuery: a staging table) and binds the parameters they name.
 */
export type Dialect = 'duckdb' | 'bigquery';

export interface Token {
  kind: 'word' | 'param' | 'semicolon' | 'other';
  text: string;
  start: number;
  end: number;
}

/** Tokens that matter to us: bare words, `@params` and `;`, with everything quoted or commented skipped. */
export function scan(sql: string, dialect: Dialect): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const skipQuoted = (quote: string) => {
    i++;
    while (i < sql.length) {
      const c = sql[i];
      if (c === '\\' && dialect === 'bigquery') i += 2;
      else if (c === quote && sql[i + 1] === quote) i += 2;
      else if (c === quote) {
        i++;
        return;
      } else i++;
    }
    throw new PlatformError(ErrorType.InvalidInput, `unterminated ${quote} in SQL`);
  };
  while (i < sql.length) {
    const c = sql[i] ?? '';
    const next = sql[i + 1] ?? '';
    if (c === "'" || c === '"' || c === '`') skipQuoted(c);
    else if ((c === '-' && next === '-') || (c === '#' && dialect === 'bigquery')) {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) throw new PlatformError(ErrorType.InvalidInput, 'unterminated /* comment in SQL');
      i = close + 2;
    } else if (c === '@' && next === '@') {
      i += 2; // @@system_variable (BigQuery), not a parameter
      while (/\w/.test(sql[i] ?? '')) i++;
    } else if (c === '@' && /[A-Za-z_]/.test(next)) {
      const start = i;
      i++;
      while (/\w/.test(sql[i] ?? '')) i++;
      tokens.push({ kind: 'param', text: sql.slice(start + 1, i), start, end: i });
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (/[\w$]/.test(sql[i] ?? '')) i++;
      tokens.push({ kind: 'word', text: sql.slice(start, i).toUpperCase(), start, end: i });
    } else if (c === ';') {
      tokens.push({ kind: 'semicolon', text: ';', start: i, end: i + 1 });
      i++;
    } else {
      if (!/\s/.test(c)) tokens.push({ kind: 'other', text: c, start: i, end: i + 1 });
      i++;
    }
  }
  return tokens;
}

const READ_ONLY_FIRST = new Set(['SELECT', 'WITH', 'DESCRIBE', 'SHOW']);
/** Words that make a statement a write wherever they appear unquoted (e.g. DuckDB's `WITH ... INSERT`). */
const WRITE_WORDS = new Set([
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'CREATE',
  'DROP',
  'ALTER',
  'TRUNCATE',
  'COPY',
  'ATTACH',
  'DETACH',
  'INSTALL',
  'LOAD',
  'PRAGMA',
  'SET',
  'CALL',
  'EXPORT',
  'IMPORT',
  'GRANT',
  'REVOKE',
  'VACUUM',
  'CHECKPOINT',
  'EXECUTE',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'DECLARE',
]);

/** The statement's leading keyword and whether it may change data. */
export function classifyStatement(sql: string, dialect: Dialect): { keyword: string; readOnly: boolean } {
  const tokens = scan(sql, dialect);
  const statements = splitStatements(tokens);
  if (statements.length === 0) throw new PlatformError(ErrorType.InvalidInput, 'empty SQL statement');
  if (statements.length > 1) {
    throw new PlatformError(ErrorType.InvalidInput, `one statement per query, got ${statements.length}`);
  }
  const words = (statements[0] ?? []).filter((t) => t.kind === 'word').map((t) => t.text);
  const keyword = words[0] ?? '';
  const readOnly = READ_ONLY_FIRST.has(keyword) && !words.some((w) => WRITE_WORDS.has(w));
  return { keyword, readOnly };
}

function splitStatements(tokens: Token[]): Token[][] {
  const out: Token[][] = [[]];
  for (const t of tokens) {
    if (t.kind === 'semicolon') out.push([]);
    else out[out.length - 1]?.push(t);
  }
  return out.filter((s) => s.length > 0);
}

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * Validates a query against its parameters: one statement; read-only unless `write`; every `@name` given and every
 * given name used. Returns the parameter names in first-use order.
 */
export function checkQuery(
  sql: string,
  params: Record<string, QueryParam>,
  options: { write?: boolean; dialect: Dialect },
): { names: string[]; tokens: Token[] } {
  const { keyword, readOnly } = classifyStatement(sql, options.dialect);
  if (!readOnly && !options.write) {
    throw new PlatformError(
      ErrorType.InvalidInput,
      `refusing ${keyword || 'this'} statement in a read-only query (only SELECT, WITH, DESCRIBE, SHOW without writes); allow writes explicitly (CLI: --write)`,
    );
  }
  const tokens = scan(sql, options.dialect);
  const used = [...new Set(tokens.filter((t) => t.kind === 'param').map((t) => t.text))];
  for (const name of Object.keys(params)) {
    if (!PARAM_NAME.test(name))
      throw new PlatformError(ErrorType.InvalidInput, `invalid parameter name ${JSON.stringify(name)}`);
    if (!used.includes(name))
      throw new PlatformError(ErrorType.InvalidInput, `parameter @${name} is not used by the query`);
  }
  for (const name of used) {
    if (!(name in params))
      throw new PlatformError(ErrorType.InvalidInput, `query uses @${name} but no value was given`);
  }
  return { names: used, tokens };
}

/** The logical type of a parameter value. */
export function paramType(value: QueryParam): ColumnType {
  if (typeof value === 'object' && !(value instanceof Date)) return value.type;
  if (typeof value === 'string') return 'STRING';
  if (typeof value === 'boolean') return 'BOOL';
  if (typeof value === 'bigint') return 'INT64';
  if (typeof value === 'number') return Number.isInteger(value) ? 'INT64' : 'FLOAT64';
  return 'TIMESTAMP';
}

/** The raw value of a parameter (typed ones unwrapped). */
export function paramValue(value: QueryParam): string | number | bigint | boolean | Date | null {
  return typeof value === 'object' && !(value instanceof Date) ? value.value : value;
}

/** Rewrites `@name` parameters with `replace(name)`; everything else is kept byte for byte. */
export function rewriteParams(sql: string, tokens: Token[], replace: (name: string) => string): string {
  let out = '';
  let at = 0;
  for (const t of tokens) {
    if (t.kind !== 'param') continue;
    out += sql.slice(at, t.start) + replace(t.text);
    at = t.end;
  }
  return out + sql.slice(at);
}

/** `YYYY-MM-DD` that is a real calendar day, or a non-retryable InvalidInput naming it. */
export function checkDate(date: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!d || d.toISOString().slice(0, 10) !== date) {
    throw new PlatformError(ErrorType.InvalidInput, `invalid date ${JSON.stringify(date)}: expected a YYYY-MM-DD day`);
  }
  return date;
}

/** Normalises a result value to the port's JSON-safe `Row` representation. */
export function normaliseInteger(value: string | number | bigint): number | string {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isSafeInteger(n) ? n : String(value);
}

export function normaliseDecimal(text: string): string {
  if (!text.includes('.')) return text;
  return text.replace(/0+$/, '').replace(/\.$/, '');
}

/** `2026-01-02 03:04:05.1+00`, `2026-01-02T03:04:05.123456789Z` → `2026-01-02T03:04:05.100000Z` (UTC, microseconds). */
export function normaliseTimestamp(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(text.trim());
  if (!m) return text;
  const [, day, time, fraction = '', zone = 'Z'] = m;
  if (zone !== 'Z' && !/^[+-]00(:?00)?$/.test(zone)) {
    const d = new Date(`${day}T${time}.${fraction.slice(0, 3).padEnd(3, '0')}${zone}`);
    const micros = fraction.slice(3, 6).padEnd(3, '0');
    return `${d.toISOString().slice(0, 23)}${micros}Z`;
  }
  return `${day}T${time}.${fraction.slice(0, 6).padEnd(6, '0')}Z`;
}

// ---------------------------------------------------------------- statements shared by the adapters

/** Each engine's type for each logical column type (DuckDB keeps JSON as VARCHAR: the json extension would need a download). */
export const COLUMN_TYPES: Record<Dialect, Record<ColumnType, string>> = {
  duckdb: {
    STRING: 'VARCHAR',
    INT64: 'BIGINT',
    FLOAT64: 'DOUBLE',
    NUMERIC: 'DECIMAL(38,9)',
    BOOL: 'BOOLEAN',
    DATE: 'DATE',
    TIMESTAMP: 'TIMESTAMP WITH TIME ZONE',
    JSON: 'VARCHAR',
  },
  bigquery: {
    STRING: 'STRING',
    INT64: 'INT64',
    FLOAT64: 'FLOAT64',
    NUMERIC: 'NUMERIC',
    BOOL: 'BOOL',
    DATE: 'DATE',
    TIMESTAMP: 'TIMESTAMP',
    JSON: 'JSON',
  },
};

/** Other names an engine answers with in table schemas (BigQuery's legacy type names). */
export const TYPE_ALIASES: Record<Dialect, Record<string, string>> = {
  duckdb: {},
  bigquery: { INTEGER: 'INT64', FLOAT: 'FLOAT64', BOOLEAN: 'BOOL' },
};

/** The engine's name in messages. */
export const ENGINE_NAMES: Record<Dialect, string> = { duckdb: 'DuckDB', bigquery: 'BigQuery' };

/** Identifiers reach SQL only after `resolveTable` validated them; quoting is defence in depth. */
export function quoteIdentifier(dialect: Dialect, identifier: string): string {
  return dialect === 'duckdb' ? `"${identifier.replace(/"/g, '""')}"` : `\`${identifier}\``;
}

/** The parameter `day` as a DATE: DuckDB binds it as text (`$day`), BigQuery receives it typed (`@day`). */
const DAY: Record<Dialect, string> = { duckdb: 'CAST($day AS DATE)', bigquery: '@day' };

type Named = Pick<Column, 'name'>;

/** Counts the rows of `target` (`n`), or of its day `day` when `partition` is given. */
export function countRowsSql(dialect: Dialect, target: string, partition?: Named): string {
  const filter = partition ? ` WHERE ${quoteIdentifier(dialect, partition.name)} = ${DAY[dialect]}` : '';
  return `SELECT COUNT(*) AS n FROM ${target}${filter}`;
}

/**
 * Counts the rows of `source` that are not on the day `day` (`outside`); `partitionValue` reads a source row's
 * partition column (a quoted name, or an expression over a staged column).
 */
export function rowsOutsideDaySql(dialect: Dialect, source: string, partitionValue: string): string {
  return `SELECT COUNT(*) AS outside FROM ${source} WHERE ${partitionValue} IS NULL OR ${partitionValue} != ${DAY[dialect]}`;
}

/** Deletes the day `day` from `target`: the first half of a partition replace. */
export function deleteDaySql(dialect: Dialect, target: string, partition: Named): string {
  return `DELETE FROM ${target} WHERE ${quoteIdentifier(dialect, partition.name)} = ${DAY[dialect]}`;
}

/** Inserts `columns` of `source` into `target`; `value` reads each from a source row (default: the column itself). */
export function insertSelectSql<C extends Named>(
  dialect: Dialect,
  target: string,
  source: string,
  columns: C[],
  value: (column: C) => string = (c) => quoteIdentifier(dialect, c.name),
): string {
  const names = columns.map((c) => quoteIdentifier(dialect, c.name)).join(', ');
  return `INSERT INTO ${target} (${names}) SELECT ${columns.map(value).join(', ')} FROM ${source}`;
}

/** The key list of a table as quoted in SQL (and in the messages about it). */
export const keyListOf = (dialect: Dialect, key: Named[]) =>
  key.map((k) => quoteIdentifier(dialect, k.name)).join(', ');

/** Counts a MERGE source's rows with a NULL key (`null_keys`) and its keys found more than once (`dup_keys`). */
export function sourceKeyCountsSql(dialect: Dialect, source: string, key: Named[]): string {
  const keyList = keyListOf(dialect, key);
  const nullKey = key.map((k) => `${quoteIdentifier(dialect, k.name)} IS NULL`).join(' OR ');
  return `SELECT (SELECT COUNT(*) FROM ${source} WHERE ${nullKey}) AS null_keys,
                (SELECT COUNT(*) FROM (SELECT ${keyList} FROM ${source} GROUP BY ${keyList} HAVING COUNT(*) > 1)) AS dup_keys`;
}

/**
 * MERGEs `source` (a table, or a parenthesised SELECT) into `target` on `key`: a matched row takes every non-key
 * column of `columns`, a new key inserts `columns`; columns the source lacks keep their values.
 */
export function mergeSql(dialect: Dialect, target: string, source: string, key: Named[], columns: Named[]): string {
  const q = (identifier: string) => quoteIdentifier(dialect, identifier);
  const on = key.map((k) => `target.${q(k.name)} = source.${q(k.name)}`).join(' AND ');
  const updates = columns.filter((c) => !key.some((k) => k.name === c.name));
  const names = columns.map((c) => q(c.name));
  const matched = updates.length
    ? `WHEN MATCHED THEN UPDATE SET ${updates.map((c) => `${q(c.name)} = source.${q(c.name)}`).join(', ')}`
    : '';
  return `MERGE INTO ${target} AS target
           USING ${source} AS source ON ${on}
           ${matched}
           WHEN NOT MATCHED THEN INSERT (${names.join(', ')}) VALUES (${names.map((n) => `source.${n}`).join(', ')})`;
}
