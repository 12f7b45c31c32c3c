package io.philotes.sink;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import io.philotes.core.ApiException;
import io.philotes.core.ApiRequest;
import io.philotes.core.ApiResponse;
import io.philotes.core.FieldError;
import io.philotes.core.FieldReader;
import io.philotes.core.JsonText;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;

/** {@code /api/v1/pipelines/{id}/sinks}: plain-Java handlers between requests and the sink service. */
public final class SinkHandler {
    private static final Duration DEFAULT_OVERLAP = Duration.ofHours(24);
    private final SinkService service;

    public SinkHandler(SinkService service) {
        this.service = service;
    }

    public ApiResponse list(ApiRequest req) {
        List<SinkService.View> sinks = service.list(req.pathId("id"));
        JsonArrayBuilder items = JsonText.array();
        sinks.forEach(s -> items.add(sink(s)));
        return ApiResponse.ok(JsonText.object().add("sinks", items).add("total_count", sinks.size()).build());
    }

    public ApiResponse create(ApiRequest req) {
        UUID pipelineId = req.pathId("id");
        SinkService.View created = service.create(pipelineId, SinkDraft.parse(req.body()));
        return ApiResponse.created("/api/v1/pipelines/" + pipelineId + "/sinks/" + created.sink().name(), withSecret(created));
    }

    public ApiResponse get(ApiRequest req) {
        return ApiResponse.ok(JsonText.object().add("sink", sink(service.get(req.pathId("id"), name(req)))).build());
    }

    public ApiResponse delete(ApiRequest req) {
        service.delete(req.pathId("id"), name(req));
        return ApiResponse.noContent();
    }

    public ApiResponse pause(ApiRequest req) {
        return ApiResponse.ok(JsonText.object().add("sink", sink(service.pause(req.pathId("id"), name(req)))).build());
    }

    public ApiResponse resume(ApiRequest req) {
        JsonObject body = req.optionalBody();
        List<FieldError> errors = new ArrayList<>();
        FieldReader r = new FieldReader(body, errors, "");
        r.onlyFields(Set.of("skip_expired"), Set.of(), "skip_expired");
        Boolean skip = r.bool("skip_expired");
        if (!errors.isEmpty()) {
            throw ApiException.validation(errors);
        }
        return ApiResponse.ok(JsonText.object().add("sink", sink(service.resume(req.pathId("id"), name(req), Boolean.TRUE.equals(skip))))
                                      .build());
    }

    public ApiResponse rotateSecret(ApiRequest req) {
        JsonObject body = req.optionalBody();
        List<FieldError> errors = new ArrayList<>();
        FieldReader r = new FieldReader(body, errors, "");
        r.onlyFields(Set.of("overlap"), Set.of(), "overlap");
        Duration overlap = r.duration("overlap", Duration.ZERO, SinkService.MAX_OVERLAP, "24h");
        if (!errors.isEmpty()) {
            throw ApiException.validation(errors);
        }
        return ApiResponse.ok(withSecret(service.rotateSecret(req.pathId("id"), name(req), overlap == null ? DEFAULT_OVERLAP : overlap)));
    }

    private static JsonObject withSecret(SinkService.View v) {
        return JsonText.object().add("sink", sink(v)).add("secret", v.secret()).build();
    }

    private static String name(ApiRequest req) {
        String name = req.path("name");
        if (!SinkDraft.NAME.matcher(name).matches()) {
            throw ApiException.notFound("No sink has that name: names are 1 to 63 letters, digits, '.', '_' or '-'");
        }
        return name;
    }

    private static JsonObjectBuilder sink(SinkService.View v) {
        Sink s = v.sink();
        JsonObjectBuilder b = JsonText.object()
                .add("name", s.name())
                .add("pipeline_id", s.pipelineId().toString())
                .add("type", "webhook")
                .add("url", s.url())
                .add("batch_size", s.batchSize())
                .add("header_names", JsonText.array(s.headerNames()))
                .add("state", s.state())
                .add("cursor", s.cursor())
                .add("lag_events", v.lagEvents())
                .add("attempts", s.attempts())
                .add("delivered_events", s.deliveredEvents());
        JsonText.optional(b, "next_attempt_at", s.nextAttemptAt());
        JsonText.optional(b, "last_error", s.lastError());
        JsonText.optional(b, "last_error_at", s.lastErrorAt());
        JsonText.optional(b, "last_success_at", s.lastSuccessAt());
        JsonText.optional(b, "secret_rotated_at", s.secretRotatedAt());
        JsonText.optional(b, "previous_secret_until", s.previousUntil());
        return b.add("created_at", s.createdAt().toString());
    }
}
