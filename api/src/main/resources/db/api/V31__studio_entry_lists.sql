-- Studio's entry lists (issue 15): newest change first, per type or across all types.
create index entries_type_updated on entries (type_id, updated_at desc, id desc);
create index entries_updated on entries (updated_at desc, id desc);

-- Who has an entry open in Studio (each open editor reports itself every 20 s).
create table studio_presence (
  entry_id  uuid not null references entries (id) on delete cascade,
  user_id   uuid not null references studio_users (id) on delete cascade,
  seen_at   timestamptz not null default now(),
  primary key (entry_id, user_id)
);
