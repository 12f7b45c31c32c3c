package io.philotes.pipeline;

import java.io.StringReader;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;
import io.philotes.core.PageRequest;
import io.philotes.core.PipelineStatus;
import io.philotes.db.Rows;
import io.philotes.db.Transactions;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReaderFactory;

/**
 * Runs the named statements of {@code sql/statements/pipeline.sql} and maps their rows. The writes take a
 * session, so that the service can make several of them one transaction.
 */
public final class PipelineRepository {
    private static final JsonReaderFactory JSON = Json.createReaderFactory(Map.of());

    private final DbClient db;

    public PipelineRepository(DbClient db) {
        this.db = db;
    }

    /**
     * Runs work in one transaction.
     *
     * @param work the work
     * @param <T>  its result
     * @return what it returned
     */
    <T> T transaction(Function<DbExecute, T> work) {
        return Transactions.inTransaction(db, work::apply);
    }

    Pipeline insert(DbExecute tx, Pipeline p) {
        return one(tx, "pipeline-insert", Map.of("id", p.id(), "name", p.name(), "source_id", p.sourceId(), "config", p.config().toString()))
                .orElseThrow();
    }

    Optional<Pipeline> find(UUID id) {
        return one(db.execute(), "pipeline-by-id", Map.of("id", id));
    }

    /* Finds and locks the row until the transaction ends. */
    Optional<Pipeline> lock(DbExecute tx, UUID id) {
        return one(tx, "pipeline-lock", Map.of("id", id));
    }

    List<Pipeline> list(PipelineStatus status, UUID sourceId, PageRequest page) {
        Map<String, Object> p = filters(status, sourceId);
        p.put("after_created", page.after().map(c -> OffsetDateTime.ofInstant(c.createdAt(), ZoneOffset.UTC)).orElse(null));
        p.put("after_id", page.after().map(PageRequest.Cursor::uuid).orElse(null));
        p.put("limit", page.limit() + 1);
        try (var rows = db.execute().createNamedQuery("pipeline-list").params(p).execute()) {
            return rows.map(PipelineRepository::pipeline).toList();
        }
    }

    long count(PipelineStatus status, UUID sourceId) {
        return db.execute().createNamedGet("pipeline-count").params(filters(status, sourceId)).execute()
                .map(r -> r.column("total").get(Long.class)).orElse(0L);
    }

    /* Writes name and config and moves the version on. */
    Pipeline update(DbExecute tx, UUID id, String name, JsonObject config) {
        return one(tx, "pipeline-update", Map.of("id", id, "name", name, "config", config.toString())).orElseThrow();
    }

    /* Records a state change and moves the version on. */
    Pipeline setStatus(DbExecute tx, UUID id, PipelineStatus status, String errorMessage) {
        Map<String, Object> p = new HashMap<>();
        p.put("id", id);
        p.put("status", status.text());
        p.put("error_message", errorMessage);
        return one(tx, "pipeline-set-status", p).orElseThrow();
    }

    void delete(DbExecute tx, UUID id) {
        tx.createNamedDelete("pipeline-delete").addParam("id", id).execute();
    }

    List<TableMapping> mappings(UUID pipelineId) {
        return mappings(db.execute(), pipelineId);
    }

    List<TableMapping> mappings(DbExecute tx, UUID pipelineId) {
        try (var rows = tx.createNamedQuery("mapping-list").addParam("pipeline_id", pipelineId).execute()) {
            return rows.map(PipelineRepository::mapping).toList();
        }
    }

    Optional<TableMapping> mapping(UUID pipelineId, UUID id) {
        return mapping(db.execute(), pipelineId, id);
    }

    Optional<TableMapping> mapping(DbExecute tx, UUID pipelineId, UUID id) {
        return tx.createNamedGet("mapping-by-id").params(Map.of("pipeline_id", pipelineId, "id", id)).execute()
                .map(PipelineRepository::mapping);
    }

    TableMapping insertMapping(DbExecute tx, UUID pipelineId, String schema, String table, boolean enabled, JsonObject config) {
        return tx.createNamedGet("mapping-insert").params(Map.of("pipeline_id", pipelineId, "schema", schema, "table", table,
                                                                  "enabled", enabled, "config", config.toString()))
                .execute().map(PipelineRepository::mapping).orElseThrow();
    }

    /* Makes the pipeline's mappings exactly these; mappings that stay keep their ids. */
    void replaceMappings(DbExecute tx, UUID pipelineId, List<MappingDraft> tables) {
        String[] schemas = tables.stream().map(MappingDraft::schema).toArray(String[]::new);
        String[] names = tables.stream().map(MappingDraft::table).toArray(String[]::new);
        Boolean[] enabled = tables.stream().map(m -> m.enabled() == null || m.enabled()).toArray(Boolean[]::new);
        String[] configs = tables.stream().map(m -> m.config() == null ? "{}" : m.config().toString()).toArray(String[]::new);
        tx.createNamedDelete("mapping-delete-others").params(Map.of("pipeline_id", pipelineId, "schemas", schemas, "tables", names))
                .execute();
        tx.createNamedInsert("mapping-upsert-all").params(Map.of("pipeline_id", pipelineId, "schemas", schemas, "tables", names,
                                                                  "enabled", enabled, "configs", configs)).execute();
    }

    TableMapping updateMapping(DbExecute tx, TableMapping m) {
        return tx.createNamedGet("mapping-update").params(Map.of("pipeline_id", m.pipelineId(), "id", m.id(), "enabled", m.enabled(),
                                                                  "config", m.config().toString()))
                .execute().map(PipelineRepository::mapping).orElseThrow();
    }

    void deleteMapping(DbExecute tx, UUID pipelineId, UUID id) {
        tx.createNamedDelete("mapping-delete").params(Map.of("pipeline_id", pipelineId, "id", id)).execute();
    }

    /* After a change of mappings, in its transaction: every enabled table has a copy state, and no disabled one. */
    void syncSnapshots(DbExecute tx, UUID pipelineId) {
        tx.createNamedInsert("snapshots-sync").addParam("pipeline_id", pipelineId).execute();
    }

    Optional<TableSnapshot> requestSnapshot(DbExecute tx, UUID mappingId) {
        return tx.createNamedGet("snapshot-request").addParam("mapping_id", mappingId).execute().map(PipelineRepository::snapshot);
    }

    List<TableSnapshot> snapshots(UUID pipelineId) {
        try (var rows = db.execute().createNamedQuery("snapshots-by-pipeline").addParam("pipeline_id", pipelineId).execute()) {
            return rows.map(PipelineRepository::snapshot).toList();
        }
    }

    List<TableSchema> schema(UUID pipelineId) {
        try (var rows = db.execute().createNamedQuery("pipeline-schema").addParam("pipeline_id", pipelineId).execute()) {
            return rows.map(r -> new TableSchema(Rows.text(r, "source_schema"), Rows.text(r, "source_table"),
                                                 r.column("version").get(Integer.class), Rows.instant(r, "seen_at"), Rows.text(r, "columns")))
                    .toList();
        }
    }

    private static TableSnapshot snapshot(DbRow r) {
        return new TableSnapshot(r.column("mapping_id").get(UUID.class), Rows.text(r, "source_schema"), Rows.text(r, "source_table"),
                                 Rows.text(r, "state"), r.column("rows_copied").get(Long.class), Rows.number(r, "rows_estimated"),
                                 Rows.instant(r, "started_at"), Rows.instant(r, "finished_at"), Rows.text(r, "error"));
    }

    private static Optional<Pipeline> one(DbExecute tx, String statement, Map<String, ?> params) {
        return tx.createNamedGet(statement).params(params).execute().map(PipelineRepository::pipeline);
    }

    private static Map<String, Object> filters(PipelineStatus status, UUID sourceId) {
        Map<String, Object> p = new HashMap<>();
        p.put("status", status == null ? null : status.text());
        p.put("source_id", sourceId);
        return p;
    }

    private static Pipeline pipeline(DbRow r) {
        return new Pipeline(r.column("id").get(UUID.class), Rows.text(r, "name"), r.column("source_id").get(UUID.class),
                            PipelineStatus.WORDS.stored(Rows.text(r, "status")),
                            object(r, "config"), Rows.text(r, "error_message"), Rows.instant(r, "created_at"), Rows.instant(r, "updated_at"),
                            Rows.instant(r, "started_at"), Rows.instant(r, "stopped_at"), r.column("version").get(Integer.class),
                            r.column("owner_epoch").get(Long.class));
    }

    private static TableMapping mapping(DbRow r) {
        return new TableMapping(r.column("id").get(UUID.class), r.column("pipeline_id").get(UUID.class), Rows.text(r, "source_schema"),
                                Rows.text(r, "source_table"), r.column("enabled").get(Boolean.class), object(r, "config"),
                                Rows.instant(r, "created_at"));
    }

    /* jsonb arrives as pgjdbc's PGobject; its text is the JSON. */
    private static JsonObject object(DbRow r, String column) {
        try (var reader = JSON.createReader(new StringReader(r.column(column).asOptional().orElseThrow().toString()))) {
            return reader.readObject();
        }
    }
}
