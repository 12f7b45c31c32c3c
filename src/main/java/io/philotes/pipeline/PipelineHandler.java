package io.philotes.pipeline;

import java.io.StringReader;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.philotes.cdc.ChangeEvent;
import io.philotes.cdc.EventStore;
import io.philotes.cdc.StreamState;
import io.philotes.http.ApiException;
import io.philotes.http.FieldError;
import io.philotes.http.HttpJson;
import io.philotes.http.PageRequest;
import io.philotes.http.Problems;
import io.philotes.http.RequestIds;
import io.philotes.http.Versions;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReaderFactory;

/** {@code /api/v1/pipelines}: translates HTTP to pipeline service calls and records to JSON. */
public final class PipelineHandler implements HttpService {
    private static final int DEFAULT_EVENTS = 100;
    private static final int MAX_EVENTS = 1000;
    private static final JsonReaderFactory JSON = Json.createReaderFactory(Map.of());
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
                .post("/{id}/start", this::start)
                .any("/{id}/start", Problems.allow(Method.POST))
                .post("/{id}/stop", this::stop)
                .any("/{id}/stop", Problems.allow(Method.POST))
                .get("/{id}/status", this::status)
                .any("/{id}/status", Problems.allow(Method.GET))
                .get("/{id}/events", this::events)
                .any("/{id}/events", Problems.allow(Method.GET))
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

    private void start(ServerRequest req, ServerResponse res) {
        sendWithMessage(res, "pipeline started", service.start(id(req)));
    }

    private void stop(ServerRequest req, ServerResponse res) {
        sendWithMessage(res, "pipeline stopped", service.stop(id(req)));
    }

    private void status(ServerRequest req, ServerResponse res) {
        PipelineService.Status s = service.status(id(req));
        Pipeline p = s.pipeline();
        JsonObjectBuilder b = HttpJson.object()
                .add("id", p.id().toString())
                .add("name", p.name())
                .add("status", p.status());
        HttpJson.optional(b, "error_message", p.errorMessage());
        b.add("events_processed", s.stream().map(StreamState::eventsProcessed).orElse(0L));
        HttpJson.optional(b, "last_event_at", s.stream().map(StreamState::lastEventAt).orElse(null));
        HttpJson.optional(b, "started_at", p.startedAt());
        if ("running".equals(p.status()) && p.startedAt() != null) {
            b.add("uptime", uptime(Duration.between(p.startedAt(), Instant.now())));
        }
        s.stream().filter(st -> st.confirmedLsn() > 0).ifPresent(st -> b.add("confirmed_lsn", ChangeEvent.lsn(st.confirmedLsn())));
        if (s.lagBytes() != null) {
            b.add("lag_bytes", s.lagBytes());
        }
        JsonArrayBuilder tables = HttpJson.array();
        for (EventStore.TableStat t : s.tables()) {
            JsonObjectBuilder table = HttpJson.object().add("schema", t.schema()).add("table", t.table())
                    .add("events_processed", t.eventsProcessed());
            HttpJson.optional(table, "last_event_at", t.lastEventAt());
            tables.add(table);
        }
        HttpJson.send(res, Status.OK_200, b.add("tables", tables).build());
    }

    private void events(ServerRequest req, ServerResponse res) {
        long after = number(req, "after", 0, Long.MAX_VALUE, 0);
        int limit = (int) number(req, "limit", 1, MAX_EVENTS, DEFAULT_EVENTS);
        PipelineService.EventsPage page = service.events(id(req), after, limit);
        JsonArrayBuilder list = HttpJson.array();
        long next = page.after();
        for (EventStore.StoredEvent e : page.events()) {
            JsonObjectBuilder event = HttpJson.object()
                    .add("seq", e.seq())
                    .add("lsn", e.lsn())
                    .add("commit_lsn", e.commitLsn());
            if (e.xid() != null) {
                event.add("xid", e.xid());
            }
            event.add("commit_time", e.commitTime().toString())
                    .add("schema", e.schema())
                    .add("table", e.table())
                    .add("op", e.op());
            rawJson(event, "key", e.key());
            rawJson(event, "before", e.before());
            rawJson(event, "after", e.after());
            list.add(event);
            next = e.seq();
        }
        HttpJson.send(res, Status.OK_200, HttpJson.object().add("events", list).add("next_after", next).build());
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
        HttpJson.send(res, status, HttpJson.object().add("pipeline", detail(detail)).build());
    }

    private static void sendWithMessage(ServerResponse res, String message, PipelineService.Detail detail) {
        Versions.etag(res, detail.pipeline().version());
        HttpJson.send(res, Status.OK_200, HttpJson.object().add("message", message).add("pipeline", detail(detail)).build());
    }

    private static JsonObjectBuilder detail(PipelineService.Detail detail) {
        JsonArrayBuilder tables = HttpJson.array();
        detail.tables().forEach(m -> tables.add(mapping(m, List.of())));
        JsonObjectBuilder pipeline = pipeline(detail.pipeline()).add("tables", tables);
        warnings(pipeline, detail.warnings());
        return pipeline;
    }

    private static long number(ServerRequest req, String name, long min, long max, long defaultValue) {
        if (!req.query().contains(name)) {
            return defaultValue;
        }
        try {
            long value = Long.parseLong(req.query().get(name));
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ApiException.validation(List.of(new FieldError(name, "must be a whole number from " + min + " to " + max)));
    }

    private static void rawJson(JsonObjectBuilder b, String name, String json) {
        if (json != null) {
            try (var reader = JSON.createReader(new StringReader(json))) {
                b.add(name, reader.readValue());
            }
        }
    }

    /* Like 1h1m5s, 1m5s or 5s. */
    static String uptime(Duration d) {
        long s = d.toSeconds();
        return (s >= 3600 ? s / 3600 + "h" : "") + (s >= 60 ? (s % 3600) / 60 + "m" : "") + s % 60 + "s";
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
