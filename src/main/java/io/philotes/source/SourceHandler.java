package io.philotes.source;

import java.util.List;
import java.util.UUID;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.philotes.http.HttpJson;
import io.philotes.http.PageRequest;
import io.philotes.http.Problems;
import io.philotes.http.RequestIds;
import io.philotes.http.Versions;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;

/** {@code /api/v1/sources}: translates HTTP to source service calls and records to JSON. */
public final class SourceHandler implements HttpService {
    private final SourceService service;
    private final HttpJson json;

    public SourceHandler(SourceService service, HttpJson json) {
        this.service = service;
        this.json = json;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .post("/", this::create)
                .any("/", Problems.allow(Method.GET, Method.POST))
                .post("/test", this::testUnsaved)
                .any("/test", Problems.allow(Method.POST))
                .get("/{id}", this::get)
                .put("/{id}", this::update)
                .delete("/{id}", this::delete)
                .any("/{id}", Problems.allow(Method.GET, Method.PUT, Method.DELETE))
                .post("/{id}/test", this::test)
                .any("/{id}/test", Problems.allow(Method.POST))
                .get("/{id}/tables", this::tables)
                .any("/{id}/tables", Problems.allow(Method.GET));
    }

    private void list(ServerRequest req, ServerResponse res) {
        String status = req.query().contains("status") ? req.query().get("status") : null;
        HttpJson.sendPage(res, "sources", service.list(status, PageRequest.from(req.query())), SourceHandler::json);
    }

    private void create(ServerRequest req, ServerResponse res) {
        Source source = service.create(SourceDraft.parse(json.readObject(req), SourceDraft.Mode.CREATE));
        res.header(HeaderNames.LOCATION, "/api/v1/sources/" + source.id());
        send(res, Status.CREATED_201, source);
    }

    private void get(ServerRequest req, ServerResponse res) {
        send(res, Status.OK_200, service.get(id(req)));
    }

    private void update(ServerRequest req, ServerResponse res) {
        UUID id = id(req);
        SourceDraft draft = SourceDraft.parse(json.readObject(req), SourceDraft.Mode.UPDATE);
        send(res, Status.OK_200, service.update(id, draft, Versions.ifMatch(req)));
    }

    private void delete(ServerRequest req, ServerResponse res) {
        service.delete(id(req), Versions.ifMatch(req));
        res.status(Status.NO_CONTENT_204).send();
    }

    private void test(ServerRequest req, ServerResponse res) {
        SourceService.Tested tested = service.test(id(req));
        Versions.etag(res, tested.source().version());
        HttpJson.send(res, Status.OK_200, report(tested.report()));
    }

    private void testUnsaved(ServerRequest req, ServerResponse res) {
        SourceDraft draft = SourceDraft.parse(json.readObject(req), SourceDraft.Mode.TEST);
        HttpJson.send(res, Status.OK_200, report(service.test(draft)));
    }

    private void tables(ServerRequest req, ServerResponse res) {
        UUID id = id(req);
        String schema = req.query().contains("schema") ? req.query().get("schema") : "public";
        List<TableDiscovery.Table> tables = service.tables(id, schema);
        JsonArrayBuilder array = HttpJson.array();
        tables.forEach(t -> array.add(json(t)));
        HttpJson.send(res, Status.OK_200, HttpJson.object().add("tables", array).add("count", tables.size()).build());
    }

    private static void send(ServerResponse res, Status status, Source source) {
        Versions.etag(res, source.version());
        HttpJson.send(res, status, HttpJson.object().add("source", json(source)).build());
    }

    private static UUID id(ServerRequest req) {
        return RequestIds.path(req, "id");
    }

    static JsonObject json(Source s) {
        JsonObjectBuilder b = HttpJson.object()
                .add("id", s.id().toString())
                .add("name", s.name())
                .add("type", s.type())
                .add("host", s.host())
                .add("port", s.port())
                .add("database", s.database())
                .add("username", s.username())
                .add("ssl_mode", s.sslMode());
        HttpJson.optional(b, "slot_name", s.slotName());
        HttpJson.optional(b, "publication_name", s.publicationName());
        b.add("status", s.status());
        HttpJson.optional(b, "last_tested_at", s.lastTestedAt());
        return b.add("created_at", s.createdAt().toString())
                .add("updated_at", s.updatedAt().toString())
                .add("version", s.version())
                .build();
    }

    static JsonObject report(ConnectionReport r) {
        JsonArrayBuilder checks = HttpJson.array();
        for (ConnectionReport.Check c : r.checks()) {
            JsonObjectBuilder check = HttpJson.object()
                    .add("name", c.name())
                    .add("status", c.status().text())
                    .add("message", c.message());
            HttpJson.optional(check, "observed", c.observed());
            HttpJson.optional(check, "expected", c.expected());
            HttpJson.optional(check, "remediation", c.remediation());
            checks.add(check.add("duration_ms", c.durationMs()));
        }
        JsonObjectBuilder b = HttpJson.object()
                .add("success", r.success())
                .add("cdc_ready", r.cdcReady())
                .add("message", r.message())
                .add("latency_ms", r.latencyMs());
        if (!r.serverInfo().isEmpty()) {
            JsonObjectBuilder info = HttpJson.object();
            r.serverInfo().forEach(info::add);
            b.add("server_info", info);
        }
        HttpJson.optional(b, "error_detail", r.errorDetail());
        return b.add("checks", checks).build();
    }

    private static JsonObject json(TableDiscovery.Table t) {
        JsonArrayBuilder columns = HttpJson.array();
        for (TableDiscovery.Column c : t.columns()) {
            JsonObjectBuilder column = HttpJson.object()
                    .add("name", c.name())
                    .add("type", c.type())
                    .add("udt_type", c.udtType())
                    .add("nullable", c.nullable())
                    .add("primary_key", c.primaryKey());
            HttpJson.optional(column, "default", c.defaultValue());
            columns.add(column.add("position", c.position()));
        }
        JsonObjectBuilder b = HttpJson.object()
                .add("schema", t.schema())
                .add("name", t.name())
                .add("partitioned", t.partitioned())
                .add("columns", columns)
                .add("primary_key", HttpJson.array(t.primaryKey()))
                .add("replica_identity", t.replicaIdentity())
                .add("estimated_rows", t.estimatedRows())
                .add("size_bytes", t.sizeBytes())
                .add("cdc_ready", t.cdcReady());
        HttpJson.optional(b, "cdc_issue", t.cdcIssue());
        return b.build();
    }
}
