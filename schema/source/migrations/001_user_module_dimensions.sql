-- User Module dimensions: tenants, people, authorisation and teams.
-- Ids are bigint and supplied by the writer (the application, or the seed generator for determinism).

create table tenants (
  tenant_id bigint primary key,
  name text not null,
  plan text not null check (plan in ('free', 'starter', 'growth', 'enterprise')),
  region text not null check (region in ('us', 'eu', 'in', 'apac')),
  status text not null check (status in ('trial', 'active', 'suspended', 'churned')),
  created_at timestamptz not null
);

create table users (
  user_id bigint primary key,
  tenant_id bigint not null references tenants (tenant_id),
  email text not null,
  full_name text not null,
  phone text,
  country text not null check (country ~ '^[A-Z]{2}$'),
  region text,
  city text,
  timezone text not null,
  job_title text,
  status text not null check (status in ('invited', 'active', 'suspended', 'deleted')),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  last_login_at timestamptz,
  deleted_at timestamptz,
  unique (tenant_id, email),
  check (updated_at >= created_at),
  -- A soft-deleted user keeps its row until GDPR erasure; the two markers must agree.
  check ((status = 'deleted') = (deleted_at is not null))
);
create index users_tenant_id_idx on users (tenant_id);
comment on column users.email is 'personal data';
comment on column users.full_name is 'personal data';
comment on column users.phone is 'personal data';

create table permissions (
  permission_id bigint primary key,
  name text not null unique,
  resource text not null,
  action text not null,
  description text not null
);

create table roles (
  role_id bigint primary key,
  tenant_id bigint not null references tenants (tenant_id),
  name text not null,
  description text not null,
  is_system boolean not null,
  created_at timestamptz not null,
  unique (tenant_id, name)
);

create table role_permissions (
  role_id bigint not null references roles (role_id),
  permission_id bigint not null references permissions (permission_id),
  primary key (role_id, permission_id)
);

create table user_roles (
  user_id bigint not null references users (user_id),
  role_id bigint not null references roles (role_id),
  assigned_at timestamptz not null,
  primary key (user_id, role_id)
);

create table teams (
  team_id bigint primary key,
  tenant_id bigint not null references tenants (tenant_id),
  name text not null,
  created_at timestamptz not null
);
create index teams_tenant_id_idx on teams (tenant_id);

create table team_members (
  team_id bigint not null references teams (team_id),
  user_id bigint not null references users (user_id),
  role text not null check (role in ('lead', 'member')),
  joined_at timestamptz not null,
  primary key (team_id, user_id)
);
