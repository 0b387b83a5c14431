-- Studio's dashboard (issue 15) reads its four lists in one query; each is a short index scan
-- however many entries and deliveries there are.
-- Drafts in progress, newest change first.
create index entries_drafts on entries (updated_at desc, id desc) where status = 'draft';
-- Deliveries that failed (dead) or wait for a retry after failing, newest first.
create index deliveries_failing on deliveries (updated_at desc)
  where state in ('dead', 'retry_scheduled');
-- Studio's audit log screen filters by who did it (a key's id, or user:<uuid>).
create index audit_log_actor on audit_log (actor_key_id, id desc);
