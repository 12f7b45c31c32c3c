package io.philotes.sink;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A sink as the API shows it: never its secret or its header values.
 *
 * @param id              its id
 * @param pipelineId      its pipeline
 * @param name            its name, unique in the pipeline
 * @param url             where it delivers
 * @param batchSize       events per request at most
 * @param headerNames     the extra headers it sends
 * @param state           active, retrying, paused or failed
 * @param cursor          every event up to this seq was delivered
 * @param batchFirst      first seq of the batch being delivered, or null
 * @param batchLast       last seq of that batch, or null
 * @param attempts        failed attempts of that batch
 * @param nextAttemptAt   when it is tried again, or null
 * @param lastError       why the last attempt failed (or why the sink failed), or null
 * @param lastErrorAt     when, or null
 * @param lastSuccessAt   the last 2xx, or null
 * @param deliveredEvents events delivered
 * @param secretRotatedAt the last rotation of its secret, or null
 * @param previousUntil   until when the previous secret signs too, or null
 * @param createdAt       when it was created
 */
public record Sink(UUID id, UUID pipelineId, String name, String url, int batchSize, List<String> headerNames, String state, long cursor,
                   Long batchFirst, Long batchLast, int attempts, Instant nextAttemptAt, String lastError, Instant lastErrorAt,
                   Instant lastSuccessAt, long deliveredEvents, Instant secretRotatedAt, Instant previousUntil, Instant createdAt) {
}
