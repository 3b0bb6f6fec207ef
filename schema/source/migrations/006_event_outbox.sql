-- Transactional outbox of the User Module's real-time events. The application writes an event's row (auth_events,
-- sessions, activity_events, api_requests) and its outbox entry in one transaction; a relay publishes outbox entries
-- to the event bus in id order and deletes them once the bus accepted them. A crash between the publish and the
-- delete publishes an entry twice: consumers dedupe by the envelope's event_id. Nothing committed is ever lost, and
-- nothing is published that was not committed. `analytics app simulate` plays the application and the relay.
create table event_outbox (
  id bigserial primary key,
  -- The bus stream the entry goes to (its tenant's shard).
  stream text not null,
  tenant_id bigint not null,
  -- Lets an erasure purge a person's unpublished entries (schema/erasure); null for anonymous events.
  user_id bigint,
  event_type text not null,
  -- The serialized event envelope (schema/events), exactly the bytes the bus will carry.
  data bytea not null,
  created_at timestamptz not null default now()
);
comment on column event_outbox.data is 'personal data';
