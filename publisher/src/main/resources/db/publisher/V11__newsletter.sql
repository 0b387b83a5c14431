-- The newsletter channel: subscribers with double opt-in, the pool of published entries waiting
-- for the next issue, issues (editions) with their items, and one status row per recipient.

CREATE TABLE newsletter_subscriber (
    id                   uuid        PRIMARY KEY,
    -- Stored as given (trimmed); unique case-insensitively.
    email                text        NOT NULL,
    locale               text        NOT NULL,
    -- Tags the subscriber wants; empty means everything.
    topics               text[]      NOT NULL DEFAULT '{}',
    status               text        NOT NULL
                         CONSTRAINT newsletter_subscriber_status_check
                         CHECK (status IN ('pending', 'confirmed', 'unsubscribed')),
    confirmation_sent_at timestamptz,
    confirmed_at         timestamptz,
    unsubscribed_at      timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX newsletter_subscriber_email_key ON newsletter_subscriber (lower(email));
-- Sending walks the confirmed subscribers in id order.
CREATE INDEX newsletter_subscriber_confirmed_idx ON newsletter_subscriber (id)
    WHERE status = 'confirmed';

-- Published entries that chose the newsletter channel: the channel's publish() records the entry
-- here, unpublish() removes it. An entry is pending until an issue that contains it is sent.
CREATE TABLE newsletter_entry (
    entry_id     uuid        PRIMARY KEY,
    version      bigint      NOT NULL,
    -- The content.published event's data: all locales, as the issue renders them.
    event        jsonb       NOT NULL,
    published_at timestamptz NOT NULL,
    -- The issue that sent the entry; null while pending.
    sent_in      uuid,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX newsletter_entry_pending_idx ON newsletter_entry (published_at) WHERE sent_in IS NULL;

CREATE TABLE newsletter_issue (
    id           uuid        PRIMARY KEY,
    number       bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    subject      text        NOT NULL,
    status       text        NOT NULL
                 CONSTRAINT newsletter_issue_status_check
                 CHECK (status IN ('draft', 'scheduled', 'sending', 'sent')),
    scheduled_at timestamptz,
    started_at   timestamptz,
    sent_at      timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX newsletter_issue_due_idx ON newsletter_issue (scheduled_at) WHERE status = 'scheduled';

CREATE TABLE newsletter_issue_item (
    issue_id  uuid    NOT NULL REFERENCES newsletter_issue (id) ON DELETE CASCADE,
    entry_id  uuid    NOT NULL,
    position  integer NOT NULL,
    -- Frozen when sending starts, so an unpublish or a new version meanwhile changes nothing.
    event     jsonb,
    PRIMARY KEY (issue_id, entry_id)
);

-- One row per recipient of an issue, written before sending starts; 'sending' is written before
-- the SMTP transaction and 'sent' after it, so a restart resumes with those not yet sent.
CREATE TABLE newsletter_recipient (
    issue_id      uuid        NOT NULL REFERENCES newsletter_issue (id) ON DELETE CASCADE,
    subscriber_id uuid        NOT NULL,
    email         text        NOT NULL,
    locale        text        NOT NULL,
    topics        text[]      NOT NULL DEFAULT '{}',
    status        text        NOT NULL DEFAULT 'pending'
                  CONSTRAINT newsletter_recipient_status_check
                  CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    attempts      integer     NOT NULL DEFAULT 0,
    -- Deterministic per (issue, recipient): a message sent twice after a crash has one id.
    message_id    text        NOT NULL,
    last_error    text,
    sent_at       timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issue_id, subscriber_id)
);
CREATE INDEX newsletter_recipient_open_idx ON newsletter_recipient (issue_id, subscriber_id)
    WHERE status IN ('pending', 'sending');
