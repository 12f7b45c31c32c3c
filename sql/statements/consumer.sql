-- Consumers of a pipeline's events: their cursors and the batches they hand out.

-- name: consumer-insert
INSERT INTO philotes.consumers (id, pipeline_id, name, cursor_seq, delivered_seq, visibility_timeout)
VALUES (:id, :pipeline_id, :name, :cursor_seq, :cursor_seq, make_interval(secs => CAST(:visibility_seconds AS double precision)))

-- name: consumer-count
SELECT count(*) AS total FROM philotes.consumers WHERE pipeline_id = :pipeline_id

-- name: consumer-list
-- Consumers as the API shows them: the cursor, what they hold, and how far behind they are. The oldest event not
-- acknowledged is found through the primary key; lag_seconds is measured from its commit.
SELECT c.id, c.pipeline_id, c.name, c.cursor_seq, c.delivered_seq, CAST(extract(epoch FROM c.visibility_timeout) * 1000 AS bigint) AS visibility_millis,
       c.created_at, c.last_ack_at, c.last_delivery_at,
       (SELECT count(*) FROM philotes.consumer_batches b WHERE b.consumer_id = c.id AND b.acked_at IS NULL) AS batches_held,
       (SELECT e.commit_time FROM philotes.events e WHERE e.pipeline_id = c.pipeline_id AND e.seq > c.cursor_seq
        ORDER BY e.seq LIMIT 1) AS oldest_unacked_at
FROM philotes.consumers c
WHERE c.pipeline_id = :pipeline_id AND (CAST(:name AS text) IS NULL OR c.name = :name)
ORDER BY c.name COLLATE "C"

-- name: consumer-lock
-- Every read and acknowledgement of a consumer holds its row: two readers of one consumer never get one batch.
SELECT id, cursor_seq, delivered_seq, CAST(extract(epoch FROM visibility_timeout) * 1000 AS bigint) AS visibility_millis
FROM philotes.consumers WHERE pipeline_id = :pipeline_id AND name = :name
FOR UPDATE

-- name: consumer-delete
DELETE FROM philotes.consumers WHERE pipeline_id = :pipeline_id AND name = :name

-- name: consumer-batches-held
-- The batches out with readers: how many, when the first of them is due again, and the oldest one whose visibility
-- timeout passed without an acknowledgement (delivered again first), if any.
SELECT h.held, h.next_visible_at, d.id, d.first_seq, d.last_seq
FROM (SELECT count(*) AS held, min(visible_at) AS next_visible_at FROM philotes.consumer_batches
      WHERE consumer_id = :consumer_id AND acked_at IS NULL) h
LEFT JOIN LATERAL (SELECT b.id, b.first_seq, b.last_seq FROM philotes.consumer_batches b
                   WHERE b.consumer_id = :consumer_id AND b.acked_at IS NULL AND b.visible_at <= now()
                   ORDER BY b.first_seq
                   LIMIT 1) d ON true

-- name: consumer-batch-redeliver
UPDATE philotes.consumer_batches
SET deliveries = deliveries + 1, delivered_at = now(), visible_at = now() + make_interval(secs => CAST(:visibility_seconds AS double precision))
WHERE id = :id
RETURNING deliveries, visible_at

-- name: consumer-batch-insert
-- A new batch, and the consumer's last seq handed out moves past it.
WITH delivered AS (
    UPDATE philotes.consumers SET delivered_seq = GREATEST(delivered_seq, :last_seq), last_delivery_at = now() WHERE id = :consumer_id)
INSERT INTO philotes.consumer_batches (id, consumer_id, first_seq, last_seq, visible_at)
VALUES (:id, :consumer_id, :first_seq, :last_seq, now() + make_interval(secs => CAST(:visibility_seconds AS double precision)))
RETURNING deliveries, visible_at

-- name: consumer-batch-find
-- A batch by its id, with the consumer that handed it out.
SELECT b.id, b.consumer_id, b.first_seq, b.last_seq, b.acked_at IS NOT NULL AS acked, c.pipeline_id, c.name
FROM philotes.consumer_batches b JOIN philotes.consumers c ON c.id = b.consumer_id
WHERE b.id = :id

-- name: consumer-batch-ack
UPDATE philotes.consumer_batches SET acked_at = now() WHERE id = :id AND acked_at IS NULL

-- name: consumer-batches-ack-up-to
UPDATE philotes.consumer_batches SET acked_at = now() WHERE consumer_id = :consumer_id AND acked_at IS NULL AND last_seq <= :up_to

-- name: consumer-batches-after
-- The batches a cursor has not passed, in order: the cursor moves over those acknowledged without a gap.
SELECT first_seq, last_seq, acked_at IS NOT NULL AS acked FROM philotes.consumer_batches
WHERE consumer_id = :consumer_id AND last_seq > :cursor_seq
ORDER BY first_seq

-- name: consumer-advance
-- The cursor moves; acknowledged batches it passed are kept an hour (a repeated acknowledgement is still answered 200).
WITH forgotten AS (
    DELETE FROM philotes.consumer_batches WHERE consumer_id = :id AND acked_at < now() - interval '1 hour' AND last_seq <= :cursor_seq)
UPDATE philotes.consumers
SET cursor_seq = :cursor_seq, delivered_seq = GREATEST(delivered_seq, :cursor_seq), last_ack_at = now()
WHERE id = :id

-- name: metrics-consumers
-- Every consumer's cursor and lag for /metrics; expired when the retention deleted events it had not acknowledged.
SELECT p.name AS pipeline_name, c.name, c.cursor_seq, c.last_ack_at,
       GREATEST(COALESCE(s.last_seq, 0), COALESCE(b.last_seq, 0)) - c.cursor_seq AS lag_events,
       extract(epoch FROM now() - (SELECT e.commit_time FROM philotes.events e WHERE e.pipeline_id = c.pipeline_id AND e.seq > c.cursor_seq
                                   ORDER BY e.seq LIMIT 1)) AS lag_seconds,
       c.cursor_seq + 1 < COALESCE(b.first_seq, s.last_seq + 1) AS expired
FROM philotes.consumers c
JOIN philotes.pipelines p ON p.id = c.pipeline_id
LEFT JOIN philotes.pipeline_streams s ON s.pipeline_id = c.pipeline_id
LEFT JOIN LATERAL (SELECT min(e.seq) AS first_seq, max(e.seq) AS last_seq FROM philotes.events e WHERE e.pipeline_id = c.pipeline_id) b ON true
ORDER BY p.name, c.name
