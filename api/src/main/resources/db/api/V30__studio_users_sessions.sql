-- Herald Studio (issue 15): the people who sign in to /studio, with the roles keys have.
create table studio_users (
  id             uuid primary key,
  email          text not null,
  name           text not null,
  role           text not null check (role in ('author', 'editor', 'admin')),
  -- An Argon2id hash in the PHC string format; null for someone who signs in only through OIDC.
  password_hash  text,
  created_at     timestamptz not null default now(),
  disabled_at    timestamptz
);
create unique index studio_users_email on studio_users (lower(email));

-- Sessions: the cookie holds a random token, the table only its SHA-256 hash.
create table studio_sessions (
  token_hash    bytea primary key,
  user_id       uuid not null references studio_users (id) on delete cascade,
  csrf_token    text not null,
  created_at    timestamptz not null default now(),
  last_seen_at  timestamptz not null default now(),
  expires_at    timestamptz not null
);
create index studio_sessions_user on studio_sessions (user_id);
create index studio_sessions_expiry on studio_sessions (expires_at);

-- One-time links (the first admin's set-up, invitations, password resets), kept as hashes.
create table studio_tokens (
  token_hash  bytea primary key,
  kind        text not null check (kind in ('setup', 'invite', 'reset')),
  email       text,
  role        text check (role in ('author', 'editor', 'admin')),
  user_id     uuid references studio_users (id) on delete cascade,
  created_by  text not null,
  created_at  timestamptz not null default now(),
  expires_at  timestamptz not null,
  used_at     timestamptz
);

-- Failed sign-ins (and reset requests), counted per subject to throttle guessing and mail floods.
create table studio_signin_failures (
  subject  text not null,
  at       timestamptz not null default now()
);
create index studio_signin_failures_subject on studio_signin_failures (subject, at);
create index studio_signin_failures_at on studio_signin_failures (at);
