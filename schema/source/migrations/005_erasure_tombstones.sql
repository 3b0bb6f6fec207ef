-- GDPR erasure keeps the person's activity under a pseudonym (a negative user id) instead of deleting it, so a re-run
-- of any day re-extracts exactly what the rewritten lake and warehouse hold (schema/erasure). The person's users row
-- is replaced by a tombstone under the pseudonym: same tenant, status 'deleted', no personal data. email and
-- full_name therefore become nullable, and a check says who may leave them empty: a tombstone, and only one.
alter table users alter column email drop not null;
alter table users alter column full_name drop not null;
alter table users add constraint users_tombstone_without_personal_data check (
  (user_id > 0 and email is not null and full_name is not null)
  or (user_id < 0 and status = 'deleted' and email is null and full_name is null and phone is null and city is null)
);

-- The person's own activity keeps its row with its attributes removed (the warehouse nulls them too).
alter table activity_events alter column metadata drop not null;
