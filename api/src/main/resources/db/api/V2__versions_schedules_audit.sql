-- Every change of an entry is an immutable version: what the draft was after the change.
create table entry_versions (
  entry_id    uuid not null references entries (id) on delete cascade,
  version     bigint not null,
  action      text not null,
  slug        text not null,
  fields      jsonb not null,
  channels    jsonb not null,
  actor       text not null,
  created_at  timestamptz not null default now(),
  primary key (entry_id, version)
);

-- The first publication time does not move when an entry is published again, so lists sorted
-- by it page stably while editors work.
alter table entries add column first_published_at timestamptz;
create index entries_published_order on entries (type_id, first_published_at desc, id desc)
  where published is not null;
create index entries_published_all on entries (first_published_at desc, id desc)
  where published is not null;
create index entries_published_fields on entries using gin ((published -> 'fields') jsonb_path_ops)
  where published is not null;

-- Publish or unpublish at a time; the runner claims due rows with FOR UPDATE SKIP LOCKED in the
-- transaction that performs them, so each runs once however many api instances there are.
create table scheduled_actions (
  id           uuid primary key,
  entry_id     uuid not null references entries (id) on delete cascade,
  action       text not null check (action in ('publish', 'unpublish')),
  locales      jsonb,
  run_at       timestamptz not null,
  status       text not null check (status in ('pending', 'done', 'failed', 'cancelled')),
  actor        text not null,
  created_at   timestamptz not null default now(),
  executed_at  timestamptz,
  error        text
);
create index scheduled_actions_due on scheduled_actions (run_at) where status = 'pending';
create index scheduled_actions_entry on scheduled_actions (entry_id, run_at);

-- Who did what, when: written in the transaction of each management action.
create table audit_log (
  id              bigserial primary key,
  at              timestamptz not null default now(),
  actor_key_id    text not null,
  actor_name      text not null,
  action          text not null,
  entity_type     text not null,
  entity_id       text not null,
  before_version  bigint,
  after_version   bigint,
  detail          jsonb
);
create index audit_log_entity on audit_log (entity_type, entity_id, id);

-- Content types record their own version so that changes are auditable.
alter table content_types add column version bigint not null default 1;

-- Entries written before versions existed start with their current state as a version.
update entries set first_published_at = published_at where published is not null;
insert into entry_versions (entry_id, version, action, slug, fields, channels, actor, created_at)
  select id, version, 'migrated', slug, fields, channels, 'migration', updated_at from entries;
