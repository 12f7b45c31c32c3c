-- API keys and the audit log. Keys are listed newest first with a (created_at, id) keyset cursor.

-- name: key-insert
INSERT INTO philotes.api_keys (id, name, role, secret_hash, expires_at)
VALUES (:id, :name, :role, :secret_hash, CAST(:expires_at AS timestamptz))
RETURNING *, CAST(NULL AS text) AS pipeline_ids

-- name: key-pipeline-insert
INSERT INTO philotes.api_key_pipelines (key_id, pipeline_id) VALUES (:key_id, :pipeline_id)

-- name: key-by-id
SELECT k.*, (SELECT string_agg(CAST(p.pipeline_id AS text), ',' ORDER BY p.pipeline_id)
             FROM philotes.api_key_pipelines p WHERE p.key_id = k.id) AS pipeline_ids
FROM philotes.api_keys k
WHERE k.id = :id

-- name: key-list
SELECT k.*, (SELECT string_agg(CAST(p.pipeline_id AS text), ',' ORDER BY p.pipeline_id)
             FROM philotes.api_key_pipelines p WHERE p.key_id = k.id) AS pipeline_ids
FROM philotes.api_keys k
WHERE CAST(:after_created AS timestamptz) IS NULL
   OR (k.created_at, k.id) < (CAST(:after_created AS timestamptz), CAST(:after_id AS text))
ORDER BY k.created_at DESC, k.id DESC
LIMIT :limit

-- name: key-count
SELECT count(*) AS total FROM philotes.api_keys

-- name: key-delete
DELETE FROM philotes.api_keys WHERE id = :id

-- name: key-touch
-- Records a key's use, at most once a minute (so a busy key costs one write a minute, not one per request).
UPDATE philotes.api_keys SET last_used_at = now()
WHERE id = :id AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')

-- name: key-admins-lock
-- The admin keys still usable, locked: two admins deleting each other's keys at once cannot remove the last.
SELECT id FROM philotes.api_keys WHERE role = 'admin' AND (expires_at IS NULL OR expires_at > now()) ORDER BY id FOR UPDATE

-- name: key-setup-lock
-- One instance at a time creates the first admin key.
SELECT pg_advisory_xact_lock(7366001) IS NULL AS locked

-- name: pipelines-existing
SELECT CAST(id AS text) AS id FROM philotes.pipelines WHERE CAST(id AS text) = ANY (string_to_array(:ids, ','))

-- name: audit-lock
-- Taken by every writer of audit rows before it numbers them, so rows commit in seq order.
SELECT pg_advisory_xact_lock(7366002) IS NULL AS locked

-- name: audit-insert
INSERT INTO philotes.audit_log (at, key_id, key_name, role, client, method, path, resource_id, status, request_id)
VALUES (:at, :key_id, :key_name, :role, :client, :method, :path, :resource_id, :status, :request_id)

-- name: audit-list
SELECT * FROM philotes.audit_log WHERE seq > :after ORDER BY seq LIMIT :limit

-- name: audit-prune
-- At most 10,000 rows past the retention per call, so each delete stays short.
DELETE FROM philotes.audit_log
WHERE seq = ANY (ARRAY(SELECT seq FROM philotes.audit_log
                       WHERE at < now() - make_interval(secs => CAST(:seconds AS double precision))
                       ORDER BY seq LIMIT 10000))

-- name: key-name-taken
SELECT id FROM philotes.api_keys WHERE name = :name

-- name: audit-timeouts
SELECT set_config('lock_timeout', '2s', true) AS lock_timeout, set_config('statement_timeout', '10s', true) AS statement_timeout
