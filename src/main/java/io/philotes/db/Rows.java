package io.philotes.db;

import java.sql.Array;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

import io.helidon.dbclient.DbRow;

/**
 * Typed reads of a DbClient row, straight from {@code row.column(name)}. pgjdbc reads {@code timestamptz}
 * as a {@link Timestamp}, and DbClient has no mapper from it to {@link Instant}: that one is converted here.
 */
public final class Rows {
    private Rows() {
    }

    /**
     * A text column.
     *
     * @param row    the row
     * @param column its label
     * @return its value, or null for SQL NULL
     */
    public static String text(DbRow row, String column) {
        return row.column(column).get(String.class);
    }

    /**
     * A {@code timestamptz} column.
     *
     * @param row    the row
     * @param column its label
     * @return the instant, or null for SQL NULL
     */
    public static Instant instant(DbRow row, String column) {
        Timestamp value = row.column(column).get(Timestamp.class);
        return value == null ? null : value.toInstant();
    }

    /**
     * A whole-number column of any width (int, bigint, numeric without a fraction).
     *
     * @param row    the row
     * @param column its label
     * @return its value, or null for SQL NULL
     */
    public static Long number(DbRow row, String column) {
        return row.column(column).asOptional().map(v -> ((Number) v).longValue()).orElse(null);
    }

    /**
     * A text array column.
     *
     * @param row    the row
     * @param column the column
     * @return its elements, or null when it is NULL
     */
    public static List<String> strings(DbRow row, String column) {
        Array array = row.column(column).get(Array.class);
        try {
            return array == null ? null : List.of((String[]) array.getArray());
        } catch (SQLException e) {
            throw new IllegalStateException("Column " + column + " holds an unreadable array: " + e.getMessage(), e);
        }
    }
}
