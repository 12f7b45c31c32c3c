-- Access control: API keys (only the SHA-256 of each key is stored), the pipelines a consumer key may read,
-- and the audit log of state-changing and denied requests.

CREATE TABLE philotes.api_keys (
    -- The public part of the key (phk_<id>_<secret>); "bootstrap" for the key set with AUTH_BOOTSTRAP_KEY.
    id           TEXT PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9]{1,32}$'),
    name         TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer', 'consumer')),
    secret_hash  BYTEA NOT NULL CHECK (length(secret_hash) = 32),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at   TIMESTAMPTZ,
    -- Kept to within a minute: a key's use is written at most once a minute.
    last_used_at TIMESTAMPTZ
);

CREATE TABLE philotes.api_key_pipelines (
    key_id      TEXT NOT NULL REFERENCES philotes.api_keys (id) ON DELETE CASCADE,
    pipeline_id UUID NOT NULL REFERENCES philotes.pipelines (id) ON DELETE CASCADE,
    PRIMARY KEY (key_id, pipeline_id)
);

CREATE TABLE philotes.audit_log (
    -- Rows are written under a lock (see audit-lock), so seq order is commit order and a reader paging
    -- with ?after= never skips a row that commits later.
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    key_id      TEXT,
    key_name    TEXT,
    role        TEXT,
    client      TEXT NOT NULL,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    resource_id TEXT,
    status      INTEGER NOT NULL,
    request_id  TEXT NOT NULL
);

CREATE INDEX audit_log_at ON philotes.audit_log (at);
