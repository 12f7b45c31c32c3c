package io.philotes.db;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import io.philotes.core.ClasspathFiles;

/**
 * Applies {@code sql/migrations/V<n>__<name>.sql} in version order, each in its own transaction, recording
 * a checksum of each. A PostgreSQL advisory lock serializes instances that start together; the second one
 * waits, then finds everything applied.
 */
public final class Migrations {
    private static final System.Logger LOG = System.getLogger(Migrations.class.getName());
    private static final Pattern FILE_NAME = Pattern.compile("V(\\d+)__([A-Za-z0-9_]+)\\.sql");

    private final List<Migration> migrations;
    private final SqlStatements statements;

    Migrations(List<Migration> migrations, SqlStatements statements) {
        this.migrations = List.copyOf(migrations);
        this.statements = statements;
    }

    /**
     * Reads the migrations shipped on the class path.
     *
     * @param statements the bookkeeping statements
     * @return the migrations
     */
    public static Migrations load(SqlStatements statements) {
        List<Migration> list = new ArrayList<>();
        for (ClasspathFiles.NamedText file : ClasspathFiles.read("sql/migrations", ".sql")) {
            Matcher m = FILE_NAME.matcher(file.name());
            if (!m.matches()) {
                throw new IllegalStateException("Migration file " + file.name() + " is not named V<number>__<name>.sql");
            }
            String text = file.text().replace("\r\n", "\n");
            list.add(new Migration(Integer.parseInt(m.group(1)), m.group(2), text, sha256(text)));
        }
        list.sort((a, b) -> Integer.compare(a.version(), b.version()));
        for (int i = 1; i < list.size(); i++) {
            if (list.get(i).version() == list.get(i - 1).version()) {
                throw new IllegalStateException("Two migration files have version " + list.get(i).version());
            }
        }
        return new Migrations(list, statements);
    }

    /**
     * The newest version this build knows.
     *
     * @return highest migration version, 0 when there are none
     */
    public int latestVersion() {
        return migrations.isEmpty() ? 0 : migrations.getLast().version();
    }

    /**
     * Brings the database to the latest version.
     *
     * @param dataSource where to apply them
     * @return the migrations applied by this call (empty when the database was current)
     * @throws SQLException when the database cannot be reached (worth retrying)
     * @throws MigrationException when the schema cannot be brought up to date (not worth retrying)
     */
    public List<Migration> apply(DataSource dataSource) throws SQLException {
        // Plain JDBC: the advisory lock is held by this one session across a transaction per migration, and
        // DbClient gives each statement outside a transaction a pooled connection of its own.
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(true);
            execute(connection, "migration-lock");
            try {
                return applyLocked(connection);
            } finally {
                if (!connection.isClosed()) {
                    connection.setAutoCommit(true);
                    execute(connection, "migration-unlock");
                }
            }
        }
    }

    private List<Migration> applyLocked(Connection connection) throws SQLException {
        execute(connection, "migration-schema-create");
        execute(connection, "migration-table-create");
        Map<Integer, String[]> applied = new LinkedHashMap<>();
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery(statements.sql("migration-applied"))) {
            while (rs.next()) {
                applied.put(rs.getInt(1), new String[] {rs.getString(2), rs.getString(3)});
            }
        }
        for (Map.Entry<Integer, String[]> entry : applied.entrySet()) {
            Migration known = migrations.stream().filter(m -> m.version() == entry.getKey()).findFirst().orElse(null);
            if (known == null) {
                throw new MigrationException("The database has migration V" + entry.getKey() + " (" + entry.getValue()[0]
                        + ") which this build of Philotes does not know; run a newer build against this database");
            }
            if (!known.checksum().equals(entry.getValue()[1])) {
                throw new MigrationException("Migration " + known.fileName() + " was changed after it was applied"
                        + " (checksum " + entry.getValue()[1].substring(0, 12) + " in the database, "
                        + known.checksum().substring(0, 12) + " in this build); restore the original file"
                        + " and put the change in a new migration");
            }
        }
        List<Migration> done = new ArrayList<>();
        for (Migration migration : migrations) {
            if (!applied.containsKey(migration.version())) {
                applyOne(connection, migration);
                done.add(migration);
            }
        }
        return done;
    }

    private void applyOne(Connection connection, Migration migration) throws SQLException {
        long start = System.nanoTime();
        connection.setAutoCommit(false);
        try {
            try (Statement st = connection.createStatement()) {
                st.execute(migration.sql());
            }
            int millis = (int) ((System.nanoTime() - start) / 1_000_000);
            try (PreparedStatement ps = connection.prepareStatement(statements.sql("migration-record"))) {
                ps.setInt(1, migration.version());
                ps.setString(2, migration.name());
                ps.setString(3, migration.checksum());
                ps.setInt(4, millis);
                ps.executeUpdate();
            }
            connection.commit();
            LOG.log(System.Logger.Level.INFO, "Applied migration {0} in {1} ms", migration.fileName(), millis);
        } catch (SQLException e) {
            rollbackQuietly(connection);
            if (DatabaseErrors.isConnectionFailure(e)) {
                throw e;
            }
            throw new MigrationException("Migration " + migration.fileName() + " failed: " + e.getMessage(), e);
        }
    }

    private void execute(Connection connection, String name) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute(statements.sql(name));
        }
    }

    private static void rollbackQuietly(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; closing it releases the transaction
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * One migration file.
     *
     * @param version  its number
     * @param name     its descriptive name
     * @param sql      its text
     * @param checksum SHA-256 of its text, hex
     */
    public record Migration(int version, String name, String sql, String checksum) {
        public String fileName() {
            return "V%03d__%s.sql".formatted(version, name);
        }
    }

    /** The schema cannot be brought up to date; retrying will not help. */
    public static final class MigrationException extends RuntimeException {
        MigrationException(String message) {
            super(message);
        }

        MigrationException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
