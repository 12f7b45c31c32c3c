package io.philotes.pipeline;

import java.time.Instant;
import java.util.UUID;

/**
 * Where the copy of one of a pipeline's tables stands.
 *
 * @param mappingId     the table's mapping
 * @param schema        the table's schema
 * @param table         the table
 * @param state         pending, copying, done, failed or skipped
 * @param rowsCopied    rows copied so far
 * @param rowsEstimated the source planner's estimate of the table's rows when the copy began, or null
 * @param startedAt     when the copy began, or null
 * @param finishedAt    when it ended (done or failed), or null
 * @param error         why it failed, or why its last attempt failed (it is retried), or null
 */
public record TableSnapshot(UUID mappingId, String schema, String table, String state, long rowsCopied, Long rowsEstimated, Instant startedAt,
                            Instant finishedAt, String error) {
}
