import { describe, expect, it } from 'vitest';
import {
  erasureRule,
  pseudonymOf,
  PSEUDONYM,
  rowPlan,
  sourceStatements,
  warehouseStatements,
  WAREHOUSE_ERASURE,
  type TableErasure,
} from '../../schema/erasure';
import { userAnalytics } from '../../schema/warehouse';

/**
 * What one GDPR erasure does to each table (schema/erasure): the assertions of the former per-pass `erasurePlan`
 * (adapters/warehouse/schema.ts), re-pointed at the one plan. Where the lead's decisions changed the behaviour the
 * comment says so.
 */
const rule = (store: TableErasure['store'], table: string): TableErasure => {
  const r = erasureRule(store, table);
  if (!r) throw new Error(`no rule for ${store} ${table}`);
  return r;
};
const assigned = (r: TableErasure) =>
  rowPlan(r, { dialect: 'duckdb' }).assignments.map((a) => [a.column, a.branches.map((b) => b.value)]);

describe('the erasure plan of user_analytics', () => {
  it('covers every person-reference column (user_id, target_user_id) and email column (attempted_email, email)', () => {
    const refs = new Set(WAREHOUSE_ERASURE.flatMap((r) => Object.keys(r.references)));
    const emails = new Set(WAREHOUSE_ERASURE.flatMap((r) => r.emails));
    expect([...refs].sort()).toEqual(['target_user_id', 'user_id']);
    expect([...emails].sort()).toEqual(['attempted_email', 'email']);
  });

  it('keeps the person’s own dimension rows as a tombstone under the pseudonym (decision c: no longer deleted)', () => {
    for (const name of ['dim_users', 'dim_user_roles', 'dim_team_members']) {
      expect(rule('warehouse', name).references.user_id, name).toBe('tokenise');
      expect(rowPlan(rule('warehouse', name), { dialect: 'duckdb' }).deleteWhen, name).toBeUndefined();
    }
    expect(assigned(rule('warehouse', 'dim_users'))).toEqual([
      ['user_id', ['$token']],
      ['email', ['NULL']],
      ['full_name', ['NULL']],
      ['phone', ['NULL']],
      ['city', ['NULL']],
      ['status', ["'deleted'"]],
      ['deleted_at', ['CAST($erased_at AS TIMESTAMPTZ)']],
      ['updated_at', ['CAST($erased_at AS TIMESTAMPTZ)']],
    ]);
  });

  it('re-keys the actor of a collaboration and clears its target (decision a: the target is not tokenised)', () => {
    const collab = rule('warehouse', 'fact_team_collaborations');
    expect(collab.references).toEqual({ user_id: 'tokenise', target_user_id: 'clear' });
    expect(assigned(collab)).toEqual([
      ['user_id', ['$token']],
      ['target_user_id', ['NULL']],
    ]);
    // The row is the actor's: their personal columns are not the target's to lose.
    const plan = rowPlan(collab, { dialect: 'duckdb' });
    expect(plan.assignments.every((a) => a.branches.every((b) => !b.when.includes('email')))).toBe(true);
  });

  it('nulls personal columns when the row is the person’s, found by user id or by their email within the tenant', () => {
    const auth = rowPlan(rule('warehouse', 'fact_auth_events'), { dialect: 'duckdb' });
    expect(auth.assignments.map((a) => a.column)).toEqual(['user_id', 'attempted_email', 'ip', 'user_agent']);
    const byEmail = '"tenant_id" = $tenant AND (lower("attempted_email") = $email)';
    for (const c of ['attempted_email', 'ip', 'user_agent']) {
      const when = auth.assignments.find((a) => a.column === c)?.branches[0]?.when;
      expect(when).toContain('"user_id" = $user');
      expect(when).toContain(byEmail); // decision b: scoped to the tenant in every store
    }
    // The user id is re-keyed only when it is the person's, never because the email matched.
    expect(auth.assignments[0]?.branches).toEqual([{ when: '"user_id" = $user', value: '$token' }]);
  });

  it('skips every reporting table (no rule), and every table without the rule columns', () => {
    for (const t of userAnalytics.tables.filter((x) => x.kind === 'reporting')) {
      expect(erasureRule('warehouse', t.name), t.name).toBeUndefined();
      expect(warehouseStatements(erasureRule('warehouse', t.name), t.name, t.name, 'duckdb').action).toBe('skip');
    }
    const dim = rule('warehouse', 'dim_users');
    expect(rowPlan(dim, { dialect: 'duckdb', columns: new Set(['tenant_id', 'country']) }).changeWhen).toBeUndefined();
  });

  it('annotates the dataset’s columns from the plan (policy tags, Spark metadata, checkDataset)', () => {
    const col = (t: string, c: string) =>
      userAnalytics.tables.find((x) => x.name === t)?.columns.find((x) => x.name === c)?.erasure;
    expect(col('fact_team_collaborations', 'target_user_id')).toBe('clear');
    expect(col('fact_auth_events', 'ip')).toBe('anonymise');
    expect(col('dim_users', 'user_id')).toBe('tokenise');
    expect(col('dim_users', 'country')).toBeUndefined();
  });
});

describe('the source and the lake apply the same plan', () => {
  it('source and warehouse agree table by table on what each reference becomes', () => {
    const pairs: Array<[string, string, Record<string, string>]> = [
      ['users', 'dim_users', { user_id: 'user_id' }],
      ['user_roles', 'dim_user_roles', { user_id: 'user_id' }],
      ['team_members', 'dim_team_members', { user_id: 'user_id' }],
      ['sessions', 'fact_session_metrics', { user_id: 'user_id' }],
      ['auth_events', 'fact_auth_events', { user_id: 'user_id' }],
      ['activity_events', 'fact_user_activities', { user_id: 'user_id' }],
      ['api_requests', 'fact_api_requests', { user_id: 'user_id' }],
      [
        'collaboration_events',
        'fact_team_collaborations',
        { actor_user_id: 'user_id', target_user_id: 'target_user_id' },
      ],
      ['permission_checks', 'fact_permission_checks', { user_id: 'user_id' }],
    ];
    for (const [source, warehouse, columns] of pairs) {
      const s = rule('source', source);
      const w = rule('warehouse', warehouse);
      for (const [sc, wc] of Object.entries(columns))
        expect(s.references[sc], `${source}.${sc}`).toBe(w.references[wc]);
      // Every column the warehouse nulls is nulled at the source too (same names after the transform).
      for (const c of w.anonymise) expect(s.anonymise, `${source} ← ${warehouse}.${c}`).toContain(c);
      expect(s.emails).toEqual(w.emails.map((e) => (e === 'email' ? 'email' : e)));
      expect(Boolean(s.tombstone)).toBe(Boolean(w.tombstone));
      expect(s.tombstone).toEqual(w.tombstone);
    }
  });

  it('generates the PostgreSQL erasure in foreign-key order: tombstone first, identity row last', () => {
    const statements = sourceStatements();
    expect(statements[0]?.label).toBe('users.tombstone');
    expect(statements[statements.length - 1]?.label).toBe('users');
    const collab = statements.find((s) => s.label === 'collaboration_events');
    expect(collab?.sql).toContain('"target_user_id" = CASE WHEN ("target_user_id" = $1::bigint) THEN NULL');
    expect(collab?.sql).not.toMatch(/DELETE/);
    const auth = statements.find((s) => s.label === 'auth_events');
    expect(auth?.sql).toContain('"tenant_id" = $3::bigint AND (lower("attempted_email") = $4::text)');
    expect(auth?.params).toEqual(['user', 'token', 'tenant', 'email']);
  });
});

describe('pseudonyms', () => {
  it('derives a negative bigint from the saga token, deterministically, never a real id', () => {
    const a = pseudonymOf(`anon_${'f'.repeat(32)}`);
    expect(a).toBe('-9223372036854775808');
    expect(pseudonymOf(`anon_${'0'.repeat(32)}`)).toBe('-1');
    const b = pseudonymOf('anon_0123456789abcdef0123456789abcdef');
    expect(b).toBe(pseudonymOf('anon_0123456789abcdef0123456789abcdef'));
    for (const p of [a, b]) expect(p).toMatch(PSEUDONYM);
    expect(BigInt(b)).toBe(-(0x0123456789abcdefn >> 1n) - 1n);
    expect(() => pseudonymOf('22')).toThrow(/anon_/);
  });
});
