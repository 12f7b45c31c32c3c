package io.philotes.pipeline;

import java.time.Instant;
import java.util.UUID;

import jakarta.json.JsonObject;

/**
 * One table a pipeline captures.
 *
 * @param id         id
 * @param pipelineId its pipeline
 * @param schema     the table's schema on the source
 * @param table      the table's name on the source
 * @param enabled    whether it is captured
 * @param config     its settings, as the client gave them
 * @param createdAt  creation time
 */
public record TableMapping(UUID id, UUID pipelineId, String schema, String table, boolean enabled, JsonObject config,
                           Instant createdAt) {
}
