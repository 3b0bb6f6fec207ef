-- User Module event tables. Each has a btree index on its timestamp so the daily extract of one UTC day
-- (`where occurred_at >= $day and occurred_at < $day + 1`) is an index range scan, not a full scan.

create table sessions (
  session_id bigint primary key,
  user_id bigint not null references users (user_id),
  tenant_id bigint not null references tenants (tenant_id),
  started_at timestamptz not null,
  -- null while the session is still open
  ended_at timestamptz,
  ip inet,
  user_agent text,
  device text check (device in ('desktop', 'mobile', 'tablet')),
  check (ended_at is null or ended_at >= started_at)
);
create index sessions_started_at_idx on sessions (started_at);
comment on column sessions.ip is 'personal data';

create table auth_events (
  event_id bigint primary key,
  tenant_id bigint not null references tenants (tenant_id),
  -- null when a login names an account that does not exist (typos, credential stuffing)
  user_id bigint references users (user_id),
  attempted_email text,
  event_type text not null check (
    event_type in ('login_success', 'login_failure', 'logout', 'mfa_challenge', 'password_reset', 'token_refresh')
  ),
  ip inet,
  user_agent text,
  failure_reason text check (
    failure_reason in ('invalid_password', 'unknown_user', 'account_locked', 'mfa_failed', 'password_expired')
  ),
  occurred_at timestamptz not null,
  check ((event_type = 'login_failure') = (failure_reason is not null))
);
create index auth_events_occurred_at_idx on auth_events (occurred_at);
comment on column auth_events.attempted_email is 'personal data';
comment on column auth_events.ip is 'personal data';

create table activity_events (
  event_id bigint primary key,
  tenant_id bigint not null references tenants (tenant_id),
  user_id bigint not null references users (user_id),
  session_id bigint references sessions (session_id),
  feature text not null,
  action text not null,
  metadata jsonb not null default '{}',
  occurred_at timestamptz not null
);
create index activity_events_occurred_at_idx on activity_events (occurred_at);

create table api_requests (
  request_id bigint primary key,
  tenant_id bigint not null references tenants (tenant_id),
  -- null for integration traffic authenticated by an API key rather than a person
  user_id bigint references users (user_id),
  endpoint text not null,
  method text not null check (method in ('GET', 'POST', 'PUT', 'PATCH', 'DELETE')),
  status_code smallint not null check (status_code between 100 and 599),
  duration_ms integer not null check (duration_ms >= 0),
  occurred_at timestamptz not null
);
create index api_requests_occurred_at_idx on api_requests (occurred_at);

create table collaboration_events (
  event_id bigint primary key,
  tenant_id bigint not null references tenants (tenant_id),
  team_id bigint not null references teams (team_id),
  actor_user_id bigint not null references users (user_id),
  target_user_id bigint references users (user_id),
  kind text not null check (kind in ('shared', 'commented', 'assigned', 'mentioned')),
  occurred_at timestamptz not null
);
create index collaboration_events_occurred_at_idx on collaboration_events (occurred_at);

create table permission_checks (
  check_id bigint primary key,
  tenant_id bigint not null references tenants (tenant_id),
  user_id bigint not null references users (user_id),
  resource text not null,
  permission text not null,
  granted boolean not null,
  occurred_at timestamptz not null
);
create index permission_checks_occurred_at_idx on permission_checks (occurred_at);
