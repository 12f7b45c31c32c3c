package io.philotes.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The real PostgreSQL every test runs against, chosen once per test JVM: {@code PHILOTES_TEST_DB_URL}
 * (with {@code PHILOTES_TEST_DB_USERNAME} / {@code PHILOTES_TEST_DB_PASSWORD}) when set, else a
 * Testcontainers PostgreSQL when Docker is available, else an embedded PostgreSQL. Each caller gets a
 * database of its own, so tests never see each other's rows.
 */
public final class TestPostgres {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static volatile Server server;

    private TestPostgres() {
    }

    /**
     * Creates a fresh, empty database.
     *
     * @return how to connect to it as a superuser
     */
    public static Coordinates freshDatabase() {
        Server s = server();
        String name = "philotes_t" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try (Connection c = DriverManager.getConnection(s.adminUrl(), s.user(), s.password());
             Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create test database " + name, e);
        }
        return new Coordinates(s.urlFor(name), s.user(), s.password(), s.host(), s.port(), name);
    }

    /**
     * What kind of server the tests use.
     *
     * @return a short description
     */
    public static String description() {
        return server().description();
    }

    private static Server server() {
        Server s = server;
        if (s == null) {
            synchronized (TestPostgres.class) {
                s = server;
                if (s == null) {
                    s = start();
                    server = s;
                }
            }
        }
        return s;
    }

    private static Server start() {
        String url = System.getenv("PHILOTES_TEST_DB_URL");
        if (url != null && !url.isBlank()) {
            return Server.fromUrl(url, env("PHILOTES_TEST_DB_USERNAME", "postgres"), env("PHILOTES_TEST_DB_PASSWORD", ""),
                                  "PostgreSQL from PHILOTES_TEST_DB_URL");
        }
        if (dockerAvailable()) {
            PostgreSQLContainer container = new PostgreSQLContainer("postgres:17")
                    .withCommand("postgres", "-c", "wal_level=logical", "-c", "max_replication_slots=20",
                                 "-c", "max_wal_senders=20", "-c", "synchronous_commit=on");
            container.start();
            return Server.fromUrl(container.getJdbcUrl(), container.getUsername(), container.getPassword(),
                                  "Testcontainers PostgreSQL 17");
        }
        Path dir = tempDir("philotes-test-pg");
        EmbeddedPostgres embedded = startEmbedded(dir, 0);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> close(embedded, dir)));
        return new Server("localhost", embedded.getPort(), "postgres", "", "embedded PostgreSQL");
    }

    /**
     * Starts an embedded PostgreSQL of the test's own, for tests that stop and restart their database.
     *
     * @param dataDir data directory, kept when it exists
     * @param port    fixed port, or 0 for any
     * @return the running server
     */
    public static EmbeddedPostgres startEmbedded(Path dataDir, int port) {
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("wal_level", "logical")
                    .setServerConfig("max_replication_slots", "20")
                    .setServerConfig("max_wal_senders", "20")
                    .setServerConfig("max_connections", "200");
            if (port > 0) {
                builder.setPort(port);
            }
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A new temporary directory.
     *
     * @param prefix name prefix
     * @return the directory
     */
    public static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Stops an embedded server, ignoring failures.
     *
     * @param postgres the server
     */
    public static void close(EmbeddedPostgres postgres) {
        try {
            postgres.close();
        } catch (IOException ignored) {
            // already stopped
        }
    }

    /**
     * Stops an embedded server and deletes its data directory (a run of the tests leaves no gigabytes behind).
     *
     * @param postgres the server
     * @param dataDir  its data directory
     */
    public static void close(EmbeddedPostgres postgres, Path dataDir) {
        close(postgres);
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // left for the system's temporary files
        }
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            return false;
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null ? fallback : value;
    }

    /**
     * How to reach one test database.
     *
     * @param url      JDBC URL
     * @param user     superuser name
     * @param password its password
     * @param host     server host
     * @param port     server port
     * @param database database name
     */
    public record Coordinates(String url, String user, String password, String host, int port, String database) {
        public Connection connect() throws SQLException {
            return DriverManager.getConnection(url, user, password);
        }
    }

    private record Server(String host, int port, String user, String password, String description) {
        static Server fromUrl(String url, String user, String password, String description) {
            URI uri = URI.create(url.substring("jdbc:".length()));
            return new Server(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), user, password, description);
        }

        String adminUrl() {
            return urlFor("postgres");
        }

        String urlFor(String database) {
            return "jdbc:postgresql://" + host + ":" + port + "/" + database;
        }
    }
}
