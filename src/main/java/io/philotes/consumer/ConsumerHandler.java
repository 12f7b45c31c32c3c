package io.philotes.consumer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import io.philotes.cdc.EventStore;
import io.philotes.core.ApiException;
import io.philotes.core.ApiRequest;
import io.philotes.core.ApiResponse;
import io.philotes.core.Durations;
import io.philotes.core.FieldError;
import io.philotes.core.FieldReader;
import io.philotes.core.JsonText;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;

/** {@code /api/v1/pipelines/{id}/consumers}: plain-Java handlers between requests and the consumer service. */
public final class ConsumerHandler {
    private static final int DEFAULT_EVENTS = 100;
    private static final int MAX_EVENTS = 1000;
    private final ConsumerService service;

    public ConsumerHandler(ConsumerService service) {
        this.service = service;
    }

    public ApiResponse list(ApiRequest req) {
        List<ConsumerService.View> consumers = service.list(req.pathId("id"));
        JsonArrayBuilder items = JsonText.array();
        consumers.forEach(c -> items.add(consumer(c)));
        return ApiResponse.ok(JsonText.object().add("consumers", items).add("total_count", consumers.size()).build());
    }

    public ApiResponse create(ApiRequest req) {
        UUID pipelineId = req.pathId("id");
        ConsumerService.View created = service.create(pipelineId, ConsumerDraft.parse(req.body()));
        return ApiResponse.created("/api/v1/pipelines/" + pipelineId + "/consumers/" + created.consumer().name(), wrapped(created));
    }

    public ApiResponse get(ApiRequest req) {
        return ApiResponse.ok(wrapped(service.get(req.pathId("id"), name(req))));
    }

    public ApiResponse delete(ApiRequest req) {
        service.delete(req.pathId("id"), name(req));
        return ApiResponse.noContent();
    }

    public ApiResponse events(ApiRequest req) {
        int limit = (int) req.number("limit", 1, MAX_EVENTS, DEFAULT_EVENTS);
        Duration wait = req.query("wait").map(ConsumerHandler::wait).orElse(Duration.ZERO);
        ConsumerService.Delivery d = service.next(req.pathId("id"), name(req), limit, wait, req.caller());
        JsonObjectBuilder b = JsonText.object();
        if (d.batchId() != null) {
            b.add("batch_id", d.batchId().toString()).add("deliveries", d.deliveries()).add("ack_deadline", d.ackDeadline().toString());
        }
        JsonArrayBuilder list = JsonText.array();
        d.events().forEach(e -> list.add(e.raw()));
        return ApiResponse.ok(b.add("events", list).add("first_seq", d.bounds().firstSeq()).add("last_seq", d.bounds().lastSeq()).build());
    }

    public ApiResponse ack(ApiRequest req) {
        UUID pipelineId = req.pathId("id");
        String name = name(req);
        JsonObject body = req.body();
        List<FieldError> errors = new ArrayList<>();
        FieldReader r = new FieldReader(body, errors, "");
        r.onlyFields(Set.of("batch_id", "up_to_seq"), Set.of(), "batch_id or up_to_seq");
        UUID batchId = r.uuid("batch_id", false);
        Long upTo = r.whole("up_to_seq", 0, Long.MAX_VALUE);
        if (errors.isEmpty() && (batchId == null) == (upTo == null)) {
            r.error(body.containsKey("batch_id") ? "up_to_seq" : "batch_id", "give exactly one of batch_id and up_to_seq");
        }
        if (!errors.isEmpty()) {
            throw ApiException.validation(errors);
        }
        ConsumerService.View v = batchId != null ? service.ack(pipelineId, name, batchId) : service.ackUpTo(pipelineId, name, upTo);
        return ApiResponse.ok(wrapped(v));
    }

    /* The wait of a long poll: 0 to 60 s, like 30s, 500ms or a number of seconds. */
    private static Duration wait(String text) {
        Duration d = text.chars().allMatch(Character::isDigit) && !text.isEmpty() && text.length() < 10 ? Duration.ofSeconds(Long.parseLong(text))
                : Durations.parse(text);
        if (d == null || d.isNegative() || d.compareTo(ConsumerService.MAX_WAIT) > 0) {
            throw ApiException.validation(List.of(new FieldError("wait", "must be a duration from 0s to 60s, like 30s or 500ms")));
        }
        return d;
    }

    private static String name(ApiRequest req) {
        String name = req.path("name");
        if (!ConsumerDraft.NAME.matcher(name).matches()) {
            throw ApiException.notFound("No consumer has that name: names are 1 to 63 letters, digits, '.', '_' or '-'");
        }
        return name;
    }

    private static JsonObject wrapped(ConsumerService.View v) {
        return JsonText.object().add("consumer", consumer(v)).build();
    }

    private static JsonObjectBuilder consumer(ConsumerService.View v) {
        Consumer c = v.consumer();
        EventStore.Bounds bounds = v.bounds();
        JsonObjectBuilder b = JsonText.object()
                .add("name", c.name())
                .add("pipeline_id", c.pipelineId().toString())
                .add("cursor", c.cursor())
                .add("delivered_seq", c.delivered())
                .add("visibility_timeout", Durations.text(c.visibilityTimeout()))
                .add("lag_events", v.lagEvents())
                .add("lag_seconds", Math.round(v.lagSeconds() * 1000) / 1000.0)
                .add("batches_held", c.batchesHeld())
                .add("expired", v.expired())
                .add("first_seq", bounds.firstSeq())
                .add("last_seq", bounds.lastSeq())
                .add("created_at", c.createdAt().toString());
        JsonText.optional(b, "last_ack_at", c.lastAckAt());
        JsonText.optional(b, "last_delivery_at", c.lastDeliveryAt());
        return b;
    }
}
