-- CDC safety: fencing of pipeline owners, the source slot as last seen, and slots left to drop.

-- Every take-over of a pipeline (an instance starting its runner) increments its epoch; each event-store
-- transaction, state report and slot reset of a runner checks that the epoch is still its own, so a runner
-- that lost its lease without noticing can never write beside the new owner.
ALTER TABLE philotes.pipelines ADD COLUMN owner_epoch BIGINT NOT NULL DEFAULT 0;

-- The pipeline's slot on its source, as its runner (or, while it is stopped, the supervisor) last saw it:
-- how much WAL it holds there and whether the server still keeps that WAL.
ALTER TABLE philotes.pipeline_streams
    ADD COLUMN slot_wal_status     TEXT,
    ADD COLUMN slot_retained_bytes BIGINT,
    ADD COLUMN slot_safe_wal_bytes BIGINT,
    ADD COLUMN source_wal_lsn      PG_LSN,
    ADD COLUMN slot_checked_at     TIMESTAMPTZ,
    ADD COLUMN slot_check_error    TEXT;

-- Slots and publications of deleted pipelines that could not be dropped yet: retried until they are gone,
-- and shown in /health and /metrics meanwhile, because a forgotten slot fills its source's disk. The
-- source cannot be deleted while one of its slots waits here.
CREATE TABLE philotes.orphaned_slots (
    slot_name        TEXT PRIMARY KEY,
    source_id        UUID NOT NULL REFERENCES philotes.sources (id),
    pipeline_name    TEXT NOT NULL,
    drop_slot        BOOLEAN NOT NULL,
    publication_name TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    next_attempt_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
