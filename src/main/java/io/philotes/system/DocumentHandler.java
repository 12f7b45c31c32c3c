package io.philotes.system;

import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.philotes.config.Settings;
import io.philotes.http.HttpJson;
import io.philotes.http.Problems;
import jakarta.json.JsonObject;

/**
 * A read-only document computed once at startup: {@code GET /api/v1/version} (what is running) and
 * {@code GET /api/v1/config} (the effective configuration an operator may see).
 */
public final class DocumentHandler implements HttpService {
    private final JsonObject body;

    private DocumentHandler(JsonObject body) {
        this.body = body;
    }

    /**
     * The build that is running.
     *
     * @param build build facts
     * @return the handler
     */
    public static DocumentHandler version(BuildInfo build) {
        return new DocumentHandler(HttpJson.object()
                .add("version", build.version())
                .add("api_version", "v1")
                .add("java_version", Runtime.version().toString())
                .add("build_time", build.buildTime())
                .add("git_commit", build.gitCommit())
                .build());
    }

    /**
     * The safe effective configuration: the metadata database URL without user info or query parameters,
     * and never a password or key.
     *
     * @param settings the settings
     * @return the handler
     */
    public static DocumentHandler config(Settings settings) {
        Settings.Db db = settings.db();
        return new DocumentHandler(HttpJson.object()
                .add("server", HttpJson.object()
                        .add("host", settings.server().host())
                        .add("port", settings.server().port())
                        .add("grace_seconds", settings.server().grace().toSeconds())
                        .add("concurrency", settings.server().concurrency()))
                .add("http", HttpJson.object()
                        .add("body_limit", settings.http().bodyLimit())
                        .add("rate_limit", settings.http().rateLimit())
                        .add("rate_burst", settings.http().rateBurst())
                        .add("cors_origins", HttpJson.array(settings.http().corsOrigins())))
                .add("database", HttpJson.object()
                        .add("mode", db.embedded() ? "embedded" : "external")
                        .add("url", db.embedded() ? "" : db.redactedUrl())
                        .add("ssl_mode", db.sslMode())
                        .add("pool_size", db.poolSize())
                        .add("pool_timeout_ms", db.poolTimeout().toMillis()))
                .add("events", HttpJson.object()
                        .add("retention_seconds", settings.events().retention().toSeconds())
                        .add("prune_interval_ms", settings.events().pruneInterval().toMillis())
                        .add("supervise_interval_ms", settings.events().superviseInterval().toMillis()))
                .add("data_dir", settings.dataDir().toString())
                .build());
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::document)
                .any("/", Problems.allow(Method.GET));
    }

    private void document(ServerRequest request, ServerResponse response) {
        HttpJson.send(response, Status.OK_200, body);
    }
}
