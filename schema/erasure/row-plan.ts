import type { TableErasure } from './types';

/**
 * One table's erasure as SQL conditions and assignments over named parameters, in one of three dialects. Every
 * store's statements are built from this: PostgreSQL (`source.ts`), the warehouse engines (`statements.ts`) and the
 * lake's Parquet rewrite (DuckDB over files whose id columns may be BIGINT: raw, or STRING: processed).
 *
 * Parameters: `user` (the user id), `tenant`, `email` (lower-cased by the caller), `token` (the pseudonym),
 * `erased_at` (ISO timestamp).
 */
export type ErasureDialect = 'postgres' | 'duckdb' | 'bigquery';

export type ParamName = 'user' | 'tenant' | 'email' | 'token' | 'erased_at';

export interface Assignment {
  column: string;
  /** First matching branch wins; otherwise the column keeps its value. */
  branches: Array<{ when: string; value: string }>;
}

export interface RowPlan {
  table: string;
  /** Rows that go; undefined when none do. */
  deleteWhen?: string;
  /** Column changes on kept rows. */
  assignments: Assignment[];
  /** Rows that concern the person (matched by a reference or by email): counted before and after. */
  concerns?: string;
  /** Rows the plan would still change (a value already in place is no change: reruns are no-ops). */
  changeWhen?: string;
}

export interface RowPlanOptions {
  dialect: ErasureDialect;
  /** Columns the data actually has (a Parquet file written before a column existed); @default every rule column */
  columns?: ReadonlySet<string>;
  /** Whether an email is known (no email: email rules do not apply). @default true */
  hasEmail?: boolean;
  /**
   * Compare id columns as text (`CAST(col AS VARCHAR) = $user`): the lake, where raw ids are BIGINT and processed
   * ids STRING. @default false
   */
  idsAsText?: boolean;
}

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const bqIdent = (name: string) => `\`${name.replace(/`/g, '')}\``;
const PG_TYPES: Record<ParamName, string> = {
  user: 'bigint',
  tenant: 'bigint',
  email: 'text',
  token: 'bigint',
  erased_at: 'timestamptz',
};

/** A parameter placeholder; PostgreSQL placeholders are `{name}` here and numbered by `numberParams`. */
export function param(dialect: ErasureDialect, name: ParamName): string {
  if (dialect === 'postgres') return `{${name}}::${PG_TYPES[name]}`;
  return dialect === 'duckdb' ? `$${name}` : `@${name}`;
}

export function ident(dialect: ErasureDialect, name: string): string {
  return dialect === 'bigquery' ? bqIdent(name) : quoteIdent(name);
}

const anyOf = (conds: string[]) => (conds.length === 0 ? undefined : conds.map((c) => `(${c})`).join(' OR '));

export function rowPlan(rule: TableErasure, options: RowPlanOptions): RowPlan {
  const { dialect } = options;
  const has = (c: string) => !options.columns || options.columns.has(c);
  const col = (c: string) => ident(dialect, c);
  const p = (n: ParamName) => param(dialect, n);
  const text = dialect === 'bigquery' ? 'STRING' : 'VARCHAR';
  const idEq = (c: string) =>
    options.idsAsText ? `CAST(${col(c)} AS ${text}) = ${p('user')}` : `${col(c)} = ${p('user')}`;

  const refs = Object.entries(rule.references).filter(([c]) => has(c));
  const deletes = refs.filter(([, a]) => a === 'delete_row').map(([c]) => idEq(c));
  const own =
    rule.owner && has(rule.owner) && rule.references[rule.owner] === 'tokenise' ? idEq(rule.owner) : undefined;

  const emails = options.hasEmail === false ? [] : rule.emails.filter(has);
  const tenant = rule.tenantColumn && has(rule.tenantColumn) ? rule.tenantColumn : undefined;
  let byEmail: string | undefined;
  if (emails.length > 0) {
    if (!tenant)
      throw new Error(`${rule.store} ${rule.table}: email columns need a tenant column (emails are per tenant)`);
    const tenantEq = options.idsAsText
      ? `CAST(${col(tenant)} AS ${text}) = ${p('tenant')}`
      : `${col(tenant)} = ${p('tenant')}`;
    byEmail = `${tenantEq} AND (${emails.map((e) => `lower(${col(e)}) = ${p('email')}`).join(' OR ')})`;
  }

  const assignments: Assignment[] = [];
  const change: string[] = [];
  const add = (column: string, when: string | undefined, value: string, unchanged: string) => {
    if (!when) return;
    let a = assignments.find((x) => x.column === column);
    if (!a) assignments.push((a = { column, branches: [] }));
    a.branches.push({ when, value });
    change.push(unchanged === 'true' ? when : `(${when}) AND ${unchanged}`);
  };
  for (const [c, action] of refs) {
    if (action === 'tokenise') add(c, idEq(c), p('token'), 'true');
    if (action === 'clear') add(c, idEq(c), 'NULL', 'true');
  }
  const personal = anyOf([own, byEmail].filter((x): x is string => Boolean(x)));
  for (const c of rule.anonymise.filter(has)) add(c, personal, 'NULL', `${col(c)} IS NOT NULL`);
  for (const [c, v] of Object.entries(rule.tombstone ?? {})) {
    if (!has(c)) continue;
    const value =
      v === 'erased_at'
        ? dialect === 'postgres'
          ? p('erased_at')
          : `CAST(${p('erased_at')} AS ${dialect === 'duckdb' ? 'TIMESTAMPTZ' : 'TIMESTAMP'})`
        : sqlString(v.literal);
    // The tombstone's fixed values are no change on their own: the row is already the tombstone once re-keyed.
    const a = assignments.find((x) => x.column === c) ?? { column: c, branches: [] };
    if (!assignments.includes(a)) assignments.push(a);
    if (own) a.branches.push({ when: own, value });
  }
  const deleteWhen = anyOf(deletes);
  return {
    table: rule.table,
    deleteWhen,
    assignments: assignments.filter((a) => a.branches.length > 0),
    concerns: anyOf([...refs.map(([c]) => idEq(c)), ...(byEmail ? [byEmail] : [])]),
    changeWhen: anyOf([...(deleteWhen ? [deleteWhen] : []), ...change]),
  };
}

export const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** `CASE WHEN … THEN … ELSE col END` for an assignment. */
export function caseExpression(dialect: ErasureDialect, a: Assignment): string {
  const whens = a.branches.map((b) => `WHEN (${b.when}) THEN ${b.value}`).join(' ');
  return `CASE ${whens} ELSE ${ident(dialect, a.column)} END`;
}

/** The parameters a statement uses, in first-use order. */
export function paramsUsed(dialect: ErasureDialect, sql: string): ParamName[] {
  const names: ParamName[] = ['user', 'tenant', 'email', 'token', 'erased_at'];
  const at = (n: ParamName) => {
    const re = dialect === 'postgres' ? new RegExp(`\\{${n}\\}`) : new RegExp(`[$@]${n}\\b`);
    return re.exec(sql)?.index ?? -1;
  };
  return names
    .map((n) => [n, at(n)] as const)
    .filter(([, i]) => i >= 0)
    .sort((a, b) => a[1] - b[1])
    .map(([n]) => n);
}

/** The values of a subject as the generators' parameters (email lower-cased). */
export function paramValues(s: {
  userId: string;
  tenantId: string;
  email?: string;
  token: string;
  erasedAt: string;
}): Record<ParamName, string | undefined> {
  return { user: s.userId, tenant: s.tenantId, email: s.email?.toLowerCase(), token: s.token, erased_at: s.erasedAt };
}
