package io.philotes.pipeline;

import java.time.Instant;
import java.util.Set;
import java.util.UUID;

import jakarta.json.JsonObject;

/**
 * A pipeline as stored, without its tables.
 *
 * @param id           id
 * @param name         unique name
 * @param sourceId     the source it captures from
 * @param status       stopped, starting, running, stopping or error
 * @param config       its settings, as the client gave them
 * @param errorMessage why it is in error, or null
 * @param createdAt    creation time
 * @param updatedAt    last change of the pipeline or its tables
 * @param startedAt    last start, or null
 * @param stoppedAt    last stop, or null
 * @param version      optimistic-concurrency version; moves with every change of the pipeline or its tables
 */
public record Pipeline(UUID id, String name, UUID sourceId, String status, JsonObject config, String errorMessage,
                       Instant createdAt, Instant updatedAt, Instant startedAt, Instant stoppedAt, int version) {
    /** Every status. */
    public static final Set<String> STATUSES = Set.of("stopped", "starting", "running", "stopping", "error");
    /* While the engine holds the pipeline (in error it keeps retrying), its definition must not change under it. */
    private static final Set<String> ENGAGED = Set.of("starting", "running", "stopping", "error");

    /**
     * Whether the engine holds the pipeline, so that it cannot be changed or deleted.
     *
     * @return true while starting, running, stopping or in error
     */
    public boolean engaged() {
        return ENGAGED.contains(status);
    }

    /**
     * The state in words, for messages.
     *
     * @return e.g. "running", or "in error (retrying)"
     */
    public String state() {
        return "error".equals(status) ? "in error (the engine keeps retrying)" : status;
    }
}
