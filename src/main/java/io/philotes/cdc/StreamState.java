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
 * @param needsSlot          whether the next start must create a new slot (a resnapshot dropped it), copying every table
 * @param lastCommitLsn      commit LSN of the last transaction stored whole, or 0
 * @param confirmedLsn       the LSN confirmed to the source, or 0
 * @param partialCommitLsn   commit LSN of a transaction stored in part, or 0
 * @param partialEvents      how many of its events are stored
 * @param lastSeq            sequence number of the last stored event
 * @param eventsProcessed    how many events are stored in all
 * @param lastEventAt        commit time of the last stored event, or null
 * @param slot               the slot on the source as last seen
 */
public record StreamState(UUID pipelineId, String slotName, String publicationName, boolean slotCreated, boolean publicationCreated,
                          long startLsn, boolean needsSlot, long lastCommitLsn, long confirmedLsn, long partialCommitLsn,
                          long partialEvents, long lastSeq, long eventsProcessed, Instant lastEventAt, SlotSeen slot) {
    /**
     * A pipeline's slot on its source, as its runner (or, while it is stopped, the supervisor) last saw it.
     *
     * @param walStatus     reserved, extended, unreserved, lost or unknown; null when never seen
     * @param retainedBytes WAL the slot holds back on the source, or null
     * @param safeWalBytes  how much more WAL the source may write before it invalidates the slot, or null (unbounded)
     * @param sourceWalLsn  the source's WAL position then, or 0
     * @param checkedAt     when, or null
     * @param error         why the last look failed, or null
     */
    public record SlotSeen(String walStatus, Long retainedBytes, Long safeWalBytes, long sourceWalLsn, Instant checkedAt, String error) {
    }
}
