-- The CDC engine's state in the metadata database: streams, events and per-table counters.

-- name: stream-by-pipeline
SELECT * FROM philotes.pipeline_streams WHERE pipeline_id = :pipeline_id

-- name: stream-insert
INSERT INTO philotes.pipeline_streams (pipeline_id, slot_name, publication_name, slot_created, publication_created,
                                       start_lsn, snapshot_done)
VALUES (:pipeline_id, :slot_name, :publication_name, :slot_created, :publication_created, CAST(:start_lsn AS pg_lsn),
        :snapshot_done)
RETURNING *

-- name: stream-delete
DELETE FROM philotes.pipeline_streams WHERE pipeline_id = :pipeline_id

-- name: stream-advance
-- After a batch: where the stream stands and what it stored. Guarded by last_seq, so a second writer of one
-- pipeline (which the engine never starts) would fail rather than interleave.
UPDATE philotes.pipeline_streams
SET last_commit_lsn = CAST(:last_commit_lsn AS pg_lsn), confirmed_lsn = CAST(:confirmed_lsn AS pg_lsn),
    partial_commit_lsn = CAST(:partial_commit_lsn AS pg_lsn), partial_events = :partial_events, last_seq = :last_seq, events_processed = events_processed + :events, snapshot_done = :snapshot_done,
    last_event_at = COALESCE(CAST(:last_event_at AS timestamptz), last_event_at), updated_at = now()
WHERE pipeline_id = :pipeline_id AND last_seq = :previous_seq

-- name: events-copy
-- Binary COPY: no text parsing of ids, LSNs and times on the server.
COPY philotes.events (pipeline_id, seq, lsn, commit_lsn, xid, commit_time, schema_name, table_name, op, key, before, after)
FROM STDIN (FORMAT binary)

-- name: events-after
SELECT seq, CAST(lsn AS text) AS lsn, CAST(commit_lsn AS text) AS commit_lsn, xid, commit_time, schema_name, table_name, op,
       CAST(key AS text) AS key, CAST(before AS text) AS before, CAST(after AS text) AS after
FROM philotes.events
WHERE pipeline_id = :pipeline_id AND seq > :after
ORDER BY seq
LIMIT :limit

-- name: events-bounds
-- The oldest retained event of a pipeline and the last one stored (what the stream counted, or what the table
-- holds), each NULL when there is none.
SELECT (SELECT min(seq) FROM philotes.events WHERE pipeline_id = :pipeline_id) AS first_seq,
       GREATEST((SELECT max(seq) FROM philotes.events WHERE pipeline_id = :pipeline_id),
                (SELECT last_seq FROM philotes.pipeline_streams WHERE pipeline_id = :pipeline_id)) AS last_seq

-- name: table-stats-add
INSERT INTO philotes.table_stats AS s (pipeline_id, schema_name, table_name, events_processed, last_event_at)
SELECT :pipeline_id, t.schema_name, t.table_name, t.events, t.last_event_at
FROM unnest(CAST(:schemas AS text[]), CAST(:tables AS text[]), CAST(:counts AS bigint[]), CAST(:times AS timestamptz[]))
     AS t(schema_name, table_name, events, last_event_at)
ON CONFLICT (pipeline_id, schema_name, table_name)
DO UPDATE SET events_processed = s.events_processed + EXCLUDED.events_processed,
              last_event_at = GREATEST(s.last_event_at, EXCLUDED.last_event_at)

-- name: table-stats-by-pipeline
SELECT schema_name, table_name, events_processed, last_event_at FROM philotes.table_stats WHERE pipeline_id = :pipeline_id
ORDER BY schema_name COLLATE "C", table_name COLLATE "C"

-- name: events-delete-pipeline
DELETE FROM philotes.events WHERE pipeline_id = :pipeline_id

-- name: table-stats-delete
DELETE FROM philotes.table_stats WHERE pipeline_id = :pipeline_id

-- name: pipelines-wanting-to-run
SELECT id FROM philotes.pipelines WHERE status IN ('starting', 'running', 'error') ORDER BY created_at

-- name: events-prune
-- At most 10,000 events past the retention per call, so each delete stays short.
DELETE FROM philotes.events
WHERE ctid = ANY (ARRAY(SELECT ctid FROM philotes.events
                        WHERE stored_at < now() - make_interval(secs => CAST(:seconds AS double precision))
                        LIMIT 10000))

-- name: pipeline-engine-status
-- What a runner reports (running, error) while the pipeline is wanted running; the same report again does
-- not move the version on.
UPDATE philotes.pipelines
SET status = :status, error_message = :error_message,
    started_at = CASE WHEN :status = 'running' AND status <> 'running' THEN now() ELSE started_at END,
    updated_at = now(), version = version + 1
WHERE id = :id AND status IN ('starting', 'running', 'error')
  AND (status <> :status OR error_message IS DISTINCT FROM CAST(:error_message AS text))
RETURNING status

-- name: metrics-pipelines
SELECT p.id, p.name, p.status, COALESCE(s.events_processed, 0) AS events_processed, CAST(s.confirmed_lsn AS text) AS confirmed_lsn
FROM philotes.pipelines p LEFT JOIN philotes.pipeline_streams s ON s.pipeline_id = p.id
ORDER BY p.name
