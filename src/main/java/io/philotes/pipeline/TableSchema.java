package io.philotes.pipeline;

import java.time.Instant;

/**
 * The latest shape a pipeline saw one of its tables in.
 *
 * @param schema  the table's schema
 * @param table   the table
 * @param version the shape's version, or null before the pipeline saw the table
 * @param seenAt  when that version was first seen, or null
 * @param columns its columns as JSON text ({@code [{name, type, type_oid, type_modifier, json_type, nullable, key}]}), or null
 */
public record TableSchema(String schema, String table, Integer version, Instant seenAt, String columns) {
}
