-- A stable, typed schema per table: every shape a pipeline saw a table in (its published columns in order, with their
-- types, nullability and membership in the replica identity) is one version, numbered from 1 per table; every event
-- carries the version of its table's shape it was captured in. Events stored before this migration carry none.

CREATE TABLE philotes.table_schemas (
    pipeline_id UUID NOT NULL REFERENCES philotes.pipelines (id) ON DELETE CASCADE,
    schema_name TEXT NOT NULL,
    table_name  TEXT NOT NULL,
    version     INTEGER NOT NULL,
    -- What tells two shapes apart: each column's name, type oid, type modifier and key membership.
    shape       TEXT NOT NULL,
    -- [{name, type, type_oid, type_modifier, json_type, nullable, key}], as GET /api/v1/pipelines/{id}/schema shows them.
    columns     JSON NOT NULL,
    seen_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (pipeline_id, schema_name, table_name, version)
);
-- A shape seen again (a stream behind the catalog, a replay after a crash) is its earlier version, never a new one.
CREATE UNIQUE INDEX table_schemas_shape_idx ON philotes.table_schemas (pipeline_id, schema_name, table_name, md5(shape));

ALTER TABLE philotes.events ADD COLUMN schema_version INTEGER;
