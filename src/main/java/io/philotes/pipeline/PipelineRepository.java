package io.philotes.pipeline;

import java.io.StringReader;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.philotes.db.NamedSql;
import io.philotes.db.Row;
import io.philotes.http.PageRequest;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReaderFactory;

/**
 * Runs the named statements of {@code sql/statements/pipeline.sql} and maps their rows. The writes take a
 * session, so that the service can make several of them one transaction.
 */
public final class PipelineRepository {
    private static final JsonReaderFactory JSON = Json.createReaderFactory(Map.of());

    private final NamedSql sql;

    public PipelineRepository(NamedSql sql) {
        this.sql = sql;
    }

    /**
     * Runs work in one transaction.
     *
     * @param work the work
     * @param <T>  its result
     * @return what it returned
     */
    <T> T transaction(java.util.function.Function<NamedSql.Session, T> work) {
        return sql.transaction(work);
    }

    Pipeline insert(NamedSql.Session tx, Pipeline p) {
        return tx.one("pipeline-insert", Map.of("id", p.id(), "name", p.name(), "source_id", p.sourceId(), "config", p.config().toString()),
                      PipelineRepository::pipeline).orElseThrow();
    }

    Optional<Pipeline> find(UUID id) {
        return sql.one("pipeline-by-id", Map.of("id", id), PipelineRepository::pipeline);
    }

    /* Finds and locks the row until the transaction ends. */
    Optional<Pipeline> lock(NamedSql.Session tx, UUID id) {
        return tx.one("pipeline-lock", Map.of("id", id), PipelineRepository::pipeline);
    }

    List<Pipeline> list(String status, UUID sourceId, PageRequest page) {
        Map<String, Object> p = filters(status, sourceId);
        p.put("after_created", page.after().map(c -> OffsetDateTime.ofInstant(c.createdAt(), ZoneOffset.UTC)).orElse(null));
        p.put("after_id", page.after().map(PageRequest.Cursor::id).orElse(null));
        p.put("limit", page.limit() + 1);
        return sql.list("pipeline-list", p, PipelineRepository::pipeline);
    }

    long count(String status, UUID sourceId) {
        return sql.one("pipeline-count", filters(status, sourceId), r -> r.whole("total")).orElse(0L);
    }

    /* Writes name and config and moves the version on. */
    Pipeline update(NamedSql.Session tx, UUID id, String name, JsonObject config) {
        return tx.one("pipeline-update", Map.of("id", id, "name", name, "config", config.toString()), PipelineRepository::pipeline)
                .orElseThrow();
    }

    /* Records a state change and moves the version on. */
    Pipeline setStatus(NamedSql.Session tx, UUID id, String status, String errorMessage) {
        Map<String, Object> p = new HashMap<>();
        p.put("id", id);
        p.put("status", status);
        p.put("error_message", errorMessage);
        return tx.one("pipeline-set-status", p, PipelineRepository::pipeline).orElseThrow();
    }

    void delete(NamedSql.Session tx, UUID id) {
        tx.dml("pipeline-delete", Map.of("id", id));
    }

    List<TableMapping> mappings(UUID pipelineId) {
        return sql.list("mapping-list", Map.of("pipeline_id", pipelineId), PipelineRepository::mapping);
    }

    List<TableMapping> mappings(NamedSql.Session tx, UUID pipelineId) {
        return tx.list("mapping-list", Map.of("pipeline_id", pipelineId), PipelineRepository::mapping);
    }

    Optional<TableMapping> mapping(UUID pipelineId, UUID id) {
        return sql.one("mapping-by-id", Map.of("pipeline_id", pipelineId, "id", id), PipelineRepository::mapping);
    }

    Optional<TableMapping> mapping(NamedSql.Session tx, UUID pipelineId, UUID id) {
        return tx.one("mapping-by-id", Map.of("pipeline_id", pipelineId, "id", id), PipelineRepository::mapping);
    }

    TableMapping insertMapping(NamedSql.Session tx, UUID pipelineId, String schema, String table, boolean enabled, JsonObject config) {
        return tx.one("mapping-insert", Map.of("pipeline_id", pipelineId, "schema", schema, "table", table, "enabled", enabled,
                                               "config", config.toString()), PipelineRepository::mapping).orElseThrow();
    }

    /* Makes the pipeline's mappings exactly these; mappings that stay keep their ids. */
    void replaceMappings(NamedSql.Session tx, UUID pipelineId, List<MappingDraft> tables) {
        String[] schemas = tables.stream().map(MappingDraft::schema).toArray(String[]::new);
        String[] names = tables.stream().map(MappingDraft::table).toArray(String[]::new);
        Boolean[] enabled = tables.stream().map(m -> m.enabled() == null || m.enabled()).toArray(Boolean[]::new);
        String[] configs = tables.stream().map(m -> m.config() == null ? "{}" : m.config().toString()).toArray(String[]::new);
        tx.dml("mapping-delete-others", Map.of("pipeline_id", pipelineId, "schemas", schemas, "tables", names));
        tx.dml("mapping-upsert-all", Map.of("pipeline_id", pipelineId, "schemas", schemas, "tables", names, "enabled", enabled,
                                            "configs", configs));
    }

    TableMapping updateMapping(NamedSql.Session tx, TableMapping m) {
        return tx.one("mapping-update", Map.of("pipeline_id", m.pipelineId(), "id", m.id(), "enabled", m.enabled(),
                                               "config", m.config().toString()), PipelineRepository::mapping).orElseThrow();
    }

    void deleteMapping(NamedSql.Session tx, UUID pipelineId, UUID id) {
        tx.dml("mapping-delete", Map.of("pipeline_id", pipelineId, "id", id));
    }

    private static Map<String, Object> filters(String status, UUID sourceId) {
        Map<String, Object> p = new HashMap<>();
        p.put("status", status);
        p.put("source_id", sourceId);
        return p;
    }

    private static Pipeline pipeline(Row r) {
        return new Pipeline(r.uuid("id"), r.text("name"), r.uuid("source_id"), r.text("status"), object(r.text("config")),
                            r.text("error_message"), r.instant("created_at"), r.instant("updated_at"), r.instant("started_at"),
                            r.instant("stopped_at"), r.integer("version"));
    }

    private static TableMapping mapping(Row r) {
        return new TableMapping(r.uuid("id"), r.uuid("pipeline_id"), r.text("source_schema"), r.text("source_table"), r.bool("enabled"),
                                object(r.text("config")), r.instant("created_at"));
    }

    private static JsonObject object(String json) {
        try (var reader = JSON.createReader(new StringReader(json))) {
            return reader.readObject();
        }
    }
}
