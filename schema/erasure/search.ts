import { ERASURE_RULES, NOT_PERSON_REFERENCES } from './rules';
import type { TableErasure } from './types';

/**
 * The search (bigquery-etl shredder's search.py): finds columns that look like they name a person or hold an email
 * and that no rule covers, and rules that name columns a table does not have. `test/unit/erasure-search.test.ts`
 * runs it over the source tables, the warehouse schema and the raw Parquet schemas of the Spark job, so a new
 * `reviewer_id` or `contact_email` fails the build until `rules.ts` says what erasure does to it.
 */

/** Names that make a column a reference to a person (`user_id`, `target_user_id`, `owner_ref`, `created_by`). */
const PERSON_WORDS =
  'user|actor|owner|subject|member|person|principal|author|assignee|recipient|sender|requester|reviewer|creator';
export const PERSON_REFERENCE_NAME = new RegExp(`(?:^|_)(?:${PERSON_WORDS})(?:_?ids?|_?refs?|_?tokens?)?$|_by$`, 'i');
export const EMAIL_NAME = /e_?mail/i;

export interface ShapeOfTable {
  store: TableErasure['store'];
  table: string;
  columns: readonly string[];
  /** Columns flagged personal data in their schema. */
  personal?: readonly string[];
}

export interface SearchFinding {
  store: TableErasure['store'];
  table: string;
  column: string;
  problem:
    | 'person reference without a rule'
    | 'email column without a rule'
    | 'personal column without a rule'
    | 'rule names a missing column';
}

export function searchUncovered(
  shapes: readonly ShapeOfTable[],
  rules: readonly TableErasure[] = ERASURE_RULES,
): SearchFinding[] {
  const findings: SearchFinding[] = [];
  for (const shape of shapes) {
    const rule = rules.find((r) => r.store === shape.store && r.table === shape.table);
    const ignored = (c: string) =>
      NOT_PERSON_REFERENCES.some((n) => n.store === shape.store && n.table === shape.table && n.column === c);
    const add = (column: string, problem: SearchFinding['problem']) =>
      findings.push({ store: shape.store, table: shape.table, column, problem });
    for (const c of shape.columns) {
      if (ignored(c)) continue;
      if (PERSON_REFERENCE_NAME.test(c) && !rule?.references[c]) add(c, 'person reference without a rule');
      else if (EMAIL_NAME.test(c) && !rule?.emails.includes(c)) add(c, 'email column without a rule');
      else if (shape.personal?.includes(c) && !rule?.anonymise.includes(c) && !rule?.references[c]) {
        add(c, 'personal column without a rule');
      }
    }
    if (rule) {
      const named = [
        ...Object.keys(rule.references),
        ...rule.anonymise,
        ...rule.emails,
        ...(rule.owner ? [rule.owner] : []),
        ...(rule.tenantColumn ? [rule.tenantColumn] : []),
        ...Object.keys(rule.tombstone ?? {}),
      ];
      for (const c of new Set(named)) if (!shape.columns.includes(c)) add(c, 'rule names a missing column');
    }
  }
  return findings;
}
