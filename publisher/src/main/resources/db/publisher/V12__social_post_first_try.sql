-- When the try of a post under its current idempotency key began: Mastodon remembers an
-- Idempotency-Key for about an hour, so a retry after that looks at the account's statuses first.
ALTER TABLE social_post ADD COLUMN first_tried_at timestamptz NOT NULL DEFAULT now();
