/**
 * The User Module source tables as the extract and the seed generator see them. Must match the SQL in
 * `migrations/` column for column, in order (`test/integration/source-db.test.ts` checks it against
 * information_schema), because extracts and seed COPYs name columns in this order.
 */

interface SourceTableBase {
  name: string;
  /** Columns in table order. */
  columns: readonly string[];
  /** Columns holding personal data (GDPR erasure and policy tags start here). */
  piiColumns: readonly string[];
}

/** Extracted whole, as a snapshot. */
export interface DimensionTable extends SourceTableBase {
  kind: 'dimension';
  timestampColumn: null;
}

/** Extracted one UTC day at a time, on an indexed timestamp column. */
export interface EventTable extends SourceTableBase {
  kind: 'event';
  timestampColumn: string;
}

export type SourceTable = DimensionTable | EventTable;

const dimension = <N extends string>(
  name: N,
  columns: readonly string[],
  piiColumns: readonly string[] = [],
): DimensionTable & { name: N } => ({ name, kind: 'dimension', timestampColumn: null, columns, piiColumns });

const event = <N extends string>(
  name: N,
  timestampColumn: string,
  columns: readonly string[],
  piiColumns: readonly string[] = [],
): EventTable & { name: N } => ({ name, kind: 'event', timestampColumn, columns, piiColumns });

/**
 * Tables of the source database that are transport, not data, and so are never extracted: `event_outbox` (migration
 * 006) holds the real-time events between their commit and their publish, each a copy of a row of an event table.
 */
export const TRANSPORT_TABLES = ['event_outbox'] as const;

/** In foreign-key order: a table only references tables before it (load in this order, truncate in reverse). */
export const SOURCE_TABLES = [
  dimension('tenants', ['tenant_id', 'name', 'plan', 'region', 'status', 'created_at']),
  dimension('permissions', ['permission_id', 'name', 'resource', 'action', 'description']),
  dimension('roles', ['role_id', 'tenant_id', 'name', 'description', 'is_system', 'created_at']),
  dimension('role_permissions', ['role_id', 'permission_id']),
  dimension(
    'users',
    [
      'user_id',
      'tenant_id',
      'email',
      'full_name',
      'phone',
      'country',
      'region',
      'city',
      'timezone',
      'job_title',
      'status',
      'created_at',
      'updated_at',
      'last_login_at',
      'deleted_at',
    ],
    ['email', 'full_name', 'phone'],
  ),
  dimension('user_roles', ['user_id', 'role_id', 'assigned_at']),
  dimension('teams', ['team_id', 'tenant_id', 'name', 'created_at']),
  dimension('team_members', ['team_id', 'user_id', 'role', 'joined_at']),
  dimension('legal_holds', ['user_id', 'tenant_id', 'reason', 'created_at']),
  event(
    'sessions',
    'started_at',
    ['session_id', 'user_id', 'tenant_id', 'started_at', 'ended_at', 'ip', 'user_agent', 'device'],
    ['ip'],
  ),
  event(
    'auth_events',
    'occurred_at',
    [
      'event_id',
      'tenant_id',
      'user_id',
      'attempted_email',
      'event_type',
      'ip',
      'user_agent',
      'failure_reason',
      'occurred_at',
    ],
    ['attempted_email', 'ip'],
  ),
  event('activity_events', 'occurred_at', [
    'event_id',
    'tenant_id',
    'user_id',
    'session_id',
    'feature',
    'action',
    'metadata',
    'occurred_at',
  ]),
  event('api_requests', 'occurred_at', [
    'request_id',
    'tenant_id',
    'user_id',
    'endpoint',
    'method',
    'status_code',
    'duration_ms',
    'occurred_at',
  ]),
  event('collaboration_events', 'occurred_at', [
    'event_id',
    'tenant_id',
    'team_id',
    'actor_user_id',
    'target_user_id',
    'kind',
    'occurred_at',
  ]),
  event('permission_checks', 'occurred_at', [
    'check_id',
    'tenant_id',
    'user_id',
    'resource',
    'permission',
    'granted',
    'occurred_at',
  ]),
] as const satisfies readonly SourceTable[];

export type SourceTableName = (typeof SOURCE_TABLES)[number]['name'];

export function sourceTable(name: SourceTableName): SourceTable {
  const table = SOURCE_TABLES.find((t) => t.name === name);
  if (!table) throw new Error(`unknown source table ${name}`);
  return table;
}

/** A real calendar day written YYYY-MM-DD (Date.parse alone accepts 2026-02-30). */
export function isIsoDay(day: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return false;
  const ms = Date.parse(`${day}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === day;
}

/**
 * The SELECT an extract wraps in `COPY (...) TO STDOUT`: a dimension whole, an event table's one UTC day.
 * COPY takes no bind parameters, so the day is validated and inlined as a literal.
 */
export function extractQuery(table: SourceTable, day?: string): string {
  const select = `select ${table.columns.join(', ')} from ${table.name}`;
  if (table.kind === 'dimension') return select;
  if (!day || !isIsoDay(day)) {
    throw new Error(`extractQuery(${table.name}): expected a day as YYYY-MM-DD, got ${JSON.stringify(day)}`);
  }
  const ts = table.timestampColumn;
  return (
    `${select} where ${ts} >= timestamptz '${day} 00:00:00+00'` +
    // 24 hours, not 1 day: timestamptz + '1 day' follows the session time zone across DST changes.
    ` and ${ts} < timestamptz '${day} 00:00:00+00' + interval '24 hours' order by ${ts}`
  );
}
