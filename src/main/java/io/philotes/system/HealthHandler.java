package io.philotes.system;

import java.time.Instant;

import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.philotes.db.DatabaseMonitor;
import io.philotes.http.HttpJson;
import io.philotes.http.Problems;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;

/**
 * {@code /health}, {@code /health/live} and {@code /health/ready}. Answers come from the database
 * monitor's last check, so probes stay fast and bounded even while the database hangs.
 */
public final class HealthHandler implements HttpService {
    private final DatabaseMonitor monitor;

    public HealthHandler(DatabaseMonitor monitor) {
        this.monitor = monitor;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::health)
                .any("/", Problems.allow(Method.GET))
                .get("/live", this::live)
                .any("/live", Problems.allow(Method.GET))
                .get("/ready", this::ready)
                .any("/ready", Problems.allow(Method.GET));
    }

    private void health(ServerRequest request, ServerResponse response) {
        DatabaseMonitor.State db = monitor.state();
        JsonObjectBuilder database = HttpJson.object().add("status", db.ready() ? "healthy" : "unhealthy");
        if (db.latencyMs() >= 0) {
            database.add("latency_ms", db.latencyMs());
        }
        if (db.problem() != null) {
            database.add("message", db.problem());
        }
        JsonObject body = HttpJson.object()
                .add("status", db.ready() ? "healthy" : "unhealthy")
                .add("components", HttpJson.object()
                        .add("api", HttpJson.object().add("status", "healthy"))
                        .add("database", database))
                .add("timestamp", Instant.now().toString())
                .build();
        HttpJson.send(response, db.ready() ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503, body);
    }

    private void live(ServerRequest request, ServerResponse response) {
        HttpJson.send(response, Status.OK_200, HttpJson.object().add("status", "alive").build());
    }

    private void ready(ServerRequest request, ServerResponse response) {
        DatabaseMonitor.State db = monitor.state();
        if (db.ready()) {
            HttpJson.send(response, Status.OK_200, HttpJson.object().add("status", "ready").build());
            return;
        }
        HttpJson.send(response, Status.SERVICE_UNAVAILABLE_503, HttpJson.object()
                .add("status", "not_ready")
                .add("reason", db.problem() == null ? "the metadata database is not ready" : db.problem())
                .build());
    }
}
