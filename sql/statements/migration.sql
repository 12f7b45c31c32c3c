-- Bookkeeping of sql/migrations. These run on one dedicated JDBC connection (the advisory lock is held
-- by that session), so they use positional ? parameters.

-- name: migration-lock
SELECT pg_advisory_lock(7294501133001)

-- name: migration-unlock
SELECT pg_advisory_unlock(7294501133001)

-- name: migration-schema-create
CREATE SCHEMA IF NOT EXISTS philotes

-- name: migration-table-create
CREATE TABLE IF NOT EXISTS philotes.schema_migrations (
    version      INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    checksum     TEXT NOT NULL,
    applied_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    execution_ms INTEGER NOT NULL
)

-- name: migration-applied
SELECT version, name, checksum FROM philotes.schema_migrations ORDER BY version

-- name: migration-record
INSERT INTO philotes.schema_migrations (version, name, checksum, execution_ms) VALUES (?, ?, ?, ?)
