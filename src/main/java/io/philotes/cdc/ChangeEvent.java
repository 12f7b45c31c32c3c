package io.philotes.cdc;

import java.time.Instant;

/**
 * One captured change of one row (or one truncated table), as stored and as served.
 *
 * @param lsn        the change's own LSN (the commit LSN for snapshot rows and truncates)
 * @param commitLsn  its transaction's commit LSN (the slot's consistent point for snapshot rows)
 * @param xid        its transaction id, null for snapshot rows
 * @param commitTime when its transaction committed (when the snapshot was taken, for snapshot rows)
 * @param schema     the table's schema
 * @param table      the table's name
 * @param op         insert, update, delete, truncate or snapshot
 * @param key        JSON of the row's replica identity columns (the old ones for a delete), or null
 * @param before     JSON of the old row, or of its old key when the key changed, when the source sent it; else null
 * @param after      JSON of the new row; a TOASTed value an update did not change is left out
 * @param schemaVersion the version of its table's shape (see {@link SchemaVersions}), or null when not known
 */
public record ChangeEvent(long lsn, long commitLsn, Long xid, Instant commitTime, String schema, String table, String op,
                          RowJson key, RowJson before, RowJson after, Integer schemaVersion) {
    /** An event whose table's shape is not known (yet). */
    public ChangeEvent(long lsn, long commitLsn, Long xid, Instant commitTime, String schema, String table, String op, RowJson key, RowJson before,
                       RowJson after) {
        this(lsn, commitLsn, xid, commitTime, schema, table, op, key, before, after, null);
    }

    /**
     * The same event in a version of its table's shape.
     *
     * @param version the version
     * @return the event
     */
    ChangeEvent withSchemaVersion(Integer version) {
        return new ChangeEvent(lsn, commitLsn, xid, commitTime, schema, table, op, key, before, after, version);
    }

    /* What an event costs beside its JSON: the record, its fields and the names it refers to. */
    private static final long OVERHEAD_BYTES = 160;

    /**
     * About how much heap the event holds, for limits in bytes: its JSON as Java holds it (one or two bytes a
     * character), its large values as their bytes, and a fixed overhead.
     *
     * @return bytes
     */
    public long bytes() {
        return OVERHEAD_BYTES + heap(key) + heap(before) + heap(after);
    }

    private static long heap(RowJson json) {
        return json == null ? 0 : json.heapBytes();
    }
    /**
     * An LSN in PostgreSQL's text form.
     *
     * @param lsn the LSN
     * @return e.g. {@code 0/16B3748}
     */
    public static String lsn(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }

    /**
     * Parses an LSN's text form.
     *
     * @param text e.g. {@code 0/16B3748}
     * @return the LSN
     */
    public static long lsn(String text) {
        int slash = text.indexOf('/');
        return (Long.parseLong(text.substring(0, slash), 16) << 32) | Long.parseLong(text.substring(slash + 1), 16);
    }
}
