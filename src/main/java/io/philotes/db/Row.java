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
        return read(column, ResultSet::getString);
    }

    public UUID uuid(String column) {
        return read(column, (r, c) -> r.getObject(c, UUID.class));
    }

    /** A column that is never NULL. */
    public int integer(String column) {
        return read(column, ResultSet::getInt);
    }

    /** A column that is never NULL. */
    public long whole(String column) {
        return read(column, ResultSet::getLong);
    }

    /** A column that is never NULL. */
    public boolean bool(String column) {
        return read(column, ResultSet::getBoolean);
    }

    public byte[] bytes(String column) {
        return read(column, ResultSet::getBytes);
    }

    public Instant instant(String column) {
        OffsetDateTime value = read(column, (r, c) -> r.getObject(c, OffsetDateTime.class));
        return value == null ? null : value.toInstant();
    }

    private <T> T read(String column, Getter<T> getter) {
        try {
            return getter.get(rs, column);
        } catch (SQLException e) {
            throw new DatabaseException(statement, e);
        }
    }

    @FunctionalInterface
    private interface Getter<T> {
        T get(ResultSet rs, String column) throws SQLException;
    }
}
