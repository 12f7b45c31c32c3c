package io.philotes.pipeline;

/**
 * Something about a pipeline that calls for attention: about its tables, found by looking at the source after a
 * change, which will stop it from capturing (reported, not enforced: the source may be fixed later); or about its
 * slot, which holds WAL on the source.
 *
 * @param code    {@code table_missing}, {@code table_not_cdc_ready}, {@code source_unchecked}, {@code wal_retained} or
 *                {@code wal_unreserved}
 * @param message what is wrong and how to fix it
 * @param schema  the table's schema, or null when the warning is about the source
 * @param table   the table's name, or null when the warning is about the source
 */
public record Warning(String code, String message, String schema, String table) {
}
