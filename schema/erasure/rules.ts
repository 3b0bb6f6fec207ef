import type { NotAPersonReference, TableErasure, TombstoneValue } from './types';

/**
 * THE erasure rules of every store (schema/README.md, "GDPR erasure rules"). The decisions they encode:
 *
 * - A person's own rows (events they acted in, their sessions, their team and role memberships) stay, re-keyed to
 *   their pseudonym, with personal columns NULL: tenant, team and role aggregates keep counting them, and a re-run
 *   of any day re-extracts the same rows the rewritten lake and warehouse hold.
 * - A collaboration whose TARGET is the person is someone else's row: it stays and `target_user_id` becomes NULL.
 * - Emails are matched within the person's tenant only (`tenant_id = <tenant>`), case-insensitively.
 * - The identity row becomes a tombstone under the pseudonym: same tenant, status 'deleted', deleted_at and
 *   updated_at the request time, personal columns NULL; non-identifying attributes (country, region, timezone, job
 *   title, dates) stay so demographics count the tombstone as they counted the person.
 */

const USER_TOMBSTONE: Readonly<Record<string, TombstoneValue>> = {
  status: { literal: 'deleted' },
  deleted_at: 'erased_at',
  updated_at: 'erased_at',
};

const owned = (
  store: TableErasure['store'],
  table: string,
  anonymise: readonly string[] = [],
  extra: Partial<TableErasure> = {},
): TableErasure => ({
  store,
  table,
  references: { user_id: 'tokenise' },
  owner: 'user_id',
  anonymise,
  emails: [],
  ...extra,
});

/** User Module tables (PostgreSQL) and their raw-zone copies. */
export const SOURCE_ERASURE: readonly TableErasure[] = [
  owned('source', 'users', ['email', 'full_name', 'phone', 'city'], {
    emails: ['email'],
    tenantColumn: 'tenant_id',
    tombstone: USER_TOMBSTONE,
  }),
  owned('source', 'user_roles', [], { note: 're-keyed so role aggregates keep counting the pseudonym' }),
  owned('source', 'team_members', [], { note: 're-keyed so team composition keeps counting the pseudonym' }),
  {
    store: 'source',
    table: 'legal_holds',
    references: { user_id: 'delete_row' },
    anonymise: [],
    emails: [],
    note: 'erasure is refused while a hold exists; the rule covers the column',
  },
  owned('source', 'sessions', ['ip', 'user_agent']),
  owned('source', 'auth_events', ['attempted_email', 'ip', 'user_agent'], {
    emails: ['attempted_email'],
    tenantColumn: 'tenant_id',
  }),
  owned('source', 'activity_events', ['metadata']),
  owned('source', 'api_requests'),
  {
    store: 'source',
    table: 'event_outbox',
    references: { user_id: 'delete_row' },
    owner: 'user_id',
    anonymise: [],
    emails: [],
    note: 'unpublished real-time events: the person’s go (their published copies are purged from the bus)',
  },
  {
    store: 'source',
    table: 'collaboration_events',
    references: { actor_user_id: 'tokenise', target_user_id: 'clear' },
    owner: 'actor_user_id',
    anonymise: [],
    emails: [],
  },
  owned('source', 'permission_checks'),
];

/** Warehouse tables (dataset user_analytics) and their processed-zone copies. */
export const WAREHOUSE_ERASURE: readonly TableErasure[] = [
  owned('warehouse', 'dim_users', ['email', 'full_name', 'phone', 'city'], {
    emails: ['email'],
    tenantColumn: 'tenant_id',
    tombstone: USER_TOMBSTONE,
  }),
  owned('warehouse', 'dim_user_roles'),
  owned('warehouse', 'dim_team_members'),
  owned('warehouse', 'fact_user_activities', ['metadata']),
  owned('warehouse', 'fact_session_metrics', ['ip', 'user_agent']),
  owned('warehouse', 'fact_auth_events', ['attempted_email', 'ip', 'user_agent'], {
    emails: ['attempted_email'],
    tenantColumn: 'tenant_id',
  }),
  {
    store: 'warehouse',
    table: 'fact_team_collaborations',
    references: { user_id: 'tokenise', target_user_id: 'clear' },
    owner: 'user_id',
    anonymise: [],
    emails: [],
  },
  owned('warehouse', 'fact_api_requests'),
  owned('warehouse', 'fact_permission_checks'),
  owned('warehouse', 'fact_stream_events', ['attempted_email', 'ip', 'user_agent'], {
    emails: ['attempted_email'],
    tenantColumn: 'tenant_id',
  }),
  owned('warehouse', 'security_incidents', ['attempted_email', 'ip'], {
    emails: ['attempted_email'],
    tenantColumn: 'tenant_id',
  }),
  owned('warehouse', 'stream_security_incidents', ['attempted_email', 'ip'], {
    emails: ['attempted_email'],
    tenantColumn: 'tenant_id',
  }),
];

/** Columns whose names look like person references but hold none. */
export const NOT_PERSON_REFERENCES: readonly NotAPersonReference[] = [
  {
    store: 'warehouse',
    table: 'rpt_team_performance_daily',
    column: 'collaborations_per_member',
    reason: "a team's collaborations divided by its members, not a member",
  },
  {
    store: 'warehouse',
    table: 'rpt_login_failures_daily',
    column: 'distinct_attempted_emails',
    reason: 'a count of distinct emails, not an email',
  },
  {
    store: 'warehouse',
    table: 'audit_log',
    column: 'actor',
    reason: 'the service or API key that acted, never a user',
  },
  {
    store: 'warehouse',
    table: 'audit_log',
    column: 'subject_token',
    reason: 'already the random request token, never the user id',
  },
];

export const ERASURE_RULES: readonly TableErasure[] = [...SOURCE_ERASURE, ...WAREHOUSE_ERASURE];

export function erasureRule(store: TableErasure['store'], table: string): TableErasure | undefined {
  return ERASURE_RULES.find((r) => r.store === store && r.table === table);
}
