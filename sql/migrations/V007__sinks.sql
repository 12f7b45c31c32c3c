-- Webhook sinks: a pipeline's events pushed in seq order to an HTTP endpoint, signed as the Standard Webhooks
-- specification says, at least once. A sink delivers one batch at a time: the batch's events and its webhook-id are
-- stored before the first attempt, so every retry (after a failure, a crash, a take-over by another instance) sends
-- the same events under the same id, and the cursor moves only on a 2xx.

CREATE TABLE philotes.sinks (
    id                     UUID PRIMARY KEY,
    pipeline_id            UUID NOT NULL REFERENCES philotes.pipelines (id) ON DELETE CASCADE,
    name                   TEXT NOT NULL,
    type                   TEXT NOT NULL CHECK (type IN ('webhook')),
    url                    TEXT NOT NULL,
    batch_size             INTEGER NOT NULL,
    -- Extra request headers: their names in the clear, their values sealed (they may carry the receiver's credentials).
    header_names           TEXT[] NOT NULL DEFAULT '{}',
    headers_key_id         TEXT,
    headers_sealed         BYTEA,
    -- The signing secret, sealed like source passwords; during a rotation the previous one signs too, until its end.
    secret_key_id          TEXT NOT NULL,
    secret_sealed          BYTEA NOT NULL,
    previous_key_id        TEXT,
    previous_sealed        BYTEA,
    previous_until         TIMESTAMPTZ,
    secret_rotated_at      TIMESTAMPTZ,
    state                  TEXT NOT NULL CHECK (state IN ('active', 'retrying', 'paused', 'failed')),
    -- Every event up to this seq was delivered (answered 2xx).
    cursor_seq             BIGINT NOT NULL,
    -- The batch being delivered, fixed before its first attempt.
    batch_first_seq        BIGINT,
    batch_last_seq         BIGINT,
    batch_created_at       TIMESTAMPTZ,
    attempts               INTEGER NOT NULL DEFAULT 0,
    next_attempt_at        TIMESTAMPTZ,
    last_error             TEXT,
    last_error_at          TIMESTAMPTZ,
    last_success_at        TIMESTAMPTZ,
    delivered_events       BIGINT NOT NULL DEFAULT 0,
    -- The instance delivering it, until lease_until; another instance takes it over after that.
    lease_owner            UUID,
    lease_until            TIMESTAMPTZ,
    created_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (pipeline_id, name)
);
