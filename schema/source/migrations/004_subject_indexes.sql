-- GDPR erasure finds one person's rows in every event table. Without these indexes each erasure scans every event
-- table in full (the timestamp indexes do not help); with them an erasure touches only the person's rows.
create index sessions_user_id_idx on sessions (user_id);
create index auth_events_user_id_idx on auth_events (user_id);
create index auth_events_attempted_email_idx on auth_events (lower(attempted_email));
create index activity_events_user_id_idx on activity_events (user_id);
create index activity_events_session_id_idx on activity_events (session_id);
create index api_requests_user_id_idx on api_requests (user_id);
create index collaboration_events_actor_user_id_idx on collaboration_events (actor_user_id);
create index collaboration_events_target_user_id_idx on collaboration_events (target_user_id);
create index permission_checks_user_id_idx on permission_checks (user_id);
create index team_members_user_id_idx on team_members (user_id);
