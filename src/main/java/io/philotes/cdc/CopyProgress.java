package io.philotes.cdc;

import java.util.List;
import java.util.UUID;

/**
 * How far a table's copy is, stored in the transaction that stores the copy's rows.
 *
 * @param mappingId  the table's mapping
 * @param generation the copy's generation (a newer request makes this one store nothing)
 * @param lastKey    the text forms of the key of the last row copied, null for a copy of the whole table
 * @param keyColumns the key's columns, null for a copy of the whole table
 * @param rows       rows copied by these events
 * @param done       whether the copy is complete
 * @param chunk      the chunk that made this progress (in memory only: the copier waits until it is stored)
 */
record CopyProgress(UUID mappingId, long generation, List<String> lastKey, List<String> keyColumns, long rows, boolean done, long chunk) {
}
