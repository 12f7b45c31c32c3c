package io.philotes.consumer;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * A consumer as stored, with what it holds.
 *
 * @param id                the consumer's id
 * @param pipelineId        its pipeline
 * @param name              its name, unique in the pipeline
 * @param cursor            every event up to this seq is acknowledged
 * @param delivered         the last seq handed out in a batch
 * @param visibilityTimeout how long a batch is held by its reader before it is delivered again
 * @param createdAt         when it was created
 * @param lastAckAt         its last acknowledgement, or null
 * @param lastDeliveryAt    its last batch handed out, or null
 * @param batchesHeld       batches handed out and not acknowledged
 * @param oldestUnackedAt   commit time of the first event after the cursor, or null when there is none
 */
public record Consumer(UUID id, UUID pipelineId, String name, long cursor, long delivered, Duration visibilityTimeout, Instant createdAt,
                       Instant lastAckAt, Instant lastDeliveryAt, long batchesHeld, Instant oldestUnackedAt) {
}
