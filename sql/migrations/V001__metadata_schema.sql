-- The seed plan's metadata schema, plus what the API contract needs: optimistic-concurrency versions,
-- encrypted passwords with the id of the key that sealed them, and checked enumerations.

CREATE TABLE philotes.sources (
    id                  UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name                TEXT NOT NULL UNIQUE CHECK (char_length(name) BETWEEN 1 AND 255),
    type                TEXT NOT NULL DEFAULT 'postgresql' CHECK (type IN ('postgresql')),
    host                TEXT NOT NULL,
    port                INTEGER NOT NULL DEFAULT 5432 CHECK (port BETWEEN 1 AND 65535),
    database            TEXT NOT NULL,
    username            TEXT NOT NULL,
    password_ciphertext BYTEA NOT NULL,
    password_key_id     TEXT NOT NULL,
    ssl_mode            TEXT NOT NULL DEFAULT 'prefer'
                        CHECK (ssl_mode IN ('disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full')),
    slot_name           TEXT,
    publication_name    TEXT,
    status              TEXT NOT NULL DEFAULT 'inactive' CHECK (status IN ('inactive', 'active', 'error')),
    last_tested_at      TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    version             INTEGER NOT NULL DEFAULT 1
);

-- Lists are newest first with a (created_at, id) cursor.
CREATE INDEX sources_created_idx ON philotes.sources (created_at DESC, id DESC);

CREATE TABLE philotes.pipelines (
    id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name          TEXT NOT NULL UNIQUE CHECK (char_length(name) BETWEEN 1 AND 255),
    source_id     UUID NOT NULL REFERENCES philotes.sources (id) ON DELETE RESTRICT,
    status        TEXT NOT NULL DEFAULT 'stopped'
                  CHECK (status IN ('stopped', 'starting', 'running', 'stopping', 'error')),
    config        JSONB NOT NULL DEFAULT '{}',
    error_message TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at    TIMESTAMPTZ,
    stopped_at    TIMESTAMPTZ,
    version       INTEGER NOT NULL DEFAULT 1
);

CREATE INDEX pipelines_created_idx ON philotes.pipelines (created_at DESC, id DESC);
CREATE INDEX pipelines_source_idx ON philotes.pipelines (source_id);

CREATE TABLE philotes.table_mappings (
    id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    pipeline_id   UUID NOT NULL REFERENCES philotes.pipelines (id) ON DELETE CASCADE,
    source_schema TEXT NOT NULL,
    source_table  TEXT NOT NULL,
    enabled       BOOLEAN NOT NULL DEFAULT true,
    config        JSONB NOT NULL DEFAULT '{}',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (pipeline_id, source_schema, source_table)
);
