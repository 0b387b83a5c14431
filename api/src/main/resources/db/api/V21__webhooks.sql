-- Partner webhook endpoints (Standard Webhooks 1.0). The secret is kept (it must sign); during a
-- rotation the previous secret signs too until previous_expires_at.
create table webhook_endpoints (
  id                   uuid primary key,
  url                  text not null,
  description          text,
  event_types          jsonb not null,
  types                jsonb,
  locales              jsonb,
  secret               text not null,
  previous_secret      text,
  previous_expires_at  timestamptz,
  enabled              boolean not null default true,
  disabled_reason      text,
  created_at           timestamptz not null default now(),
  updated_at           timestamptz not null default now()
);

-- One row per (message, endpoint): the durable unit of delivery. A dispatcher claims due rows with
-- FOR UPDATE SKIP LOCKED and a lease (next_attempt_at pushed ahead), so a crash mid-request only
-- delays the attempt and two api instances never send the same attempt.
create table webhook_deliveries (
  id               uuid primary key,
  endpoint_id      uuid not null references webhook_endpoints (id) on delete cascade,
  message_id       text not null,
  event_type       text not null,
  entry_id         uuid,
  payload          jsonb not null,
  status           text not null check (status in ('pending', 'succeeded', 'failed')),
  attempts         integer not null default 0,
  next_attempt_at  timestamptz,
  last_status      integer,
  last_error       text,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  constraint webhook_deliveries_once unique (endpoint_id, message_id)
);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_endpoint on webhook_deliveries (endpoint_id, created_at desc);

-- Every attempt, for the delivery log.
create table webhook_attempts (
  delivery_id   uuid not null references webhook_deliveries (id) on delete cascade,
  attempt       integer not null,
  started_at    timestamptz not null,
  duration_ms   integer not null,
  status        integer,
  error         text,
  primary key (delivery_id, attempt)
);
