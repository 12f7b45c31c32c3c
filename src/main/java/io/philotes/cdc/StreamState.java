package io.philotes.cdc;

import java.time.Instant;
import java.util.UUID;

/**
 * Where a pipeline's stream stands, as stored with its events.
 *
 * @param pipelineId         the pipeline
 * @param slotName           its replication slot on the source
 * @param publicationName    its publication on the source
 * @param slotCreated        whether the engine created the slot (and drops it with the pipeline)
 * @param publicationCreated whether the engine created the publication (and drops it with the pipeline)
 * @param startLsn           the slot's consistent point
 * @param snapshotDone       whether the initial copy is stored (or was not wanted)
 * @param lastCommitLsn      commit LSN of the last transaction stored whole, or 0
 * @param confirmedLsn       the LSN confirmed to the source, or 0
 * @param partialCommitLsn   commit LSN of a transaction stored in part, or 0
 * @param partialEvents      how many of its events are stored
 * @param lastSeq            sequence number of the last stored event
 * @param eventsProcessed    how many events are stored in all
 * @param lastEventAt        commit time of the last stored event, or null
 */
public record StreamState(UUID pipelineId, String slotName, String publicationName, boolean slotCreated, boolean publicationCreated,
                          long startLsn, boolean snapshotDone, long lastCommitLsn, long confirmedLsn, long partialCommitLsn,
                          long partialEvents, long lastSeq, long eventsProcessed, Instant lastEventAt) {
}
