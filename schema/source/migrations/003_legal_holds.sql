-- Users under legal hold must not be erased: the GDPR saga checks this table before its point of no return.

create table legal_holds (
  user_id bigint not null references users (user_id),
  tenant_id bigint not null references tenants (tenant_id),
  reason text not null,
  created_at timestamptz not null,
  primary key (user_id, created_at)
);
create index legal_holds_tenant_id_idx on legal_holds (tenant_id);
