package io.philotes.source;

import java.util.List;
import java.util.UUID;

import io.philotes.core.ApiRequest;
import io.philotes.core.ApiResponse;
import io.philotes.core.JsonText;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;

/** {@code /api/v1/sources}: plain-Java handlers that turn requests into source service calls and records into JSON. */
public final class SourceHandler {
    private final SourceService service;

    public SourceHandler(SourceService service) {
        this.service = service;
    }

    public ApiResponse list(ApiRequest req) {
        return ApiResponse.page("sources", service.list(req.query("status").orElse(null), req.page()), SourceHandler::json);
    }

    public ApiResponse create(ApiRequest req) {
        Source source = service.create(SourceDraft.parse(req.body(), SourceDraft.Mode.CREATE));
        return ApiResponse.created("/api/v1/sources/" + source.id(), wrapped(source)).withVersion(source.version());
    }

    public ApiResponse get(ApiRequest req) {
        return ok(service.get(req.pathId("id")));
    }

    public ApiResponse update(ApiRequest req) {
        UUID id = req.pathId("id");
        SourceDraft draft = SourceDraft.parse(req.body(), SourceDraft.Mode.UPDATE);
        return ok(service.update(id, draft, req.ifMatch()));
    }

    public ApiResponse delete(ApiRequest req) {
        service.delete(req.pathId("id"), req.ifMatch());
        return ApiResponse.noContent();
    }

    public ApiResponse test(ApiRequest req) {
        SourceService.Tested tested = service.test(req.pathId("id"));
        return ApiResponse.ok(report(tested.report())).withVersion(tested.source().version());
    }

    public ApiResponse testUnsaved(ApiRequest req) {
        return ApiResponse.ok(report(service.test(SourceDraft.parse(req.body(), SourceDraft.Mode.TEST))));
    }

    public ApiResponse tables(ApiRequest req) {
        UUID id = req.pathId("id");
        List<TableDiscovery.Table> tables = service.tables(id, req.query("schema").orElse("public"));
        JsonArrayBuilder array = JsonText.array();
        tables.forEach(t -> array.add(json(t)));
        return ApiResponse.ok(JsonText.object().add("tables", array).add("count", tables.size()).build());
    }

    private static ApiResponse ok(Source source) {
        return ApiResponse.ok(wrapped(source)).withVersion(source.version());
    }

    private static JsonObject wrapped(Source source) {
        return JsonText.object().add("source", json(source)).build();
    }

    static JsonObject json(Source s) {
        JsonObjectBuilder b = JsonText.object()
                .add("id", s.id().toString())
                .add("name", s.name())
                .add("type", s.type())
                .add("host", s.host())
                .add("port", s.port())
                .add("database", s.database())
                .add("username", s.username())
                .add("ssl_mode", s.sslMode());
        JsonText.optional(b, "slot_name", s.slotName());
        JsonText.optional(b, "publication_name", s.publicationName());
        b.add("status", s.status().text());
        JsonText.optional(b, "last_tested_at", s.lastTestedAt());
        return b.add("created_at", s.createdAt().toString())
                .add("updated_at", s.updatedAt().toString())
                .add("version", s.version())
                .build();
    }

    static JsonObject report(ConnectionReport r) {
        JsonArrayBuilder checks = JsonText.array();
        for (ConnectionReport.Check c : r.checks()) {
            JsonObjectBuilder check = JsonText.object()
                    .add("name", c.name())
                    .add("status", c.status().text())
                    .add("message", c.message());
            JsonText.optional(check, "observed", c.observed());
            JsonText.optional(check, "expected", c.expected());
            JsonText.optional(check, "remediation", c.remediation());
            checks.add(check.add("duration_ms", c.durationMs()));
        }
        JsonObjectBuilder b = JsonText.object()
                .add("success", r.success())
                .add("cdc_ready", r.cdcReady())
                .add("message", r.message())
                .add("latency_ms", r.latencyMs());
        if (!r.serverInfo().isEmpty()) {
            JsonObjectBuilder info = JsonText.object();
            r.serverInfo().forEach(info::add);
            b.add("server_info", info);
        }
        JsonText.optional(b, "error_detail", r.errorDetail());
        return b.add("checks", checks).build();
    }

    private static JsonObject json(TableDiscovery.Table t) {
        JsonArrayBuilder columns = JsonText.array();
        for (TableDiscovery.Column c : t.columns()) {
            JsonObjectBuilder column = JsonText.object()
                    .add("name", c.name())
                    .add("type", c.type())
                    .add("udt_type", c.udtType())
                    .add("nullable", c.nullable())
                    .add("primary_key", c.primaryKey());
            JsonText.optional(column, "default", c.defaultValue());
            columns.add(column.add("position", c.position()));
        }
        JsonObjectBuilder b = JsonText.object()
                .add("schema", t.schema())
                .add("name", t.name())
                .add("partitioned", t.partitioned())
                .add("columns", columns)
                .add("primary_key", JsonText.array(t.primaryKey()))
                .add("replica_identity", t.replicaIdentity())
                .add("estimated_rows", t.estimatedRows())
                .add("size_bytes", t.sizeBytes())
                .add("cdc_ready", t.cdcReady());
        JsonText.optional(b, "cdc_issue", t.cdcIssue());
        b.add("snapshot_key", JsonText.array(t.snapshotKey()));
        JsonText.optional(b, "snapshot_issue", t.snapshotIssue());
        return b.build();
    }
}
