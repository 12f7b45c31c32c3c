-- Run by the CDC engine on a source, over plain JDBC on the connections a pipeline's runner holds for the
-- whole session (the copy's transaction imports the new slot's snapshot, and the replication protocol has
-- no DbClient API), so they take positional ? parameters. Names of publications, tables and snapshots are
-- quoted by the server: statements that build a statement return its text, written with format's %I and %L.

-- name: cdc-session-settings
-- Values in the same text forms in the copy and in the stream, whatever the server's defaults.
SELECT set_config('TimeZone', 'UTC', false), set_config('DateStyle', 'ISO, MDY', false),
       set_config('IntervalStyle', 'postgres', false), set_config('extra_float_digits', '3', false),
       set_config('bytea_output', 'hex', false)

-- name: cdc-publication-exists
SELECT 1 FROM pg_publication WHERE pubname = ?

-- name: cdc-publication-ddl
-- The statement that makes the pipeline's own publication (name, then the tables' schemas and names)
-- publish exactly its tables: ALTER when it exists, CREATE when not.
SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_publication WHERE pubname = p.name)
            THEN format('ALTER PUBLICATION %I SET TABLE %s', p.name, p.tables)
            ELSE format('CREATE PUBLICATION %I FOR TABLE %s WITH (publish_via_partition_root = true)', p.name, p.tables)
       END AS ddl
FROM (SELECT CAST(? AS text) AS name,
             (SELECT string_agg(format('%I.%I', t.schema_name, t.table_name), ', ' ORDER BY t.n)
              FROM unnest(CAST(? AS text[]), CAST(? AS text[])) WITH ORDINALITY AS t(schema_name, table_name, n)) AS tables) p

-- name: cdc-publication-drop-ddl
SELECT format('DROP PUBLICATION IF EXISTS %I', CAST(? AS text)) AS ddl

-- name: cdc-slot-drop
-- Drops a slot if it exists; one a reader still holds is an error, never silently kept.
SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?

-- name: cdc-slot-state
-- Where a slot stands: what the server confirmed, how much WAL it holds back (from its restart_lsn to the
-- server's current position), whether that WAL is still kept (wal_status, PostgreSQL 13 and later) and how
-- much more may be written before the slot is lost (safe_wal_size, NULL without max_slot_wal_keep_size).
SELECT to_jsonb(s) ->> 'wal_status' AS wal_status, CAST(s.confirmed_flush_lsn AS text) AS confirmed_flush_lsn,
       CAST(pg_current_wal_lsn() AS text) AS current_lsn,
       CAST(pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn) AS bigint) AS retained_bytes,
       CAST(to_jsonb(s) ->> 'safe_wal_size' AS bigint) AS safe_wal_bytes
FROM pg_replication_slots s WHERE s.slot_name = ?

-- name: cdc-copy-transaction
SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY

-- name: cdc-copy-snapshot-ddl
SELECT format('SET TRANSACTION SNAPSHOT %L', CAST(? AS text)) AS ddl

-- name: cdc-copy-columns
-- A table's columns in order (generated ones are not published), whether each is in its primary key, and the
-- query that reads them all: no casts, so values arrive in their types' own text forms, as the stream sends them.
SELECT a.attname AS name, a.atttypid AS type, COALESCE(i.indisprimary, false) AS key,
       format('SELECT %s FROM %I.%I', string_agg(quote_ident(a.attname), ', ')
              OVER (ORDER BY a.attnum ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING), n.nspname, c.relname) AS query
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid
LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary AND a.attnum = ANY (i.indkey)
WHERE n.nspname = ? AND c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
ORDER BY a.attnum
