package io.philotes.db;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbRow;

/**
 * Runs named statements with named parameters and maps their rows, always closing what it opens.
 * Repositories use this rather than DbClient directly, so parameters are never passed positionally by
 * mistake and no result stream is left open.
 */
public final class NamedSql {
    private final DbClient db;

    public NamedSql(DbClient db) {
        this.db = db;
    }

    /**
     * Runs a query.
     *
     * @param name   statement name
     * @param params named parameters (values may be null)
     * @param mapper row mapper
     * @param <T>    row type
     * @return every row, mapped
     */
    public <T> List<T> list(String name, Map<String, ?> params, Function<DbRow, T> mapper) {
        try (Stream<DbRow> rows = db.execute().createNamedQuery(name).params(params).execute()) {
            return rows.map(mapper).toList();
        }
    }

    /**
     * Runs a query expected to return at most one row.
     *
     * @param name   statement name
     * @param params named parameters
     * @param mapper row mapper
     * @param <T>    row type
     * @return the first row, mapped, if any
     */
    public <T> Optional<T> one(String name, Map<String, ?> params, Function<DbRow, T> mapper) {
        try (Stream<DbRow> rows = db.execute().createNamedQuery(name).params(params).execute()) {
            return rows.findFirst().map(mapper);
        }
    }

    /**
     * A nullable text column.
     *
     * @param row    the row
     * @param column column name
     * @return its value, or null
     */
    public static String text(DbRow row, String column) {
        return (String) row.column(column).asOptional().orElse(null);
    }

    /**
     * A nullable timestamp column.
     *
     * @param row    the row
     * @param column column name
     * @return its value as an instant, or null
     */
    public static Instant instant(DbRow row, String column) {
        Object value = row.column(column).asOptional().orElse(null);
        return switch (value) {
            case null -> null;
            case Timestamp t -> t.toInstant();
            case OffsetDateTime o -> o.toInstant();
            default -> throw new IllegalStateException("Column " + column + " is not a timestamp: " + value.getClass());
        };
    }

    /**
     * Runs an insert, update or delete.
     *
     * @param name   statement name
     * @param params named parameters
     * @return rows affected
     */
    public long dml(String name, Map<String, ?> params) {
        return db.execute().createNamedUpdate(name).params(params).execute();
    }
}
