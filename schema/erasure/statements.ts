import {
  caseExpression,
  ident,
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
  const plan: RowPlan = rowPlan(rule, {
    dialect,
    columns: options.columns,
    hasEmail: options.hasEmail,
    tenantScoped: true,
  });
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
