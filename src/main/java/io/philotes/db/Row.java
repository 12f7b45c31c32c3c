package io.philotes.db;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** One result row, read by column label with typed getters; nullable getters return null for SQL NULL. */
public final class Row {
    private final Map<String, Integer> columns;
    private final Object[] values;

    private Row(Map<String, Integer> columns, Object[] values) {
        this.columns = columns;
        this.values = values;
    }

    static Map<String, Integer> columns(ResultSetMetaData meta) throws SQLException {
        Map<String, Integer> columns = new HashMap<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            columns.putIfAbsent(meta.getColumnLabel(i), i - 1);
        }
        return columns;
    }

    static Row read(ResultSet rs, Map<String, Integer> columns) throws SQLException {
        Object[] values = new Object[columns.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = rs.getObject(i + 1);
        }
        return new Row(columns, values);
    }

    public Object value(String column) {
        Integer index = columns.get(column);
        if (index == null) {
            throw new IllegalArgumentException("The result has no column " + column);
        }
        return values[index];
    }

    public String text(String column) {
        Object v = value(column);
        return v == null ? null : v.toString();
    }

    public UUID uuid(String column) {
        return (UUID) value(column);
    }

    public int integer(String column) {
        return ((Number) value(column)).intValue();
    }

    public long whole(String column) {
        return ((Number) value(column)).longValue();
    }

    public boolean bool(String column) {
        return (Boolean) value(column);
    }

    public byte[] bytes(String column) {
        return (byte[]) value(column);
    }

    public Instant instant(String column) {
        Object value = value(column);
        return switch (value) {
            case null -> null;
            case Timestamp t -> t.toInstant();
            case OffsetDateTime o -> o.toInstant();
            default -> throw new IllegalStateException("Column " + column + " is not a timestamp: " + value.getClass());
        };
    }
}
