-- The CDC engine's state in the metadata database: streams, events and per-table counters.

-- name: stream-by-pipeline
SELECT * FROM philotes.pipeline_streams WHERE pipeline_id = :pipeline_id

-- name: stream-begin
-- A new slot (a first start, a copy taken again, a resnapshot): the stream starts over at the slot's consistent
-- point, and its sequence numbers go on from the last one stored, so no seq is ever used twice. Only for the
-- pipeline's current owner (its epoch), which holds the pipeline's row meanwhile against a take-over.
INSERT INTO philotes.pipeline_streams AS s (pipeline_id, slot_name, publication_name, slot_created, publication_created,
                                            start_lsn)
SELECT p.id, :slot_name, :publication_name, :slot_created, :publication_created, CAST(:start_lsn AS pg_lsn)
FROM philotes.pipelines p WHERE p.id = :pipeline_id AND p.owner_epoch = :epoch
FOR SHARE
ON CONFLICT (pipeline_id) DO UPDATE
SET slot_name = EXCLUDED.slot_name, publication_name = EXCLUDED.publication_name, slot_created = EXCLUDED.slot_created,
    publication_created = EXCLUDED.publication_created, start_lsn = EXCLUDED.start_lsn, needs_slot = false,
    last_commit_lsn = NULL, confirmed_lsn = NULL, partial_commit_lsn = NULL, partial_events = 0, slot_wal_status = NULL,
    slot_retained_bytes = NULL, slot_safe_wal_bytes = NULL, slot_checked_at = NULL, slot_check_error = NULL, updated_at = now()
RETURNING s.*

-- name: stream-forget-slot
-- A resnapshot asked for by a user (the pipeline stopped, its slot dropped): the next start creates a new slot and
-- copies every table again. The events and their numbering stay.
WITH again AS (
    UPDATE philotes.table_snapshots
    SET state = 'pending', generation = generation + 1, last_key = NULL, key_columns = NULL, rows_copied = 0, rows_estimated = NULL,
        requested_at = now(), started_at = NULL, finished_at = NULL, error = NULL
    WHERE pipeline_id = :pipeline_id)
UPDATE philotes.pipeline_streams SET needs_slot = true, slot_wal_status = NULL, slot_retained_bytes = NULL,
    slot_safe_wal_bytes = NULL, slot_checked_at = NULL, slot_check_error = 'dropped for a resnapshot', updated_at = now()
WHERE pipeline_id = :pipeline_id

-- name: stream-advance
-- After a batch: where the stream stands and what it stored. Guarded by last_seq and by the owner's epoch, whose
-- row it holds until the commit: a runner that lost its pipeline to another instance fails here rather than write
-- beside the new owner, and a take-over waits for a batch in flight.
UPDATE philotes.pipeline_streams
SET last_commit_lsn = CAST(:last_commit_lsn AS pg_lsn), confirmed_lsn = CAST(:confirmed_lsn AS pg_lsn),
    partial_commit_lsn = CAST(:partial_commit_lsn AS pg_lsn), partial_events = :partial_events, last_seq = :last_seq, events_processed = events_processed + :events,
    last_event_at = COALESCE(CAST(:last_event_at AS timestamptz), last_event_at), updated_at = now()
WHERE pipeline_id = :pipeline_id AND last_seq = :previous_seq
  AND (SELECT p.owner_epoch FROM philotes.pipelines p WHERE p.id = :pipeline_id FOR SHARE) = :epoch

-- name: events-copy
-- Binary COPY: no text parsing of ids, LSNs and times on the server.
COPY philotes.events (pipeline_id, seq, lsn, commit_lsn, xid, commit_time, schema_name, table_name, op, key, before, after, schema_version)
FROM STDIN (FORMAT binary)

-- name: events-after
-- A page: at most :limit events, and no more once :bytes of JSON are reached (the first event always comes, whatever
-- its size). Sizes come from the stored lengths (octet_length of a TOASTed value reads no data).
SELECT seq, CAST(lsn AS text) AS lsn, CAST(commit_lsn AS text) AS commit_lsn, xid, commit_time, schema_name, table_name, op,
       CAST(key AS text) AS key, CAST(before AS text) AS before, CAST(after AS text) AS after, schema_version
FROM (SELECT e.*, sum(e.size) OVER (ORDER BY e.seq) - e.size AS before_it
      FROM (SELECT *, COALESCE(octet_length(CAST(key AS text)), 0) + COALESCE(octet_length(CAST(before AS text)), 0)
                      + COALESCE(octet_length(CAST(after AS text)), 0) AS size
            FROM philotes.events
            WHERE pipeline_id = :pipeline_id AND seq > :after
            ORDER BY seq
            LIMIT :limit) e) page
WHERE before_it < :bytes
ORDER BY seq

-- name: events-matching
-- A filtered page: the events of one schema, table or operation (each filter NULL for any) among seqs :after + 1 to
-- :until, so a filter that matches little looks at a bounded range; `matched` counts the matches before the byte
-- limit cut the page, so the caller knows whether the range was read to its end.
SELECT seq, CAST(lsn AS text) AS lsn, CAST(commit_lsn AS text) AS commit_lsn, xid, commit_time, schema_name, table_name, op,
       CAST(key AS text) AS key, CAST(before AS text) AS before, CAST(after AS text) AS after, schema_version, matched
FROM (SELECT e.*, sum(e.size) OVER (ORDER BY e.seq) - e.size AS before_it, count(*) OVER () AS matched
      FROM (SELECT *, COALESCE(octet_length(CAST(key AS text)), 0) + COALESCE(octet_length(CAST(before AS text)), 0)
                      + COALESCE(octet_length(CAST(after AS text)), 0) AS size
            FROM philotes.events
            WHERE pipeline_id = :pipeline_id AND seq > :after AND seq <= :until
              AND (CAST(:schema_name AS text) IS NULL OR schema_name = :schema_name)
              AND (CAST(:table_name AS text) IS NULL OR table_name = :table_name)
              AND (CAST(:op AS text) IS NULL OR op = :op)
            ORDER BY seq
            LIMIT :limit) e) page
WHERE before_it < :bytes
ORDER BY seq

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

-- name: pipelines-wanting-to-run
SELECT id FROM philotes.pipelines WHERE status IN ('starting', 'running', 'error') ORDER BY created_at

-- name: events-retention-holds
-- Per pipeline: how far its readers let the retention go (the lowest cursor of its consumers and of its sinks but the
-- failed ones), NULL without readers.
SELECT p.id AS pipeline_id,
       LEAST((SELECT min(c.cursor_seq) FROM philotes.consumers c WHERE c.pipeline_id = p.id),
             (SELECT min(s.cursor_seq) FROM philotes.sinks s WHERE s.pipeline_id = p.id AND s.state <> 'failed')) AS held
FROM philotes.pipelines p

-- name: events-prune
-- A pipeline's oldest events up to :up_to that were stored before the cutoff: at most 10,000 per call, found in seq
-- order through the primary key (a pipeline's events are stored in seq order, so the old enough come first), so a
-- reader that holds the retention back costs one short index scan, not a scan of everything it holds.
DELETE FROM philotes.events
WHERE pipeline_id = :pipeline_id AND seq = ANY (ARRAY(
    SELECT oldest.seq
    FROM (SELECT seq, stored_at FROM philotes.events WHERE pipeline_id = :pipeline_id AND seq <= :up_to ORDER BY seq LIMIT 10000) oldest
    WHERE oldest.stored_at < now() - make_interval(secs => CAST(:seconds AS double precision))))

-- name: consumers-expired
-- A pipeline's consumers whose unread events the retention deleted.
-- With no event left, the first to come is the one after the stream's last.
SELECT c.name FROM philotes.consumers c
WHERE c.pipeline_id = :pipeline_id
  AND c.cursor_seq + 1 < COALESCE((SELECT min(e.seq) FROM philotes.events e WHERE e.pipeline_id = :pipeline_id),
                                  (SELECT st.last_seq + 1 FROM philotes.pipeline_streams st WHERE st.pipeline_id = :pipeline_id))
ORDER BY c.name

-- name: pipeline-engine-status
-- What a runner reports (running, error) while the pipeline is wanted running and the runner is its owner; the
-- same report again does not move the version on.
UPDATE philotes.pipelines
SET status = :status, error_message = :error_message,
    started_at = CASE WHEN :status = 'running' AND status <> 'running' THEN now() ELSE started_at END,
    updated_at = now(), version = version + 1
WHERE id = :id AND owner_epoch = :epoch AND status IN ('starting', 'running', 'error')
  AND (status <> :status OR error_message IS DISTINCT FROM CAST(:error_message AS text))
RETURNING status

-- name: metrics-pipelines
SELECT p.id, p.name, p.status, COALESCE(s.events_processed, 0) AS events_processed,
       CAST(GREATEST(s.confirmed_lsn, s.start_lsn) AS text) AS position, CAST(s.source_wal_lsn AS text) AS source_wal_lsn,
       s.slot_retained_bytes, s.slot_wal_status
FROM philotes.pipelines p LEFT JOIN philotes.pipeline_streams s ON s.pipeline_id = p.id
ORDER BY p.name

-- name: pipeline-take-ownership
-- An instance about to run a pipeline (it holds its lease) becomes its owner: a new epoch, which fences off any
-- earlier owner. Waits for a batch the earlier owner has in flight.
UPDATE philotes.pipelines SET owner_epoch = owner_epoch + 1 WHERE id = :id RETURNING owner_epoch

-- name: pipeline-owned
SELECT owner_epoch = :epoch AS owned FROM philotes.pipelines WHERE id = :id

-- name: pipeline-stop-done
-- A stop is done: by the runner that stopped (its epoch), or by any instance once no runner is left
-- (epoch NULL); only a pipeline still stopping.
UPDATE philotes.pipelines
SET status = 'stopped', error_message = NULL, stopped_at = now(), updated_at = now(), version = version + 1
WHERE id = :id AND status = 'stopping' AND (CAST(:epoch AS bigint) IS NULL OR owner_epoch = :epoch)
RETURNING id

-- name: pipelines-stopping
SELECT id FROM philotes.pipelines WHERE status = 'stopping' ORDER BY created_at

-- name: stream-slot-seen
-- The slot as last looked at on the source (error: why it could not be).
UPDATE philotes.pipeline_streams
SET slot_wal_status = :wal_status, slot_retained_bytes = :retained_bytes, slot_safe_wal_bytes = :safe_wal_bytes,
    source_wal_lsn = COALESCE(CAST(:source_wal_lsn AS pg_lsn), source_wal_lsn), slot_checked_at = now(),
    slot_check_error = :error
WHERE pipeline_id = :pipeline_id AND slot_name = :slot_name

-- name: streams-stopped-to-check
-- Streams of stopped pipelines whose slot was not looked at for a while: their slots hold WAL too.
SELECT s.pipeline_id FROM philotes.pipeline_streams s JOIN philotes.pipelines p ON p.id = s.pipeline_id
WHERE p.status = 'stopped' AND s.slot_created
  AND (s.slot_checked_at IS NULL OR s.slot_checked_at < now() - make_interval(secs => CAST(:seconds AS double precision)))
ORDER BY s.slot_checked_at NULLS FIRST
LIMIT 20

-- name: orphan-add
INSERT INTO philotes.orphaned_slots (slot_name, source_id, pipeline_name, drop_slot, publication_name)
VALUES (:slot_name, :source_id, :pipeline_name, :drop_slot, :publication_name)
ON CONFLICT (slot_name) DO NOTHING

-- name: orphans-due
SELECT * FROM philotes.orphaned_slots WHERE next_attempt_at <= now() ORDER BY next_attempt_at LIMIT 20

-- name: orphans-all
SELECT * FROM philotes.orphaned_slots ORDER BY created_at

-- name: orphan-failed
-- Retried with a growing pause: 10 s after the first failure, doubling up to an hour.
UPDATE philotes.orphaned_slots
SET attempts = attempts + 1, last_error = :error,
    next_attempt_at = now() + make_interval(secs => LEAST(3600, 10 * power(2, LEAST(attempts, 12))))
WHERE slot_name = :slot_name

-- name: orphan-dropped
DELETE FROM philotes.orphaned_slots WHERE slot_name = :slot_name

-- name: lease-take
-- Pipeline leases: session advisory locks on one connection this instance holds (plain JDBC, positional
-- parameters), keyed by the pipeline id's two halves folded into one bigint.
SELECT pg_try_advisory_lock(?)

-- name: lease-give-back
SELECT pg_advisory_unlock(?)

-- name: lease-give-back-all
SELECT pg_advisory_unlock_all()

-- name: snapshots-to-copy
-- The copies a pipeline's runner has to take, oldest request first: enabled tables pending or cut short. gap: the
-- first copy of this mapping (not one asked for again) while the pipeline's events already hold the table - from before
-- it was disabled, or removed and added again, a time its changes were not captured.
SELECT s.mapping_id, s.generation, s.state, s.last_key, s.key_columns, s.rows_copied, m.source_schema, m.source_table,
       COALESCE(CAST(m.config ->> 'allow_full_copy' AS boolean), false) AS allow_full_copy,
       s.generation = 1 AND EXISTS (SELECT 1 FROM philotes.table_stats t WHERE t.pipeline_id = s.pipeline_id
                                    AND t.schema_name = m.source_schema AND t.table_name = m.source_table AND t.events_processed > 0) AS gap
FROM philotes.table_snapshots s JOIN philotes.table_mappings m ON m.id = s.mapping_id
WHERE s.pipeline_id = :pipeline_id AND m.enabled AND s.state IN ('pending', 'copying')
ORDER BY s.requested_at, m.source_schema COLLATE "C", m.source_table COLLATE "C"

-- name: snapshot-generation
SELECT generation FROM philotes.table_snapshots WHERE mapping_id = :mapping_id

-- name: snapshot-begin
UPDATE philotes.table_snapshots
SET state = 'copying', started_at = COALESCE(started_at, now()), rows_estimated = :rows_estimated, error = NULL
WHERE mapping_id = :mapping_id AND generation = :generation

-- name: snapshot-progress
-- In the transaction that stores a chunk's events: how far the copy is.
UPDATE philotes.table_snapshots
SET last_key = CAST(:last_key AS text[]), key_columns = CAST(:key_columns AS text[]), rows_copied = rows_copied + :rows, error = NULL,
    state = CASE WHEN :done THEN 'done' ELSE 'copying' END, finished_at = CASE WHEN :done THEN now() END
WHERE mapping_id = :mapping_id AND generation = :generation

-- name: snapshot-failed
UPDATE philotes.table_snapshots SET state = 'failed', error = :error, finished_at = now()
WHERE mapping_id = :mapping_id AND generation = :generation

-- name: snapshot-error
-- A copy that failed and is retried: the error shows in the table's status until it goes on.
UPDATE philotes.table_snapshots SET error = :error WHERE mapping_id = :mapping_id AND generation = :generation

-- name: pipeline-enabled-tables
-- The tables a pipeline captures now (a table added while it runs is among them), for its publication.
SELECT source_schema, source_table FROM philotes.table_mappings WHERE pipeline_id = :pipeline_id AND enabled
ORDER BY source_schema COLLATE "C", source_table COLLATE "C"

-- name: events-notify
-- Sent with a batch's commit: every instance's listeners of new events wake (their long polls and event streams).
SELECT pg_notify('philotes_events', CAST(:pipeline_id AS text) || ' ' || CAST(:last_seq AS text))

-- name: events-listen
LISTEN philotes_events

-- name: events-unlisten
UNLISTEN philotes_events

-- name: events-listener-probe
-- Asked of the listening connection every few seconds: one that died without a word fails it.
SELECT 1

-- name: schema-versions-all
-- Every shape a pipeline has seen its tables in, with its version.
SELECT schema_name, table_name, version, shape FROM philotes.table_schemas WHERE pipeline_id = :pipeline_id

-- name: schema-version-insert
-- A new shape of a table, as the next version. Nothing comes back when another owner of the pipeline (a take-over)
-- recorded that version or that shape first: the caller reads the table's versions again.
INSERT INTO philotes.table_schemas (pipeline_id, schema_name, table_name, version, shape, columns)
VALUES (:pipeline_id, :schema_name, :table_name, :version, :shape, CAST(:columns AS json))
ON CONFLICT DO NOTHING
RETURNING version

-- name: schema-versions-of-table
SELECT version, shape FROM philotes.table_schemas WHERE pipeline_id = :pipeline_id AND schema_name = :schema_name AND table_name = :table_name
