-- The api's read model of deliveries, fed by the publisher's delivery.status events
-- (topic herald.delivery.v1): one row per delivery (entry, version, channel, target), holding its
-- latest known state. An event with a sequence at or below the row's is older news and is ignored.
create table deliveries (
  delivery_id         uuid primary key,
  entry_id            uuid not null,
  version             bigint not null,
  channel             text not null,
  target              text not null,
  operation           text not null,
  state               text not null,
  sequence            bigint not null,
  attempts            integer not null,
  last_error          text,
  next_attempt_at     timestamptz,
  published_at        timestamptz,
  created_at          timestamptz,
  updated_at          timestamptz,
  sent_at             timestamptz,
  -- The latest attempts, as the event carries them: [{number, startedAt, finishedAt, outcome, error}].
  history             jsonb not null default '[]',
  received_at         timestamptz not null default now(),
  -- When an editor last asked for a retry through the api.
  retry_requested_at  timestamptz
);

-- GET /v1/manage/entries/{id}/deliveries: newest version first.
create index deliveries_entry_idx on deliveries (entry_id, version desc, channel, target);
