-- Pipelines and their table mappings in the metadata database. Lists are newest first with a
-- (created_at, id) keyset cursor; mappings are sorted by schema, then table, in byte order (COLLATE "C"),
-- whatever the metadata database's locale.

-- name: pipeline-insert
INSERT INTO philotes.pipelines (id, name, source_id, config)
VALUES (:id, :name, :source_id, CAST(:config AS jsonb))
RETURNING *

-- name: pipeline-by-id
SELECT * FROM philotes.pipelines WHERE id = :id

-- name: pipeline-lock
-- Writes to a pipeline and its mappings hold its row lock, so a concurrent start (which takes it too) sees
-- either the state before the write or after it.
SELECT * FROM philotes.pipelines WHERE id = :id FOR UPDATE

-- name: pipeline-list
SELECT * FROM philotes.pipelines
WHERE (CAST(:status AS text) IS NULL OR status = CAST(:status AS text))
  AND (CAST(:source_id AS uuid) IS NULL OR source_id = CAST(:source_id AS uuid))
  AND (CAST(:after_created AS timestamptz) IS NULL
       OR (created_at, id) < (CAST(:after_created AS timestamptz), CAST(:after_id AS uuid)))
ORDER BY created_at DESC, id DESC
LIMIT :limit

-- name: pipeline-count
SELECT count(*) AS total FROM philotes.pipelines
WHERE (CAST(:status AS text) IS NULL OR status = CAST(:status AS text))
  AND (CAST(:source_id AS uuid) IS NULL OR source_id = CAST(:source_id AS uuid))

-- name: pipeline-update
-- Also after a change of mappings only: the version covers the pipeline with its set of tables.
UPDATE philotes.pipelines
SET name = :name, config = CAST(:config AS jsonb), updated_at = now(), version = version + 1
WHERE id = :id
RETURNING *

-- name: pipeline-delete
DELETE FROM philotes.pipelines WHERE id = :id

-- name: mapping-list
SELECT * FROM philotes.table_mappings WHERE pipeline_id = :pipeline_id
ORDER BY source_schema COLLATE "C", source_table COLLATE "C"

-- name: mapping-by-id
SELECT * FROM philotes.table_mappings WHERE id = :id AND pipeline_id = :pipeline_id

-- name: mapping-insert
INSERT INTO philotes.table_mappings (pipeline_id, source_schema, source_table, enabled, config)
VALUES (:pipeline_id, :schema, :table, :enabled, CAST(:config AS jsonb))
RETURNING *

-- name: mapping-upsert-all
-- Makes the given mappings exist with these settings; a mapping that already exists keeps its id.
INSERT INTO philotes.table_mappings (pipeline_id, source_schema, source_table, enabled, config)
SELECT :pipeline_id, m.source_schema, m.source_table, m.enabled, CAST(m.config AS jsonb)
FROM unnest(CAST(:schemas AS text[]), CAST(:tables AS text[]), CAST(:enabled AS boolean[]), CAST(:configs AS text[]))
     AS m(source_schema, source_table, enabled, config)
ON CONFLICT (pipeline_id, source_schema, source_table)
DO UPDATE SET enabled = EXCLUDED.enabled, config = EXCLUDED.config

-- name: mapping-delete-others
-- Removes the mappings that are not among the given ones.
DELETE FROM philotes.table_mappings
WHERE pipeline_id = :pipeline_id
  AND (source_schema, source_table) NOT IN (SELECT * FROM unnest(CAST(:schemas AS text[]), CAST(:tables AS text[])))

-- name: mapping-update
UPDATE philotes.table_mappings SET enabled = :enabled, config = CAST(:config AS jsonb)
WHERE id = :id AND pipeline_id = :pipeline_id
RETURNING *

-- name: mapping-delete
DELETE FROM philotes.table_mappings WHERE id = :id AND pipeline_id = :pipeline_id

-- name: pipeline-set-status
-- The engine's state changes. started_at/stopped_at move with running/stopped.
UPDATE philotes.pipelines
SET status = :status, error_message = :error_message,
    started_at = CASE WHEN :status = 'running' AND status <> 'running' THEN now() ELSE started_at END,
    stopped_at = CASE WHEN :status = 'stopped' THEN now() ELSE stopped_at END,
    updated_at = now(), version = version + 1
WHERE id = :id
RETURNING *

-- name: snapshots-sync
-- After a change of mappings, in its transaction: an enabled table without a copy state gets one (pending, or skipped
-- when the pipeline's config says snapshot: never); a disabled table loses its own, as its changes are not captured
-- meanwhile and enabling it again must copy it again.
WITH disabled AS (
    DELETE FROM philotes.table_snapshots s USING philotes.table_mappings m
    WHERE s.mapping_id = m.id AND m.pipeline_id = :pipeline_id AND NOT m.enabled)
INSERT INTO philotes.table_snapshots (mapping_id, pipeline_id, state)
SELECT m.id, m.pipeline_id, CASE WHEN p.config ->> 'snapshot' = 'never' THEN 'skipped' ELSE 'pending' END
FROM philotes.table_mappings m JOIN philotes.pipelines p ON p.id = m.pipeline_id
WHERE m.pipeline_id = :pipeline_id AND m.enabled
  AND NOT EXISTS (SELECT 1 FROM philotes.table_snapshots s WHERE s.mapping_id = m.id)

-- name: snapshot-request
-- A new copy of one table, asked for by a user: whatever its state, it starts over (a copy in flight of an
-- earlier generation stores nothing more).
WITH requested AS (
    UPDATE philotes.table_snapshots
    SET state = 'pending', generation = generation + 1, last_key = NULL, key_columns = NULL, rows_copied = 0, rows_estimated = NULL,
        requested_at = now(), started_at = NULL, finished_at = NULL, error = NULL
    WHERE mapping_id = :mapping_id
    RETURNING *)
SELECT r.*, m.source_schema, m.source_table FROM requested r JOIN philotes.table_mappings m ON m.id = r.mapping_id

-- name: snapshots-by-pipeline
SELECT s.*, m.source_schema, m.source_table FROM philotes.table_snapshots s JOIN philotes.table_mappings m ON m.id = s.mapping_id
WHERE s.pipeline_id = :pipeline_id

-- name: pipeline-exists
SELECT true AS present FROM philotes.pipelines WHERE id = :pipeline_id

-- name: pipeline-schema
-- Each enabled mapping's table with the latest shape the pipeline saw it in (none before its first event or copy).
SELECT m.source_schema, m.source_table, s.version, s.seen_at, CAST(s.columns AS text) AS columns
FROM philotes.table_mappings m
LEFT JOIN LATERAL (SELECT t.version, t.seen_at, t.columns FROM philotes.table_schemas t
                   WHERE t.pipeline_id = m.pipeline_id AND t.schema_name = m.source_schema AND t.table_name = m.source_table
                   ORDER BY t.version DESC
                   LIMIT 1) s ON true
WHERE m.pipeline_id = :pipeline_id AND m.enabled
ORDER BY m.source_schema COLLATE "C", m.source_table COLLATE "C"
