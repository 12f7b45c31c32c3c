package io.philotes.pipeline;

import java.time.Instant;
import java.util.UUID;

import io.philotes.core.PipelineStatus;
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
 * @param ownerEpoch   how many times an instance took it to run (each take-over fences off the one before)
 */
public record Pipeline(UUID id, String name, UUID sourceId, PipelineStatus status, JsonObject config, String errorMessage,
                       Instant createdAt, Instant updatedAt, Instant startedAt, Instant stoppedAt, int version, long ownerEpoch) {
    /** Every status. */
}
