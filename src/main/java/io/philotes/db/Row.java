package io.philotes.db;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * The current row of a result, read by column label with typed getters; nullable getters return null for
 * SQL NULL. A view, valid only while the row mapper runs: it reads just the columns the mapper asks for,
 * and the label lookup is pgjdbc's, which it caches with the prepared statement.
 */
public final class Row {
    private final ResultSet rs;
    private final String statement;

    Row(ResultSet rs, String statement) {
        this.rs = rs;
        this.statement = statement;
    }

    public String text(String column) {
        try {
            return rs.getString(column);
        } catch (SQLException e) {
            throw new DatabaseException(statement, e);
        }
    }

    public UUID uuid(String column) {
        try {
            return rs.getObject(column, UUID.class);
        } catch (SQLException e) {
            throw new DatabaseException(statement, e);
        }
    }

    /** A column that is never NULL. */
    public int integer(String column) {
        try {
            return rs.getInt(column);
        } catch (SQLException e) {
            throw new DatabaseException(statement, e);
        }
    }

    /** A column that is never NULL. */
    public long whole(String column) {
        try {
            return rs.getLong(column);
        } catch (SQLException e) {
            throw new DatabaseException(statement, e);
        }
    }

    public byte[] bytes(String column) {
        try {
            return rs.getBytes(column);
        } catch (SQLException e) {
            throw new DatabaseException(statement, e);
        }
    }

    public Instant instant(String column) {
        try {
            OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
            return value == null ? null : value.toInstant();
        } catch (SQLException e) {
            throw new DatabaseException(statement, e);
        }
    }
}
