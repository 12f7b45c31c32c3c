package io.philotes.system;

import io.philotes.config.Settings;
import io.philotes.core.ApiRequest;
import io.philotes.core.ApiResponse;
import io.philotes.core.JsonText;
import jakarta.json.JsonObject;

/**
 * A read-only document computed once at startup: {@code GET /api/v1/version} (what is running) and
 * {@code GET /api/v1/config} (the effective configuration an operator may see).
 */
public final class DocumentHandler {
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
        return new DocumentHandler(JsonText.object()
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
        return new DocumentHandler(JsonText.object()
                .add("server", JsonText.object()
                        .add("host", settings.server().host())
                        .add("port", settings.server().port())
                        .add("grace_seconds", settings.server().grace().toSeconds())
                        .add("concurrency", settings.server().concurrency()))
                .add("http", JsonText.object()
                        .add("body_limit", settings.http().bodyLimit())
                        .add("rate_limit", settings.http().rateLimit())
                        .add("rate_burst", settings.http().rateBurst())
                        .add("cors_origins", JsonText.array(settings.http().corsOrigins()))
                        .add("stream_heartbeat_ms", settings.http().streamHeartbeat().toMillis())
                        .add("stream_stall_ms", settings.http().streamStall().toMillis())
                        .add("waiting_max", settings.http().waitingMax())
                        .add("waiting_client", settings.http().waitingClient()))
                .add("database", JsonText.object()
                        .add("mode", db.embedded() ? "embedded" : "external")
                        .add("url", db.embedded() ? "" : db.redactedUrl())
                        .add("ssl_mode", db.sslMode())
                        .add("pool_size", db.poolSize())
                        .add("pool_timeout_ms", db.poolTimeout().toMillis()))
                .add("events", JsonText.object()
                        .add("retention_seconds", settings.events().retention().toSeconds())
                        .add("retention_max_seconds", settings.events().retentionMax().toSeconds())
                        .add("sink_timeout_ms", settings.events().sinkTimeout().toMillis())
                        .add("sink_retry_max_ms", settings.events().sinkRetryMax().toMillis())
                        .add("prune_interval_ms", settings.events().pruneInterval().toMillis())
                        .add("supervise_interval_ms", settings.events().superviseInterval().toMillis())
                        .add("source_timeout_ms", settings.events().sourceTimeout().toMillis())
                        .add("batch_bytes", settings.events().batchBytes())
                        .add("wal_warn_bytes", settings.events().walWarn()))
                .add("data_dir", settings.dataDir().toString())
                .build());
    }

    public ApiResponse document(ApiRequest request) {
        return ApiResponse.ok(body);
    }
}
