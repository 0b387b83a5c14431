-- Deliveries become a durable work queue. One row per (entry, version, channel, target) with a state
-- machine:
--   pending → sending → sent
--                     ↘ retry_scheduled (next_attempt_at) → sending → … → dead (last_error says why)
--   pending / retry_scheduled → superseded, when a newer version of the entry arrives first.
-- Retries are rows whose next_attempt_at has come, claimed by a poller with FOR UPDATE SKIP LOCKED;
-- a row left in 'sending' by a publisher that died is claimed again once its lease_until passed.

-- The content event of each version that has deliveries, so that a retry (hours later, after a
-- restart) needs neither Kafka nor the api.
CREATE TABLE content_version (
    entry_id     uuid        NOT NULL,
    version      bigint      NOT NULL,
    event_type   text        NOT NULL,
    event_id     text,
    data         bytea       NOT NULL,
    occurred_at  timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entry_id, version)
);

ALTER TABLE delivery DROP CONSTRAINT delivery_status_check;
UPDATE delivery SET status = 'retry_scheduled' WHERE status = 'failed';
UPDATE delivery SET status = 'superseded' WHERE status = 'skipped';

ALTER TABLE delivery
    -- Public id, derived from (entry, version, channel, target) for new rows; also the idempotency
    -- key sent to external services.
    ADD COLUMN delivery_id     uuid        NOT NULL DEFAULT gen_random_uuid(),
    -- Where on the channel: a site, an account, a list. 'default' for single-target channels.
    ADD COLUMN target          text        NOT NULL DEFAULT 'default',
    ADD COLUMN operation       text        NOT NULL DEFAULT 'publish'
               CONSTRAINT delivery_operation_check CHECK (operation IN ('publish', 'unpublish')),
    -- Grows with every change of the row; the api keeps the status with the highest one.
    ADD COLUMN seq             bigint      NOT NULL DEFAULT 1,
    -- Attempts made before the last manual retry: the attempt budget starts again from there.
    ADD COLUMN retry_base      integer     NOT NULL DEFAULT 0,
    ADD COLUMN next_attempt_at timestamptz,
    ADD COLUMN lease_until     timestamptz,
    -- When the api published (or unpublished) the version: the start of the delivery latency.
    ADD COLUMN published_at    timestamptz,
    ADD COLUMN sent_at         timestamptz,
    ADD CONSTRAINT delivery_status_check
        CHECK (status IN ('pending', 'sending', 'sent', 'retry_scheduled', 'dead', 'superseded'));

UPDATE delivery SET target = 'site' WHERE channel = 'website';
UPDATE delivery SET next_attempt_at = now() WHERE status IN ('pending', 'retry_scheduled');

ALTER TABLE delivery DROP CONSTRAINT delivery_entry_version_channel_key;
ALTER TABLE delivery
    ADD CONSTRAINT delivery_entry_version_channel_target_key
    UNIQUE (entry_id, version, channel, target);
ALTER TABLE delivery ADD CONSTRAINT delivery_delivery_id_key UNIQUE (delivery_id);

DROP INDEX delivery_unfinished_idx;
-- The poller's two questions: what is due, and whose lease ran out.
CREATE INDEX delivery_due_idx ON delivery (next_attempt_at)
    WHERE status IN ('pending', 'retry_scheduled');
CREATE INDEX delivery_sending_idx ON delivery (lease_until) WHERE status = 'sending';

-- Every attempt of a delivery: when, and how it ended (sending while under way, then sent, failed,
-- timeout, undeliverable or interrupted when the publisher stopped during it).
CREATE TABLE delivery_attempt (
    delivery_id  bigint      NOT NULL REFERENCES delivery (id) ON DELETE CASCADE,
    number       integer     NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    outcome      text        NOT NULL,
    error        text,
    PRIMARY KEY (delivery_id, number)
);

-- delivery.status events waiting for Kafka, written in the same transaction as the change they
-- announce; the relay sends them in seq order and deletes them.
CREATE TABLE status_outbox (
    seq          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id  uuid        NOT NULL,
    entry_id     uuid        NOT NULL,
    sequence     bigint      NOT NULL,
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    data         bytea       NOT NULL
);
