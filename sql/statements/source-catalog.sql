-- Run on source databases, through DbClient on the connection the host policy approved: the connection
-- test's checks and table discovery. Discovery costs two catalog queries however many tables there are.

-- name: check-server
SELECT CAST(current_setting('server_version_num') AS int) AS version_num, current_setting('server_version') AS server_version,
       version() AS version, current_database() AS database, current_user AS username,
       current_setting('wal_level') AS wal_level,
       (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user) AS can_replicate,
       -- The function that writes the watermarks of table copies (its arguments differ between versions).
       (SELECT bool_or(has_function_privilege(p.oid, 'EXECUTE')) FROM pg_proc p
        WHERE p.proname = 'pg_logical_emit_message' AND p.pronamespace = CAST('pg_catalog' AS regnamespace)
          AND p.proargtypes[2] = CAST('text' AS regtype)) AS can_emit_message,
       (SELECT format('pg_catalog.pg_logical_emit_message(%s)', pg_get_function_identity_arguments(p.oid)) FROM pg_proc p
        WHERE p.proname = 'pg_logical_emit_message' AND p.pronamespace = CAST('pg_catalog' AS regnamespace)
          AND p.proargtypes[2] = CAST('text' AS regtype)) AS emit_message_function,
       CAST(current_setting('max_replication_slots') AS int) AS max_slots,
       CAST((SELECT count(*) FROM pg_replication_slots) AS int) AS used_slots,
       CAST(current_setting('max_wal_senders') AS int) AS max_senders,
       CAST((SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'walsender') AS int) AS used_senders

-- name: check-publication
SELECT p.puballtables AS all_tables,
       ARRAY(SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
               AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
               AND NOT EXISTS (SELECT 1 FROM pg_publication_tables pt
                               WHERE pt.pubname = p.pubname AND pt.schemaname = n.nspname AND pt.tablename = c.relname)
             ORDER BY 1) AS missing_tables
FROM pg_publication p WHERE p.pubname = :name

-- name: check-slot
SELECT s.plugin, s.database, s.slot_type, s.active, s.active_pid, to_jsonb(s) ->> 'wal_status' AS wal_status,
       to_jsonb(s) ->> 'invalidation_reason' AS invalidation_reason, s.database = current_database() AS same_database
FROM pg_replication_slots s WHERE s.slot_name = :name

-- name: catalog-tables
-- The tables of :schema ('*': every non-system schema) or, when :schemas and :tables are given, only those
-- (schema, table) pairs that exist.
SELECT n.nspname AS schema_name, c.relname AS table_name, CAST(c.relkind AS text) AS kind,
       CAST(c.relreplident AS text) AS replica_identity, CAST(GREATEST(c.reltuples, 0) AS bigint) AS estimated_rows,
       pg_total_relation_size(c.oid) AS size_bytes,
       ARRAY(SELECT CAST(a.attname AS text) FROM pg_constraint k
             CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS key(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = key.attnum
             WHERE k.conrelid = c.oid AND k.contype = 'p' ORDER BY key.ord) AS primary_key,
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident) AS has_identity_index,
       -- The key an incremental copy reads the table in the order of (as cdc-copy-plan in source-cdc.sql chooses it).
       (SELECT ARRAY(SELECT CAST(a.attname AS text)
                     FROM unnest(CAST(i.indkey AS int2[])) WITH ORDINALITY AS k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                     WHERE k.ord <= i.indnkeyatts ORDER BY k.ord)
        FROM pg_index i
        WHERE i.indrelid = c.oid AND i.indisunique AND i.indimmediate AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
          AND (c.relreplident = 'f' OR (c.relreplident = 'd' AND i.indisprimary) OR (c.relreplident = 'i' AND i.indisreplident))
          AND NOT EXISTS (SELECT 1 FROM unnest(CAST(i.indkey AS int2[])) WITH ORDINALITY AS k(attnum, ord)
                          JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                          WHERE k.ord <= i.indnkeyatts AND NOT a.attnotnull)
        ORDER BY i.indisprimary DESC, i.indisreplident DESC, i.indnkeyatts, i.indexrelid
        LIMIT 1) AS snapshot_key
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND CASE WHEN CAST(:tables AS text[]) IS NULL
           THEN (CAST(:schema AS text) = '*' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%')
                OR n.nspname = CAST(:schema AS text)
           ELSE (CAST(n.nspname AS text), CAST(c.relname AS text)) IN (SELECT * FROM unnest(CAST(:schemas AS text[]), CAST(:tables AS text[])))
      END
ORDER BY n.nspname, c.relname

-- name: catalog-columns
SELECT n.nspname AS schema_name, c.relname AS table_name, a.attname AS column_name,
       format_type(a.atttypid, a.atttypmod) AS data_type, t.typname AS udt_type, NOT a.attnotnull AS nullable,
       pg_get_expr(d.adbin, d.adrelid) AS default_value, a.attnum AS position
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p')
  AND ((CAST(:schema AS text) = '*' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%')
       OR n.nspname = CAST(:schema AS text))
ORDER BY n.nspname, c.relname, a.attnum
