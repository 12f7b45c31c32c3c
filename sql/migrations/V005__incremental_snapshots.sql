-- Incremental snapshots: every table of a pipeline is copied on its own, in key-ordered chunks read in short
-- transactions between watermarks of the replication stream, while the stream flows. Each table's copy has a
-- state; its progress (the key of the last stored row) is written in the same transaction as the chunk's events,
-- so a stop, a crash or a take-over goes on from the last stored chunk.

CREATE TABLE philotes.table_snapshots (
    mapping_id     UUID PRIMARY KEY REFERENCES philotes.table_mappings (id) ON DELETE CASCADE,
    pipeline_id    UUID NOT NULL REFERENCES philotes.pipelines (id) ON DELETE CASCADE,
    -- pending: to copy; copying: chunks stored up to last_key; done; failed (error says why); skipped: the
    -- pipeline's config says snapshot: never.
    state          TEXT NOT NULL CHECK (state IN ('pending', 'copying', 'done', 'failed', 'skipped')),
    -- Grows with every request of a new copy: progress of an earlier copy still in flight changes nothing.
    generation     BIGINT NOT NULL DEFAULT 1,
    -- The text forms of the copy key's values in the last stored row, and the key's columns; NULL before the first
    -- chunk. A copy whose table got another key meanwhile starts over.
    last_key       TEXT[],
    key_columns    TEXT[],
    rows_copied    BIGINT NOT NULL DEFAULT 0,
    rows_estimated BIGINT,
    requested_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at     TIMESTAMPTZ,
    finished_at    TIMESTAMPTZ,
    error          TEXT
);
CREATE INDEX table_snapshots_pipeline_idx ON philotes.table_snapshots (pipeline_id);

-- Enabled mappings as the copies of the earlier engine left them: a pipeline whose one-transaction copy was
-- stored is done; one whose copy was cut short (or never started) copies its tables anew.
INSERT INTO philotes.table_snapshots (mapping_id, pipeline_id, state, started_at, finished_at)
SELECT m.id, m.pipeline_id,
       CASE WHEN s.snapshot_done THEN 'done' WHEN p.config ->> 'snapshot' = 'never' THEN 'skipped' ELSE 'pending' END,
       CASE WHEN s.snapshot_done THEN s.created_at END, CASE WHEN s.snapshot_done THEN s.created_at END
FROM philotes.table_mappings m
JOIN philotes.pipelines p ON p.id = m.pipeline_id
LEFT JOIN philotes.pipeline_streams s ON s.pipeline_id = m.pipeline_id
WHERE m.enabled;

-- A stream needs a new slot: its earlier engine's copy was cut short (that copy read the slot's exported snapshot,
-- which is gone), or a resnapshot dropped its slot. Its next start creates one, beginning with a truncate per table.
ALTER TABLE philotes.pipeline_streams ADD COLUMN needs_slot BOOLEAN NOT NULL DEFAULT false;
UPDATE philotes.pipeline_streams SET needs_slot = NOT snapshot_done;
ALTER TABLE philotes.pipeline_streams DROP COLUMN snapshot_done;
