package io.philotes.pipeline;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.UUID;

import io.philotes.cdc.ChangeEvent;
import io.philotes.cdc.EventStore;
import io.philotes.cdc.StreamState;
import io.philotes.core.ApiException;
import io.philotes.core.ApiRequest;
import io.philotes.core.ApiResponse;
import io.philotes.core.FieldError;
import io.philotes.core.JsonText;
import io.philotes.core.PipelineStatus;
import io.philotes.source.TableDiscovery.TableName;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReaderFactory;

/** {@code /api/v1/pipelines}: plain-Java handlers that turn requests into pipeline service calls and records into JSON. */
public final class PipelineHandler {
    private static final JsonReaderFactory JSON = Json.createReaderFactory(Map.of());
    private static final int DEFAULT_EVENTS = 100;
    private static final int MAX_EVENTS = 1000;
    private static final List<String> OPERATIONS = List.of("insert", "update", "delete", "truncate", "snapshot");
    private static final int MAX_NAME_BYTES = 63;
    private final PipelineService service;

    public PipelineHandler(PipelineService service) {
        this.service = service;
    }

    public ApiResponse list(ApiRequest req) {
        return ApiResponse.page("pipelines", service.list(req.query("status").orElse(null), req.queryId("source_id"), req.page()),
                                p -> pipeline(p).build());
    }

    public ApiResponse create(ApiRequest req) {
        PipelineService.Detail created = service.create(PipelineDraft.parse(req.body(), PipelineDraft.Mode.CREATE));
        return ApiResponse.created("/api/v1/pipelines/" + created.pipeline().id(), wrapped(created))
                .withVersion(created.pipeline().version());
    }

    public ApiResponse get(ApiRequest req) {
        return ok(service.get(id(req)));
    }

    public ApiResponse update(ApiRequest req) {
        UUID id = id(req);
        PipelineDraft draft = PipelineDraft.parse(req.body(), PipelineDraft.Mode.UPDATE);
        return ok(service.update(id, draft, req.ifMatch()));
    }

    public ApiResponse delete(ApiRequest req) {
        service.delete(id(req), req.ifMatch());
        return ApiResponse.noContent();
    }

    public ApiResponse start(ApiRequest req) {
        return withMessage("pipeline started", service.start(id(req)));
    }

    public ApiResponse stop(ApiRequest req) {
        return withMessage("pipeline stopped", service.stop(id(req)));
    }

    public ApiResponse resnapshot(ApiRequest req) {
        return withMessage("resnapshot prepared: the next start creates a new replication slot and copies every table again",
                           service.resnapshot(id(req)));
    }

    public ApiResponse status(ApiRequest req) {
        PipelineService.Status s = service.status(id(req));
        Pipeline p = s.pipeline();
        JsonObjectBuilder b = JsonText.object()
                .add("id", p.id().toString())
                .add("name", p.name())
                .add("status", p.status().text());
        JsonText.optional(b, "error_message", p.errorMessage());
        b.add("events_processed", s.stream().map(StreamState::eventsProcessed).orElse(0L))
                .add("first_seq", s.bounds().firstSeq())
                .add("last_seq", s.bounds().lastSeq());
        JsonText.optional(b, "last_event_at", s.stream().map(StreamState::lastEventAt).orElse(null));
        JsonText.optional(b, "started_at", p.startedAt());
        if (p.status() == PipelineStatus.RUNNING && p.startedAt() != null) {
            b.add("uptime", uptime(Duration.between(p.startedAt(), Instant.now())));
        }
        s.stream().filter(st -> st.confirmedLsn() > 0).ifPresent(st -> b.add("confirmed_lsn", ChangeEvent.lsn(st.confirmedLsn())));
        if (s.lagBytes() != null) {
            b.add("lag_bytes", s.lagBytes());
        }
        s.stream().ifPresent(st -> b.add("slot", slot(st)));
        b.add("owner_epoch", p.ownerEpoch());
        // Every enabled table with its copy, and any other table events were stored for, in name order.
        Map<TableName, JsonObjectBuilder> byTable = new TreeMap<>(Comparator.comparing(TableName::schema).thenComparing(TableName::table));
        for (TableSnapshot t : s.snapshots()) {
            byTable.put(new TableName(t.schema(), t.table()), JsonText.object().add("schema", t.schema()).add("table", t.table())
                    .add("mapping_id", t.mappingId().toString()).add("events_processed", 0).add("snapshot", snapshot(t)));
        }
        for (EventStore.TableStat t : s.tables()) {
            JsonObjectBuilder table = byTable.computeIfAbsent(new TableName(t.schema(), t.table()),
                                                               k -> JsonText.object().add("schema", t.schema()).add("table", t.table()))
                    .add("events_processed", t.eventsProcessed());
            JsonText.optional(table, "last_event_at", t.lastEventAt());
        }
        JsonArrayBuilder tables = JsonText.array();
        byTable.values().forEach(tables::add);
        JsonArrayBuilder warnings = JsonText.array();
        s.warnings().forEach(w -> warnings.add(JsonText.object().add("code", w.code()).add("message", w.message())));
        return ApiResponse.ok(b.add("tables", tables).add("warnings", warnings).build());
    }

    /* The pipeline's slot on its source as last seen: the WAL it holds there, and whether the server keeps it. */
    private static JsonObjectBuilder slot(StreamState st) {
        StreamState.SlotSeen seen = st.slot();
        JsonObjectBuilder slot = JsonText.object().add("name", st.slotName());
        JsonText.optional(slot, "wal_status", seen.walStatus());
        if (seen.retainedBytes() != null) {
            slot.add("retained_wal_bytes", seen.retainedBytes());
        }
        if (seen.safeWalBytes() != null) {
            slot.add("safe_wal_bytes", seen.safeWalBytes());
        }
        JsonText.optional(slot, "checked_at", seen.checkedAt());
        JsonText.optional(slot, "check_error", seen.error());
        return slot;
    }

    public ApiResponse events(ApiRequest req) {
        long after = req.number("after", 0, Long.MAX_VALUE, 0);
        int limit = (int) req.number("limit", 1, MAX_EVENTS, DEFAULT_EVENTS);
        PipelineService.EventsPage page = service.events(id(req), after, limit, filter(req));
        JsonArrayBuilder list = JsonText.array();
        page.events().forEach(e -> list.add(e.raw()));
        return ApiResponse.ok(JsonText.object().add("events", list).add("next_after", page.next())
                                      .add("first_seq", page.bounds().firstSeq()).add("last_seq", page.bounds().lastSeq()).build());
    }

    /* ?schema=&table=&op=: names as the catalog has them (1-63 bytes), and one of the operations. */
    private static EventStore.Filter filter(ApiRequest req) {
        List<FieldError> errors = new ArrayList<>();
        String schema = name(req, "schema", errors);
        String table = name(req, "table", errors);
        String op = req.query("op").orElse(null);
        if (op != null && !OPERATIONS.contains(op)) {
            errors.add(new FieldError("op", "must be one of " + String.join(", ", OPERATIONS)));
        }
        if (!errors.isEmpty()) {
            throw ApiException.validation(errors);
        }
        return new EventStore.Filter(schema, table, op);
    }

    private static String name(ApiRequest req, String parameter, List<FieldError> errors) {
        String name = req.query(parameter).orElse(null);
        if (name != null && (name.isEmpty() || name.indexOf(0) >= 0 || name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES)) {
            errors.add(new FieldError(parameter, "must be a name of 1-63 bytes in UTF-8, without NUL"));
        }
        return name;
    }

    public ApiResponse schema(ApiRequest req) {
        JsonArrayBuilder tables = JsonText.array();
        for (TableSchema t : service.schema(id(req))) {
            JsonObjectBuilder table = JsonText.object().add("schema", t.schema()).add("table", t.table());
            if (t.version() != null) {
                table.add("schema_version", t.version());
                JsonText.optional(table, "seen_at", t.seenAt());
                try (var reader = JSON.createReader(new StringReader(t.columns()))) {
                    table.add("columns", reader.readArray());
                }
            } else {
                table.add("columns", JsonText.array());
            }
            tables.add(table);
        }
        return ApiResponse.ok(JsonText.object().add("tables", tables).build());
    }

    public ApiResponse tables(ApiRequest req) {
        List<TableMapping> tables = service.tables(id(req));
        JsonArrayBuilder items = JsonText.array();
        tables.forEach(m -> items.add(mapping(m, List.of())));
        return ApiResponse.ok(JsonText.object().add("tables", items).add("total_count", tables.size()).build());
    }

    public ApiResponse table(ApiRequest req) {
        return ApiResponse.ok(mapping(service.table(id(req), req.pathId("mapping_id")), List.of()));
    }

    public ApiResponse addTable(ApiRequest req) {
        UUID id = id(req);
        PipelineService.MappingChange added = service.addTable(id, MappingDraft.parse(req.body(), MappingDraft.Mode.CREATE));
        return ApiResponse.created("/api/v1/pipelines/" + id + "/tables/" + added.mapping().id(), mapping(added.mapping(), added.warnings()));
    }

    public ApiResponse changeTable(ApiRequest req) {
        UUID id = id(req);
        UUID mappingId = req.pathId("mapping_id");
        MappingDraft draft = MappingDraft.parse(req.body(), MappingDraft.Mode.CHANGE);
        PipelineService.MappingChange changed = service.changeTable(id, mappingId, draft);
        return ApiResponse.ok(mapping(changed.mapping(), changed.warnings()));
    }

    public ApiResponse resnapshotTable(ApiRequest req) {
        TableSnapshot s = service.resnapshotTable(id(req), req.pathId("mapping_id"));
        return new ApiResponse(202, JsonText.object().add("message", "copy requested: a running pipeline copies the table beside its stream"
                + " (see its snapshot in the pipeline's status); a stopped one at its next start").add("table", snapshot(s)).build(), null,
                OptionalInt.empty());
    }

    /* A table's copy as status and the resnapshot answer show it. */
    static JsonObjectBuilder snapshot(TableSnapshot s) {
        JsonObjectBuilder b = JsonText.object().add("mapping_id", s.mappingId().toString()).add("schema", s.schema()).add("table", s.table())
                .add("state", s.state()).add("rows_copied", s.rowsCopied());
        if (s.rowsEstimated() != null) {
            b.add("rows_estimated", s.rowsEstimated());
        }
        JsonText.optional(b, "started_at", s.startedAt());
        JsonText.optional(b, "finished_at", s.finishedAt());
        JsonText.optional(b, "error", s.error());
        return b;
    }

    public ApiResponse removeTable(ApiRequest req) {
        service.removeTable(id(req), req.pathId("mapping_id"));
        return ApiResponse.noContent();
    }

    private static UUID id(ApiRequest req) {
        return req.pathId("id");
    }

    private static ApiResponse ok(PipelineService.Detail detail) {
        return ApiResponse.ok(wrapped(detail)).withVersion(detail.pipeline().version());
    }

    private static JsonObject wrapped(PipelineService.Detail detail) {
        return JsonText.object().add("pipeline", detail(detail)).build();
    }

    private static ApiResponse withMessage(String message, PipelineService.Detail detail) {
        return ApiResponse.ok(JsonText.object().add("message", message).add("pipeline", detail(detail)).build())
                .withVersion(detail.pipeline().version());
    }

    private static JsonObjectBuilder detail(PipelineService.Detail detail) {
        JsonArrayBuilder tables = JsonText.array();
        detail.tables().forEach(m -> tables.add(mapping(m, List.of())));
        JsonObjectBuilder pipeline = pipeline(detail.pipeline()).add("tables", tables);
        warnings(pipeline, detail.warnings());
        return pipeline;
    }

    /* Like 1h1m5s, 1m5s or 5s. */
    static String uptime(Duration d) {
        long s = d.toSeconds();
        return (s >= 3600 ? s / 3600 + "h" : "") + (s >= 60 ? (s % 3600) / 60 + "m" : "") + s % 60 + "s";
    }

    private static JsonObjectBuilder pipeline(Pipeline p) {
        JsonObjectBuilder b = JsonText.object()
                .add("id", p.id().toString())
                .add("name", p.name())
                .add("source_id", p.sourceId().toString())
                .add("status", p.status().text())
                .add("config", p.config());
        JsonText.optional(b, "error_message", p.errorMessage());
        b.add("created_at", p.createdAt().toString()).add("updated_at", p.updatedAt().toString());
        JsonText.optional(b, "started_at", p.startedAt());
        JsonText.optional(b, "stopped_at", p.stoppedAt());
        return b.add("version", p.version());
    }

    private static JsonObject mapping(TableMapping m, List<Warning> warnings) {
        JsonObjectBuilder b = JsonText.object()
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
        JsonArrayBuilder list = JsonText.array();
        for (Warning w : warnings) {
            JsonObjectBuilder warning = JsonText.object().add("code", w.code()).add("message", w.message());
            JsonText.optional(warning, "schema", w.schema());
            JsonText.optional(warning, "table", w.table());
            list.add(warning);
        }
        b.add("warnings", list);
    }
}
