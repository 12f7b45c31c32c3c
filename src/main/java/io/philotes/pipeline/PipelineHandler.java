package io.philotes.pipeline;

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

/** {@code /api/v1/pipelines}: translates HTTP to pipeline service calls and records to JSON. */
public final class PipelineHandler implements HttpService {
    private final PipelineService service;
    private final HttpJson json;

    public PipelineHandler(PipelineService service, HttpJson json) {
        this.service = service;
        this.json = json;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .post("/", this::create)
                .any("/", Problems.allow(Method.GET, Method.POST))
                .get("/{id}", this::get)
                .put("/{id}", this::update)
                .delete("/{id}", this::delete)
                .any("/{id}", Problems.allow(Method.GET, Method.PUT, Method.DELETE))
                .get("/{id}/tables", this::tables)
                .post("/{id}/tables", this::addTable)
                .any("/{id}/tables", Problems.allow(Method.GET, Method.POST))
                .get("/{id}/tables/{mapping_id}", this::table)
                .patch("/{id}/tables/{mapping_id}", this::changeTable)
                .delete("/{id}/tables/{mapping_id}", this::removeTable)
                .any("/{id}/tables/{mapping_id}", Problems.allow(Method.GET, Method.PATCH, Method.DELETE));
    }

    private void list(ServerRequest req, ServerResponse res) {
        String status = req.query().contains("status") ? req.query().get("status") : null;
        HttpJson.sendPage(res, "pipelines", service.list(status, RequestIds.query(req, "source_id"), PageRequest.from(req.query())),
                          p -> pipeline(p).build());
    }

    private void create(ServerRequest req, ServerResponse res) {
        PipelineService.Detail created = service.create(PipelineDraft.parse(json.readObject(req), PipelineDraft.Mode.CREATE));
        res.header(HeaderNames.LOCATION, "/api/v1/pipelines/" + created.pipeline().id());
        send(res, Status.CREATED_201, created);
    }

    private void get(ServerRequest req, ServerResponse res) {
        send(res, Status.OK_200, service.get(id(req)));
    }

    private void update(ServerRequest req, ServerResponse res) {
        UUID id = id(req);
        PipelineDraft draft = PipelineDraft.parse(json.readObject(req), PipelineDraft.Mode.UPDATE);
        send(res, Status.OK_200, service.update(id, draft, Versions.ifMatch(req)));
    }

    private void delete(ServerRequest req, ServerResponse res) {
        service.delete(id(req), Versions.ifMatch(req));
        res.status(Status.NO_CONTENT_204).send();
    }

    private void tables(ServerRequest req, ServerResponse res) {
        List<TableMapping> tables = service.tables(id(req));
        JsonArrayBuilder items = HttpJson.array();
        tables.forEach(m -> items.add(mapping(m, List.of())));
        HttpJson.send(res, Status.OK_200, HttpJson.object().add("tables", items).add("total_count", tables.size()).build());
    }

    private void table(ServerRequest req, ServerResponse res) {
        HttpJson.send(res, Status.OK_200, mapping(service.table(id(req), mappingId(req)), List.of()));
    }

    private void addTable(ServerRequest req, ServerResponse res) {
        UUID id = id(req);
        PipelineService.MappingChange added = service.addTable(id, MappingDraft.parse(json.readObject(req), MappingDraft.Mode.CREATE));
        res.header(HeaderNames.LOCATION, "/api/v1/pipelines/" + id + "/tables/" + added.mapping().id());
        HttpJson.send(res, Status.CREATED_201, mapping(added.mapping(), added.warnings()));
    }

    private void changeTable(ServerRequest req, ServerResponse res) {
        UUID id = id(req);
        UUID mappingId = mappingId(req);
        MappingDraft draft = MappingDraft.parse(json.readObject(req), MappingDraft.Mode.CHANGE);
        PipelineService.MappingChange changed = service.changeTable(id, mappingId, draft);
        HttpJson.send(res, Status.OK_200, mapping(changed.mapping(), changed.warnings()));
    }

    private void removeTable(ServerRequest req, ServerResponse res) {
        service.removeTable(id(req), mappingId(req));
        res.status(Status.NO_CONTENT_204).send();
    }

    private static UUID id(ServerRequest req) {
        return RequestIds.path(req, "id");
    }

    private static UUID mappingId(ServerRequest req) {
        return RequestIds.path(req, "mapping_id");
    }

    private static void send(ServerResponse res, Status status, PipelineService.Detail detail) {
        Versions.etag(res, detail.pipeline().version());
        JsonArrayBuilder tables = HttpJson.array();
        detail.tables().forEach(m -> tables.add(mapping(m, List.of())));
        JsonObjectBuilder pipeline = pipeline(detail.pipeline()).add("tables", tables);
        warnings(pipeline, detail.warnings());
        HttpJson.send(res, status, HttpJson.object().add("pipeline", pipeline).build());
    }

    private static JsonObjectBuilder pipeline(Pipeline p) {
        JsonObjectBuilder b = HttpJson.object()
                .add("id", p.id().toString())
                .add("name", p.name())
                .add("source_id", p.sourceId().toString())
                .add("status", p.status())
                .add("config", p.config());
        HttpJson.optional(b, "error_message", p.errorMessage());
        b.add("created_at", p.createdAt().toString()).add("updated_at", p.updatedAt().toString());
        HttpJson.optional(b, "started_at", p.startedAt());
        HttpJson.optional(b, "stopped_at", p.stoppedAt());
        return b.add("version", p.version());
    }

    private static JsonObject mapping(TableMapping m, List<Warning> warnings) {
        JsonObjectBuilder b = HttpJson.object()
                .add("id", m.id().toString())
                .add("pipeline_id", m.pipelineId().toString())
                .add("source_schema", m.schema())
                .add("source_table", m.table())
                .add("enabled", m.enabled());
        if (!m.config().isEmpty()) {
            b.add("config", m.config());
        }
        b.add("created_at", m.createdAt().toString());
        warnings(b, warnings);
        return b.build();
    }

    /* Present only when there is something to say. */
    private static void warnings(JsonObjectBuilder b, List<Warning> warnings) {
        if (warnings.isEmpty()) {
            return;
        }
        JsonArrayBuilder list = HttpJson.array();
        for (Warning w : warnings) {
            JsonObjectBuilder warning = HttpJson.object().add("code", w.code()).add("message", w.message());
            HttpJson.optional(warning, "schema", w.schema());
            HttpJson.optional(warning, "table", w.table());
            list.add(warning);
        }
        b.add("warnings", list);
    }
}
