-- Content types: the fields an entry of the type may have.
create table content_types (
  id          text primary key,
  name        text not null,
  fields      jsonb not null,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);

-- Entries: the editable draft, and the published snapshot that delivery serves.
-- version grows with every change (save, publish, unpublish); events carry it so consumers can
-- ignore stale ones.
create table entries (
  id                 uuid primary key,
  type_id            text not null references content_types (id),
  slug               text not null,
  status             text not null check (status in ('draft', 'published')),
  version            bigint not null check (version > 0),
  fields             jsonb not null,
  channels           jsonb not null,
  published          jsonb,
  published_version  bigint,
  published_at       timestamptz,
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  constraint entries_type_slug_unique unique (type_id, slug)
);

-- Transactional outbox: written in the same transaction as the change it announces; the relay
-- sends unsent rows to Kafka in seq order and marks them sent. Rows are never "skipped past" by a
-- high-water mark, so a transaction that commits after a later seq is still sent.
create table outbox (
  seq            bigserial primary key,
  event_id       uuid not null unique,
  entry_id       uuid not null,
  event_type     text not null,
  entry_version  bigint not null,
  occurred_at    timestamptz not null,
  data           bytea not null,
  sent_at        timestamptz
);
create index outbox_unsent on outbox (seq) where sent_at is null;

-- Wake the relay at commit: NOTIFY is delivered only when the inserting transaction commits.
create function outbox_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('herald_outbox', '');
  return null;
end;
$$;
create trigger outbox_notify after insert on outbox
  for each statement execute function outbox_notify();

-- API keys: only a SHA-256 of the secret is stored.
create table api_keys (
  id           uuid primary key,
  name         text not null,
  role         text not null check (role in ('author', 'editor', 'admin', 'delivery', 'preview', 'partner')),
  secret_hash  bytea not null unique,
  created_at   timestamptz not null default now(),
  expires_at   timestamptz,
  revoked_at   timestamptz
);
