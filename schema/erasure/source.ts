import { SOURCE_TABLES } from '../source/tables';
import { caseExpression, ident, paramsUsed, rowPlan, type ParamName } from './row-plan';
import { SOURCE_ERASURE } from './rules';
import type { TableErasure } from './types';

/**
 * The PostgreSQL statements that erase one person from the User Module, in an order the foreign keys accept, run in
 * one transaction by the SubjectStore adapter: the identity row's tombstone is inserted first (under the pseudonym),
 * then every table's references are re-keyed / cleared and personal columns nulled, then `delete_row` rows go, and
 * last the original identity row.
 */
export interface SourceStatement {
  /** What the count of affected rows is reported as (`users.tombstone`, `auth_events`, …). */
  label: string;
  /** SQL with `$1…$n` placeholders. */
  sql: string;
  /** The parameter behind each placeholder, in order. */
  params: ParamName[];
}

function numbered(label: string, sql: string): SourceStatement {
  const params = paramsUsed('postgres', sql);
  let out = sql;
  params.forEach((name, i) => (out = out.replaceAll(`{${name}}`, `$${i + 1}`)));
  return { label, sql: out, params };
}

function columnsOf(table: string): readonly string[] {
  const spec = SOURCE_TABLES.find((t) => t.name === table);
  if (!spec) throw new Error(`erasure rule for unknown source table ${table}`);
  return spec.columns;
}

export function sourceStatements(rules: readonly TableErasure[] = SOURCE_ERASURE): SourceStatement[] {
  const inserts: SourceStatement[] = [];
  const updates: SourceStatement[] = [];
  const deletes: SourceStatement[] = [];
  const identities: SourceStatement[] = [];
  const order = SOURCE_TABLES.map((t) => t.name as string);
  const sorted = [...rules].sort((a, b) => order.indexOf(a.table) - order.indexOf(b.table));
  for (const rule of sorted) {
    const plan = rowPlan(rule, { dialect: 'postgres' });
    const t = ident('postgres', rule.table);
    if (rule.tombstone) {
      if (!rule.owner) throw new Error(`${rule.table}: a tombstone needs an owner column`);
      // The tombstone is the identity row as every other store will hold it after erasure: each column takes the
      // value the person's own row gets (the pseudonym, NULL, the tombstone values), or keeps its own.
      const own = `${ident('postgres', rule.owner)} = {user}::bigint`;
      const columns = columnsOf(rule.table);
      const select = columns.map((c) => {
        const a = plan.assignments.find((x) => x.column === c);
        const branch = a?.branches.find((b) => b.when === own || b.when.includes(own));
        return branch ? `${branch.value} AS ${ident('postgres', c)}` : ident('postgres', c);
      });
      const scope = rule.tenantColumn ? ` AND ${ident('postgres', rule.tenantColumn)} = {tenant}::bigint` : '';
      inserts.push(
        numbered(
          `${rule.table}.tombstone`,
          `INSERT INTO ${t} (${columns.map((c) => ident('postgres', c)).join(', ')}) ` +
            `SELECT ${select.join(', ')} FROM ${t} WHERE ${own}${scope} ON CONFLICT DO NOTHING`,
        ),
      );
      // Rows found by email other than the identity row (none while emails are unique per tenant) are anonymised.
      const others = plan.assignments.filter((a) => rule.anonymise.includes(a.column));
      if (others.length > 0 && plan.concerns) {
        updates.push(
          numbered(
            `${rule.table}.email`,
            `UPDATE ${t} SET ${others.map((a) => `${ident('postgres', a.column)} = NULL`).join(', ')} ` +
              `WHERE NOT (${own}) AND (${plan.concerns}) AND (${plan.changeWhen})`,
          ),
        );
      }
      identities.push(numbered(rule.table, `DELETE FROM ${t} WHERE ${own}${scope}`));
      continue;
    }
    if (plan.assignments.length > 0 && plan.changeWhen) {
      const sets = plan.assignments.map((a) => `${ident('postgres', a.column)} = ${caseExpression('postgres', a)}`);
      updates.push(numbered(rule.table, `UPDATE ${t} SET ${sets.join(', ')} WHERE ${plan.changeWhen}`));
    }
    if (plan.deleteWhen) deletes.push(numbered(`${rule.table}.deleted`, `DELETE FROM ${t} WHERE ${plan.deleteWhen}`));
  }
  return [...inserts, ...updates, ...deletes.reverse(), ...identities.reverse()];
}

/** Person-reference columns per source table: what the independent scan counts the user id in. */
export function sourceReferenceColumns(rules: readonly TableErasure[] = SOURCE_ERASURE): Record<string, string[]> {
  return Object.fromEntries(rules.map((r) => [r.table, Object.keys(r.references)]));
}
