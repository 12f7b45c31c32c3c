-- Sources in the metadata database. Lists are newest first with a (created_at, id) keyset cursor.

-- name: source-insert
INSERT INTO philotes.sources (id, name, type, host, port, database, username, password_ciphertext, password_key_id,
                              ssl_mode, slot_name, publication_name)
VALUES (:id, :name, :type, :host, :port, :database, :username, :password_ciphertext, :password_key_id,
        :ssl_mode, :slot_name, :publication_name)
RETURNING *

-- name: source-by-id
SELECT * FROM philotes.sources WHERE id = :id

-- name: source-list
SELECT * FROM philotes.sources
WHERE (CAST(:status AS text) IS NULL OR status = CAST(:status AS text))
  AND (CAST(:after_created AS timestamptz) IS NULL
       OR (created_at, id) < (CAST(:after_created AS timestamptz), CAST(:after_id AS uuid)))
ORDER BY created_at DESC, id DESC
LIMIT :limit

-- name: source-count
SELECT count(*) AS total FROM philotes.sources WHERE (CAST(:status AS text) IS NULL OR status = CAST(:status AS text))

-- name: source-update
UPDATE philotes.sources
SET name = :name, host = :host, port = :port, database = :database, username = :username,
    password_ciphertext = :password_ciphertext, password_key_id = :password_key_id, ssl_mode = :ssl_mode,
    slot_name = :slot_name, publication_name = :publication_name, status = :status,
    updated_at = now(), version = version + 1
WHERE id = :id AND version = :version
RETURNING *

-- name: source-record-test
UPDATE philotes.sources
SET status = :status, last_tested_at = now(), updated_at = now(), version = version + 1
WHERE id = :id
RETURNING *

-- name: source-delete
DELETE FROM philotes.sources WHERE id = :id AND version = :version

-- name: source-pipeline-names
-- What keeps a source from being deleted: its pipelines, and slots of deleted ones still to be dropped.
SELECT name FROM (SELECT name FROM philotes.pipelines WHERE source_id = :id
                  UNION ALL
                  SELECT pipeline_name || ' (deleted; its slot ' || slot_name || ' on this source is still to be dropped)'
                  FROM philotes.orphaned_slots WHERE source_id = :id) n
ORDER BY name LIMIT 10

-- name: source-sealed-all
-- Every stored password with the endpoint it is bound to, for reencrypt-secrets.
SELECT id, host, port, database, username, ssl_mode, password_ciphertext, password_key_id FROM philotes.sources ORDER BY id

-- name: source-reseal
-- Only if the row still holds the ciphertext that was read: a concurrent change of the password wins.
UPDATE philotes.sources SET password_ciphertext = :password_ciphertext, password_key_id = :password_key_id
WHERE id = :id AND password_ciphertext = :previous_ciphertext
