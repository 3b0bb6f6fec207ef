import {
  caseExpression,
  ident,
  paramValues,
  paramsUsed,
  rowPlan,
  type ErasureDialect,
  type ParamName,
  type RowPlan,
} from './row-plan';
import { WAREHOUSE_ERASURE } from './rules';
import type { TableErasure } from './types';

/**
 * Warehouse statements for one table (DuckDB or BigQuery, the existing `Dialect` of adapters/warehouse): count the
 * rows that concern the person, change them, count again. Placeholders are the dialect's named parameters
 * (`$user` / `@user`); `params` lists the ones each statement uses.
 */
export interface WarehouseErasureStatements {
  table: string;
  action: 'delete_row' | 'update' | 'skip';
  count?: Statement;
  /** Run in order. */
  changes: Statement[];
}
export interface Statement {
  sql: string;
  params: ParamName[];
}

const statement = (dialect: ErasureDialect, sql: string): Statement => ({ sql, params: paramsUsed(dialect, sql) });

/**
 * @param target the table as the engine names it (qualified and quoted by the adapter)
 * @param extraWhere a condition every statement must carry (BigQuery's required partition filter)
 */
export function warehouseStatements(
  rule: TableErasure | undefined,
  table: string,
  target: string,
  dialect: Exclude<ErasureDialect, 'postgres'>,
  options: { columns?: ReadonlySet<string>; hasEmail?: boolean; extraWhere?: string } = {},
): WarehouseErasureStatements {
  if (!rule) return { table, action: 'skip', changes: [] };
  const plan: RowPlan = rowPlan(rule, { dialect, columns: options.columns, hasEmail: options.hasEmail });
  if (!plan.concerns || !plan.changeWhen) return { table, action: 'skip', changes: [] };
  const scoped = (cond: string) => (options.extraWhere ? `(${cond}) AND ${options.extraWhere}` : cond);
  const changes: Statement[] = [];
  if (plan.deleteWhen) changes.push(statement(dialect, `DELETE FROM ${target} WHERE ${scoped(plan.deleteWhen)}`));
  if (plan.assignments.length > 0) {
    const sets = plan.assignments.map((a) => `${ident(dialect, a.column)} = ${caseExpression(dialect, a)}`);
    changes.push(statement(dialect, `UPDATE ${target} SET ${sets.join(', ')} WHERE ${scoped(plan.changeWhen)}`));
  }
  return {
    table,
    action: plan.deleteWhen && plan.assignments.length === 0 ? 'delete_row' : 'update',
    count: statement(dialect, `SELECT count(*) AS n FROM ${target} WHERE ${scoped(plan.changeWhen)}`),
    changes,
  };
}

export function warehouseRule(table: string, rules: readonly TableErasure[] = WAREHOUSE_ERASURE) {
  return rules.find((r) => r.table === table);
}

/** Person-reference columns per warehouse table (the independent scan looks for the user id there). */
export function warehouseReferenceColumns(
  rules: readonly TableErasure[] = WAREHOUSE_ERASURE,
): Record<string, string[]> {
  return Object.fromEntries(rules.map((r) => [r.table, Object.keys(r.references)]));
}

/**
 * Warehouse statements for one table and many people at once (the batched GDPR pass): one count, at most one DELETE
 * and one UPDATE for the whole batch. Each person's conditions are their own plan's, with their parameters renamed
 * (`@user` → `@user_3` for the fourth person), so the batch changes exactly the rows the people's separate statements
 * would, never a cross product (no email of one matched in another's tenant). The count returns `n_<i>` per person.
 */
export interface WarehouseBatchStatements {
  table: string;
  action: 'delete_row' | 'update' | 'skip';
  count?: BatchStatement;
  changes: BatchStatement[];
}
export interface BatchStatement {
  sql: string;
  /** Renamed parameters used (`user_0`, `tenant_0`, …): `batchParamValues` gives their values. */
  params: string[];
}

const BATCH_PARAM = /([$@])(user|tenant|email|token|erased_at)\b/g;
const renameFor = (sql: string, i: number) =>
  sql.replace(BATCH_PARAM, (_m, mark: string, n: string) => `${mark}${n}_${i}`);
const batchStatement = (sql: string): BatchStatement => ({
  sql,
  params: [
    ...new Set([...sql.matchAll(/[$@]((?:user|tenant|email|token|erased_at)_\d+)\b/g)].map((m) => m[1] as string)),
  ],
});

export function warehouseBatchStatements(
  rule: TableErasure | undefined,
  table: string,
  target: string,
  dialect: Exclude<ErasureDialect, 'postgres'>,
  options: { columns?: ReadonlySet<string>; hasEmail: boolean[]; extraWhere?: string },
): WarehouseBatchStatements {
  const skip: WarehouseBatchStatements = { table, action: 'skip', changes: [] };
  if (!rule || options.hasEmail.length === 0) return skip;
  const plans = options.hasEmail.map((hasEmail) => rowPlan(rule, { dialect, columns: options.columns, hasEmail }));
  if (plans.every((p) => !p.concerns || !p.changeWhen)) return skip;
  const scoped = (cond: string) => (options.extraWhere ? `(${cond}) AND ${options.extraWhere}` : cond);
  const anyOf = (conds: string[]) => conds.map((c) => `(${c})`).join(' OR ');
  const changeWhen = plans.map((p, i) => (p.changeWhen ? renameFor(p.changeWhen, i) : 'FALSE'));
  const deletes = plans.flatMap((p, i) => (p.deleteWhen ? [renameFor(p.deleteWhen, i)] : []));
  const columns: string[] = [];
  const branches = new Map<string, string[]>();
  plans.forEach((p, i) => {
    for (const a of p.assignments) {
      if (!branches.has(a.column)) {
        branches.set(a.column, []);
        columns.push(a.column);
      }
      for (const b of a.branches)
        branches.get(a.column)!.push(`WHEN (${renameFor(b.when, i)}) THEN ${renameFor(b.value, i)}`);
    }
  });
  const changes: BatchStatement[] = [];
  if (deletes.length > 0) changes.push(batchStatement(`DELETE FROM ${target} WHERE ${scoped(anyOf(deletes))}`));
  if (columns.length > 0) {
    const sets = columns.map(
      (c) => `${ident(dialect, c)} = CASE ${branches.get(c)!.join(' ')} ELSE ${ident(dialect, c)} END`,
    );
    changes.push(batchStatement(`UPDATE ${target} SET ${sets.join(', ')} WHERE ${scoped(anyOf(changeWhen))}`));
  }
  const counts = changeWhen.map((c, i) => `coalesce(sum(CASE WHEN (${c}) THEN 1 ELSE 0 END), 0) AS n_${i}`);
  return {
    table,
    action: deletes.length > 0 && columns.length === 0 ? 'delete_row' : 'update',
    count: batchStatement(`SELECT ${counts.join(', ')} FROM ${target} WHERE ${scoped(anyOf(changeWhen))}`),
    changes,
  };
}

/** The values of a batch's renamed parameters (`user_0` …), emails lower-cased. */
export function batchParamValues(
  subjects: Array<{ userId: string; tenantId: string; email?: string; token: string; erasedAt: string }>,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  subjects.forEach((s, i) => {
    for (const [k, v] of Object.entries(paramValues(s))) out[`${k}_${i}`] = v;
  });
  return out;
}
