package io.philotes.system;

import java.time.Instant;
import java.util.OptionalInt;

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

    public HealthHandler(DatabaseMonitor monitor) {
        this.monitor = monitor;
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
        JsonObject body = JsonText.object()
                .add("status", db.ready() ? "healthy" : "unhealthy")
                .add("components", JsonText.object()
                        .add("api", JsonText.object().add("status", "healthy"))
                        .add("database", database))
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
