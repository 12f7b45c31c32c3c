-- The CDC engine's state: where each pipeline's stream stands on its source, the captured change events in
-- commit order, and per-table counters. Events, stream and counters of one source transaction are written
-- in one metadata transaction, so the stored position always matches the stored events.

CREATE TABLE philotes.pipeline_streams (
    pipeline_id         UUID PRIMARY KEY REFERENCES philotes.pipelines (id) ON DELETE CASCADE,
    slot_name           TEXT NOT NULL,
    publication_name    TEXT NOT NULL,
    -- Whether the engine created them, and so drops them when the pipeline is deleted.
    slot_created        BOOLEAN NOT NULL,
    publication_created BOOLEAN NOT NULL,
    -- The consistent point of the slot: the snapshot's events carry it, streaming starts from it.
    start_lsn           PG_LSN NOT NULL,
    snapshot_done       BOOLEAN NOT NULL,
    -- The commit LSN of the last source transaction stored; a transaction at or before it is skipped.
    last_commit_lsn     PG_LSN,
    -- The LSN just past it, confirmed to the source once stored.
    confirmed_lsn       PG_LSN,
    -- A transaction too large for one batch is stored in parts: its commit LSN and how many of its events are
    -- stored. When the source sends it again after a restart, that many events are skipped.
    partial_commit_lsn  PG_LSN,
    partial_events      BIGINT NOT NULL DEFAULT 0,
    last_seq            BIGINT NOT NULL DEFAULT 0,
    events_processed    BIGINT NOT NULL DEFAULT 0,
    last_event_at       TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE philotes.events (
    pipeline_id  UUID NOT NULL REFERENCES philotes.pipelines (id) ON DELETE CASCADE,
    seq          BIGINT NOT NULL,
    lsn          PG_LSN NOT NULL,
    commit_lsn   PG_LSN NOT NULL,
    xid          BIGINT,
    commit_time  TIMESTAMPTZ NOT NULL,
    schema_name  TEXT NOT NULL,
    table_name   TEXT NOT NULL,
    op           TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete', 'truncate', 'snapshot')),
    -- json, not jsonb: kept as written, so columns stay in table order (and storing is cheaper).
    key          JSON,
    before       JSON,
    after        JSON,
    stored_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (pipeline_id, seq)
);

-- Retention prunes by age. Events are stored in time order, so a BRIN index finds old ones at a fraction of
-- a btree's cost on every insert.
CREATE INDEX events_stored_idx ON philotes.events USING brin (stored_at);

CREATE TABLE philotes.table_stats (
    pipeline_id      UUID NOT NULL REFERENCES philotes.pipelines (id) ON DELETE CASCADE,
    schema_name      TEXT NOT NULL,
    table_name       TEXT NOT NULL,
    events_processed BIGINT NOT NULL DEFAULT 0,
    last_event_at    TIMESTAMPTZ,
    PRIMARY KEY (pipeline_id, schema_name, table_name)
);
