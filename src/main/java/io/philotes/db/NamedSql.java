package io.philotes.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import javax.sql.DataSource;

/**
 * Runs the named statements of {@code sql/statements} with named parameters ({@code :name}) on the
 * metadata pool, and maps rows. Each statement is converted to positional JDBC once; pgjdbc then keeps
 * it prepared on each pooled connection.
 *
 * <p>Why plain JDBC rather than Helidon DbClient: on the hottest read ({@code GET /api/v1/sources/{id}})
 * DbClient's per-call statement parsing and row mapping cost about a third of the throughput
 * ({@code bench/api-read}); the statements themselves are unchanged.
 */
public final class NamedSql {
    private final DataSource pool;
    private final SqlStatements statements;
    private final Map<String, Positional> converted = new ConcurrentHashMap<>();

    public NamedSql(DataSource pool, SqlStatements statements) {
        this.pool = pool;
        this.statements = statements;
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
    public <T> List<T> list(String name, Map<String, ?> params, Function<Row, T> mapper) {
        try (Connection c = pool.getConnection()) {
            return new Session(c).list(name, params, mapper);
        } catch (SQLException e) {
            throw new DatabaseException(name, e);
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
    public <T> Optional<T> one(String name, Map<String, ?> params, Function<Row, T> mapper) {
        try (Connection c = pool.getConnection()) {
            return new Session(c).one(name, params, mapper);
        } catch (SQLException e) {
            throw new DatabaseException(name, e);
        }
    }

    /**
     * Runs an insert, update or delete.
     *
     * @param name   statement name
     * @param params named parameters
     * @return rows affected
     */
    public long dml(String name, Map<String, ?> params) {
        try (Connection c = pool.getConnection()) {
            return new Session(c).dml(name, params);
        } catch (SQLException e) {
            throw new DatabaseException(name, e);
        }
    }

    /**
     * Runs statements in one transaction: it commits when the work returns and rolls back when it throws
     * (the exception then goes on unchanged).
     *
     * @param work   the statements, run on the session it is given
     * @param <T>    result type
     * @return what the work returned
     */
    public <T> T transaction(Function<Session, T> work) {
        try (Connection c = pool.getConnection()) {
            // The pool restores auto-commit when the connection comes back.
            c.setAutoCommit(false);
            try {
                T result = work.apply(new Session(c));
                c.commit();
                return result;
            } catch (RuntimeException | Error e) {
                rollback(c, e);
                throw e;
            }
        } catch (SQLException e) {
            throw new DatabaseException("transaction", e);
        }
    }

    private static void rollback(Connection c, Throwable failure) {
        try {
            c.rollback();
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }

    /** Named statements on one connection, e.g. inside a {@link #transaction(Function) transaction}. */
    public final class Session {
        private final Connection connection;

        private Session(Connection connection) {
            this.connection = connection;
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
        public <T> List<T> list(String name, Map<String, ?> params, Function<Row, T> mapper) {
            try (PreparedStatement ps = prepare(name, params); ResultSet rs = ps.executeQuery()) {
                Row row = new Row(rs, name);
                List<T> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(mapper.apply(row));
                }
                return rows;
            } catch (SQLException e) {
                throw new DatabaseException(name, e);
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
        public <T> Optional<T> one(String name, Map<String, ?> params, Function<Row, T> mapper) {
            try (PreparedStatement ps = prepare(name, params); ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(mapper.apply(new Row(rs, name))) : Optional.empty();
            } catch (SQLException e) {
                throw new DatabaseException(name, e);
            }
        }

        /**
         * Runs an insert, update or delete.
         *
         * @param name   statement name
         * @param params named parameters
         * @return rows affected
         */
        public long dml(String name, Map<String, ?> params) {
            try (PreparedStatement ps = prepare(name, params)) {
                return ps.executeLargeUpdate();
            } catch (SQLException e) {
                throw new DatabaseException(name, e);
            }
        }

        /**
         * Runs a {@code COPY ... FROM STDIN} statement with the given data.
         *
         * @param name statement name
         * @param data the data in the statement's format
         * @return rows copied
         */
        public long copyIn(String name, java.io.InputStream data) {
            try {
                return connection.unwrap(org.postgresql.PGConnection.class).getCopyAPI().copyIn(statements.sql(name), data);
            } catch (SQLException e) {
                throw new DatabaseException(name, e);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private PreparedStatement prepare(String name, Map<String, ?> params) throws SQLException {
            Positional p = converted.computeIfAbsent(name, n -> Positional.of(statements.sql(n)));
            PreparedStatement ps = connection.prepareStatement(p.sql());
            for (int i = 0; i < p.names().size(); i++) {
                String param = p.names().get(i);
                if (!params.containsKey(param)) {
                    ps.close();
                    throw new IllegalArgumentException("Statement " + name + " needs parameter :" + param);
                }
                ps.setObject(i + 1, params.get(param));
            }
            return ps;
        }
    }

    /**
     * A statement with {@code ?} in place of its named parameters.
     *
     * @param sql   positional SQL
     * @param names parameter name for each {@code ?}, in order
     */
    record Positional(String sql, List<String> names) {
        /* :name outside string literals, quoted identifiers and comments; :: casts are left alone. */
        static Positional of(String named) {
            StringBuilder sql = new StringBuilder(named.length());
            List<String> names = new ArrayList<>();
            int i = 0;
            while (i < named.length()) {
                char c = named.charAt(i);
                if (c == '\'' || c == '"') {
                    int end = named.indexOf(c, i + 1);
                    end = end < 0 ? named.length() - 1 : end;
                    sql.append(named, i, end + 1);
                    i = end + 1;
                } else if (c == '-' && i + 1 < named.length() && named.charAt(i + 1) == '-') {
                    int end = named.indexOf('\n', i);
                    end = end < 0 ? named.length() : end;
                    sql.append(named, i, end);
                    i = end;
                } else if (c == ':' && i + 1 < named.length() && named.charAt(i + 1) == ':') {
                    sql.append("::");
                    i += 2;
                } else if (c == ':' && i + 1 < named.length() && Character.isJavaIdentifierStart(named.charAt(i + 1))) {
                    int end = i + 1;
                    while (end < named.length() && Character.isJavaIdentifierPart(named.charAt(end))) {
                        end++;
                    }
                    names.add(named.substring(i + 1, end));
                    sql.append('?');
                    i = end;
                } else {
                    sql.append(c);
                    i++;
                }
            }
            return new Positional(sql.toString(), List.copyOf(names));
        }
    }
}
