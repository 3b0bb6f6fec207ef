import { describe, expect, it } from 'vitest';
import { emailColumnsOf, erasurePlan, subjectColumnsOf } from '../../adapters/warehouse/schema';
import { userAnalytics } from '../../schema/warehouse';
import type { Table } from '../../schema/warehouse/types';

/** What one GDPR erasure pass does to each table of the real dataset (adapters/warehouse/schema.ts). */
const table = (name: string): Table => {
  const t = userAnalytics.tables.find((x) => x.name === name);
  if (!t) throw new Error(`no table ${name}`);
  return t;
};
const names = (cols: { name: string }[]) => cols.map((c) => c.name);

describe('erasure passes of the user_analytics dataset', () => {
  it('runs one pass per person-reference column (user_id first) and per email column', () => {
    expect(subjectColumnsOf(userAnalytics)).toEqual(['user_id', 'target_user_id']);
    expect(emailColumnsOf(userAnalytics)).toEqual(['attempted_email', 'email']);
  });

  it('deletes the person’s own dimension rows', () => {
    for (const name of ['dim_users', 'dim_user_roles', 'dim_team_members']) {
      expect(erasurePlan(table(name), 'user_id').action, name).toBe('delete_row');
    }
    expect(erasurePlan(table('dim_users'), 'email').action).toBe('delete_row');
  });

  it('tokenises only the subject column of a fact; the other person in the row keeps their id', () => {
    const collab = table('fact_team_collaborations');
    const byActor = erasurePlan(collab, 'user_id');
    expect(byActor.action).toBe('update');
    expect(names(byActor.tokenise)).toEqual(['user_id']);
    const byTarget = erasurePlan(collab, 'target_user_id');
    expect(byTarget.action).toBe('update');
    expect(names(byTarget.tokenise)).toEqual(['target_user_id']);
    // The row is the actor's: their personal columns are not the target's to lose.
    expect(byTarget.nullify).toEqual([]);
  });

  it('nulls personal columns when the row is the person’s, found by user id or by their email', () => {
    const auth = table('fact_auth_events');
    const byId = erasurePlan(auth, 'user_id');
    expect(names(byId.tokenise)).toEqual(['user_id']);
    expect(names(byId.nullify)).toContain('attempted_email');
    const byEmail = erasurePlan(auth, 'attempted_email');
    expect(byEmail.action).toBe('update');
    expect(byEmail.tokenise).toEqual([]);
    expect(names(byEmail.nullify)).toEqual(names(byId.nullify));
  });

  it('skips tables without the subject column, and every reporting table', () => {
    expect(erasurePlan(table('dim_users'), 'target_user_id').action).toBe('skip');
    for (const t of userAnalytics.tables.filter((x) => x.kind === 'reporting')) {
      for (const subject of [...subjectColumnsOf(userAnalytics), ...emailColumnsOf(userAnalytics)]) {
        expect(erasurePlan(t, subject).action, `${t.name}.${subject}`).toBe('skip');
      }
    }
  });
});
