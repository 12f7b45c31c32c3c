-- Webhook sinks of pipelines: their definitions, their delivery state and the leases of the instances delivering them.

-- name: sink-insert
INSERT INTO philotes.sinks (id, pipeline_id, name, type, url, batch_size, header_names, headers_key_id, headers_sealed, secret_key_id,
                            secret_sealed, state, cursor_seq)
VALUES (:id, :pipeline_id, :name, 'webhook', :url, :batch_size, CAST(:header_names AS text[]), :headers_key_id, :headers_sealed,
        :secret_key_id, :secret_sealed, 'active', :cursor_seq)

-- name: sink-count
SELECT count(*) AS total FROM philotes.sinks WHERE pipeline_id = :pipeline_id

-- name: sink-list
-- Sinks as the API shows them (never a secret or a header value).
SELECT id, pipeline_id, name, type, url, batch_size, header_names, state, cursor_seq, batch_first_seq, batch_last_seq, attempts,
       next_attempt_at, last_error, last_error_at, last_success_at, delivered_events, secret_rotated_at, previous_until, created_at
FROM philotes.sinks
WHERE pipeline_id = :pipeline_id AND (CAST(:name AS text) IS NULL OR name = :name)
ORDER BY name COLLATE "C"

-- name: sink-delete
DELETE FROM philotes.sinks WHERE pipeline_id = :pipeline_id AND name = :name

-- name: sink-lock
SELECT id, state, cursor_seq, secret_key_id, secret_sealed FROM philotes.sinks WHERE pipeline_id = :pipeline_id AND name = :name FOR UPDATE

-- name: sink-pause
-- The delivering instance records the request in flight, if any, and gives the lease back at its next step.
UPDATE philotes.sinks SET state = 'paused' WHERE id = :id

-- name: sink-resume
-- Delivered again at once, its attempts counted anew; :cursor_seq moves a sink the retention passed past the gap, and
-- a batch fixed before the gap (its first events gone) is fixed anew after it.
UPDATE philotes.sinks
SET state = 'active', attempts = 0, next_attempt_at = NULL, cursor_seq = GREATEST(cursor_seq, :cursor_seq),
    batch_first_seq = CASE WHEN batch_first_seq <= :cursor_seq THEN NULL ELSE batch_first_seq END,
    batch_last_seq = CASE WHEN batch_first_seq <= :cursor_seq THEN NULL ELSE batch_last_seq END,
    batch_created_at = CASE WHEN batch_first_seq <= :cursor_seq THEN NULL ELSE batch_created_at END
WHERE id = :id

-- name: sink-rotate
-- A new signing secret; the one it replaces signs beside it until :until.
UPDATE philotes.sinks
SET previous_key_id = secret_key_id, previous_sealed = secret_sealed, previous_until = :until, secret_key_id = :secret_key_id,
    secret_sealed = :secret_sealed, secret_rotated_at = now()
WHERE id = :id

-- name: sinks-claim
-- Sinks to deliver that no instance delivers (or whose instance let its lease run out): this instance takes them.
UPDATE philotes.sinks SET lease_owner = :owner, lease_until = now() + make_interval(secs => CAST(:lease_seconds AS double precision))
WHERE id IN (SELECT id FROM philotes.sinks
             WHERE state IN ('active', 'retrying') AND (lease_owner IS NULL OR lease_until < now())
             ORDER BY created_at
             LIMIT 1000
             FOR UPDATE SKIP LOCKED)
RETURNING id

-- name: sink-release
-- A sink's delivery ended on this instance (paused, failed, deleted, the service stopping): another may take it.
UPDATE philotes.sinks SET lease_owner = NULL, lease_until = NULL WHERE id = :id AND lease_owner = :owner

-- name: sink-renew
-- The delivering instance renews its lease and reads what it needs; nothing comes back once the sink is paused,
-- failed, deleted, or taken by another instance.
UPDATE philotes.sinks SET lease_until = now() + make_interval(secs => CAST(:lease_seconds AS double precision))
WHERE id = :id AND lease_owner = :owner AND state IN ('active', 'retrying')
RETURNING id, pipeline_id, name, url, batch_size, header_names, headers_key_id, headers_sealed, secret_key_id, secret_sealed,
          previous_key_id, previous_sealed, CASE WHEN previous_until > now() THEN previous_until END AS previous_until, cursor_seq,
          batch_first_seq, batch_last_seq, batch_created_at, attempts, next_attempt_at

-- name: sink-batch-begin
-- The next batch, fixed before its first attempt.
UPDATE philotes.sinks SET batch_first_seq = :first_seq, batch_last_seq = :last_seq, batch_created_at = now()
WHERE id = :id AND lease_owner = :owner AND cursor_seq = :cursor_seq AND batch_first_seq IS NULL
RETURNING batch_created_at

-- name: sink-delivered
-- A 2xx: the cursor moves past the batch (only from where this instance read it, and only while it holds the lease).
UPDATE philotes.sinks
SET cursor_seq = batch_last_seq, batch_first_seq = NULL, batch_last_seq = NULL, batch_created_at = NULL, attempts = 0,
    next_attempt_at = NULL, last_success_at = now(), delivered_events = delivered_events + (batch_last_seq - cursor_seq),
    state = CASE WHEN state = 'retrying' THEN 'active' ELSE state END
WHERE id = :id AND lease_owner = :owner AND cursor_seq = :cursor_seq AND batch_last_seq = :last_seq

-- name: sink-attempt-failed
UPDATE philotes.sinks
SET attempts = attempts + 1, last_error = :error, last_error_at = now(),
    next_attempt_at = now() + make_interval(secs => CAST(:retry_seconds AS double precision)),
    state = CASE WHEN state = 'active' THEN 'retrying' ELSE state END
WHERE id = :id AND lease_owner = :owner

-- name: sink-fail
-- The sink cannot go on without a person: its endpoint answered 410 Gone, or the retention deleted events it had not delivered.
UPDATE philotes.sinks SET state = 'failed', last_error = :error, last_error_at = now(), lease_owner = NULL, lease_until = NULL
WHERE id = :id AND state <> 'failed'

-- name: sinks-release
-- An instance that stops gives its leases back: another takes its sinks over at once.
UPDATE philotes.sinks SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = :owner

-- name: sinks-expired
-- A pipeline's sinks whose undelivered events the retention deleted.
-- With no event left, the first to come is the one after the stream's last.
SELECT s.id, s.name, s.cursor_seq FROM philotes.sinks s
WHERE s.pipeline_id = :pipeline_id AND s.state <> 'failed'
  AND s.cursor_seq + 1 < COALESCE((SELECT min(e.seq) FROM philotes.events e WHERE e.pipeline_id = :pipeline_id),
                                  (SELECT st.last_seq + 1 FROM philotes.pipeline_streams st WHERE st.pipeline_id = :pipeline_id))

-- name: metrics-sinks
SELECT p.name AS pipeline_name, s.name, s.state, s.cursor_seq, s.attempts, s.delivered_events,
       GREATEST(COALESCE(st.last_seq, 0), COALESCE((SELECT max(e.seq) FROM philotes.events e WHERE e.pipeline_id = s.pipeline_id), 0))
       - s.cursor_seq AS lag_events
FROM philotes.sinks s
JOIN philotes.pipelines p ON p.id = s.pipeline_id
LEFT JOIN philotes.pipeline_streams st ON st.pipeline_id = s.pipeline_id
ORDER BY p.name, s.name

-- name: sink-sealed-all
-- Every sink's sealed values with the URL they are bound to, for reencrypt-secrets.
SELECT id, url, secret_key_id, secret_sealed, headers_key_id, headers_sealed, previous_key_id, previous_sealed FROM philotes.sinks ORDER BY id

-- name: sink-reseal
-- Only if the row still holds the secret that was read: a rotation meanwhile wins.
UPDATE philotes.sinks
SET secret_key_id = :secret_key_id, secret_sealed = :secret_sealed, headers_key_id = :headers_key_id, headers_sealed = :headers_sealed,
    previous_key_id = :previous_key_id, previous_sealed = :previous_sealed
WHERE id = :id AND secret_sealed = :read_secret_sealed
