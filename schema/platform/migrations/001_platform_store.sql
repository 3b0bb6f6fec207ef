-- The platform store: what the HTTP API itself keeps (API keys, erasure request bookkeeping, its audit trail).
-- Lives in its own schema `platform` beside the User Module tables; the erasure saga never touches it, and it
-- holds no personal data in clear (no user ids, no emails, no request bodies).
create schema if not exists platform;

create table platform.api_keys (
  id uuid primary key default gen_random_uuid(),
  -- Public part of the key (`h10x_<prefix>_<secret>`): the lookup index, safe to show and log.
  key_prefix text not null unique check (key_prefix ~ '^[a-z2-7]{12}$'),
  -- sha256 (hex) of the secret part. The secret is 256 random bits, so a fast hash is enough (see api/README.md).
  secret_sha256 text not null check (secret_sha256 ~ '^[0-9a-f]{64}$'),
  scopes text[] not null check (cardinality(scopes) > 0),
  -- A key bound to a tenant sees and erases only that tenant's users; null = every tenant.
  tenant_id text,
  description text not null default '',
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);

create table platform.erasure_requests (
  request_id text primary key check (request_id ~ '^er_[a-z2-7]{26}$'),
  workflow_id text not null,
  run_id text not null unique,
  tenant_id text not null,
  -- The key that created the request.
  api_key_id uuid not null references platform.api_keys (id),
  -- HMAC-SHA256 (GDPR subject key) of the creating Idempotency-Key and of the canonical request body:
  -- comparable, never reversible to the user id.
  idempotency_key_hash text not null,
  request_hash text not null,
  created_at timestamptz not null default now()
);
create index erasure_requests_workflow on platform.erasure_requests (workflow_id);

-- Every Idempotency-Key seen per API key, and the request it resolved to (several keys can resolve to one open
-- request: a second caller for the same user gets the existing request).
create table platform.idempotency_keys (
  api_key_id uuid not null references platform.api_keys (id),
  idempotency_key_hash text not null,
  request_hash text not null,
  request_id text not null references platform.erasure_requests (request_id),
  created_at timestamptz not null default now(),
  primary key (api_key_id, idempotency_key_hash)
);

-- One row per API call, same column meanings as the warehouse audit_log (schema/warehouse/operations.ts).
create table platform.audit_log (
  audit_id uuid primary key default gen_random_uuid(),
  occurred_at timestamptz not null,
  tenant_id text,
  -- API key id, or `anonymous` when no valid key was presented.
  actor text not null,
  actor_type text not null default 'api_client',
  -- Dotted verb, e.g. gdpr.erasure.create, gdpr.erasure.status, codec.decode, api.not_found.
  action text not null,
  -- Erasure request id or route, never a user id.
  resource text not null,
  subject_token text,
  outcome text not null check (outcome in ('success', 'failure', 'denied')),
  workflow_id text,
  run_id text,
  -- HTTP status, error code, duration: never bodies.
  details jsonb not null default '{}'::jsonb
);
create index audit_log_occurred_at on platform.audit_log (occurred_at);
create index audit_log_resource on platform.audit_log (resource);
