-- Secrets shared by all api instances (e.g. the key that signs list cursors).
create table api_secrets (
  name   text primary key,
  value  bytea not null
);

-- Tell every api instance, at commit, which entry's published state changed, so that response
-- caches drop exactly what depends on it.
create function entries_published_notify() returns trigger language plpgsql as $$
begin
  if new.published is distinct from old.published then
    perform pg_notify('herald_published', new.id::text || ' ' || new.type_id);
  end if;
  return null;
end;
$$;
create trigger entries_published_notify after update on entries
  for each row execute function entries_published_notify();
