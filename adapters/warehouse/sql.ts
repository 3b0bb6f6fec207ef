import { ErrorType, PlatformError } from '../errors';
import type { QueryParam } from '../ports';
import type { ColumnType } from '../../schema/warehouse/types';

/**
 * SQL text handling shared by the warehouses: finds `@name` parameters and statement boundaries outside strings,
 * quoted identifiers and comments, so values never need to be spliced into SQL and read-only queries can be told
 * apart from writes. It is a guard for engineers' mistakes, not a sandbox: the engine still parses the SQL.
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
