-- What the social channel posted, per entry and account: unpublish deletes exactly these posts,
-- and a newer version of an entry edits (Mastodon) or keeps (Bluesky) its post instead of posting
-- it twice.
CREATE TABLE social_post (
    entry_id        uuid        NOT NULL,
    -- The account's configured id (HERALD_SOCIAL_ACCOUNTS), not a secret.
    account         text        NOT NULL,
    network         text        NOT NULL
                    CONSTRAINT social_post_network_check
                    CHECK (network IN ('mastodon', 'bluesky', 'webhook')),
    -- The entry version the post shows.
    version         bigint      NOT NULL,
    -- 'posting' is written before the call and 'posted' after it: a 'posting' row after a crash
    -- is retried with the same idempotency key (Mastodon) or record key (Bluesky).
    status          text        NOT NULL
                    CONSTRAINT social_post_status_check CHECK (status IN ('posting', 'posted')),
    idempotency_key text        NOT NULL,
    -- Mastodon: status id; Bluesky: record key (known before posting); webhook: Herald's post id.
    remote_id       text,
    -- Mastodon: status URL; Bluesky: at:// URI.
    remote_uri      text,
    text            text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entry_id, account)
);
