package io.philotes.system;

import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.Supplier;

import io.philotes.core.ApiRequest;
import io.philotes.core.ApiResponse;
import io.philotes.core.JsonText;
import io.philotes.db.DatabaseMonitor;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;

/**
 * {@code /health}, {@code /health/live} and {@code /health/ready}. Answers come from the database
 * monitor's last check, so probes stay fast and bounded even while the database hangs.
 */
public final class HealthHandler {
    private final DatabaseMonitor monitor;
    private final Supplier<List<String>> orphanedSlots;

    /**
     * Creates the handler.
     *
     * @param monitor       the metadata database's monitor
     * @param orphanedSlots the slots of deleted pipelines still to be dropped on their sources (as last looked at)
     */
    public HealthHandler(DatabaseMonitor monitor, Supplier<List<String>> orphanedSlots) {
        this.monitor = monitor;
        this.orphanedSlots = orphanedSlots;
    }

    public ApiResponse health(ApiRequest request) {
        DatabaseMonitor.State db = monitor.state();
        JsonObjectBuilder database = JsonText.object().add("status", db.ready() ? "healthy" : "unhealthy");
        if (db.latencyMs() >= 0) {
            database.add("latency_ms", db.latencyMs());
        }
        if (db.problem() != null) {
            database.add("message", db.problem());
        }
        // A slot left behind holds WAL on its source: the service itself is fine, its sources may not be.
        List<String> orphans = orphanedSlots.get();
        JsonObjectBuilder slots = JsonText.object().add("status", orphans.isEmpty() ? "healthy" : "degraded").add("orphaned", orphans.size());
        if (!orphans.isEmpty()) {
            slots.add("slots", JsonText.array(orphans)).add("message", "replication slots of deleted pipelines could not be dropped yet;"
                    + " they hold WAL on their sources and are retried (see philotes_orphaned_slot in /metrics and the log)");
        }
        JsonObject body = JsonText.object()
                .add("status", db.ready() ? "healthy" : "unhealthy")
                .add("components", JsonText.object()
                        .add("api", JsonText.object().add("status", "healthy"))
                        .add("database", database)
                        .add("replication_slots", slots))
                .add("timestamp", Instant.now().toString())
                .build();
        return new ApiResponse(db.ready() ? 200 : 503, body, null, OptionalInt.empty());
    }

    public ApiResponse live(ApiRequest request) {
        return ApiResponse.ok(JsonText.object().add("status", "alive").build());
    }

    public ApiResponse ready(ApiRequest request) {
        DatabaseMonitor.State db = monitor.state();
        if (db.ready()) {
            return ApiResponse.ok(JsonText.object().add("status", "ready").build());
        }
        return new ApiResponse(503, JsonText.object()
                .add("status", "not_ready")
                .add("reason", db.problem() == null ? "the metadata database is not ready" : db.problem())
                .build(), null, OptionalInt.empty());
    }
}
