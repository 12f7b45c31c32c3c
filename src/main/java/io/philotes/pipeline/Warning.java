package io.philotes.pipeline;

/**
 * Something about a pipeline's tables that will stop it from capturing, found by looking at the source
 * after a change; reported, not enforced (the source may be fixed later).
 *
 * @param code    {@code table_missing}, {@code table_not_cdc_ready} or {@code source_unchecked}
 * @param message what is wrong and how to fix it
 * @param schema  the table's schema, or null when the warning is about the source
 * @param table   the table's name, or null when the warning is about the source
 */
public record Warning(String code, String message, String schema, String table) {
}
