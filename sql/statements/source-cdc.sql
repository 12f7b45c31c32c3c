-- Run by the CDC engine on a source, over plain JDBC on the connections a pipeline's runner holds for the
-- whole session (the copy's transaction imports the new slot's snapshot, and the replication protocol has
-- no DbClient API), so they take positional ? parameters. Names of publications, tables and snapshots are
-- quoted by the server: statements that build a statement return its text, written with format's %I and %L.

-- name: cdc-session-settings
-- Values in the same text forms in the copy and in the stream, whatever the server's defaults; and no lock waited for
-- without end.
SELECT set_config('TimeZone', 'UTC', false), set_config('DateStyle', 'ISO, MDY', false),
       set_config('IntervalStyle', 'postgres', false), set_config('extra_float_digits', '3', false),
       set_config('bytea_output', 'hex', false),
       -- Publication changes and the like wait for a lock at most this long (a stop never hangs behind one).
       set_config('lock_timeout', '10s', false)

-- name: cdc-publication-exists
SELECT 1 FROM pg_publication WHERE pubname = ?

-- name: cdc-publication-has-table
-- Whether a publication the source names publishes a table (its changes reach the stream only then).
SELECT 1 FROM pg_publication_tables WHERE pubname = ? AND schemaname = ? AND tablename = ?

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

-- name: cdc-watermark
-- A watermark of an incremental copy: a logical decoding message outside any transaction, so it reaches the stream
-- at its place in the WAL, between the transactions that committed before it and those after. The server sends the
-- stream only WAL that is flushed, which such a message alone does not do (the WAL writer would, within 200 ms): the
-- statement's own transaction takes a transaction id, so its commit flushes the WAL, message included (locally: a
-- synchronous standby is not waited for).
SELECT CAST(pg_logical_emit_message(false, 'philotes', CAST(? AS text)) AS text) AS lsn,
       set_config('synchronous_commit', 'local', true) AS flush, txid_current() AS xid

-- name: cdc-copy-snapshot
-- In a copy's transaction, once it holds the table's lock: takes the transaction's snapshot and says which
-- transactions it does not see. settling: one of them wrote the table (it holds its row lock) and has committed, but
-- is still leaving (waiting for a synchronous standby, say): its commit is in the stream before the low watermark
-- while the snapshot misses it, so the copy takes another snapshot a moment later. Parameters: the table's schema
-- and name.
SELECT CAST(txid_snapshot_xmin(s) AS text) AS xmin, CAST(txid_snapshot_xmax(s) AS text) AS xmax,
       ARRAY(SELECT CAST(x AS text) FROM txid_snapshot_xip(s) AS x) AS xip,
       EXISTS (SELECT 1 FROM txid_snapshot_xip(s) AS x
               JOIN pg_locks l ON l.locktype = 'transactionid' AND CAST(CAST(l.transactionid AS text) AS bigint) = x % 4294967296
               JOIN pg_locks w ON w.virtualtransaction = l.virtualtransaction AND w.locktype = 'relation' AND w.mode = 'RowExclusiveLock'
               JOIN pg_class c ON c.oid = w.relation JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = ? AND c.relname = ? AND txid_status(x) = 'committed') AS settling
FROM txid_current_snapshot() AS s

-- name: cdc-copy-writers
-- The transactions writing a table now (they hold its row lock until they end). A table just added to the pipeline's
-- publication is copied once they ended: their changes made before it was published are not in the stream, so the
-- copy must see them. Parameters: the table's schema and name.
SELECT COALESCE(array_agg(DISTINCT w.virtualtransaction), CAST(ARRAY[] AS text[])) AS writers
FROM pg_locks w JOIN pg_class c ON c.oid = w.relation JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE w.locktype = 'relation' AND w.mode = 'RowExclusiveLock' AND w.pid <> pg_backend_pid() AND n.nspname = ? AND c.relname = ?

-- name: cdc-copy-writers-left
-- How many of those transactions are still running.
SELECT count(*) AS left FROM pg_locks WHERE locktype = 'virtualxid' AND virtualxid = ANY (CAST(? AS text[]))

-- name: cdc-copy-lock-ddl
-- The first statements of a copy's transaction: the lock its read takes anyway, taken before its snapshot (LOCK takes
-- none), so no ALTER TABLE (a rewrite that an older snapshot would see as an empty table, a column or key changed) can
-- commit between the snapshot, the plan and the read; waiting at most 10 s for one queued ahead.
SELECT format('SET LOCAL lock_timeout = %L; LOCK TABLE %I.%I IN ACCESS SHARE MODE', '10s', CAST(? AS text), CAST(? AS text)) AS ddl

-- name: cdc-copy-plan
-- How a table is copied: its columns in order (generated ones are not published) with their types and type modifiers
-- (numeric's declared precision decides its JSON type), its estimated
-- rows, and the key it is copied in the order of, with the queries that read it. The key is a unique index on
-- NOT NULL columns that every change of the stream carries: the primary key (REPLICA IDENTITY DEFAULT), the replica
-- identity index (USING INDEX), or, with REPLICA IDENTITY FULL, the primary key or else the smallest such index.
-- Without one (key_columns NULL) the table can only be copied whole, in one transaction. The queries select the
-- columns, then the key's columns again (for the position); first_query reads the first chunk, next_query the one
-- after a key (a row-value comparison the index answers), full_query everything. No casts on the columns: values
-- arrive in their types' own text forms, as the stream sends them. Read in the chunk's transaction once it holds the
-- table's lock (cdc-copy-lock-ddl): no change of the table's columns or key can come between the plan and the read.
WITH t AS (
    SELECT c.oid, c.relreplident, n.nspname, c.relname, CAST(GREATEST(c.reltuples, 0) AS bigint) AS estimated_rows
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')),
cols AS (
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) AS list, array_agg(CAST(a.attname AS text) ORDER BY a.attnum) AS names,
           array_agg(CAST(a.atttypid AS int) ORDER BY a.attnum) AS types, array_agg(a.atttypmod ORDER BY a.attnum) AS typmods
    FROM t JOIN pg_attribute a ON a.attrelid = t.oid
    WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''),
idx AS (
    SELECT i.indkey, i.indnkeyatts FROM t JOIN pg_index i ON i.indrelid = t.oid
    WHERE i.indisunique AND i.indimmediate AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
      AND (t.relreplident = 'f' OR (t.relreplident = 'd' AND i.indisprimary) OR (t.relreplident = 'i' AND i.indisreplident))
      AND NOT EXISTS (SELECT 1 FROM unnest(CAST(i.indkey AS int2[])) WITH ORDINALITY AS k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                      WHERE k.ord <= i.indnkeyatts AND NOT a.attnotnull)
    ORDER BY i.indisprimary DESC, i.indisreplident DESC, i.indnkeyatts, i.indexrelid
    LIMIT 1),
key AS (
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord) AS list,
           string_agg(format('CAST(? AS %s)', format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY k.ord) AS params,
           array_agg(CAST(a.attname AS text) ORDER BY k.ord) AS names
    FROM t CROSS JOIN idx CROSS JOIN LATERAL unnest(CAST(idx.indkey AS int2[])) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
    WHERE k.ord <= idx.indnkeyatts)
SELECT t.estimated_rows, cols.names AS column_names, cols.types AS column_types, cols.typmods AS column_type_modifiers,
       key.names AS key_columns,
       format('SELECT %s, %s FROM %I.%I ORDER BY %s LIMIT ?', cols.list, key.list, t.nspname, t.relname, key.list) AS first_query,
       format('SELECT %s, %s FROM %I.%I WHERE (%s) > (%s) ORDER BY %s LIMIT ?', cols.list, key.list, t.nspname, t.relname, key.list,
              key.params, key.list) AS next_query,
       format('SELECT %s FROM %I.%I', cols.list, t.nspname, t.relname) AS full_query
FROM t CROSS JOIN cols LEFT JOIN key ON true
WHERE cols.names IS NOT NULL


-- name: cdc-table-shape
-- A table's published columns (generated ones are not) in order, as the stream's relation messages describe them - type,
-- type modifier, and whether the column belongs to the replica identity (the key columns - not the INCLUDE ones - of
-- the primary key with REPLICA IDENTITY DEFAULT, unless it is deferrable, or of the index with USING INDEX; every column
-- with FULL; none with NOTHING) - with the type's name and whether the column may be NULL. indkey is an int2vector,
-- indexed from 0.
SELECT CAST(a.attname AS text) AS name, CAST(a.atttypid AS int) AS type_oid, a.atttypmod AS type_modifier,
       format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable,
       CASE c.relreplident
           WHEN 'f' THEN true
           WHEN 'n' THEN false
           WHEN 'i' THEN EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident
                                    AND a.attnum = ANY ((CAST(i.indkey AS int2[]))[0:i.indnkeyatts - 1]))
           ELSE EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary AND i.indimmediate
                                    AND a.attnum = ANY ((CAST(i.indkey AS int2[]))[0:i.indnkeyatts - 1]))
       END AS key
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid
WHERE n.nspname = ? AND c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
ORDER BY a.attnum

-- name: cdc-type-names
-- The names of types with their modifiers, e.g. numeric(10,2), in the order given.
SELECT format_type(t.oid, t.modifier) AS name
FROM unnest(CAST(? AS int[]), CAST(? AS int[])) WITH ORDINALITY AS t(oid, modifier, n)
ORDER BY t.n
