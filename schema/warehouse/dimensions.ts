import { nullable, required, tenantId } from './columns';
import type { Table } from './types';

/**
 * Dimensions: snapshots of the source entities, MERGEd on their source id (SCD type 1: the latest state wins).
 * Not partitioned; clustered by tenant_id so per-tenant dashboards read little.
 */

export const dimUsers: Table = {
  name: 'dim_users',
  kind: 'dimension',
  description:
    'One row per user (source users); GDPR erasure turns the row into a tombstone under the pseudonym (schema/erasure).',
  columns: [
    required('user_id', 'STRING', 'Source users.user_id.'),
    tenantId(),
    nullable('email', 'STRING', 'Login email address.', { pii: true }),
    nullable('full_name', 'STRING', 'Full name.', { pii: true }),
    nullable('phone', 'STRING', 'Phone number.', { pii: true }),
    nullable('country', 'STRING', 'Country, ISO 3166-1 alpha-2; coarse enough for demographics.'),
    nullable('region', 'STRING', 'Region or state; coarse enough for demographics.'),
    nullable('city', 'STRING', 'City.', { pii: true }),
    nullable('timezone', 'STRING', 'IANA time zone name.'),
    nullable('job_title', 'STRING', 'Job title as entered.'),
    required('status', 'STRING', 'invited | active | suspended | deleted (deleted exactly when deleted_at is set).'),
    required('created_at', 'TIMESTAMP', 'When the account was created (UTC).'),
    nullable('updated_at', 'TIMESTAMP', 'Last change of the source row (UTC).'),
    nullable('last_login_at', 'TIMESTAMP', 'Last successful login (UTC).'),
    nullable('deleted_at', 'TIMESTAMP', 'Soft deletion time in the source (UTC); NULL while the account exists.'),
  ],
  primaryKey: ['user_id'],
  clusterBy: ['tenant_id', 'status'],
};

export const dimTenants: Table = {
  name: 'dim_tenants',
  kind: 'dimension',
  description: 'One row per tenant (customer organisation), from source tenants.',
  columns: [
    tenantId(),
    required('tenant_name', 'STRING', 'Organisation name (source tenants.name).'),
    required('plan', 'STRING', 'free | starter | growth | enterprise.'),
    required('region', 'STRING', 'Hosting region: us | eu | in | apac.'),
    required('status', 'STRING', 'trial | active | suspended | churned.'),
    required('created_at', 'TIMESTAMP', 'When the tenant signed up (UTC).'),
  ],
  primaryKey: ['tenant_id'],
  clusterBy: ['tenant_id'],
};

export const dimTeams: Table = {
  name: 'dim_teams',
  kind: 'dimension',
  description: 'One row per team, from source teams.',
  columns: [
    required('team_id', 'STRING', 'Source teams.team_id.'),
    tenantId(),
    required('team_name', 'STRING', 'Team name (source teams.name).'),
    required('created_at', 'TIMESTAMP', 'When the team was created (UTC).'),
  ],
  primaryKey: ['team_id'],
  clusterBy: ['tenant_id'],
};

export const dimRoles: Table = {
  name: 'dim_roles',
  kind: 'dimension',
  description: 'One row per role (source roles; each tenant has its own), with the number of permissions it grants.',
  columns: [
    required('role_id', 'STRING', 'Source roles.role_id.'),
    tenantId(),
    required('role_name', 'STRING', 'Role name, unique per tenant (source roles.name).'),
    required('description', 'STRING', 'Role description from the source.'),
    required('is_system', 'BOOL', 'Built-in role seeded for the tenant, as opposed to one the tenant defined.'),
    required('permission_count', 'INT64', 'Source role_permissions rows of the role.'),
    required('created_at', 'TIMESTAMP', 'When the role was created (UTC).'),
  ],
  primaryKey: ['role_id'],
  clusterBy: ['tenant_id'],
};

export const dimUserRoles: Table = {
  name: 'dim_user_roles',
  kind: 'dimension',
  description: 'Bridge user ↔ role (source user_roles); rows of an erased user are re-keyed to the pseudonym.',
  columns: [
    required('user_id', 'STRING', 'Source users.user_id.'),
    required('role_id', 'STRING', 'Source roles.role_id.'),
    tenantId(),
    required('assigned_at', 'TIMESTAMP', 'When the role was granted (UTC).'),
  ],
  primaryKey: ['user_id', 'role_id'],
  clusterBy: ['tenant_id', 'role_id'],
};

export const dimTeamMembers: Table = {
  name: 'dim_team_members',
  kind: 'dimension',
  description: 'Bridge team ↔ user (source team_members); rows of an erased user are re-keyed to the pseudonym.',
  columns: [
    required('team_id', 'STRING', 'Source teams.team_id.'),
    required('user_id', 'STRING', 'Source users.user_id.'),
    tenantId(),
    required('member_role', 'STRING', 'Role inside the team: lead | member (source team_members.role).'),
    required('joined_at', 'TIMESTAMP', 'When the user joined the team (UTC).'),
  ],
  primaryKey: ['team_id', 'user_id'],
  clusterBy: ['tenant_id', 'team_id'],
};

export const dimTimeperiod: Table = {
  name: 'dim_timeperiod',
  kind: 'dimension',
  description: 'Calendar: one row per date, generated (not extracted). Weeks are ISO weeks starting on Monday.',
  columns: [
    required('calendar_date', 'DATE', 'The date; joins to event_date / report_date.'),
    required('year', 'INT64', 'Calendar year.'),
    required('quarter', 'INT64', 'Quarter 1-4.'),
    required('month', 'INT64', 'Month 1-12.'),
    required('month_name', 'STRING', 'English month name (January ...).'),
    required('day_of_month', 'INT64', 'Day of month 1-31.'),
    required('day_of_week', 'INT64', 'ISO day of week: 1 = Monday ... 7 = Sunday.'),
    required('day_name', 'STRING', 'English day name (Monday ...).'),
    required('iso_year', 'INT64', 'ISO week-numbering year.'),
    required('iso_week', 'INT64', 'ISO week 1-53.'),
    required('week_start_date', 'DATE', 'Monday of the ISO week.'),
    required('month_start_date', 'DATE', 'First day of the month.'),
    required('is_weekend', 'BOOL', 'Saturday or Sunday.'),
  ],
  primaryKey: ['calendar_date'],
};

export const dimensions: Table[] = [
  dimUsers,
  dimTenants,
  dimTeams,
  dimRoles,
  dimUserRoles,
  dimTeamMembers,
  dimTimeperiod,
];
