-- The publisher's delivery log. It lives in its own schema ("publisher") because in the all-in-one
-- mode the publisher shares the database with the api, whose tables are in "public".

-- One delivery per published (or unpublished) version of an entry and channel: what the editor
-- sees as "did it go out", and what makes a replayed event a no-op.
CREATE TABLE delivery (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id    uuid        NOT NULL,
    version     bigint      NOT NULL,
    channel     text        NOT NULL,
    status      text        NOT NULL DEFAULT 'pending'
                CONSTRAINT delivery_status_check
                CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    attempts    integer     NOT NULL DEFAULT 0,
    last_error  text,
    -- CloudEvents id of the event that asked for the delivery; any string, hence text.
    event_id    text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT delivery_entry_version_channel_key UNIQUE (entry_id, version, channel)
);

-- Deliveries still to do or to retry, oldest first, without scanning the sent ones.
CREATE INDEX delivery_unfinished_idx ON delivery (updated_at) WHERE status IN ('pending', 'failed');

-- The newest version of each entry whose deliveries are done: an event at or below it is stale
-- (a duplicate or an older version arriving late) and changes nothing.
CREATE TABLE applied_version (
    entry_id    uuid        PRIMARY KEY,
    version     bigint      NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
