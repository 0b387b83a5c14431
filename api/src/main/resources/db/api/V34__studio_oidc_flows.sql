-- Studio's single sign-on (issue 15): OpenID Connect sign-ins under way. The browser keeps the
-- state in a cookie; here is only its SHA-256, with the nonce and PKCE verifier the callback needs.
-- A row is used once (deleted when the provider sends the browser back) and lives ten minutes.
create table studio_oidc_flows (
  state_hash  bytea primary key,
  nonce       text not null,
  verifier    text not null,
  next        text not null,
  expires_at  timestamptz not null
);
create index studio_oidc_flows_expiry on studio_oidc_flows (expires_at);
