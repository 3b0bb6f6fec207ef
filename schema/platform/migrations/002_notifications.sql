-- Notifications the pipelines already sent, so a deadline miss noticed by a run's own SLA timer and again by the
-- watchdog every 15 minutes reaches people once. Written by the workers (activities/sla.ts); no personal data.
create table platform.notifications (
  -- What the notification is about, e.g. `sla:user-analytics-daily:2026-11-27`.
  dedupe_key text primary key,
  details jsonb not null default '{}',
  claimed_at timestamptz not null default now(),
  attempts integer not null default 1,
  -- Null until the send succeeded: a claim whose send failed is claimed again by the retry.
  sent_at timestamptz
);
