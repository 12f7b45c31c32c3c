package io.philotes.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Real PostgreSQL servers that play source databases, configured as the tests need: one ready for
 * logical replication that demands passwords from every role but the superuser, and one whose
 * {@code wal_level} is only {@code replica}. Each starts once per test JVM.
 */
public final class SourceServers {
    private static final AtomicInteger NAMES = new AtomicInteger();
    private static Server logical;
    private static Server replicaOnly;

    private SourceServers() {
    }

    public static synchronized Server logical() {
        if (logical == null) {
            logical = start("logical");
        }
        return logical;
    }

    public static synchronized Server replicaOnly() {
        if (replicaOnly == null) {
            replicaOnly = start("replica");
        }
        return replicaOnly;
    }

    private static Server start(String walLevel) {
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setDataDirectory(TestPostgres.tempDir("philotes-source-" + walLevel))
                    .setCleanDataDirectory(true)
                    .setServerConfig("wal_level", walLevel)
                    .setServerConfig("max_replication_slots", "20")
                    .setServerConfig("max_wal_senders", "20")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("password_encryption", "scram-sha-256")
                    .setDataDirectoryCustomizer(dir -> requirePasswords(dir.toPath()))
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> TestPostgres.close(pg)));
            return new Server(pg);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /* The superuser keeps trust (the embedded server's own start-up check uses it); every other role needs its password. */
    private static void requirePasswords(Path dataDir) {
        try {
            Files.writeString(dataDir.resolve("pg_hba.conf"), """
                    local all all trust
                    host all postgres 127.0.0.1/32 trust
                    host all postgres ::1/128 trust
                    host all all 127.0.0.1/32 scram-sha-256
                    host all all ::1/128 scram-sha-256
                    """);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A running source server.
     *
     * @param postgres the embedded server
     */
    public record Server(EmbeddedPostgres postgres) {
        public int port() {
            return postgres.getPort();
        }

        /**
         * Creates an empty database.
         *
         * @return its name
         */
        public String createDatabase() {
            String name = "src_" + ProcessHandle.current().pid() + "_" + NAMES.incrementAndGet();
            execute("postgres", "CREATE DATABASE " + name);
            return name;
        }

        /**
         * Creates a login role with a password.
         *
         * @param password    its password
         * @param replication whether it may replicate
         * @return its name
         */
        public String createRole(String password, boolean replication) {
            String name = "role_" + NAMES.incrementAndGet();
            execute("postgres", "CREATE ROLE " + name + " LOGIN PASSWORD '" + password + "'" + (replication ? " REPLICATION" : ""));
            return name;
        }

        /**
         * Runs SQL as the superuser.
         *
         * @param database where
         * @param sql      one or more statements
         */
        public void execute(String database, String sql) {
            try (Connection c = connect(database); Statement st = c.createStatement()) {
                st.execute(sql);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        /**
         * Ends the readers of the pipelines' slots and drops the slots: the server has few, and tests share
         * it, so none stays behind.
         */
        public void dropPipelineSlots() {
            // A terminated reader lets go of its slot a moment after pg_terminate_backend returns: ask again until none is left.
            long deadline = System.currentTimeMillis() + 30_000;
            String left;
            do {
                try (Connection c = connect("postgres"); Statement st = c.createStatement()) {
                    String ours = " FROM pg_replication_slots WHERE slot_name LIKE 'philotes%'";
                    st.execute("SELECT pg_terminate_backend(active_pid)" + ours + " AND active");
                    st.execute("SELECT pg_drop_replication_slot(slot_name)" + ours + " AND NOT active");
                    try (ResultSet rs = st.executeQuery("SELECT string_agg(slot_name, ', ')" + ours)) {
                        rs.next();
                        left = rs.getString(1);
                    }
                } catch (SQLException e) {
                    left = e.getMessage(); // a slot taken again between the look and the drop: the next round has it
                }
                if (left == null) {
                    return;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            } while (System.currentTimeMillis() < deadline);
            throw new IllegalStateException("replication slots left on the source server: " + left);
        }

        public Connection connect(String database) throws SQLException {
            return DriverManager.getConnection("jdbc:postgresql://localhost:" + port() + "/" + database, "postgres", "");
        }
    }
}
