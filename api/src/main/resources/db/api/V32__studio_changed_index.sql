-- Studio's dashboard lists entries changed since they were published: a partial index keeps that
-- list a short index scan however many drafts there are (issue 15's page-render benchmark).
create index entries_changed on entries (updated_at desc, id desc)
  where status = 'published' and version > published_version;
