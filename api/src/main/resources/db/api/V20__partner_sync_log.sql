-- The api's own copy of its content topic, for the sync API: one row per record, appended by the
-- partner consumer in partition-offset order in the same transaction that advances its position,
-- so a row is never written twice and never skipped. A sync token is a vector of positions in
-- this log; "what changed since" is every row beyond it. Rows are immutable once written.
create table sync_log (
  kafka_partition  integer not null,
  kafka_offset     bigint not null,
  entry_id         uuid not null,
  type_id          text not null,
  event_type       text not null,
  entry_version    bigint not null,
  recorded_at      timestamptz not null default now(),
  primary key (kafka_partition, kafka_offset)
);
create index sync_log_entry on sync_log (entry_id, kafka_partition, kafka_offset);

-- Where the partner consumer is in each partition of the content topic: the next offset to read.
create table sync_positions (
  kafka_partition  integer primary key,
  next_offset      bigint not null
);

-- Optional limits of a partner key: the types and locales it may sync (null = all).
create table partner_scopes (
  key_id      text primary key,
  types       jsonb,
  locales     jsonb,
  updated_at  timestamptz not null default now()
);
