-- Consumers: server-side cursors over a pipeline's events, read at least once. A consumer hands out its events in
-- batches; each batch is held by whoever received it until it is acknowledged, or visible to the next read again once
-- its visibility timeout has passed. The cursor moves over batches acknowledged without a gap, so every event after it
-- is delivered again until acknowledged. Retention keeps what a consumer has not acknowledged (up to
-- events.retention.max).

CREATE TABLE philotes.consumers (
    id                 UUID PRIMARY KEY,
    pipeline_id        UUID NOT NULL REFERENCES philotes.pipelines (id) ON DELETE CASCADE,
    name               TEXT NOT NULL,
    -- Every event up to this seq is acknowledged.
    cursor_seq         BIGINT NOT NULL,
    -- The last seq handed out in a batch (never below cursor_seq).
    delivered_seq      BIGINT NOT NULL,
    visibility_timeout INTERVAL NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_ack_at        TIMESTAMPTZ,
    last_delivery_at   TIMESTAMPTZ,
    UNIQUE (pipeline_id, name),
    CHECK (delivered_seq >= cursor_seq)
);

CREATE TABLE philotes.consumer_batches (
    id           UUID PRIMARY KEY,
    consumer_id  UUID NOT NULL REFERENCES philotes.consumers (id) ON DELETE CASCADE,
    first_seq    BIGINT NOT NULL,
    last_seq     BIGINT NOT NULL,
    deliveries   INTEGER NOT NULL DEFAULT 1,
    delivered_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Delivered again by a read after this time, unless acknowledged.
    visible_at   TIMESTAMPTZ NOT NULL,
    -- Kept an hour after its acknowledgement, so that the same acknowledgement again is answered the same way.
    acked_at     TIMESTAMPTZ,
    CHECK (last_seq >= first_seq)
);
CREATE INDEX consumer_batches_consumer_idx ON philotes.consumer_batches (consumer_id, first_seq);
