-- Run on source databases over plain JDBC (positional ? parameters): the connection test's checks and
-- table discovery. Discovery costs two catalog queries however many tables there are.

-- name: check-server
SELECT current_setting('server_version_num')::int AS version_num, current_setting('server_version') AS server_version,
       version() AS version, current_database() AS database, current_user AS username,
       current_setting('wal_level') AS wal_level,
       (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user) AS can_replicate,
       current_setting('max_replication_slots')::int AS max_slots,
       (SELECT count(*) FROM pg_replication_slots)::int AS used_slots,
       current_setting('max_wal_senders')::int AS max_senders,
       (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'walsender')::int AS used_senders

-- name: check-publication
SELECT p.puballtables AS all_tables,
       ARRAY(SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
               AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
               AND NOT EXISTS (SELECT 1 FROM pg_publication_tables pt
                               WHERE pt.pubname = p.pubname AND pt.schemaname = n.nspname AND pt.tablename = c.relname)
             ORDER BY 1) AS missing_tables
FROM pg_publication p WHERE p.pubname = ?

-- name: check-slot
SELECT s.plugin, s.database, s.slot_type, s.active, s.active_pid, to_jsonb(s) ->> 'wal_status' AS wal_status,
       to_jsonb(s) ->> 'invalidation_reason' AS invalidation_reason, s.database = current_database() AS same_database
FROM pg_replication_slots s WHERE s.slot_name = ?

-- name: catalog-tables
SELECT n.nspname AS schema_name, c.relname AS table_name, c.relkind::text AS kind, c.relreplident::text AS replica_identity,
       GREATEST(c.reltuples, 0)::bigint AS estimated_rows, pg_total_relation_size(c.oid) AS size_bytes,
       ARRAY(SELECT a.attname::text FROM pg_constraint k
             CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS key(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = key.attnum
             WHERE k.conrelid = c.oid AND k.contype = 'p' ORDER BY key.ord) AS primary_key,
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident) AS has_identity_index
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND ((? = '*' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%')
       OR n.nspname = ?)
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
  AND ((? = '*' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%')
       OR n.nspname = ?)
ORDER BY n.nspname, c.relname, a.attnum

-- name: catalog-tables-named
-- The tables among the given (schema, table) pairs that exist, with the same facts as catalog-tables.
SELECT n.nspname AS schema_name, c.relname AS table_name, c.relkind::text AS kind, c.relreplident::text AS replica_identity,
       GREATEST(c.reltuples, 0)::bigint AS estimated_rows, pg_total_relation_size(c.oid) AS size_bytes,
       ARRAY(SELECT a.attname::text FROM pg_constraint k
             CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS key(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = key.attnum
             WHERE k.conrelid = c.oid AND k.contype = 'p' ORDER BY key.ord) AS primary_key,
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident) AS has_identity_index
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND (n.nspname::text, c.relname::text) IN (SELECT * FROM unnest(CAST(? AS text[]), CAST(? AS text[])))
ORDER BY n.nspname, c.relname
